/* The shared ICE UDP port on 127.0.0.1: against libnice in both roles, two mux agents, one port for many, strangers' packets, restart, consent, the kernel's drops; and on ::1 (skipped where there is none). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "ice_ends.h"
#include "ice_backend.h"
#include "ice_mux.h"
#include "log.h"
#include "peer_networks.h"
#include "stun.h"

static const char *loopback[] = { "127.0.0.1", NULL };

static unsigned
port_of(const char *pair_end)
{
    const char *colon = strrchr(pair_end, ':');

    return colon != NULL ? (unsigned) atoi(colon + 1) : 0;
}

static void
test_against_libnice(const sfu_transport_config_t *mux,
                     const sfu_transport_config_t *nice)
{
    struct end e[2];

    pair_new_apart(e, nice, mux);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "mux controlled"),
       "libnice controlling, mux controlled: connected, data both ways");
    is_int(port_of(sfu_ice_local(e[1].ice)), mux->udp_port,
           "... on the shared port");
    ok(e[1].ncandidates == 1 && strstr(e[1].candidates[0], " udp ") != NULL
       && strstr(e[1].candidates[0], " typ host") != NULL,
       "... one host UDP candidate: %s", e[1].candidates[0]);
    pair_free(e);

    pair_new_apart(e, mux, nice);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "mux controlling"),
       "mux controlling, libnice controlled: connected, data both ways");
    ok(sfu_ice_sends_direct(e[0].ice)
       && g_str_has_suffix(sfu_ice_remote(e[0].ice), " udp"),
       "... selected %s -> %s", sfu_ice_local(e[0].ice),
       sfu_ice_remote(e[0].ice));
    pair_free(e);
}

/*
 * Mux agents on two ports, and a libnice agent, talking to port a: one
 * port serves both peer connections.  (Two peer connections between the
 * same two addresses could not be told apart: a peer has a socket per
 * peer connection, as libnice and browsers do.)
 */
static void
test_mux_to_mux(const sfu_transport_config_t *a,
                const sfu_transport_config_t *b,
                const sfu_transport_config_t *nice)
{
    struct end e[2], f[2];

    pair_new_apart(e, a, b);
    pair_new_apart(f, nice, a);
    pair_exchange_credentials(e);
    pair_exchange_credentials(f);
    ok(both_connected_and_talk(e, "mux pair"), "mux to mux");
    ok(both_connected_and_talk(f, "nice pair"),
       "libnice to the same mux port at once");
    ok(port_of(sfu_ice_local(e[0].ice)) == a->udp_port
       && port_of(sfu_ice_local(f[1].ice)) == a->udp_port
       && port_of(sfu_ice_local(e[1].ice)) == b->udp_port,
       "two peer connections share port %u", a->udp_port);
    ok(pair_talks(e, "again mux") && strcmp(f[1].last, "nice pair") == 0
       && pair_talks(f, "again nice") && strcmp(e[0].last, "again mux") == 0,
       "each peer connection hears only its own peer");
    pair_free(f);
    pair_free(e);
}

/* Sends buf from a stranger's socket; the answer (if any) or 0. */
static ssize_t
stranger_sends(int fd, uint16_t port, const uint8_t *buf, size_t len,
               uint8_t *answer, size_t cap)
{
    struct sockaddr_in to = { .sin_family = AF_INET,
                              .sin_port = htons(port) };
    ssize_t n = -1;

    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sendto(fd, buf, len, 0, (struct sockaddr *) &to, sizeof(to));
    for (int i = 0; i < 200 && n < 0; i++) {
        g_main_context_iteration(NULL, FALSE);
        n = recv(fd, answer, cap, MSG_DONTWAIT);
        if (n < 0) {
            g_usleep(1000);
        }
    }
    return n < 0 ? 0 : n;
}

static size_t
request(uint8_t *buf, const char *user, const char *key, bool unknown_attr)
{
    static const uint8_t tid[SFU_STUN_TID_LEN] = "stranger-tid";
    sfu_stun_builder_t b;

    sfu_stun_start(&b, buf, SFU_STUN_MAX_BUILD, SFU_STUN_BINDING_REQUEST,
                   tid);
    sfu_stun_add(&b, SFU_STUN_USERNAME, user, strlen(user));
    sfu_stun_add_u32(&b, SFU_STUN_PRIORITY, 1);
    sfu_stun_add_u64(&b, SFU_STUN_ICE_CONTROLLING, 1);
    if (unknown_attr) {
        sfu_stun_add_u32(&b, 0x0031, 0);
    }
    return sfu_stun_finish(&b, key, strlen(key));
}

