/*
 * ports.h: ports of 127.0.0.1 and ::1 that are free, for a moment, for a
 * test to open its sockets on (tests run side by side: never a fixed one).
 */

#ifndef SFU_TEST_PORTS_H
#define SFU_TEST_PORTS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* A port of the address (port 0) free for a moment for sockets of this
   type; 0 if the address cannot be bound. */
__attribute__((unused))
static uint16_t
free_port_on(const struct sockaddr *sa, socklen_t len, int type)
{
    union {
        struct sockaddr_storage ss;
        struct sockaddr_in      sin;
        struct sockaddr_in6     sin6;
    } bound;
    int fd = socket(sa->sa_family, type, 0);
    uint16_t port = 0;

    if (fd >= 0 && bind(fd, sa, len) == 0
        && getsockname(fd, (struct sockaddr *) &bound,
                       &(socklen_t) { sizeof(bound) }) == 0)
    {
        port = ntohs(sa->sa_family == AF_INET6 ? bound.sin6.sin6_port
                                               : bound.sin.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

/* A port of 127.0.0.1 free (for a moment) for sockets of this type. */
__attribute__((unused))
static uint16_t
free_loopback_port(int type)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return free_port_on((struct sockaddr *) &sin, sizeof(sin), type);
}

/* The same on ::1; 0 where the machine has no IPv6 loopback. */
__attribute__((unused))
static uint16_t
free_loopback6_port(int type)
{
    struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
                                 .sin6_addr = IN6ADDR_LOOPBACK_INIT };

    return free_port_on((struct sockaddr *) &sin6, sizeof(sin6), type);
}

#endif
