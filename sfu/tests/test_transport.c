/* Two transports on 127.0.0.1: RTP/RTCP both ways for both SRTP profiles, replay, ICE-TCP, wrong fingerprints, injected packets, ICE restart, the DTLS session released, kernel arrival stamps and socket drops; ICE failing on the shared port. */
#include <arpa/inet.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "dtls.h"
#include "dtls_ignore.h"
#include "log.h"
#include "media.h"
#include "pair.h"
#include "ports.h"

static const char *loopback[] = { "127.0.0.1", NULL };
static uint16_t next_seq = 1;

struct arrival {
    struct pair_end *e;
    unsigned before;
    bool rtcp;
};

static bool
arrived(void *arg)
{
    struct arrival *a = arg;

    return (a->rtcp ? a->e->rtcp : a->e->rtp) > a->before;
}

/* One packet from e to its peer: arrives, and byte-identical. */
static bool
one_way(struct pair_end *e, bool rtcp)
{
    uint8_t plain[1200], buf[1200 + SFU_TRANSPORT_TRAILER];
    struct arrival a = { e->peer, rtcp ? e->peer->rtcp : e->peer->rtp, rtcp };
    size_t len = rtcp ? make_rtcp(plain) : make_rtp(plain, 1100, next_seq++);

    memcpy(buf, plain, len);
    if ((rtcp ? sfu_transport_send_rtcp(e->t, buf, len, sizeof(buf))
              : sfu_transport_send_rtp(e->t, buf, len, sizeof(buf))) != 0)
    {
        return false;
    }
    return run_until(arrived, &a, 5) && e->peer->last_len == len
           && memcmp(e->peer->last, plain, len) == 0;
}

static bool
media_flows(struct pair *p)
{
    return one_way(&p->e[0], false) && one_way(&p->e[1], false)
           && one_way(&p->e[0], true) && one_way(&p->e[1], true);
}

static bool
connect_pair(struct pair *p)
{
    pair_new(p);
    return pair_exchange(p) == 0 && run_until(pair_connected, p, 20);
}

static unsigned
local_port(const sfu_transport_t *t)
{
    sfu_transport_stats_t st;
    const char *colon;

    sfu_transport_stats(t, &st);
    colon = strrchr(st.local, ':');
    return colon == NULL ? 0 : (unsigned) strtoul(colon + 1, NULL, 10);
}

static void
test_bad_input(void)
{
    struct pair p;
    uint8_t buf[200 + SFU_TRANSPORT_TRAILER];
    sfu_transport_stats_t st;

    pair_new(&p);
    is_int(sfu_transport_set_remote(p.e[0].t, "abcd", "0123456789abcdef012345",
                                    "sha-256", "zz:00", true), -1,
           "malformed fingerprint refused");
    is_int(sfu_transport_set_remote(p.e[0].t, "abcd", "0123456789abcdef012345",
                                    "md5", sfu_transport_fingerprint(), true),
           -1, "unknown fingerprint algorithm refused");
    is_int(sfu_transport_state(p.e[0].t), SFU_TRANSPORT_NEW,
           "still NEW after refusals");
    is_int(sfu_transport_add_remote_candidate(p.e[0].t,
               "candidate:1 1 udp 2122260223 abc.local 5000 typ host"), -1,
           "mDNS candidate refused");
    is_int(sfu_transport_send_rtp(p.e[0].t, buf, make_rtp(buf, 200, 1),
                                  sizeof(buf)), -1,
           "sending before CONNECTED refused");
    sfu_transport_stats(p.e[0].t, &st);
    is_int(st.send_errors, 1, "refused send counted");
    pair_free(&p);
}

