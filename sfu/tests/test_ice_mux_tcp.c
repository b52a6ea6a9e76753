/* Passive ICE-TCP on the shared port (127.0.0.1): a libnice agent limited to ICE-TCP in both roles, restart, the peer closing, strangers' connections (garbage, wrong credentials, silent, slow, too many) closed while a call goes on; both roles on ::1 too (skipped where there is none). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "ice_ends.h"
#include "ice_backend.h"
#include "ice_mux.h"
#include "ice_mux_tcp.h"
#include "ice_tcp_frame.h"
#include "log.h"
#include "stun.h"

#define AUTH_TIMEOUT_S 1

static const char *loopback[] = { "127.0.0.1", NULL };

static bool
is_tcp_pair(const sfu_ice_t *ice, uint16_t port)
{
    char want[32];

    g_snprintf(want, sizeof(want), ":%u tcp", port);
    return g_str_has_suffix(sfu_ice_local(ice), want)
           && g_str_has_suffix(sfu_ice_remote(ice), " tcp");
}

static void
test_roles(const sfu_transport_config_t *mux,
           const sfu_transport_config_t *nice)
{
    struct end e[2];

    pair_new_apart(e, nice, mux);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "mux controlled"),
       "libnice (ICE-TCP only) controlling, mux controlled: data both ways");
    ok(is_tcp_pair(e[1].ice, mux->udp_port), "... over TCP: %s -> %s",
       sfu_ice_local(e[1].ice), sfu_ice_remote(e[1].ice));
    ok(e[1].ncandidates == 2
       && strstr(e[1].candidates[1], " tcp ") != NULL
       && strstr(e[1].candidates[1], " tcptype passive") != NULL,
       "... a passive TCP host candidate after the UDP one: %s",
       e[1].candidates[1]);
    pair_free(e);

    pair_new_apart(e, mux, nice);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "mux controlling"),
       "mux controlling, libnice (ICE-TCP only) controlled: data both ways");
    ok(is_tcp_pair(e[0].ice, mux->udp_port), "... over TCP: %s -> %s",
       sfu_ice_local(e[0].ice), sfu_ice_remote(e[0].ice));
    pair_free(e);
}

static void
test_restart(const sfu_transport_config_t *mux,
             const sfu_transport_config_t *nice)
{
    struct end e[2];

    pair_new_apart(e, mux, nice);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "before restart"),
       "restart: connected over TCP");
    is_int(sfu_ice_restart(e[0].ice), 0, "... the mux agent restarts");
    sfu_ice_set_remote(e[1].ice, sfu_ice_ufrag(e[0].ice),
                       sfu_ice_pwd(e[0].ice));
    sfu_ice_set_remote(e[0].ice, sfu_ice_ufrag(e[1].ice),
                       sfu_ice_pwd(e[1].ice));
    ok(both_connected_and_talk(e, "after restart")
       && is_tcp_pair(e[0].ice, mux->udp_port),
       "... data flows over TCP after it");
    pair_free(e);
}

static bool
never(void *arg)
{
    (void) arg;
    return false;
}

static bool
end_failed(void *arg)
{
    return ((struct end *) arg)->state == SFU_ICE_FAILED;
}

static void
test_peer_closes(const sfu_transport_config_t *mux,
                 const sfu_transport_config_t *nice)
{
    struct end e[2];

    pair_new_apart(e, nice, mux);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "closing"),
       "peer closes: connected over TCP");
    sfu_ice_free(e[0].ice);
    e[0].ice = NULL;
    /* consent would take 30 s: the connection's end is what tells */
    ok(run_until(end_failed, &e[1], 10),
       "the peer's agent goes, its connection closes: FAILED at once");
    pair_free(e);
}

/* --- strangers */

