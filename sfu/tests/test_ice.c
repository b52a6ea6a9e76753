/* ICE agents on 127.0.0.1: trickle, UDP and ICE-TCP, restart, consent loss, ports, announced address, refused candidates, peer networks. */
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ice_ends.h"
#include "log.h"

static const char *loopback[] = { "127.0.0.1", NULL };

static void
test_udp_trickle(void)
{
    sfu_transport_config_t cfg = { .listen = loopback, .udp = true };
    struct end e[2];

    pair_new(e, &cfg);
    ok(strlen(sfu_ice_ufrag(e[0].ice)) >= 4
       && strlen(sfu_ice_pwd(e[0].ice)) >= 22, "local credentials made");
    is_int(e[0].ncandidates, 0, "no candidate before the main loop runs");
    pair_exchange_credentials(e);
    ok(run_until(both_connected, e, 20), "UDP pair connects with trickle");
    ok(strstr(e[0].candidates[0], " udp ") != NULL
       && strstr(e[0].candidates[0], " 127.0.0.1 ") != NULL
       && strstr(e[0].candidates[0], " typ host") != NULL,
       "host candidate on 127.0.0.1: %s", e[0].candidates[0]);
    ok(pair_talks(e, "hello"), "data flows both ways");
    ok(sfu_ice_sends_direct(e[0].ice) && sfu_ice_sends_direct(e[1].ice),
       "a UDP host pair is sent on directly, not through libnice");
    ok(g_str_has_prefix(sfu_ice_local(e[0].ice), "127.0.0.1:")
       && g_str_has_suffix(sfu_ice_remote(e[0].ice), " udp"),
       "selected pair reported: %s -> %s", sfu_ice_local(e[0].ice),
       sfu_ice_remote(e[0].ice));
    pair_free(e);
}

static void
test_tcp_only(void)
{
    sfu_transport_config_t cfg = { .listen = loopback, .tcp = true };
    struct end e[2];
    bool all_passive = true;

    pair_new(e, &cfg);
    pair_exchange_credentials(e);
    ok(run_until(both_connected, e, 20), "ICE-TCP only pair connects");
    for (unsigned i = 0; i < e[0].ncandidates; i++) {
        all_passive &= strstr(e[0].candidates[i], " tcp ") != NULL
                       && strstr(e[0].candidates[i], "tcptype passive") != NULL;
    }
    ok(e[0].ncandidates > 0 && all_passive,
       "only passive TCP candidates written: %s", e[0].candidates[0]);
    ok(pair_talks(e, "over tcp"), "data flows over ICE-TCP");
    ok(!sfu_ice_sends_direct(e[0].ice) && !sfu_ice_sends_direct(e[1].ice),
       "ICE-TCP goes through libnice (RFC 4571 framing)");
    ok(g_str_has_suffix(sfu_ice_local(e[0].ice), " tcp"),
       "selected pair is TCP: %s", sfu_ice_local(e[0].ice));
    pair_free(e);
}

static void
test_restart(void)
{
    sfu_transport_config_t cfg = { .listen = loopback, .udp = true };
    struct end e[2];
    char ufrag0[300], ufrag1[300], restarted[300];

    pair_new(e, &cfg);
    pair_exchange_credentials(e);
    run_until(both_connected, e, 20);
    g_strlcpy(ufrag0, sfu_ice_ufrag(e[0].ice), sizeof(ufrag0));
    g_strlcpy(ufrag1, sfu_ice_ufrag(e[1].ice), sizeof(ufrag1));
    ok(pair_talks(e, "before restart") && sfu_ice_sends_direct(e[0].ice),
       "sent on directly before the restart");

    /* restart from e[0]: its offer reaches e[1], e[1]'s answer comes back */
    e[0].gathered = e[1].gathered = false;
    is_int(sfu_ice_restart(e[0].ice), 0, "restart accepted");
    ok(!sfu_ice_sends_direct(e[0].ice),
       "a restart sends through libnice until a pair is selected again");
    ok(sfu_ice_send(e[0].ice, (const uint8_t *) "during", 6) == 0
       && !sfu_ice_sends_direct(e[0].ice),
       "the old pair still carries data meanwhile, through libnice");
    ok(strcmp(ufrag0, sfu_ice_ufrag(e[0].ice)) != 0,
       "restart makes new local credentials");
    g_strlcpy(restarted, sfu_ice_ufrag(e[0].ice), sizeof(restarted));
    sfu_ice_set_remote(e[1].ice, sfu_ice_ufrag(e[0].ice),
                       sfu_ice_pwd(e[0].ice));
    ok(strcmp(ufrag1, sfu_ice_ufrag(e[1].ice)) != 0,
       "the peer's restart gives the answerer new credentials too");
    sfu_ice_set_remote(e[0].ice, sfu_ice_ufrag(e[1].ice),
                       sfu_ice_pwd(e[1].ice));
    is_str(sfu_ice_ufrag(e[0].ice), restarted,
       "the answer to our restart does not restart again");
    ok(run_until(both_gathered, e, 10),
       "both sides announce their candidates again");
    ok(run_until(both_connected, e, 20), "pair connects again");
    ok(pair_talks(e, "after restart"), "data flows after the restart");
    ok(sfu_ice_sends_direct(e[0].ice) && sfu_ice_sends_direct(e[1].ice),
       "and is sent on directly again");
    pair_free(e);
}