static unsigned
error_of(const uint8_t *buf, ssize_t n)
{
    sfu_stun_msg_t m;

    return n > 0 && sfu_stun_parse(&m, buf, (size_t) n) == SFU_STUN_OK
           && m.type == SFU_STUN_BINDING_ERROR ? m.error_code : 0;
}

static void
test_strangers(const sfu_transport_config_t *mux,
               const sfu_transport_config_t *nice)
{
    static const uint8_t rtp[] = { 0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7 };
    sfu_ice_mux_stats_t before, after;
    uint8_t buf[SFU_STUN_MAX_BUILD], answer[1500], junk[200];
    struct sockaddr_in self = { .sin_family = AF_INET };
    char user[300];
    struct end e[2];
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    unsigned received;

    self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *) &self, sizeof(self));
    for (size_t i = 0; i < sizeof(junk); i++) {
        junk[i] = (uint8_t) g_random_int();
    }

    pair_new_apart(e, nice, mux);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "before strangers"), "a call is up");
    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &before);
    received = e[1].received;

    stranger_sends(fd, mux->udp_port, rtp, sizeof(rtp), answer,
                   sizeof(answer));
    stranger_sends(fd, mux->udp_port, junk, sizeof(junk), answer,
                   sizeof(answer));
    is_int(e[1].received, received,
           "RTP and random bytes from an unvalidated address reach nobody");

    ok(error_of(answer, stranger_sends(fd, mux->udp_port, buf,
                                       request(buf, "nobody:x", "key", false),
                                       answer, sizeof(answer))) == 401,
       "a request for an unknown ufrag gets 401");
    g_snprintf(user, sizeof(user), "%s:%s", sfu_ice_ufrag(e[1].ice),
               sfu_ice_ufrag(e[0].ice));
    ok(error_of(answer, stranger_sends(fd, mux->udp_port, buf,
                                       request(buf, user, "not-the-password",
                                               false),
                                       answer, sizeof(answer))) == 401,
       "the right ufrag with a wrong password gets 401");
    ok(error_of(answer, stranger_sends(fd, mux->udp_port, buf,
                                       request(buf, user,
                                               sfu_ice_pwd(e[1].ice), true),
                                       answer, sizeof(answer))) == 420,
       "an unknown comprehension-required attribute gets 420");
    stranger_sends(fd, mux->udp_port, rtp, sizeof(rtp), answer,
                   sizeof(answer));
    is_int(e[1].received, received,
           "a 420'd source is not validated: its RTP reaches nobody");

    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &after);
    ok(after.unknown_source >= before.unknown_source + 2
       && after.stun_unknown_ufrag == before.stun_unknown_ufrag + 1
       && after.stun_bad_credentials == before.stun_bad_credentials + 1,
       "dropped and refused datagrams counted (%llu unknown source, "
       "%llu unknown ufrag, %llu bad credentials)",
       (unsigned long long) (after.unknown_source - before.unknown_source),
       (unsigned long long) (after.stun_unknown_ufrag
                             - before.stun_unknown_ufrag),
       (unsigned long long) (after.stun_bad_credentials
                             - before.stun_bad_credentials));
    ok(e[1].state == SFU_ICE_CONNECTED && pair_talks(e, "after strangers"),
       "the call keeps flowing");
    pair_free(e);
    close(fd);
}

struct flood {
    const sfu_transport_config_t *mux;
    sfu_ice_mux_stats_t           before;
    uint64_t                      sent;
};

/* every datagram sent is either read or dropped by the kernel */
static bool
flood_accounted(void *arg)
{
    struct flood *f = arg;
    sfu_ice_mux_stats_t now;

    sfu_ice_mux_stats(sfu_ice_mux_find(f->mux), &now);
    return (now.datagrams - f->before.datagrams)
           + (now.kernel_drops - f->before.kernel_drops) == f->sent;
}

/*
 * More datagrams than the socket's receive buffer holds, sent while the
 * loop does not read: the kernel drops the rest, and the mux says how
 * many (its socket's drop count, read when asked).
 */