static int
tcp_connect(uint16_t port)
{
    struct sockaddr_in to = { .sin_family = AF_INET,
                              .sin_port = htons(port) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *) &to, sizeof(to)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * Runs the loop until the worker closes fd or `seconds` pass; what it
 * sent meanwhile goes to answer (up to cap), its length to *got.  True if
 * closed.
 */
static bool
closed_within(int fd, double seconds, uint8_t *answer, size_t cap,
              size_t *got)
{
    gint64 end = g_get_monotonic_time() + (gint64) (seconds * 1e6);
    uint8_t sink[256];

    *got = 0;
    while (g_get_monotonic_time() < end) {
        uint8_t *to = *got < cap ? answer + *got : sink;
        size_t room = *got < cap ? cap - *got : sizeof(sink);
        ssize_t n = recv(fd, to, room, MSG_DONTWAIT);

        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            return true;
        }
        if (n > 0 && to != sink) {
            *got += (size_t) n;
        }
        if (n < 0 && !g_main_context_iteration(NULL, FALSE)) {
            g_usleep(1000);
        }
    }
    return false;
}

static size_t
framed_request(uint8_t *buf, const char *user, const char *key)
{
    static const uint8_t tid[SFU_STUN_TID_LEN] = "tcp-stranger";
    sfu_stun_builder_t b;
    size_t len;

    sfu_stun_start(&b, buf + SFU_ICE_TCP_HEADER, SFU_STUN_MAX_BUILD,
                   SFU_STUN_BINDING_REQUEST, tid);
    sfu_stun_add(&b, SFU_STUN_USERNAME, user, strlen(user));
    sfu_stun_add_u32(&b, SFU_STUN_PRIORITY, 1);
    sfu_stun_add_u64(&b, SFU_STUN_ICE_CONTROLLED, 1);
    len = sfu_stun_finish(&b, key, strlen(key));
    sfu_ice_tcp_header(buf, len);
    return SFU_ICE_TCP_HEADER + len;
}

/* The type of the STUN message framed at the start of buf, or 0. */
static unsigned
answer_type(const uint8_t *buf, size_t n, unsigned *error)
{
    sfu_stun_msg_t m;
    size_t len;

    *error = 0;
    if (n < SFU_ICE_TCP_HEADER) {
        return 0;
    }
    len = (size_t) buf[0] << 8 | buf[1];
    if (n < SFU_ICE_TCP_HEADER + len
        || sfu_stun_parse(&m, buf + SFU_ICE_TCP_HEADER, len) != SFU_STUN_OK)
    {
        return 0;
    }
    *error = m.type == SFU_STUN_BINDING_ERROR ? m.error_code : 0;
    return m.type;
}

/* Connects, sends buf, and says whether the worker closed the
   connection within `seconds`; its answer in answer/got. */
static bool
stranger(uint16_t port, const uint8_t *buf, size_t len, double seconds,
         uint8_t *answer, size_t cap, size_t *got)
{
    int fd = tcp_connect(port);
    bool closed;

    if (fd < 0) {
        return false;
    }
    if (len > 0) {
        send(fd, buf, len, MSG_NOSIGNAL);
    }
    closed = closed_within(fd, seconds, answer, cap, got);
    close(fd);
    return closed;
}

