/*
 * bench-srtp: the per-packet floor of the forwarding path on this machine.
 * Prints the CPU time and the allocations per 1,100-byte RTP packet for
 * SRTP protect and unprotect under each profile, one UDP sendmsg on
 * loopback (to a socket nobody reads: once its buffer is full the kernel
 * drops each packet after the IP receive path), with --sendmsg-to one UDP
 * sendmsg to a reader there (make bench: over its veth pair, to a
 * bench-srtp --drain in the other namespace, the path the SFU sends on),
 * and sfu_transport_send_rtp between two connected transports (protect,
 * then a sendto on the selected UDP pair's socket, as in the worker).
 *
 *   bench-srtp [--sendmsg-to ADDRESS:PORT] [--allow-netns CIDR,...]
 *   bench-srtp --drain ADDRESS:PORT [--seconds N] [--allow-netns CIDR,...]
 *
 * Times are the CPU time of this thread (CLOCK_THREAD_CPUTIME_ID), as the
 * SFU's are counted in CPU seconds: time others take the core is not ours.
 * Each figure is the best of BENCH_ROUNDS rounds (default 5) of
 * BENCH_PACKETS packets (default 100000): the fastest round is the one
 * least disturbed (cache misses, softirqs of others).  Allocations are the
 * average over all rounds (tests/allocations.h counts them, inside the
 * libraries too).
 *
 * --drain reads every datagram arriving at ADDRESS:PORT (port 0: the
 * kernel picks; "draining ADDRESS:PORT" on stdout says which once bound)
 * until killed or --seconds (default 60) have passed.  Both addresses
 * follow sfu-load's rule (tools/load/guard.h): loopback, or a network
 * named with --allow-netns.
 */

#include <arpa/inet.h>
#include <float.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
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
cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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
            t = cpu_now();
            for (unsigned long i = seq; i < seq + n; i++) {
                ok += b->packet(b->ctx, i);
            }
            spent += cpu_now() - t;
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

/* One sendmsg round to "to"; NULL: to a loopback socket nobody reads. */
static void
bench_sendmsg(const struct sockaddr_storage *to, socklen_t to_len,
              const char *what)
{
    struct sockaddr_storage dst;
    uint8_t buf[PACKET_LEN];
    struct iovec iov = { buf, sizeof(buf) };
    struct sendmsg_bench s = {
        .msg = { .msg_name = &dst, .msg_iov = &iov, .msg_iovlen = 1 },
    };
    struct bench b = { &s, NULL, sendmsg_packet };
    struct sockaddr_in *lo = (struct sockaddr_in *) &dst;
    int rx = -1;

    if (to != NULL) {
        dst = *to;
    } else {
        memset(&dst, 0, sizeof(dst));
        lo->sin_family = AF_INET;
        inet_pton(AF_INET, "127.0.0.1", &lo->sin_addr);
        to_len = sizeof(*lo);
        rx = socket(AF_INET, SOCK_DGRAM, 0);
        if (rx < 0 || bind(rx, (struct sockaddr *) &dst, to_len) != 0
            || getsockname(rx, (struct sockaddr *) &dst, &to_len) != 0)
        {
            fprintf(stderr, "bench-srtp: a loopback receiver: %m\n");
            exit(1);
        }
    }
    s.msg.msg_namelen = to_len;
    s.fd = socket(dst.ss_family, SOCK_DGRAM, 0);
    if (s.fd < 0) {
        fprintf(stderr, "bench-srtp: socket: %m\n");
        exit(1);
    }
    make_rtp(buf, sizeof(buf), 0);
    /* the first packet to a new neighbour waits for ARP: not the steady state */
    sendmsg_packet(&s, 0);

    bench_run(&b, what);
    if (rx >= 0) {
        close(rx);
    }
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

/* A batch of datagrams per recvmmsg: the reader keeps up with one sender */
#define DRAIN_BATCH 64

static volatile sig_atomic_t drain_stop;

static void
drain_on_signal(int sig)
{
    (void) sig;
    drain_stop = 1;
}

/*
 * --drain: reads whatever arrives at addr until seconds have passed (a
 * bound in case nobody kills it) or SIGTERM/SIGINT, then says how many
 * datagrams came.  0, or 1 when the socket cannot be had.
 */
static int
drain(struct sockaddr_storage *addr, socklen_t len, unsigned long seconds)
{
    static uint8_t  buf[DRAIN_BATCH][2048];
    struct iovec    iov[DRAIN_BATCH];
    struct mmsghdr  msgs[DRAIN_BATCH];
    struct timeval  tick = { .tv_usec = 200000 };
    struct sigaction on_stop = { .sa_handler = drain_on_signal };
    struct timespec t0, t;
    char            ip[INET6_ADDRSTRLEN];
    unsigned long   received = 0;
    int             fd = socket(addr->ss_family, SOCK_DGRAM, 0);
    int             rcvbuf = 8 << 20;
    in_port_t       port;

    /* room for a burst while this waits for a core: beyond rmem_max as
     * root, else as much as rmem_max lets */
    if (fd >= 0
        && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
                      sizeof(rcvbuf)) != 0)
    {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }
    if (fd < 0 || bind(fd, (struct sockaddr *) addr, len) != 0
        || getsockname(fd, (struct sockaddr *) addr, &len) != 0
        || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick)) != 0)
    {
        fprintf(stderr, "bench-srtp: --drain: %m\n");
        return 1;
    }
    /* no SA_RESTART: the signal ends a waiting recvmmsg at once */
    sigaction(SIGTERM, &on_stop, NULL);
    sigaction(SIGINT, &on_stop, NULL);
    if (addr->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *) addr)->sin_addr, ip,
                  sizeof(ip));
        port = ((struct sockaddr_in *) addr)->sin_port;
        printf("draining %s:%u\n", ip, ntohs(port));
    } else {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *) addr)->sin6_addr, ip,
                  sizeof(ip));
        port = ((struct sockaddr_in6 *) addr)->sin6_port;
        printf("draining [%s]:%u\n", ip, ntohs(port));
    }
    fflush(stdout);
    for (size_t k = 0; k < DRAIN_BATCH; k++) {
        iov[k] = (struct iovec) { buf[k], sizeof(buf[k]) };
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        int n;

        for (size_t k = 0; k < DRAIN_BATCH; k++) {
            msgs[k] = (struct mmsghdr) { .msg_hdr = { .msg_iov = &iov[k],
                                                      .msg_iovlen = 1 } };
        }
        n = recvmmsg(fd, msgs, DRAIN_BATCH, MSG_WAITFORONE, NULL);
        received += n > 0 ? (unsigned long) n : 0;
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (!drain_stop && (unsigned long) (t.tv_sec - t0.tv_sec) < seconds);
    printf("drained %lu datagrams\n", received);
    close(fd);
    return 0;
}

