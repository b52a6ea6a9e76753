/* --rtc-peer-networks: parsing, matching, and the socket filter on UDP and TCP over 127.0.0.0/8 and ::1. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "peer_networks.h"

static sfu_peer_networks_t
parsed(const char *list)
{
    sfu_peer_networks_t n = { 0 };
    char err[128];

    if (sfu_peer_networks_parse(&n, list, err, sizeof(err)) != 0) {
        printf("# %s: %s\n", list, err);
    }
    return n;
}

static void
test_parse(void)
{
    static const char *bad[] = {
        "", ",", "127.0.0.1,", ",127.0.0.1", "127.0.0.1/", "127.0.0.1/33",
        "::1/129", "localhost", "x.local", "127.0.0.1/8x", "127.0.0.1/+8",
        "127.0.0.1/-1", "127.0.0.1/0008", "127.0.0.1 ", "1.2.3/8",
    };
    sfu_peer_networks_t n = { 0 };
    char err[128], many[40 * 16] = "";

    is_int(sfu_peer_networks_parse(&n, "127.0.0.0/8,::1", err, sizeof(err)),
           0, "two networks parse");
    is_int(n.n, 2, "both kept");
    ok(n.net[0].family == AF_INET && n.net[0].prefix == 8
       && n.net[1].family == AF_INET6 && n.net[1].prefix == 128,
       "a bare address is one host");
    is_int(sfu_peer_networks_parse(&n, "10.9.8.7/12", err, sizeof(err)), 0,
           "a second list adds to the first");
    ok(n.n == 3 && memcmp(n.net[2].addr, "\x0a\x00\x00\x00", 4) == 0,
       "host bits past the prefix are cleared");
    is_int(sfu_peer_networks_parse(&n, "::ffff:127.0.0.0/104", err,
                                   sizeof(err)), 0, "IPv4-mapped prefix");
    ok(n.net[3].family == AF_INET && n.net[3].prefix == 8,
       "an IPv4-mapped prefix is taken as IPv4's");

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sfu_peer_networks_t before = n;

        err[0] = '\0';
        ok(sfu_peer_networks_parse(&n, bad[i], err, sizeof(err)) == -1
           && err[0] != '\0' && memcmp(&before, &n, sizeof(n)) == 0,
           "\"%s\" refused, nothing added: %s", bad[i], err);
    }

    for (int i = 0; i < SFU_PEER_NETWORKS_MAX + 1; i++) {
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s10.%d.0.0/16",
                 i ? "," : "", i);
    }
    n.n = 0;
    ok(sfu_peer_networks_parse(&n, many, err, sizeof(err)) == -1 && n.n == 0,
       "more than %d networks refused: %s", SFU_PEER_NETWORKS_MAX, err);
}

static void
test_allow(void)
{
    sfu_peer_networks_t n = parsed("127.0.0.0/8,192.0.2.128/25,::1,2001:db8:8000::/33");
    sfu_peer_networks_t none = { 0 };

    ok(sfu_peer_networks_allow(&n, "127.0.0.1"), "127.0.0.1 in 127.0.0.0/8");
    ok(sfu_peer_networks_allow(&n, "127.255.255.255"), "127.255.255.255 too");
    ok(!sfu_peer_networks_allow(&n, "128.0.0.1"), "128.0.0.1 is not");
    ok(!sfu_peer_networks_allow(&n, "192.0.2.2"), "192.0.2.2 below the /25");
    ok(sfu_peer_networks_allow(&n, "192.0.2.200"), "192.0.2.200 in the /25");
    ok(sfu_peer_networks_allow(&n, "::ffff:127.0.0.1"),
       "IPv4-mapped 127.0.0.1 counts as IPv4");
    ok(sfu_peer_networks_allow(&n, "::1"), "::1");
    ok(!sfu_peer_networks_allow(&n, "::2"), "::2 is not");
    ok(sfu_peer_networks_allow(&n, "2001:db8:ffff::1"), "in the /33");
    ok(!sfu_peer_networks_allow(&n, "2001:db8:7fff::1"), "below the /33");
    ok(!sfu_peer_networks_allow(&n, "fd00::2"), "fd00::2 is not");
    ok(!sfu_peer_networks_allow(&n, "4b1e8e7c.local"), "a name never is");
    ok(sfu_peer_networks_allow(NULL, "192.0.2.2")
       && sfu_peer_networks_allow(&none, "fd00::2"),
       "no networks: any address");
    ok(!sfu_peer_networks_allow(NULL, "x.local"), "... but still no name");
}

static int
bound_socket(int family, int type, const char *ip, struct sockaddr_storage *ss)
{
    socklen_t len = sizeof(*ss);
    int fd = socket(family, type | SOCK_NONBLOCK, 0);

    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *) ss;

        in->sin_family = AF_INET;
        inet_pton(AF_INET, ip, &in->sin_addr);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;

        in6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, ip, &in6->sin6_addr);
    }
    if (fd < 0 || bind(fd, (struct sockaddr *) ss, sizeof(*ss)) != 0
        || getsockname(fd, (struct sockaddr *) ss, &len) != 0)
    {
        printf("# socket on %s: %s\n", ip, strerror(errno));
    }
    return fd;
}

/* Sends "from <ip>" from a socket bound to ip to the receiver at to. */
static void
send_from(int family, const char *ip, const struct sockaddr_storage *to)
{
    struct sockaddr_storage ss;
    char text[64];
    int fd = bound_socket(family, SOCK_DGRAM, ip, &ss);

    snprintf(text, sizeof(text), "from %s", ip);
    if (sendto(fd, text, strlen(text), 0, (const struct sockaddr *) to,
               sizeof(*to)) < 0)
    {
        printf("# send from %s: %s\n", ip, strerror(errno));
    }
    close(fd);
}