static void
test_strangers(const sfu_transport_config_t *mux,
               const sfu_transport_config_t *nice)
{
    static const uint8_t rtp_frame[] = { 0, 12, 0x80, 0x60, 0, 1, 0, 0, 0, 1,
                                         0, 0, 0, 7 };
    static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    static const uint8_t empty_frame[] = { 0, 0 };
    uint8_t buf[SFU_ICE_TCP_HEADER + SFU_STUN_MAX_BUILD], answer[1500];
    sfu_ice_mux_stats_t counted, before, after;
    int crowd[80];
    char user[300];
    struct end e[2];
    unsigned error, received, open_crowd = 0;
    size_t got, len;
    int fd;

    pair_new_apart(e, nice, mux);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "before strangers"),
       "a call over TCP is up");
    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &counted);
    received = e[1].received;

    ok(stranger(mux->udp_port, http, sizeof(http) - 1, 5, answer,
                sizeof(answer), &got) && got == 0,
       "HTTP (a frame of 0x4745 bytes announced): closed, unanswered");
    ok(stranger(mux->udp_port, rtp_frame, sizeof(rtp_frame), 5, answer,
                sizeof(answer), &got) && got == 0,
       "an RTP packet as the first frame: closed");
    ok(stranger(mux->udp_port, empty_frame, sizeof(empty_frame), 5, answer,
                sizeof(answer), &got),
       "an empty first frame: closed");
    is_int(e[1].received, received, "... none of it reached the call");

    len = framed_request(buf, "nobody:x", "key");
    ok(stranger(mux->udp_port, buf, len, 5, answer, sizeof(answer), &got)
       && answer_type(answer, got, &error) == SFU_STUN_BINDING_ERROR
       && error == 401, "a request for an unknown ufrag: 401, closed");
    g_snprintf(user, sizeof(user), "%s:%s", sfu_ice_ufrag(e[1].ice),
               sfu_ice_ufrag(e[0].ice));
    len = framed_request(buf, user, "not-the-password");
    ok(stranger(mux->udp_port, buf, len, 5, answer, sizeof(answer), &got)
       && answer_type(answer, got, &error) == SFU_STUN_BINDING_ERROR
       && error == 401, "the call's ufrag with a wrong password: 401, closed");

    ok(stranger(mux->udp_port, NULL, 0, AUTH_TIMEOUT_S + 5, answer,
                sizeof(answer), &got),
       "a silent connection: closed after the timeout (%d s here)",
       AUTH_TIMEOUT_S);
    ok(stranger(mux->udp_port, buf, 1, AUTH_TIMEOUT_S + 5, answer,
                sizeof(answer), &got),
       "one byte and then nothing (slowloris): closed after the timeout");

    /* the right credentials, a byte at a time: accepted and answered */
    fd = tcp_connect(mux->udp_port);
    len = framed_request(buf, user, sfu_ice_pwd(e[1].ice));
    for (size_t i = 0; i < len; i++) {
        send(fd, buf + i, 1, MSG_NOSIGNAL);
        g_main_context_iteration(NULL, FALSE);
    }
    ok(!closed_within(fd, AUTH_TIMEOUT_S + 1, answer, sizeof(answer), &got)
       && answer_type(answer, got, &error) == SFU_STUN_BINDING_SUCCESS,
       "a good request sent a byte at a time: answered, kept open past the "
       "timeout");
    close(fd);

    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &before);
    for (unsigned i = 0; i < G_N_ELEMENTS(crowd); i++) {
        crowd[i] = tcp_connect(mux->udp_port);
    }
    run_until(never, NULL, 0.5);      /* the worker accepts them all */
    for (unsigned i = 0; i < G_N_ELEMENTS(crowd); i++) {
        if (crowd[i] >= 0 && recv(crowd[i], answer, sizeof(answer),
                                  MSG_DONTWAIT) < 0 && errno == EAGAIN)
        {
            open_crowd++;
        }
    }
    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &after);
    ok(open_crowd > 0 && open_crowd < G_N_ELEMENTS(crowd)
       && after.tcp_overflow - before.tcp_overflow
          == G_N_ELEMENTS(crowd) - open_crowd,
       "%u silent connections at once: %u wait, the rest closed at once",
       (unsigned) G_N_ELEMENTS(crowd), open_crowd);
    for (unsigned i = 0; i < G_N_ELEMENTS(crowd); i++) {
        if (crowd[i] >= 0) {
            close(crowd[i]);
        }
    }

    ok(after.tcp_refused >= counted.tcp_refused + 5
       && after.tcp_timed_out >= counted.tcp_timed_out + 2,
       "counted: %llu refused, %llu timed out",
       (unsigned long long) (after.tcp_refused - counted.tcp_refused),
       (unsigned long long) (after.tcp_timed_out - counted.tcp_timed_out));
    ok(e[1].state == SFU_ICE_CONNECTED && pair_talks(e, "after strangers")
       && is_tcp_pair(e[1].ice, mux->udp_port),
       "the call keeps flowing over its connection");
    pair_free(e);
}

/*
 * Out of descriptors, the pending connection keeps the listener readable:
 * the listener rests (ACCEPT_PAUSE_MS, 100 ms) instead of waking the loop
 * without end, and takes the connection once descriptors are back.
 */