static void
test_kernel_drops(const sfu_transport_config_t *mux,
                  const sfu_transport_config_t *mux2)
{
    struct sockaddr_in to = { .sin_family = AF_INET,
                              .sin_port = htons(mux->udp_port) };
    sfu_ice_mux_stats_t one, two, all;
    struct flood f = { .mux = mux };
    uint8_t junk[1200];
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    memset(junk, 0xee, sizeof(junk));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &f.before);
    is_int(f.before.kernel_drops, 0, "no drops before the flood");
    for (int i = 0; i < 20000; i++) {
        if (sendto(fd, junk, sizeof(junk), 0, (struct sockaddr *) &to,
                   sizeof(to)) == (ssize_t) sizeof(junk))
        {
            f.sent++;
        }
    }
    ok(run_until(flood_accounted, &f, 20),
       "%llu datagrams sent: each read or counted as dropped",
       (unsigned long long) f.sent);
    sfu_ice_mux_stats(sfu_ice_mux_find(mux), &one);
    ok(one.kernel_drops > 0, "the kernel dropped some (%llu)",
       (unsigned long long) one.kernel_drops);
    is_int(one.unknown_source - f.before.unknown_source,
           one.datagrams - f.before.datagrams,
           "those read came from an unknown source");

    sfu_ice_mux_stats(sfu_ice_mux_find(mux2), &two);
    ok(sfu_ice_mux_stats_all(&all)
       && all.datagrams == one.datagrams + two.datagrams
       && all.kernel_drops == one.kernel_drops + two.kernel_drops
       && all.unknown_source == one.unknown_source + two.unknown_source
       && all.stun_bad_credentials
          == one.stun_bad_credentials + two.stun_bad_credentials,
       "all shared ports: the sum of each");
    close(fd);
}

static void
test_restart(const sfu_transport_config_t *mux,
             const sfu_transport_config_t *nice, bool mux_controls)
{
    char before[300];
    struct end e[2];
    struct end *m;

    if (mux_controls) {
        pair_new_apart(e, mux, nice);
        m = &e[0];
    } else {
        pair_new_apart(e, nice, mux);
        m = &e[1];
    }
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "before restart"), "%s: connected",
       mux_controls ? "mux controlling" : "mux controlled");
    g_strlcpy(before, sfu_ice_ufrag(m->ice), sizeof(before));

    /* restart from the controlling side, the answer comes back */
    is_int(sfu_ice_restart(e[0].ice), 0, "... restart accepted");
    sfu_ice_set_remote(e[1].ice, sfu_ice_ufrag(e[0].ice),
                       sfu_ice_pwd(e[0].ice));
    ok(pair_talks(e, "during restart"), "... data flows during the restart");
    sfu_ice_set_remote(e[0].ice, sfu_ice_ufrag(e[1].ice),
                       sfu_ice_pwd(e[1].ice));
    ok(strcmp(before, sfu_ice_ufrag(m->ice)) != 0,
       "... the mux agent has new credentials");
    ok(run_until(both_connected, e, 20)
       && pair_talks(e, "after restart"), "... data flows after it");
    pair_free(e);
}

static bool
end1_failed(void *arg)
{
    return ((struct end *) arg)[1].state == SFU_ICE_FAILED;
}

static void
test_consent(const sfu_transport_config_t *mux,
             const sfu_transport_config_t *nice)
{
    struct end e[2];

    sfu_ice_mux_consent_timing(200 * 1000, 1500 * 1000);
    pair_new_apart(e, nice, mux);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "consent"), "connected with short consent");
    ok(!run_until(end1_failed, e, 4),
       "consent renewed while the peer answers (4 s, timeout 1.5 s)");
    sfu_ice_free(e[0].ice);
    e[0].ice = NULL;
    ok(run_until(end1_failed, e, 10),
       "the peer goes silent: consent lost, FAILED");
    pair_free(e);
    sfu_ice_mux_consent_timing(5 * G_USEC_PER_SEC, 30 * G_USEC_PER_SEC);
}

/*
 * The same calls with every end on ::1: the mux's sockets, candidates,
 * routing and answers (XOR-MAPPED-ADDRESS) in IPv6, the peer-networks
 * filter's IPv6 half included.
 */