/* The next datagram waiting, as text ("" if none). */
static const char *
next_datagram(int fd)
{
    static char buf[64];
    ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

/*
 * Loopback delivers a datagram within sendto(), in order: what was sent
 * from a refused address before an allowed one and is not read first was
 * dropped.
 */
static void
test_udp_filter(void)
{
    sfu_peer_networks_t n = parsed("127.0.0.2,127.0.0.4/31");
    sfu_peer_networks_t v6 = parsed("::1");
    struct sockaddr_storage at;
    int fd = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &at);

    is_int(sfu_peer_networks_attach(&n, fd), 0, "filter attached (UDP)");
    send_from(AF_INET, "127.0.0.3", &at);
    send_from(AF_INET, "127.0.0.2", &at);
    send_from(AF_INET, "127.0.0.6", &at);
    send_from(AF_INET, "127.0.0.5", &at);
    is_str(next_datagram(fd), "from 127.0.0.2", "127.0.0.3 dropped, 127.0.0.2 through");
    is_str(next_datagram(fd), "from 127.0.0.5", "127.0.0.6 dropped, 127.0.0.5 through");
    is_str(next_datagram(fd), "", "nothing else");
    close(fd);

    /* an IPv6 socket that also takes IPv4: each family its own rule */
    fd = bound_socket(AF_INET6, SOCK_DGRAM, "::", &at);
    is_int(sfu_peer_networks_attach(&v6, fd), 0, "filter attached (IPv6)");
    {
        struct sockaddr_storage to4 = { 0 };
        struct sockaddr_in *in = (struct sockaddr_in *) &to4;

        in->sin_family = AF_INET;
        in->sin_port = ((struct sockaddr_in6 *) &at)->sin6_port;
        inet_pton(AF_INET, "127.0.0.1", &in->sin_addr);
        send_from(AF_INET, "127.0.0.1", &to4);
    }
    ((struct sockaddr_in6 *) &at)->sin6_addr = in6addr_loopback;
    send_from(AF_INET6, "::1", &at);
    is_str(next_datagram(fd), "from ::1", "IPv4 dropped, ::1 through");
    close(fd);

    ok(sfu_peer_networks_attach(NULL, -1) == 0, "no networks: no filter");
}

static void
test_tcp_filter(void)
{
    sfu_peer_networks_t n = parsed("127.0.0.2");
    struct sockaddr_storage at, from, peer;
    socklen_t len = sizeof(peer);
    char ip[INET_ADDRSTRLEN] = "";
    int lfd = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &at);
    int refused = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.3", &from);
    int allowed = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.2", &from);
    int afd;

    listen(lfd, 4);
    is_int(sfu_peer_networks_attach(&n, lfd), 0, "filter attached (TCP listener)");
    connect(refused, (struct sockaddr *) &at, sizeof(at));
    connect(allowed, (struct sockaddr *) &at, sizeof(at));
    afd = accept(lfd, (struct sockaddr *) &peer, &len);
    inet_ntop(AF_INET, &((struct sockaddr_in *) &peer)->sin_addr, ip, sizeof(ip));
    is_str(ip, "127.0.0.2", "the connection from 127.0.0.2 is accepted");
    ok(accept(lfd, NULL, NULL) < 0 && errno == EAGAIN,
       "the one from 127.0.0.3 never arrives");
    if (afd >= 0) {
        close(afd);
    }
    close(allowed);
    close(refused);
    close(lfd);
}

int
main(void)
{
    test_parse();
    test_allow();
    test_udp_filter();
    test_tcp_filter();
    return tap_done();
}
