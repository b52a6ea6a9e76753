/*
 * Datagrams sent together (udp_batch.c), on 127.0.0.1: nothing leaves
 * before the flush, then everything in the order queued and from the
 * socket it was queued for; a full batch sends itself; what the kernel
 * refuses is counted and the rest still goes.  And the shared port's use
 * of it: what a client sends while the mux hands it a datagram leaves
 * when that datagram is handled, and a send outside that leaves at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "ice_mux.h"
#include "log.h"
#include "loop.h"
#include "ports.h"
#include "udp_batch.h"

/* A UDP socket bound to 127.0.0.1 (port 0: any); its address in *addr. */
static int
bound_socket(uint16_t port, struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    socklen_t len = sizeof(*addr);

    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr->sin_port = htons(port);
    if (fd < 0 || bind(fd, (struct sockaddr *) addr, sizeof(*addr)) != 0
        || getsockname(fd, (struct sockaddr *) addr, &len) != 0)
    {
        printf("Bail out! a UDP socket on 127.0.0.1: %s\n", strerror(errno));
        exit(1);
    }
    return fd;
}

/* The next datagram waiting at fd as a string (and its source port in
   *from), or "" when none is. */
static const char *
next_datagram(int fd, uint16_t *from)
{
    static char buf[SFU_UDP_BATCH_DATAGRAM + 2];
    struct sockaddr_in src;
    socklen_t len = sizeof(src);
    ssize_t n;

    n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT,
                 (struct sockaddr *) &src, &len);
    buf[n > 0 ? n : 0] = '\0';
    if (from != NULL) {
        *from = n > 0 ? ntohs(src.sin_port) : 0;
    }
    return buf;
}

static int
add_str(sfu_udp_batch_t *b, int fd, const struct sockaddr_in *to,
        const char *s)
{
    return sfu_udp_batch_add(b, fd, (const struct sockaddr *) to,
                             sizeof(*to), (const uint8_t *) s, strlen(s));
}

static void
test_order_and_sockets(sfu_udp_batch_t *b)
{
    struct sockaddr_in a_addr, b_addr, r1, r2;
    int a = bound_socket(0, &a_addr), s = bound_socket(0, &b_addr);
    int rx1 = bound_socket(0, &r1), rx2 = bound_socket(0, &r2);
    uint16_t from[3];
    char got[64];

    add_str(b, a, &r1, "a1");
    add_str(b, a, &r2, "a2");
    add_str(b, s, &r1, "b1");
    add_str(b, a, &r1, "a3");
    is_int(b->n, 4, "four datagrams queued");
    is_str(next_datagram(rx1, NULL), "", "... none sent before the flush");
    sfu_udp_batch_flush(b);
    is_int(b->n, 0, "the flush empties the batch");
    g_snprintf(got, sizeof(got), "%s", next_datagram(rx1, &from[0]));
    g_strlcat(got, ",", sizeof(got));
    g_strlcat(got, next_datagram(rx1, &from[1]), sizeof(got));
    g_strlcat(got, ",", sizeof(got));
    g_strlcat(got, next_datagram(rx1, &from[2]), sizeof(got));
    is_str(got, "a1,b1,a3", "... the first receiver's, in the order queued");
    ok(from[0] == ntohs(a_addr.sin_port) && from[1] == ntohs(b_addr.sin_port)
       && from[2] == ntohs(a_addr.sin_port),
       "... each from the socket it was queued for");
    is_str(next_datagram(rx2, NULL), "a2", "... the second receiver's");
    is_int(b->send_errors, 0, "... no errors");
    close(a);
    close(s);
    close(rx1);
    close(rx2);
}

static void
test_full_and_limits(sfu_udp_batch_t *b)
{
    static uint8_t big[SFU_UDP_BATCH_DATAGRAM + 1];
    struct sockaddr_in a_addr, r;
    int a = bound_socket(0, &a_addr), rx = bound_socket(0, &r);
    unsigned got = 0;
    char s[16];
    ssize_t n;

    for (unsigned i = 0; i < SFU_UDP_BATCH_MAX; i++) {
        g_snprintf(s, sizeof(s), "%u", i);
        add_str(b, a, &r, s);
    }
    is_str(next_datagram(rx, NULL), "", "a full batch waits");
    add_str(b, a, &r, "one more");
    while (strcmp(next_datagram(rx, NULL), "") != 0) {
        got++;
    }
    is_int(got, SFU_UDP_BATCH_MAX, "one more sends the full batch first");
    is_int(b->n, 1, "... and queues the new one");
    sfu_udp_batch_flush(b);
    is_str(next_datagram(rx, NULL), "one more", "... which the flush sends");

    memset(big, 'x', sizeof(big));
    is_int(sfu_udp_batch_add(b, a, (struct sockaddr *) &r, sizeof(r), big,
                             sizeof(big)), -1,
           "a datagram over SFU_UDP_BATCH_DATAGRAM is refused");
    is_int(b->n, 0, "... and not queued");
    is_int(sfu_udp_batch_add(b, a, (struct sockaddr *) &r, sizeof(r), big,
                             SFU_UDP_BATCH_DATAGRAM), 0,
           "one of SFU_UDP_BATCH_DATAGRAM bytes is queued");
    sfu_udp_batch_flush(b);
    n = recv(rx, big, sizeof(big), MSG_DONTWAIT);
    is_int(n, SFU_UDP_BATCH_DATAGRAM, "... and arrives whole");
    close(a);
    close(rx);
}