static void
test_media(const char *name, sfu_srtp_profile_t want,
           const sfu_transport_config_t *cfg)
{
    struct pair p;
    sfu_transport_stats_t st;
    unsigned port;

    ok(connect_pair(&p), "%s: both sides CONNECTED", name);
    ok(media_flows(&p), "%s: RTP and RTCP arrive both ways, byte-identical",
       name);
    sfu_transport_stats(p.e[0].t, &st);
    is_int(st.profile, want, "SRTP profile");
    ok(st.packets_out == 2 && st.packets_in == 2 && st.bytes_out > 1100 + 44
       && st.srtp_errors == 0 && st.send_errors == 0,
       "%s: counters (out %llu, in %llu, %llu bytes)", name,
       (unsigned long long) st.packets_out,
       (unsigned long long) st.packets_in,
       (unsigned long long) st.bytes_out);
    port = local_port(p.e[0].t);
    ok(g_str_has_prefix(st.local, "127.0.0.1:")
       && g_str_has_prefix(st.remote, "127.0.0.1:")
       && (cfg->port_min == 0
           || (port >= cfg->port_min && port <= cfg->port_max)),
       "%s: selected pair %s -> %s", name, st.local, st.remote);
    pair_free(&p);
}

static int64_t
realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * sfu_transport_arrival (sfu-load's latency): after the first call, which
 * turns the socket's receive stamps on, each packet handed up has the
 * kernel's stamp, taken between its sending and its handing up; and a
 * transport with a receive buffer asked of it works and counts no drops.
 */
static void
test_arrival(void)
{
    struct pair p;
    int64_t sent, handed, at;
    bool stamped = true;

    ok(connect_pair(&p), "receive buffer asked: both sides CONNECTED");
    /* stamped or not: the kernel stamps only once some socket asked */
    ok(one_way(&p.e[0], false), "the first packet turns the stamps on");
    for (int i = 0; i < 3; i++) {
        sent = realtime_ns();
        stamped &= one_way(&p.e[0], false) && p.e[1].arrival_known;
        handed = realtime_ns();
        at = (int64_t) p.e[1].arrival.tv_sec * 1000000000
             + p.e[1].arrival.tv_nsec;
        stamped &= at >= sent && at <= handed;
    }
    ok(stamped, "later packets: stamped between their sending and handing up");
    is_int((long long) sfu_transport_socket_drops(p.e[1].t), 0,
           "no datagram dropped at the receiver's sockets");
    pair_free(&p);
}

/* Under AES-CM a resend of the same sequence number is sent, and refused
   as a replay by the receiver. */
static void
test_replay(void)
{
    struct pair p;
    uint8_t buf[200 + SFU_TRANSPORT_TRAILER];
    sfu_transport_stats_t st;
    struct arrival a;
    uint16_t seq = next_seq++;

    connect_pair(&p);
    a = (struct arrival) { &p.e[1], 0, false };
    sfu_transport_send_rtp(p.e[0].t, buf, make_rtp(buf, 200, seq),
                           sizeof(buf));
    run_until(arrived, &a, 5);
    a.before = p.e[1].rtp;
    is_int(sfu_transport_send_rtp(p.e[0].t, buf, make_rtp(buf, 200, seq),
                                  sizeof(buf)), 0,
           "AES-CM: a resend with the same sequence number goes out");
    sfu_transport_send_rtp(p.e[0].t, buf, make_rtp(buf, 200, next_seq++),
                           sizeof(buf));
    ok(run_until(arrived, &a, 5), "the next packet arrives");
    sfu_transport_stats(p.e[1].t, &st);
    is_int(st.srtp_errors, 1, "the replayed packet is refused and counted");
    is_int(p.e[1].rtp, 2, "only the two fresh packets were handed up");
    pair_free(&p);
}

static void
test_gcm_resend_refused(void)
{
    struct pair p;
    uint8_t buf[200 + SFU_TRANSPORT_TRAILER];
    sfu_transport_stats_t st;
    uint16_t seq = next_seq++;

    connect_pair(&p);
    sfu_transport_send_rtp(p.e[0].t, buf, make_rtp(buf, 200, seq),
                           sizeof(buf));
    is_int(sfu_transport_send_rtp(p.e[0].t, buf, make_rtp(buf, 200, seq),
                                  sizeof(buf)), -1,
           "GCM: a resend with the same sequence number is refused");
    is_int(sfu_transport_send_rtp(p.e[0].t, buf, 200, 200 + 16), -1,
           "a buffer without trailer room is refused");
    sfu_transport_stats(p.e[0].t, &st);
    is_int(st.send_errors, 2, "both counted");
    pair_free(&p);
}

static bool
failed_and_freed(void *arg)
{
    struct pair_end *e = arg;

    return e->state == SFU_TRANSPORT_FAILED && e->t == NULL;
}

static void
test_wrong_fingerprint(void)
{
    struct pair good, bad;
    char wrong[128];
    const char *fp[2];

    ok(connect_pair(&good), "a connected pair");
    g_strlcpy(wrong, sfu_transport_fingerprint(), sizeof(wrong));
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    fp[0] = sfu_transport_fingerprint();
    fp[1] = wrong;
    pair_new(&bad);
    bad.e[0].free_on_final = bad.e[1].free_on_final = true;
    is_int(pair_exchange_fp(&bad, fp), 0, "a well-formed fingerprint taken");
    ok(run_until(failed_and_freed, &bad.e[1], 20),
       "a certificate that does not match the fingerprint: FAILED "
       "(and freed from the handler)");
    ok(bad.e[0].state != SFU_TRANSPORT_CONNECTED,
       "the other end did not connect either");
    ok(pair_connected(&good) && media_flows(&good),
       "the connected pair is unaffected");
    pair_free(&bad);
    pair_free(&good);
}

/* Datagrams from an address that never passed an ICE check. */
static void
inject_from_stranger(unsigned port)
{
    static const uint8_t garbage[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 };
    static const uint8_t stun[20] = { 0x00, 0x01, 0x00, 0x00,
                                      0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4,
                                      5, 6, 7, 8, 9, 10, 11, 12 };
    struct sockaddr_in to;
    uint8_t srtp[300];
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t) port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);

    sendto(fd, garbage, sizeof(garbage), 0, (struct sockaddr *) &to,
           sizeof(to));
    sendto(fd, stun, sizeof(stun), 0, (struct sockaddr *) &to, sizeof(to));
    make_rtp(srtp, sizeof(srtp), 1);
    sendto(fd, srtp, sizeof(srtp), 0, (struct sockaddr *) &to, sizeof(to));
    close(fd);
}

