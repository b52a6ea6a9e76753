/* The shared port's batched sends on 127.0.0.1: queued inside the mux's dispatch and all out, in order, before it returns; a full queue goes at once; a refused datagram mid-batch is counted and the rest still go; sends outside a dispatch go straight out. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "ice_mux.h"
#include "ice_mux_sendq.h"
#include "log.h"
#include "loop.h"

#define MAX_LOG 512

/* A UDP socket on 127.0.0.1 that keeps what it read, in order. */
struct receiver {
    int      fd;
    uint16_t port;
    unsigned n;
    uint32_t seq[MAX_LOG];
    size_t   len[MAX_LOG];
    bool     body_wrong;    /* a datagram's bytes not those of its seq */
};

static void
receiver_open(struct receiver *r)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int size = 4 * 1024 * 1024;

    memset(r, 0, sizeof(*r));
    r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(r->fd, (struct sockaddr *) &sin, sizeof(sin));
    getsockname(r->fd, (struct sockaddr *) &sin, &len);
    r->port = ntohs(sin.sin_port);
}

/* Reads what has arrived (loopback delivers within the send call);
   returns how many datagrams it has read in all. */
static unsigned
receiver_drain(struct receiver *r)
{
    uint8_t buf[2048];
    ssize_t n;

    while ((n = recv(r->fd, buf, sizeof(buf), 0)) >= 4 && r->n < MAX_LOG) {
        memcpy(&r->seq[r->n], buf, 4);
        r->len[r->n] = (size_t) n;
        for (ssize_t i = 4; i < n; i++) {
            r->body_wrong |= buf[i] != (r->seq[r->n] & 0xff);
        }
        r->n++;
    }
    return r->n;
}

/* Datagram seq: its number in its first four bytes, len bytes long. */
static size_t
datagram(uint8_t *buf, uint32_t seq, size_t len)
{
    memset(buf, (int) (seq & 0xff), len);
    memcpy(buf, &seq, 4);
    return len;
}

/* A mux client whose timer runs a scenario inside the mux's dispatch. */
struct probe {
    sfu_ice_mux_client_t client;
    sfu_ice_mux_t       *mux;
    struct receiver     *rx;
    sfu_ice_mux_path_t   to, refused;
    void               (*scenario)(struct probe *p);
    bool                 fired;
    unsigned             seen_early, seen_at_full;
};

static void
probe_stun(sfu_ice_mux_client_t *c, const sfu_ice_mux_path_t *from,
           const sfu_stun_msg_t *m, const uint8_t *buf, size_t len)
{
    (void) c, (void) from, (void) m, (void) buf, (void) len;
}

static void
probe_data(sfu_ice_mux_client_t *c, uint8_t *buf, size_t len)
{
    (void) c, (void) buf, (void) len;
}

static void
probe_timer(sfu_ice_mux_client_t *c, gint64 now)
{
    struct probe *p = (struct probe *) c;

    (void) now;
    p->scenario(p);
    p->fired = true;
}

static const sfu_ice_mux_client_ops_t probe_ops = {
    probe_stun, probe_data, probe_timer,
};

static bool
fired(void *arg)
{
    return ((struct probe *) arg)->fired;
}

/* Runs the scenario in the mux's next dispatch; true once that returned. */
static bool
run_in_dispatch(struct probe *p, void (*scenario)(struct probe *p))
{
    p->scenario = scenario;
    p->fired = false;
    p->client.due = g_get_monotonic_time();
    sfu_ice_mux_reschedule(p->mux, &p->client);
    return run_until(fired, p, 10);
}

/* 150 datagrams from one buffer written over each time, one of 1600
   bytes (more than a slot) at 100. */
#define ORDERED_N  150
#define ORDERED_BIG 100

static size_t
ordered_len(uint32_t seq)
{
    return seq == ORDERED_BIG ? 1600 : 40 + (seq * 97) % 1400;
}

static void
send_ordered(struct probe *p)
{
    uint8_t buf[1600];

    for (uint32_t seq = 0; seq < ORDERED_N; seq++) {
        size_t len = datagram(buf, seq, ordered_len(seq));

        if (sfu_ice_mux_send(p->mux, &p->to, buf, len) != 0) {
            return;
        }
        if (seq == 9) {
            p->seen_early = receiver_drain(p->rx);
        } else if (seq == SFU_ICE_MUX_SENDQ_SLOTS) {
            /* the 65th found the queue full and sent the first 64 */
            p->seen_at_full = receiver_drain(p->rx);
        }
    }
}

static bool
received_in_order(const struct receiver *r, uint32_t first, unsigned n,
                  size_t (*len_of)(uint32_t seq))
{
    if (r->n != n || r->body_wrong) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        if (r->seq[i] != first + i || r->len[i] != len_of(first + i)) {
            return false;
        }
    }
    return true;
}