static void
test_refused(sfu_udp_batch_t *b)
{
    struct sockaddr_in a_addr, r;
    struct sockaddr_in6 v6 = { .sin6_family = AF_INET6,
                               .sin6_addr = IN6ADDR_LOOPBACK_INIT,
                               .sin6_port = htons(9) };
    int a = bound_socket(0, &a_addr), rx = bound_socket(0, &r);

    add_str(b, a, &r, "before");
    /* an IPv6 address on an IPv4 socket: the kernel refuses this one */
    sfu_udp_batch_add(b, a, (struct sockaddr *) &v6, sizeof(v6),
                      (const uint8_t *) "never", 5);
    add_str(b, a, &r, "after");
    sfu_udp_batch_flush(b);
    is_int(b->send_errors, 1, "a datagram the kernel refuses is counted");
    is_str(next_datagram(rx, NULL), "before", "... the one before it went");
    is_str(next_datagram(rx, NULL), "after", "... and the one after it");
    is_int(b->n, 0, "... the batch is empty");
    close(a);
    close(rx);
}

/* --- the shared port */

struct corked_client {
    sfu_ice_mux_client_t     client;
    sfu_ice_mux_t           *mux;
    sfu_ice_mux_path_t       peer;    /* where it answers */
    int                      peer_fd;
    bool                     handled;
    const char              *seen_inside; /* at peer_fd during the call */
};

static void
corked_data(sfu_ice_mux_client_t *c, uint8_t *buf, size_t len)
{
    struct corked_client *cc = (struct corked_client *) c;

    (void) buf;
    (void) len;
    sfu_ice_mux_send(cc->mux, &cc->peer, (const uint8_t *) "one", 3);
    sfu_ice_mux_send(cc->mux, &cc->peer, (const uint8_t *) "two", 3);
    sfu_ice_mux_send(cc->mux, &cc->peer, (const uint8_t *) "three", 5);
    cc->seen_inside = g_strdup(next_datagram(cc->peer_fd, NULL));
    cc->handled = true;
}

static const sfu_ice_mux_client_ops_t corked_ops = {
    .data = corked_data,
};

static bool
handled(void *arg)
{
    return ((struct corked_client *) arg)->handled;
}

static void
test_mux_sends_after_each_datagram(void)
{
    static const char *loopback[] = { "127.0.0.1", NULL };
    sfu_transport_config_t cfg = { .listen = loopback, .udp = true };
    struct corked_client cc = { .client = { .ops = &corked_ops } };
    struct sockaddr_in peer_addr, port_addr;
    sfu_ice_mux_stats_t stats;
    char got[64];

    cfg.udp_port = free_loopback_port(SOCK_DGRAM);
    if (!ok(sfu_ice_mux_open(&cfg) == 0
            && (cc.mux = sfu_ice_mux_find(&cfg)) != NULL,
            "a shared port on 127.0.0.1:%u", cfg.udp_port))
    {
        return;
    }
    cc.peer_fd = bound_socket(0, &peer_addr);
    sfu_ice_mux_path_set(&cc.peer, "127.0.0.1", ntohs(peer_addr.sin_port));
    sfu_ice_mux_attach(cc.mux, &cc.client);
    sfu_ice_mux_add_path(cc.mux, &cc.peer, &cc.client);

    sfu_ice_mux_send(cc.mux, &cc.peer, (const uint8_t *) "direct", 6);
    is_str(next_datagram(cc.peer_fd, NULL), "direct",
           "a send outside the mux's dispatch leaves at once");

    memset(&port_addr, 0, sizeof(port_addr));
    port_addr.sin_family = AF_INET;
    port_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    port_addr.sin_port = htons(cfg.udp_port);
    sendto(cc.peer_fd, "media", 5, 0, (struct sockaddr *) &port_addr,
           sizeof(port_addr));
    ok(run_until(handled, &cc, 5), "the peer's datagram reaches its client");
    is_str(cc.seen_inside, "",
           "... what the client sends while handling it waits");
    g_snprintf(got, sizeof(got), "%s", next_datagram(cc.peer_fd, NULL));
    g_strlcat(got, ",", sizeof(got));
    g_strlcat(got, next_datagram(cc.peer_fd, NULL), sizeof(got));
    g_strlcat(got, ",", sizeof(got));
    g_strlcat(got, next_datagram(cc.peer_fd, NULL), sizeof(got));
    is_str(got, "one,two,three", "... then leaves, in order");
    sfu_ice_mux_stats(cc.mux, &stats);
    is_int(stats.send_errors, 0, "... udp_send_errors 0");

    sfu_ice_mux_remove_path(cc.mux, &cc.peer, &cc.client);
    sfu_ice_mux_detach(cc.mux, &cc.client);
    g_free((char *) cc.seen_inside);
    close(cc.peer_fd);
    sfu_ice_mux_close_all();
}

int
main(void)
{
    static sfu_udp_batch_t batch;

    sfu_log_init(SFU_LOG_WARN, 0);
    sfu_udp_batch_init(&batch);
    test_order_and_sockets(&batch);
    test_full_and_limits(&batch);
    test_refused(&batch);
    test_mux_sends_after_each_datagram();
    return tap_done();
}