/* A real ClientHello, from a DTLS client of our own, sent from a stranger. */
static void
on_hello(void *data, const uint8_t *datagram, size_t len)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    sendto(fd, datagram, len, 0, data, sizeof(struct sockaddr_in));
    close(fd);
}

static void
client_hello_from_stranger(unsigned port)
{
    static const sfu_dtls_callbacks_t cb = { on_hello, dtls_ignore_keys,
                                             dtls_ignore, dtls_ignore };
    struct sockaddr_in to;
    sfu_dtls_t *d;

    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t) port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    d = sfu_dtls_new(true, "sha-256", sfu_transport_fingerprint(), &cb, &to);
    sfu_dtls_start(d);
    sfu_dtls_free(d);
}

static bool
never(void *arg)
{
    (void) arg;
    return false;
}

static void
test_injected(void)
{
    struct pair p;
    sfu_transport_stats_t before, after;

    connect_pair(&p);
    sfu_transport_stats(p.e[1].t, &before);
    for (int i = 0; i < 2; i++) {
        inject_from_stranger(local_port(p.e[i].t));
        client_hello_from_stranger(local_port(p.e[i].t));
    }
    run_until(never, NULL, 0.5);
    sfu_transport_stats(p.e[1].t, &after);
    ok(pair_connected(&p), "garbage, STUN, SRTP and a ClientHello from a "
       "stranger change no state");
    ok(after.srtp_errors == before.srtp_errors
       && after.packets_in == before.packets_in,
       "none of it reached the SRTP layer");
    ok(media_flows(&p), "the session keeps working");
    pair_free(&p);
}

