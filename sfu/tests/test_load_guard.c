/* The guard's ADDRESS:PORT reader (bench-srtp's --sendmsg-to and --drain):
 * what it takes, and the errors for what it does not. */
#include <arpa/inet.h>
#include <string.h>

#include "tap.h"
#include "guard.h"

static struct sockaddr_storage addr;
static socklen_t               len;
static char                    err[256];

static int
endpoint(const char *text, bool any_port)
{
    err[0] = '\0';
    return load_guard_endpoint(text, any_port, &addr, &len, err, sizeof(err));
}

int
main(void)
{
    struct sockaddr_in  *in4 = (struct sockaddr_in *) &addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &addr;

    is_int(endpoint("127.0.0.1:5004", false), 0, "loopback IPv4 and a port");
    is_int(addr.ss_family, AF_INET, "IPv4");
    is_int(ntohs(in4->sin_port), 5004, "the port");
    is_int(len, (int) sizeof(*in4), "an IPv4 address's length");
    is_int(endpoint("127.9.9.9:1", false), 0, "anywhere in 127.0.0.0/8");
    is_int(endpoint("[::1]:65535", false), 0, "loopback IPv6 in brackets");
    is_int(addr.ss_family, AF_INET6, "IPv6");
    is_int(ntohs(in6->sin6_port), 65535, "the highest port");

    is_int(endpoint("127.0.0.1:0", false), -1, "port 0 to send to");
    ok(strstr(err, "the port must be 1..65535") != NULL, "... says so: %s", err);
    is_int(endpoint("127.0.0.1:0", true), 0, "port 0 to bind: the kernel picks");
    is_int(endpoint("127.0.0.1:65536", true), -1, "a port past 65535");
    is_int(endpoint("127.0.0.1:+5", false), -1, "a signed port");
    is_int(endpoint("127.0.0.1:5x", false), -1, "a port with more after it");
    is_int(endpoint("127.0.0.1:", false), -1, "no port");
    is_int(endpoint("127.0.0.1", false), -1, "no colon");
    ok(strstr(err, "expected ADDRESS:PORT") != NULL, "... says so: %s", err);
    is_int(endpoint("::1:5", false), -1, "IPv6 without brackets");
    is_int(endpoint("[::1:5", false), -1, "an open bracket");
    is_int(endpoint("[127.0.0.1]:5", false), -1, "IPv4 in brackets");
    is_int(endpoint("localhost:5", false), -1, "a name, not an address");
    ok(strstr(err, "not an IP address") != NULL, "... says so: %s", err);
    is_int(endpoint(":5", false), -1, "no address");

    is_int(endpoint("10.201.0.2:5004", false), -1, "off loopback, not allowed");
    ok(strstr(err, "--allow-netns") != NULL, "... names --allow-netns: %s", err);
    is_int(load_guard_allow("10.201.0.0/30", err, sizeof(err)), 0,
           "the bench's namespace network allowed");
    is_int(endpoint("10.201.0.2:5004", false), 0, "then inside it is taken");
    is_int(endpoint("10.201.0.5:5004", false), -1, "just outside it is not");
    is_int(endpoint("192.0.2.1:5004", false), -1, "nor anywhere else");
    return tap_done();
}
