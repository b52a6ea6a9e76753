/*
 * bench-srtp: the per-packet floor of the forwarding path on this machine.
 * Prints the time and the allocations per 1,100-byte RTP packet for SRTP
 * protect under each profile, one UDP sendmsg on loopback, and
 * sfu_transport_send_rtp between two connected transports (protect,
 * libnice, sendmsg).  BENCH_PACKETS sets the count (default 100000).
 *
 * Allocations are counted by standing in for malloc, calloc and realloc,
 * which also catches those made inside GLib, libnice and the crypto
 * libraries.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "srtp.h"
#include "tests/media.h"
#include "tests/pair.h"

#define PACKET_LEN 1100

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

static unsigned long allocations;

void *
malloc(size_t size)
{
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t size)
{
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return __libc_realloc(p, size);
}

static unsigned long packets = 100000;

struct measure {
    double start;
    unsigned long allocations;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
measure_start(struct measure *m)
{
    m->allocations = __atomic_load_n(&allocations, __ATOMIC_RELAXED);
    m->start = now();
}

static void
measure_report(const struct measure *m, const char *what, unsigned long ok)
{
    double us = (now() - m->start) * 1e6 / (double) packets;
    double per = (double) (__atomic_load_n(&allocations, __ATOMIC_RELAXED)
                           - m->allocations) / (double) packets;

    printf("%-50s %7.2f us/packet  %5.2f allocations/packet%s\n", what, us,
           per, ok == packets ? "" : "  (some failed)");
}

static void
bench_protect(sfu_srtp_profile_t profile, const char *name)
{
    sfu_srtp_keys_t keys = { .profile = profile };
    uint8_t plain[PACKET_LEN], buf[PACKET_LEN + SFU_TRANSPORT_TRAILER];
    sfu_srtp_t s = { NULL, NULL };
    struct measure m;
    unsigned long ok = 0;
    char what[64];
    size_t len;

    memset(keys.local, 0x5a, sizeof(keys.local));
    memset(keys.remote, 0xa5, sizeof(keys.remote));
    if (sfu_srtp_start(&s, &keys) != 0) {
        return;
    }
    make_rtp(plain, PACKET_LEN, 0);
    /* the first packet of an SSRC makes its stream: not the steady state */
    len = PACKET_LEN;
    memcpy(buf, plain, len);
    sfu_srtp_protect(&s, false, buf, &len, sizeof(buf));

    measure_start(&m);
    for (unsigned long i = 1; i <= packets; i++) {
        memcpy(buf, plain, PACKET_LEN);
        buf[2] = (uint8_t) (i >> 8);
        buf[3] = (uint8_t) i;
        len = PACKET_LEN;
        ok += sfu_srtp_protect(&s, false, buf, &len, sizeof(buf)) == 0;
    }
    snprintf(what, sizeof(what), "SRTP protect, %s", name);
    measure_report(&m, what, ok);
    sfu_srtp_stop(&s);
}

static void
bench_sendmsg(void)
{
    struct sockaddr_in to = { .sin_family = AF_INET };
    socklen_t to_len = sizeof(to);
    uint8_t buf[PACKET_LEN];
    struct iovec iov = { buf, sizeof(buf) };
    struct msghdr msg = { .msg_name = &to, .msg_namelen = sizeof(to),
                          .msg_iov = &iov, .msg_iovlen = 1 };
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    struct measure m;
    unsigned long ok = 0;

    /* a receiver nobody reads: once its buffer is full the kernel drops */
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    bind(rx, (struct sockaddr *) &to, sizeof(to));
    getsockname(rx, (struct sockaddr *) &to, &to_len);
    make_rtp(buf, sizeof(buf), 0);

    measure_start(&m);
    for (unsigned long i = 0; i < packets; i++) {
        ok += sendmsg(tx, &msg, 0) == (ssize_t) sizeof(buf);
    }
    measure_report(&m, "UDP sendmsg on loopback", ok);
    close(rx);
    close(tx);
}

static void
bench_transport(sfu_srtp_profile_t only, const char *name)
{
    const char *loopback[] = { "127.0.0.1", NULL };
    sfu_transport_config_t cfg = { .listen = loopback, .udp = true,
                                   .srtp_only = only };
    uint8_t plain[PACKET_LEN], buf[PACKET_LEN + SFU_TRANSPORT_TRAILER];
    struct pair p;
    struct measure m;
    unsigned long ok = 0;
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
    make_rtp(plain, PACKET_LEN, 0);
    memcpy(buf, plain, PACKET_LEN);
    sfu_transport_send_rtp(p.e[0].t, buf, PACKET_LEN, sizeof(buf));

    measure_start(&m);
    for (unsigned long i = 1; i <= packets; i++) {
        memcpy(buf, plain, PACKET_LEN);
        buf[2] = (uint8_t) (i >> 8);
        buf[3] = (uint8_t) i;
        ok += sfu_transport_send_rtp(p.e[0].t, buf, PACKET_LEN,
                                     sizeof(buf)) == 0;
    }
    snprintf(what, sizeof(what), "sfu_transport_send_rtp, %s", name);
    measure_report(&m, what, ok);
    pair_free(&p);
    sfu_transport_global_cleanup();
}

int
main(void)
{
    const char *env = getenv("BENCH_PACKETS");

    if (env != NULL && atol(env) > 0) {
        packets = (unsigned long) atol(env);
    }
    sfu_log_init(SFU_LOG_ERROR, 0);
    printf("%lu packets of %d bytes each\n", packets, PACKET_LEN);

    sfu_srtp_global_init();
    bench_protect(SFU_SRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80");
    bench_protect(SFU_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM");
    sfu_srtp_global_cleanup();

    bench_sendmsg();
    bench_transport(SFU_SRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80");
    bench_transport(SFU_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM");
    return 0;
}
