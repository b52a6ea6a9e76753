/*
 * bench-srtp: the per-packet floor of the forwarding path on this machine.
 * Prints the time and the allocations per 1,100-byte RTP packet for SRTP
 * protect and unprotect under each profile, one UDP sendmsg on loopback,
 * and sfu_transport_send_rtp between two connected transports (protect,
 * then a sendto on the selected UDP pair's socket, as in the worker).
 *
 * Each figure is the best of BENCH_ROUNDS rounds (default 5) of
 * BENCH_PACKETS packets (default 100000): the machine is shared, and the
 * fastest round is the one least disturbed.  Allocations are the average
 * over all rounds (tests/allocations.h counts them, inside the libraries
 * too).
 */

#include <arpa/inet.h>
#include <float.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "srtp.h"
#include "tests/allocations.h"
#include "tests/media.h"
#include "tests/pair.h"

#define PACKET_LEN 1100
/* packets prepared, untimed, ahead of each timed run of them */
#define BATCH 256

static unsigned long packets = 100000;
static unsigned long rounds = 5;

/*
 * One measured operation.  prepare (may be NULL) readies packets first to
 * first + n - 1 outside the clock; packet does packet i, timed, and says
 * whether it succeeded.  Packet numbers only grow, across rounds too.
 */
struct bench {
    void  *ctx;
    void (*prepare)(void *ctx, unsigned long first, unsigned long n);
    bool (*packet)(void *ctx, unsigned long i);
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
bench_run(const struct bench *b, const char *what)
{
    unsigned long seq = 1, ok = 0, allocated = 0;
    double best = DBL_MAX;

    for (unsigned long r = 0; r < rounds; r++) {
        double spent = 0;

        for (unsigned long done = 0, n; done < packets; done += n) {
            unsigned long a;
            double t;

            n = packets - done < BATCH ? packets - done : BATCH;
            if (b->prepare != NULL) {
                b->prepare(b->ctx, seq, n);
            }
            a = allocations_now();
            t = now();
            for (unsigned long i = seq; i < seq + n; i++) {
                ok += b->packet(b->ctx, i);
            }
            spent += now() - t;
            allocated += allocations_now() - a;
            seq += n;
        }
        if (spent < best) {
            best = spent;
        }
    }
    printf("%-50s %7.2f us/packet  %5.2f allocations/packet%s\n", what,
           best * 1e6 / (double) packets,
           (double) allocated / (double) (packets * rounds),
           ok == packets * rounds ? "" : "  (some failed)");
}

/* The RTP packet numbered i: its sequence number is i's low 16 bits. */
static void
packet_copy(uint8_t *buf, const uint8_t *plain, unsigned long i)
{
    memcpy(buf, plain, PACKET_LEN);
    buf[2] = (uint8_t) (i >> 8);
    buf[3] = (uint8_t) i;
}

struct srtp_bench {
    sfu_srtp_t sender;
    sfu_srtp_t receiver;
    uint8_t    plain[PACKET_LEN];
    uint8_t    buf[BATCH][PACKET_LEN + SFU_TRANSPORT_TRAILER];
    size_t     len[BATCH];
    unsigned long first;
};

static bool
srtp_protect_packet(void *ctx, unsigned long i)
{
    struct srtp_bench *s = ctx;
    size_t len = PACKET_LEN;

    packet_copy(s->buf[0], s->plain, i);
    return sfu_srtp_protect(&s->sender, false, s->buf[0], &len,
                            sizeof(s->buf[0])) == 0;
}

static void
srtp_protect_batch(void *ctx, unsigned long first, unsigned long n)
{
    struct srtp_bench *s = ctx;

    s->first = first;
    for (unsigned long k = 0; k < n; k++) {
        s->len[k] = PACKET_LEN;
        packet_copy(s->buf[k], s->plain, first + k);
        sfu_srtp_protect(&s->sender, false, s->buf[k], &s->len[k],
                         sizeof(s->buf[k]));
    }
}

static bool
srtp_unprotect_packet(void *ctx, unsigned long i)
{
    struct srtp_bench *s = ctx;
    unsigned long k = i - s->first;

    return sfu_srtp_unprotect(&s->receiver, false, s->buf[k], &s->len[k])
           == 0;
}

static void
bench_srtp(sfu_srtp_profile_t profile, const char *name)
{
    sfu_srtp_keys_t out = { .profile = profile }, in = { .profile = profile };
    static struct srtp_bench s;
    struct bench protect = { &s, NULL, srtp_protect_packet };
    struct bench unprotect = { &s, srtp_protect_batch, srtp_unprotect_packet };
    char what[64];

    memset(out.local, 0x5a, sizeof(out.local));
    memset(out.remote, 0xa5, sizeof(out.remote));
    memcpy(in.local, out.remote, sizeof(in.local));
    memcpy(in.remote, out.local, sizeof(in.remote));
    if (sfu_srtp_start(&s.sender, &out) != 0) {
        return;
    }
    if (sfu_srtp_start(&s.receiver, &in) != 0) {
        sfu_srtp_stop(&s.sender);
        return;
    }
    make_rtp(s.plain, PACKET_LEN, 0);
    /* the first packet of an SSRC makes its stream: not the steady state */
    srtp_protect_batch(&s, 0, 1);
    sfu_srtp_unprotect(&s.receiver, false, s.buf[0], &s.len[0]);

    snprintf(what, sizeof(what), "SRTP protect, %s", name);
    bench_run(&protect, what);
    /* unprotect starts from packet 1 again: a sender that has not sent it */
    sfu_srtp_stop(&s.sender);
    if (sfu_srtp_start(&s.sender, &out) != 0) {
        sfu_srtp_stop(&s.receiver);
        return;
    }
    snprintf(what, sizeof(what), "SRTP unprotect, %s", name);
    bench_run(&unprotect, what);
    sfu_srtp_stop(&s.sender);
    sfu_srtp_stop(&s.receiver);
}

struct sendmsg_bench {
    int           fd;
    struct msghdr msg;
};

static bool
sendmsg_packet(void *ctx, unsigned long i)
{
    struct sendmsg_bench *s = ctx;

    (void) i;
    return sendmsg(s->fd, &s->msg, 0) == PACKET_LEN;
}

static void
bench_sendmsg(void)
{
    struct sockaddr_in to = { .sin_family = AF_INET };
    socklen_t to_len = sizeof(to);
    uint8_t buf[PACKET_LEN];
    struct iovec iov = { buf, sizeof(buf) };
    struct sendmsg_bench s = {
        .fd = socket(AF_INET, SOCK_DGRAM, 0),
        .msg = { .msg_name = &to, .msg_namelen = sizeof(to),
                 .msg_iov = &iov, .msg_iovlen = 1 },
    };
    struct bench b = { &s, NULL, sendmsg_packet };
    int rx = socket(AF_INET, SOCK_DGRAM, 0);

    /* a receiver nobody reads: once its buffer is full the kernel drops */
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    bind(rx, (struct sockaddr *) &to, sizeof(to));
    getsockname(rx, (struct sockaddr *) &to, &to_len);
    make_rtp(buf, sizeof(buf), 0);

    bench_run(&b, "UDP sendmsg on loopback");
    close(rx);
    close(s.fd);
}

struct transport_bench {
    sfu_transport_t *t;
    uint8_t          plain[PACKET_LEN];
    uint8_t          buf[PACKET_LEN + SFU_TRANSPORT_TRAILER];
};

static bool
transport_packet(void *ctx, unsigned long i)
{
    struct transport_bench *s = ctx;

    packet_copy(s->buf, s->plain, i);
    return sfu_transport_send_rtp(s->t, s->buf, PACKET_LEN, sizeof(s->buf))
           == 0;
}

static void
bench_transport(sfu_srtp_profile_t only, const char *name)
{
    const char *loopback[] = { "127.0.0.1", NULL };
    sfu_transport_config_t cfg = { .listen = loopback, .udp = true,
                                   .srtp_only = only };
    struct transport_bench s;
    struct bench b = { &s, NULL, transport_packet };
    struct pair p;
    char what[64];

    if (sfu_transport_global_init(&cfg) != 0) {
        return;
    }
    pair_new(&p);
    if (pair_exchange(&p) != 0 || !run_until(pair_connected, &p, 20)) {
        fprintf(stderr, "bench-srtp: the transports did not connect\n");
        pair_free(&p);
        sfu_transport_global_cleanup();
        return;
    }
    s.t = p.e[0].t;
    make_rtp(s.plain, PACKET_LEN, 0);
    transport_packet(&s, 0);

    snprintf(what, sizeof(what), "sfu_transport_send_rtp, %s", name);
    bench_run(&b, what);
    pair_free(&p);
    sfu_transport_global_cleanup();
}

static unsigned long
env_count(const char *name, unsigned long fallback)
{
    const char *env = getenv(name);

    return env != NULL && atol(env) > 0 ? (unsigned long) atol(env)
                                        : fallback;
}

int
main(void)
{
    packets = env_count("BENCH_PACKETS", packets);
    rounds = env_count("BENCH_ROUNDS", rounds);
    sfu_log_init(SFU_LOG_ERROR, 0);
    printf("best of %lu rounds of %lu packets of %d bytes each\n", rounds,
           packets, PACKET_LEN);

    sfu_srtp_global_init();
    bench_srtp(SFU_SRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80");
    bench_srtp(SFU_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM");
    sfu_srtp_global_cleanup();

    bench_sendmsg();
    bench_transport(SFU_SRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80");
    bench_transport(SFU_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM");
    return 0;
}