static void
test_consent_lost(void)
{
    sfu_transport_config_t cfg = { .listen = loopback, .udp = true };
    struct end e[2];
    gint64 start;

    pair_new(e, &cfg);
    pair_exchange_credentials(e);
    run_until(both_connected, e, 20);
    e[0].trickle = e[1].trickle = false;
    sfu_ice_free(e[1].ice);
    e[1].ice = NULL;
    start = g_get_monotonic_time();
    ok(run_until(is_failed, &e[0], 35),
       "a peer that stops answering fails the pair");
    ok(sfu_ice_send(e[0].ice, (const uint8_t *) "gone", 4) == -1
       && !sfu_ice_sends_direct(e[0].ice),
       "nothing is sent on a failed pair");
    ok(g_get_monotonic_time() - start <= 30 * G_USEC_PER_SEC,
       "within 30 s (%.1f s)",
       (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC);
    sfu_ice_free(e[0].ice);
}

static void
test_ports_and_announce(void)
{
    sfu_transport_config_t cfg = { .listen = loopback, .udp = true,
                                   .tcp = true, .announce = "192.0.2.7" };
    struct end e[2];
    unsigned lo = 20000 + (unsigned) g_random_int_range(0, 40000);
    bool in_range = true, announced = true;

    cfg.port_min = (uint16_t) lo;
    cfg.port_max = (uint16_t) (lo + 9);
    pair_new(e, &cfg);
    e[0].trickle = e[1].trickle = false;
    ok(run_until(both_gathered, e, 10), "gathering done");
    ok(e[0].ncandidates == 2, "one UDP and one passive TCP candidate (%u)",
       e[0].ncandidates);
    for (unsigned i = 0; i < e[0].ncandidates; i++) {
        unsigned port = 0;
        char *p = strstr(e[0].candidates[i], " 192.0.2.7 ");

        announced &= p != NULL;
        if (p != NULL) {
            port = (unsigned) strtoul(p + strlen(" 192.0.2.7 "), NULL, 10);
        }
        in_range &= port >= cfg.port_min && port <= cfg.port_max;
    }
    ok(announced, "host candidates show the announced address: %s",
       e[0].candidates[0]);
    ok(in_range, "ports within %u-%u", cfg.port_min, cfg.port_max);
    pair_free(e);
}

static void
test_refused_candidates(void)
{
    sfu_transport_config_t cfg = { .listen = loopback, .udp = true,
                                   .tcp = true };
    sfu_transport_config_t udp_only = { .listen = loopback, .udp = true };
    sfu_ice_t *ice;
    struct end e;

    memset(&e, 0, sizeof(e));
    e.peer = &e;
    ice = sfu_ice_new(&cfg, false, &callbacks, &e);
    is_int(sfu_ice_add_remote_candidate(ice,
               "candidate:1 1 udp 2122260223 4b1e8e7c-0c2d-4bd1-a4c0-"
               "1d3a2e4f5a6b.local 54321 typ host"), -1, "mDNS name refused");
    is_int(sfu_ice_add_remote_candidate(ice, "candidate:1 1 udp"), -1,
           "truncated line refused");
    is_int(sfu_ice_add_remote_candidate(ice,
               "candidate:1 1 tcp 2122260223 127.0.0.1 9 typ host"), -1,
           "TCP candidate without tcptype refused");
    is_int(sfu_ice_add_remote_candidate(ice,
               "a=candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host"), 0,
           "IPv4 candidate with a= accepted");
    is_int(sfu_ice_add_remote_candidate(ice,
               "candidate:1 2 udp 2122260222 127.0.0.1 5001 typ host"), 0,
           "component 2 ignored");
    is_int(sfu_ice_add_remote_candidate(ice,
               "candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host "
               "tcptype active"), 0, "active TCP candidate accepted");
    is_int(sfu_ice_set_remote(ice, "", "x"), -1, "empty ufrag refused");
    sfu_ice_free(ice);

    ice = sfu_ice_new(&udp_only, false, &callbacks, &e);
    is_int(sfu_ice_add_remote_candidate(ice,
               "candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host "
               "tcptype active"), 0, "TCP candidate ignored when TCP is off");
    sfu_ice_free(ice);
}

/*
 * A peer on 127.0.0.2: inside the peer networks it connects; outside, its
 * candidates are refused and its checks dropped, so it never connects.
 */
static void
test_peer_networks(void)
{
    static const char *lo2[] = { "127.0.0.2", NULL };
    sfu_peer_networks_t inside = { 0 }, outside = { 0 };
    sfu_transport_config_t filtered = { .listen = loopback, .udp = true,
                                        .tcp = true };
    sfu_transport_config_t other = { .listen = lo2, .udp = true, .tcp = true };
    char err[128];
    struct end e[2];
    gint64 start;
    bool failed;

    sfu_peer_networks_parse(&inside, "127.0.0.2/32", err, sizeof(err));
    sfu_peer_networks_parse(&outside, "127.0.0.3/32,::1", err, sizeof(err));

    filtered.peer_networks = &inside;
    pair_new_apart(e, &other, &filtered);
    pair_exchange_credentials(e);
    ok(run_until(both_connected, e, 20), "a peer inside the networks connects");
    ok(pair_talks(e, "inside"), "data flows through the filter");
    pair_free(e);

    filtered.peer_networks = &outside;
    start = g_get_monotonic_time();
    pair_new_apart(e, &other, &filtered);
    pair_exchange_credentials(e);
    ok(run_until(both_gathered, e, 10), "both gather");
    is_int(sfu_ice_add_remote_candidate(e[1].ice, e[0].candidates[0]), -1,
           "a candidate outside the networks is refused");
    failed = run_until(is_failed, &e[0], 90);
    ok(failed && e[1].state != SFU_ICE_CONNECTED,
       "checks from outside are dropped: the peer fails (%.1f s)",
       (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC);
    pair_free(e);
}

static void
test_config_checks(void)
{
    const char *bad_listen[] = { "localhost", NULL };
    sfu_transport_config_t cfg = { .udp = true };
    int saved_stderr = dup(STDERR_FILENO);
    int devnull = open("/dev/null", O_WRONLY);

    /* the refusals are logged; keep them out of prove's output */
    dup2(devnull, STDERR_FILENO);

    is_int(sfu_ice_check_config(&cfg), 0, "defaults accepted");
    cfg.listen = bad_listen;
    is_int(sfu_ice_check_config(&cfg), -1, "listen name refused");
    cfg.listen = loopback;
    cfg.announce = "example.org";
    is_int(sfu_ice_check_config(&cfg), -1, "announced name refused");
    cfg.announce = "2001:db8::1";
    is_int(sfu_ice_check_config(&cfg), 0, "announced IPv6 accepted");
    cfg.port_min = 5000;
    is_int(sfu_ice_check_config(&cfg), -1, "half a port range refused");
    cfg.port_max = 4000;
    is_int(sfu_ice_check_config(&cfg), -1, "inverted port range refused");
    cfg.port_max = 5000;
    cfg.udp = false;
    is_int(sfu_ice_check_config(&cfg), -1, "neither UDP nor TCP refused");
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    close(devnull);
}

int
main(void)
{
    sfu_log_init(getenv("SFU_TEST_DEBUG") ? SFU_LOG_DEBUG : SFU_LOG_ERROR, 0);
    test_config_checks();
    test_refused_candidates();
    test_udp_trickle();
    test_tcp_only();
    test_restart();
    test_ports_and_announce();
    test_peer_networks();
    test_consent_lost();
    return tap_done();
}