static void
test_ordered(struct probe *p)
{
    sfu_ice_mux_stats_t before, after;

    sfu_ice_mux_stats(p->mux, &before);
    ok(run_in_dispatch(p, send_ordered), "a dispatch sent %u datagrams",
       ORDERED_N);
    is_int(p->seen_early, 0, "... the first ten were still queued in it");
    is_int(p->seen_at_full, SFU_ICE_MUX_SENDQ_SLOTS,
           "... a full queue went out at once");
    receiver_drain(p->rx);
    ok(received_in_order(p->rx, 0, ORDERED_N, ordered_len),
       "... every one arrived, in order, with its own bytes, by the time "
       "the dispatch returned (%u)", p->rx->n);
    sfu_ice_mux_stats(p->mux, &after);
    is_int(after.send_queued, 0, "... nothing is left queued");
    is_int(after.sent_batched - before.sent_batched, ORDERED_N - 1,
           "... all but the large one through sendmmsg");
    is_int(after.sent_direct - before.sent_direct, 1,
           "... the large one with sendto, after those queued before it");
    ok(after.send_batches - before.send_batches <= 4,
       "... in %llu sendmmsg calls",
       (unsigned long long) (after.send_batches - before.send_batches));
    is_int(after.send_failed - before.send_failed, 0, "... none failed");
}

/* Ten datagrams, a refused one first, in the middle and last. */
#define MIXED_N 10

static size_t
mixed_len(uint32_t seq)
{
    return 100 + seq;
}

static void
send_mixed(struct probe *p)
{
    uint8_t buf[200];

    for (uint32_t seq = 0; seq < MIXED_N; seq++) {
        if (seq == 0 || seq == MIXED_N / 2) {
            sfu_ice_mux_send(p->mux, &p->refused, buf,
                             datagram(buf, 999, 100));
        }
        sfu_ice_mux_send(p->mux, &p->to, buf,
                         datagram(buf, seq, mixed_len(seq)));
    }
    sfu_ice_mux_send(p->mux, &p->refused, buf, datagram(buf, 999, 100));
}

static void
test_refused(struct probe *p)
{
    sfu_ice_mux_stats_t before, after;

    p->rx->n = 0;
    sfu_ice_mux_stats(p->mux, &before);
    ok(run_in_dispatch(p, send_mixed),
       "a dispatch sent %d datagrams and 3 the kernel refuses", MIXED_N);
    receiver_drain(p->rx);
    ok(received_in_order(p->rx, 0, MIXED_N, mixed_len),
       "... the others all arrived, in order (%u)", p->rx->n);
    sfu_ice_mux_stats(p->mux, &after);
    is_int(after.send_failed - before.send_failed, 3,
           "... the refused ones counted");
    is_int(after.sent_batched - before.sent_batched, MIXED_N,
           "... the others sent");
    is_int(after.send_queued, 0, "... nothing is left queued");
}

static void
test_outside_dispatch(struct probe *p)
{
    sfu_ice_mux_stats_t before, after;
    uint8_t buf[100];
    int sent;

    p->rx->n = 0;
    sfu_ice_mux_stats(p->mux, &before);
    sent = sfu_ice_mux_send(p->mux, &p->to, buf,
                            datagram(buf, 7, sizeof(buf)));
    ok(sent == 0 && receiver_drain(p->rx) == 1,
       "outside a dispatch: sent, and there at once");
    is_int(sfu_ice_mux_send(p->mux, &p->refused, buf, sizeof(buf)), -1,
           "... a refused datagram says so");
    sfu_ice_mux_stats(p->mux, &after);
    ok(after.sent_direct == before.sent_direct + 1
       && after.send_batches == before.send_batches
       && after.send_failed == before.send_failed,
       "... both with sendto, not queued");
}

int
main(void)
{
    static const char *loopback[] = { "127.0.0.1", NULL };
    sfu_transport_config_t cfg = { .listen = loopback, .udp = true };
    struct receiver rx;
    struct probe p = { .client.ops = &probe_ops, .rx = &rx };

    sfu_log_init(SFU_LOG_WARN, 0);
    receiver_open(&rx);
    /* the mux's own port: a receiver's, free again once it is closed */
    {
        struct receiver tmp;

        receiver_open(&tmp);
        cfg.udp_port = tmp.port;
        close(tmp.fd);
    }
    if (!ok(sfu_ice_mux_open(&cfg) == 0, "shared port %u open",
            cfg.udp_port))
    {
        return tap_done();
    }
    p.mux = sfu_ice_mux_find(&cfg);
    sfu_ice_mux_attach(p.mux, &p.client);
    sfu_ice_mux_path_set(&p.to, "127.0.0.1", rx.port);
    /* UDP to port 0 is refused by the kernel (EINVAL) per datagram, in
       sendmmsg as in sendto: a destination that fails mid-batch */
    sfu_ice_mux_path_set(&p.refused, "127.0.0.1", 0);

    test_ordered(&p);
    test_refused(&p);
    test_outside_dispatch(&p);

    sfu_ice_mux_detach(p.mux, &p.client);
    sfu_ice_mux_close_all();
    close(rx.fd);
    return tap_done();
}