static bool
both_announced_again(void *arg)
{
    struct pair *p = arg;

    return p->e[0].gathered >= 2 && p->e[1].gathered >= 2;
}

static void
test_restart(void)
{
    struct pair p;
    char old[2][300];

    connect_pair(&p);
    for (int i = 0; i < 2; i++) {
        g_strlcpy(old[i], sfu_transport_ice_ufrag(p.e[i].t), sizeof(old[i]));
    }
    is_int(sfu_transport_restart(p.e[0].t), 0, "ICE restart");
    ok(strcmp(old[0], sfu_transport_ice_ufrag(p.e[0].t)) != 0,
       "new local credentials");
    /* the restart offer, then the answer */
    is_int(sfu_transport_set_remote(p.e[1].t, sfu_transport_ice_ufrag(p.e[0].t),
                                    sfu_transport_ice_pwd(p.e[0].t), "sha-256",
                                    sfu_transport_fingerprint(), false), 0,
           "the peer takes the new credentials");
    ok(strcmp(old[1], sfu_transport_ice_ufrag(p.e[1].t)) != 0,
       "the peer answers with new credentials");
    is_int(sfu_transport_set_remote(p.e[0].t, sfu_transport_ice_ufrag(p.e[1].t),
                                    sfu_transport_ice_pwd(p.e[1].t), "sha-256",
                                    sfu_transport_fingerprint(), true), 0,
           "the answer is taken");
    ok(run_until(both_announced_again, &p, 10),
       "both sides announce their candidates again");
    ok(pair_connected(&p) && media_flows(&p),
       "still CONNECTED, media flows after the restart");
    is_int(sfu_transport_set_remote(p.e[0].t, sfu_transport_ice_ufrag(p.e[1].t),
                                    sfu_transport_ice_pwd(p.e[1].t), "sha-256",
                                    sfu_transport_fingerprint(), false), -1,
           "another DTLS role later is refused");
    pair_free(&p);
}

static bool
dtls_held(const sfu_transport_t *t)
{
    sfu_transport_stats_t st;

    sfu_transport_stats(t, &st);
    return st.dtls_held;
}

static bool
dropped_a_record(void *arg)
{
    sfu_transport_stats_t st;

    sfu_transport_stats(((struct pair_end *) arg)->t, &st);
    return st.dtls_dropped > 0;
}

/*
 * The DTLS client (e[0]) releases its session once connected; the server
 * (e[1]) once a packet from its peer authenticates.  A server freed
 * before that still sends close_notify, which the released client drops.
 */
static void
test_dtls_release(void)
{
    struct pair p;

    connect_pair(&p);
    ok(!dtls_held(p.e[0].t) && dtls_held(p.e[1].t),
       "connected: the client released its DTLS session, the server not");
    ok(one_way(&p.e[1], false) && dtls_held(p.e[1].t),
       "the server's own packets do not release it");
    ok(one_way(&p.e[0], true) && !dtls_held(p.e[1].t),
       "the client's first packet released it");
    ok(media_flows(&p), "media flows both ways after");
    pair_free(&p);

    connect_pair(&p);
    sfu_transport_free(p.e[1].t);
    p.e[1].t = NULL;
    ok(run_until(dropped_a_record, &p.e[0], 5),
       "the server's close_notify is dropped by the released client");
    is_int(p.e[0].state, SFU_TRANSPORT_CONNECTED, "which stays CONNECTED");
    pair_free(&p);
}

static bool
gone(void *arg)
{
    return ((struct pair_end *) arg)->t == NULL;
}