static void
test_ipv6(void)
{
    static const char *loopback6[] = { "::1", NULL };
    static const char *both[] = { "127.0.0.1", "::1", NULL };
    sfu_peer_networks_t v6_only = { 0 };
    sfu_transport_config_t nice = { .listen = loopback6, .udp = true };
    sfu_transport_config_t mux = { .listen = loopback6, .udp = true,
                                   .peer_networks = &v6_only };
    sfu_transport_config_t mux2 = { .listen = loopback6, .udp = true };
    sfu_transport_config_t dual = { .listen = both, .udp = true };
    char err[128], want[64];
    struct end e[2];

    mux.udp_port = free_loopback6_port(SOCK_DGRAM);
    mux2.udp_port = free_loopback6_port(SOCK_DGRAM);
    if (mux.udp_port == 0) {
        skip(1, "IPv6 on the shared port: ::1 cannot be bound here "
                "(see ip -6 addr show lo)");
        return;
    }
    sfu_peer_networks_parse(&v6_only, "::1/128", err, sizeof(err));
    if (!ok(sfu_ice_global_init(&mux) == 0 && sfu_ice_global_init(&mux2) == 0,
            "two shared ports open on ::1 (%u, %u)", mux.udp_port,
            mux2.udp_port))
    {
        return;
    }
    test_against_libnice(&mux, &nice);
    test_mux_to_mux(&mux, &mux2, &nice);

    pair_new_apart(e, &nice, &mux);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "over IPv6"), "libnice to the mux on ::1");
    g_snprintf(want, sizeof(want), "::1:%u udp", mux.udp_port);
    is_str(sfu_ice_local(e[1].ice), want, "... the mux's end");
    ok(g_str_has_prefix(sfu_ice_remote(e[1].ice), "::1:"),
       "... from libnice's: %s", sfu_ice_remote(e[1].ice));
    g_snprintf(want, sizeof(want), " ::1 %u typ host", mux.udp_port);
    ok(strstr(e[1].candidates[0], want) != NULL, "... candidate %s",
       e[1].candidates[0]);
    pair_free(e);

    /* both families on one port: the peer's family picks the socket */
    for (int i = 0; i < 10 && (dual.udp_port == 0
                               || sfu_ice_global_init(&dual) != 0); i++)
    {
        dual.udp_port = free_loopback6_port(SOCK_DGRAM);
    }
    pair_new_apart(e, &dual, &nice);
    pair_exchange_credentials(e);
    ok(both_connected_and_talk(e, "dual"),
       "a mux on 127.0.0.1 and ::1 (port %u) to libnice on ::1 only",
       dual.udp_port);
    ok(e[0].ncandidates == 2 && strstr(e[0].candidates[0], " 127.0.0.1 ")
       && strstr(e[0].candidates[1], " ::1 "),
       "... a candidate for each address");
    g_snprintf(want, sizeof(want), "::1:%u udp", dual.udp_port);
    is_str(sfu_ice_local(e[0].ice), want, "... the ::1 socket carries it");
    pair_free(e);
}

int
main(void)
{
    sfu_transport_config_t nice = { .listen = loopback, .udp = true };
    sfu_transport_config_t mux = { .listen = loopback, .udp = true };
    sfu_transport_config_t mux2 = { .listen = loopback, .udp = true };
    sfu_ice_mux_stats_t none = { .datagrams = 1 };

    sfu_log_init(SFU_LOG_WARN, 0);
    mux.udp_port = free_loopback_port(SOCK_DGRAM);
    mux2.udp_port = free_loopback_port(SOCK_DGRAM);
    if (!ok(sfu_ice_global_init(&mux) == 0 && sfu_ice_global_init(&mux2) == 0,
            "two shared ports open (%u, %u)", mux.udp_port, mux2.udp_port))
    {
        return tap_done();
    }
    is_int(sfu_ice_global_init(&(sfu_transport_config_t) {
               .listen = loopback, .udp = true, .udp_port = 0 }), 0,
           "no shared port: nothing opened");

    test_against_libnice(&mux, &nice);
    test_mux_to_mux(&mux, &mux2, &nice);
    test_strangers(&mux, &nice);
    test_restart(&mux, &nice, true);
    test_restart(&mux, &nice, false);
    test_consent(&mux, &nice);
    test_kernel_drops(&mux, &mux2);
    test_ipv6();

    sfu_ice_global_cleanup();
    ok(!sfu_ice_mux_stats_all(&none) && none.datagrams == 0,
       "no shared port open: no counters");
    return tap_done();
}