static void
test_out_of_fds(const sfu_transport_config_t *mux)
{
    sfu_ice_mux_stats_t before, after;
    struct rlimit saved, low;
    int fd, spare[64];
    unsigned n_spare = 0, wakeups = 0;
    gint64 end;

    run_until(never, NULL, 0.5);      /* closes the loop had pending */
    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &before);
    getrlimit(RLIMIT_NOFILE, &saved);
    fd = tcp_connect(mux->udp_port);
    /* no descriptor left under the limit: the lowest free one becomes the
       limit, and every hole below it is taken */
    low = saved;
    low.rlim_cur = (rlim_t) dup(0);
    close((int) low.rlim_cur);
    setrlimit(RLIMIT_NOFILE, &low);
    while (n_spare < G_N_ELEMENTS(spare) && (spare[n_spare] = dup(0)) >= 0) {
        n_spare++;
    }
    end = g_get_monotonic_time() + G_USEC_PER_SEC;
    while (g_get_monotonic_time() < end) {
        wakeups += g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &after);
    ok(after.tcp_accept_paused - before.tcp_accept_paused >= 3
       && after.tcp_accept_paused - before.tcp_accept_paused <= 15
       && after.tcp_accepted == before.tcp_accepted && wakeups <= 40,
       "out of descriptors for 1 s: %llu pauses of the listener, %u wake-ups",
       (unsigned long long) (after.tcp_accept_paused
                             - before.tcp_accept_paused), wakeups);
    setrlimit(RLIMIT_NOFILE, &saved);
    while (n_spare > 0) {
        close(spare[--n_spare]);
    }
    run_until(never, NULL, 0.5);
    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &after);
    ok(after.tcp_accepted == before.tcp_accepted + 1,
       "descriptors back: the waiting connection is accepted");
    close(fd);
}

/* mux->udp_port open for UDP and TCP, on a port free for UDP on
   the address (port 0 from free_port: none); 0 or -1. */
static int
open_mux(sfu_transport_config_t *mux, uint16_t (*free_port)(int))
{
    int rc = -1;

    /* a port free for UDP may be taken for TCP: try a few */
    for (int i = 0; i < 10 && rc != 0; i++) {
        mux->udp_port = free_port(SOCK_DGRAM);
        rc = mux->udp_port != 0 ? sfu_ice_global_init(mux) : -1;
    }
    return rc;
}

/* Both roles again with every end on ::1 (skipped where there is none). */
static void
test_ipv6(void)
{
    static const char *loopback6[] = { "::1", NULL };
    sfu_transport_config_t nice = { .listen = loopback6, .tcp = true };
    sfu_transport_config_t mux = { .listen = loopback6, .udp = true,
                                   .tcp = true };
    int rc;

    if (free_loopback6_port(SOCK_STREAM) == 0) {
        skip(1, "ICE-TCP on ::1: ::1 cannot be bound here "
                "(see ip -6 addr show lo)");
        return;
    }
    rc = open_mux(&mux, free_loopback6_port);
    if (ok(rc == 0, "shared port %u open on ::1 for UDP and TCP",
           mux.udp_port))
    {
        test_roles(&mux, &nice);
    }
}

int
main(void)
{
    sfu_transport_config_t nice = { .listen = loopback, .tcp = true };
    sfu_transport_config_t mux = { .listen = loopback, .udp = true,
                                   .tcp = true };
    int rc;

    sfu_log_init(SFU_LOG_WARN, 0);
    sfu_ice_mux_tcp_auth_timeout(AUTH_TIMEOUT_S * G_USEC_PER_SEC);
    rc = open_mux(&mux, free_loopback_port);
    if (!ok(rc == 0, "shared port %u open for UDP and TCP", mux.udp_port))
    {
        return tap_done();
    }
    test_roles(&mux, &nice);
    test_restart(&mux, &nice);
    test_peer_closes(&mux, &nice);
    test_strangers(&mux, &nice);
    test_out_of_fds(&mux);
    test_ipv6();
    sfu_ice_global_cleanup();
    return tap_done();
}