/* A usage error: why, the usage, exit status 2. */
__attribute__((format(printf, 1, 2))) static int
usage(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "bench-srtp: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: bench-srtp [--sendmsg-to ADDRESS:PORT] "
            "[--allow-netns CIDR,...]\n"
            "       bench-srtp --drain ADDRESS:PORT [--seconds N] "
            "[--allow-netns CIDR,...]\n");
    return 2;
}

static unsigned long
env_count(const char *name, unsigned long fallback)
{
    const char *env = getenv(name);

    return env != NULL && atol(env) > 0 ? (unsigned long) atol(env)
                                        : fallback;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "sendmsg-to", required_argument, NULL, 't' },
        { "drain", required_argument, NULL, 'd' },
        { "seconds", required_argument, NULL, 's' },
        { "allow-netns", required_argument, NULL, 'n' },
        { NULL, 0, NULL, 0 },
    };
    const char *to_text = NULL, *drain_text = NULL;
    struct sockaddr_storage to;
    socklen_t to_len;
    unsigned long seconds = 60;
    char err[256], what[96], *end;
    int opt;

    /* the addresses are checked once every --allow-netns is in */
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 't':
            to_text = optarg;
            break;
        case 'd':
            drain_text = optarg;
            break;
        case 's':
            seconds = strtoul(optarg, &end, 10);
            if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0'
                || seconds == 0 || seconds > 3600)
            {
                return usage("--seconds: expected 1..3600, got \"%s\"", optarg);
            }
            break;
        case 'n':
            if (load_guard_allow(optarg, err, sizeof(err)) != 0) {
                return usage("--allow-netns: %s", err);
            }
            break;
        default:
            return usage("%s", "unknown option or missing value");
        }
    }
    if (optind < argc) {
        return usage("unexpected argument \"%s\"", argv[optind]);
    }
    if (to_text != NULL && drain_text != NULL) {
        return usage("%s", "--sendmsg-to and --drain do not go together");
    }
    if (drain_text != NULL) {
        if (load_guard_endpoint(drain_text, true, &to, &to_len, err,
                                sizeof(err)) != 0)
        {
            return usage("--drain: %s", err);
        }
        return drain(&to, to_len, seconds);
    }
    if (to_text != NULL
        && load_guard_endpoint(to_text, false, &to, &to_len, err,
                               sizeof(err)) != 0)
    {
        return usage("--sendmsg-to: %s", err);
    }

    packets = env_count("BENCH_PACKETS", packets);
    rounds = env_count("BENCH_ROUNDS", rounds);
    sfu_log_init(SFU_LOG_ERROR, 0);
    printf("best of %lu rounds of %lu packets of %d bytes each, CPU time\n",
           rounds, packets, PACKET_LEN);

    sfu_srtp_global_init();
    bench_srtp(SFU_SRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80");
    bench_srtp(SFU_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM");
    sfu_srtp_global_cleanup();

    bench_sendmsg(NULL, 0, "UDP sendmsg on loopback");
    if (to_text != NULL) {
        snprintf(what, sizeof(what), "UDP sendmsg to %s", to_text);
        bench_sendmsg(&to, to_len, what);
    }
    bench_transport(SFU_SRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80");
    bench_transport(SFU_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM");
    return 0;
}