static void
test_free_in_rtp_handler(void)
{
    struct pair p;
    uint8_t buf[200 + SFU_TRANSPORT_TRAILER];

    connect_pair(&p);
    p.e[1].free_on_rtp = true;
    for (int i = 0; i < 20; i++) {
        sfu_transport_send_rtp(p.e[0].t, buf, make_rtp(buf, 200, next_seq++),
                               sizeof(buf));
    }
    ok(run_until(gone, &p.e[1], 5) && p.e[1].rtp == 1,
       "a transport freed by its rtp handler hands up nothing more");
    pair_free(&p);
}

/*
 * The peer goes before ICE connects: on the shared port ICE fails once
 * nothing can make a pair (10 s without a sign of the peer), and the
 * transport with it, well before its own 30 s deadline.
 */
static void
test_ice_failure(void)
{
    struct pair p;
    gint64 start;
    double took;
    bool failed;

    pair_new(&p);
    p.e[0].free_on_final = true;
    pair_exchange(&p);
    sfu_transport_free(p.e[1].t);
    p.e[1].t = NULL;
    start = g_get_monotonic_time();
    failed = run_until(failed_and_freed, &p.e[0], 20);
    took = (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    ok(failed && took >= 10, "the peer gone before ICE connected: FAILED "
       "after %.1f s, not 30 (and freed from the handler)", took);
    pair_free(&p);
}

static void
phase(const char *name, sfu_transport_config_t *cfg)
{
    printf("# %s\n", name);
    if (sfu_transport_global_init(cfg) != 0) {
        ok(0, "%s: global init", name);
    }
}

int
main(void)
{
    unsigned lo = 20000 + (unsigned) g_random_int_range(0, 40000);
    sfu_transport_config_t udp = { .listen = loopback, .udp = true,
                                   .port_min = (uint16_t) lo,
                                   .port_max = (uint16_t) (lo + 99) };
    sfu_transport_config_t cm = { .listen = loopback, .udp = true,
                                  .srtp_only = SFU_SRTP_AES128_CM_SHA1_80 };
    sfu_transport_config_t gcm = { .listen = loopback, .udp = true,
                                   .srtp_only = SFU_SRTP_AEAD_AES_128_GCM };
    sfu_transport_config_t tcp = { .listen = loopback, .tcp = true };
    sfu_transport_config_t mux = { .listen = loopback, .udp = true };
    sfu_transport_config_t rcvbuf = { .listen = loopback, .udp = true,
                                      .recv_buffer = 1u << 20 };

    sfu_log_init(getenv("SFU_TEST_DEBUG") ? SFU_LOG_DEBUG : SFU_LOG_ERROR, 0);

    phase("UDP, both profiles offered, a port range", &udp);
    test_bad_input();
    test_media("GCM preferred", SFU_SRTP_AEAD_AES_128_GCM, &udp);
    test_wrong_fingerprint();
    test_injected();
    test_restart();
    test_dtls_release();
    test_free_in_rtp_handler();
    sfu_transport_global_cleanup();

    phase("AES_CM_128_HMAC_SHA1_80 only", &cm);
    test_media("AES-CM", SFU_SRTP_AES128_CM_SHA1_80, &cm);
    test_replay();
    sfu_transport_global_cleanup();

    phase("AEAD_AES_128_GCM only", &gcm);
    test_media("GCM", SFU_SRTP_AEAD_AES_128_GCM, &gcm);
    test_gcm_resend_refused();
    sfu_transport_global_cleanup();

    phase("UDP, a receive buffer of 1 MB", &rcvbuf);
    test_arrival();
    sfu_transport_global_cleanup();

    phase("ICE-TCP only", &tcp);
    test_media("ICE-TCP", SFU_SRTP_AEAD_AES_128_GCM, &tcp);
    sfu_transport_global_cleanup();

    mux.udp_port = free_loopback_port(SOCK_DGRAM);
    phase("the shared UDP port", &mux);
    test_ice_failure();
    sfu_transport_global_cleanup();

    return tap_done();
}
