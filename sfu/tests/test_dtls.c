/* DTLS-SRTP sessions over an in-memory link: keys, profiles, fingerprints, lost flights, injected records, the session released (client at once, server once the peer is keyed). */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "dtls.h"
#include "log.h"

#define QUEUE_MAX 64

struct side {
    sfu_dtls_t *d;
    struct side *peer;
    /* datagrams on their way to the peer */
    uint8_t queue[QUEUE_MAX][1500];
    size_t queue_len[QUEUE_MAX];
    unsigned queued;
    unsigned drop;          /* datagrams still to lose on the way */
    unsigned sent;          /* datagrams sent, lost ones included */
    bool lose_last_flight;  /* lose what was sent before connecting */
    bool connected, failed, closed;
    sfu_srtp_keys_t keys;
};

static void
on_send(void *data, const uint8_t *datagram, size_t len)
{
    struct side *s = data;

    s->sent++;
    if (s->drop > 0) {
        s->drop--;
        return;
    }
    if (s->queued < QUEUE_MAX && len <= sizeof(s->queue[0])) {
        memcpy(s->queue[s->queued], datagram, len);
        s->queue_len[s->queued++] = len;
    }
}

static void
on_connected(void *data, const sfu_srtp_keys_t *keys)
{
    struct side *s = data;

    s->connected = true;
    s->keys = *keys;
    if (s->lose_last_flight) {
        s->queued = 0;
    }
}

static void
on_failed(void *data)
{
    ((struct side *) data)->failed = true;
}

static void
on_closed(void *data)
{
    ((struct side *) data)->closed = true;
}

static const sfu_dtls_callbacks_t callbacks = {
    on_send, on_connected, on_failed, on_closed,
};

/* Delivers what each side sent to the other until both queues are empty. */
static void
pump(struct side s[2])
{
    uint8_t buf[1500];
    size_t len;

    while (s[0].queued > 0 || s[1].queued > 0) {
        for (int i = 0; i < 2; i++) {
            while (s[i].queued > 0) {
                len = s[i].queue_len[0];
                memcpy(buf, s[i].queue[0], len);
                memmove(s[i].queue[0], s[i].queue[1],
                        (s[i].queued - 1) * sizeof(s[i].queue[0]));
                memmove(&s[i].queue_len[0], &s[i].queue_len[1],
                        (s[i].queued - 1) * sizeof(size_t));
                s[i].queued--;
                if (s[i].peer->d != NULL) {
                    sfu_dtls_handle(s[i].peer->d, buf, len);
                }
            }
        }
    }
}

/* s[0] client, s[1] server; each expects the given fingerprint of the other. */
static void
pair_new(struct side s[2], const char *fp_for_client, const char *fp_for_server)
{
    memset(s, 0, 2 * sizeof(*s));
    s[0].peer = &s[1];
    s[1].peer = &s[0];
    s[0].d = sfu_dtls_new(true, "sha-256", fp_for_client, &callbacks, &s[0]);
    s[1].d = sfu_dtls_new(false, "sha-256", fp_for_server, &callbacks, &s[1]);
}

static void
pair_free(struct side s[2])
{
    sfu_dtls_free(s[0].d);
    sfu_dtls_free(s[1].d);
    s[0].d = s[1].d = NULL;
}

static bool
pair_connect(struct side s[2], double seconds)
{
    gint64 end = g_get_monotonic_time() + (gint64) (seconds * 1e6);

    sfu_dtls_start(s[0].d);
    pump(s);
    while (!(s[0].connected && s[1].connected) && !s[0].failed
           && !s[1].failed && g_get_monotonic_time() < end)
    {
        g_main_context_iteration(NULL, FALSE);
        pump(s);
        g_usleep(1000);
    }
    return s[0].connected && s[1].connected;
}

static bool
keys_mirror(const struct side s[2])
{
    size_t n = sfu_srtp_key_len(s[0].keys.profile)
               + sfu_srtp_salt_len(s[0].keys.profile);

    return s[0].keys.profile == s[1].keys.profile && n > 0
           && memcmp(s[0].keys.local, s[1].keys.remote, n) == 0
           && memcmp(s[0].keys.remote, s[1].keys.local, n) == 0
           && memcmp(s[0].keys.local, s[0].keys.remote, n) != 0;
}

static void
test_profiles(void)
{
    static const struct {
        sfu_srtp_profile_t only;
        sfu_srtp_profile_t want;
        const char *name;
    } cases[] = {
        { SFU_SRTP_NONE, SFU_SRTP_AEAD_AES_128_GCM, "both offered: GCM" },
        { SFU_SRTP_AES128_CM_SHA1_80, SFU_SRTP_AES128_CM_SHA1_80,
          "AES-CM only" },
        { SFU_SRTP_AEAD_AES_128_GCM, SFU_SRTP_AEAD_AES_128_GCM, "GCM only" },
    };
    struct side s[2];

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        sfu_dtls_global_cleanup();
        sfu_dtls_global_init(cases[i].only);
        pair_new(s, sfu_dtls_fingerprint(), sfu_dtls_fingerprint());
        ok(pair_connect(s, 10), "%s: handshake done", cases[i].name);
        is_int(s[0].keys.profile, cases[i].want, cases[i].name);
        ok(keys_mirror(s), "%s: each side's local key is the other's remote",
           cases[i].name);
        pair_free(s);
    }
}

static void
test_fingerprints(void)
{
    char wrong[128];
    struct side s[2];
    const sfu_dtls_callbacks_t *cb = &callbacks;
    const char *fp = sfu_dtls_fingerprint();

    is_int(strlen(fp), 95, "SHA-256 fingerprint is 32 hex pairs");
    g_strlcpy(wrong, fp, sizeof(wrong));
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';

    pair_new(s, wrong, fp);
    ok(!pair_connect(s, 10) && s[0].failed && !s[0].connected,
       "client refuses a server certificate that does not match");
    pair_free(s);

    pair_new(s, fp, wrong);
    ok(!pair_connect(s, 10) && s[1].failed && !s[1].connected,
       "server refuses a client certificate that does not match");
    pair_free(s);

    ok(sfu_dtls_new(true, "md5", fp, cb, NULL) == NULL, "unknown algorithm");
    ok(sfu_dtls_new(true, "sha-1", fp, cb, NULL) == NULL,
       "SHA-256 length under sha-1 refused");
    ok(sfu_dtls_new(true, "sha-256", "AB:CD", cb, NULL) == NULL,
       "short fingerprint refused");
    g_strlcpy(wrong, fp, sizeof(wrong));
    wrong[2] = '-';
    ok(sfu_dtls_new(true, "sha-256", wrong, cb, NULL) == NULL,
       "wrong separator refused");
    g_strlcpy(wrong, fp, sizeof(wrong));
    g_strlcat(wrong, ":00", sizeof(wrong));
    ok(sfu_dtls_new(true, "sha-256", wrong, cb, NULL) == NULL,
       "long fingerprint refused");

    pair_new(s, fp, fp);
    ok(sfu_dtls_same_peer(s[0].d, true, "SHA-256", fp),
       "same peer: algorithm name in any case");
    ok(!sfu_dtls_same_peer(s[0].d, false, "sha-256", fp),
       "another role is another peer");
    pair_free(s);
}

static void
test_lost_flights(void)
{
    struct side s[2];

    pair_new(s, sfu_dtls_fingerprint(), sfu_dtls_fingerprint());
    s[0].drop = 1;      /* the ClientHello */
    s[1].drop = 1;      /* the server's first flight */
    ok(pair_connect(s, 10), "handshake done over lost flights");
    pair_free(s);
}

static void
test_injected_records(void)
{
    static const uint8_t garbage[] = {
        23, 0xfe, 0xfd, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
        0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    };
    static const uint8_t fake_alert[] = {
        21, 0xfe, 0xfd, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
        0x00, 0x02, 2, 40,
    };
    struct side s[2], intruder[2];

    pair_new(s, sfu_dtls_fingerprint(), sfu_dtls_fingerprint());
    pair_connect(s, 10);

    /* another client's ClientHello, straight into the connected server */
    memset(intruder, 0, sizeof(intruder));
    intruder[0].peer = &intruder[1];
    intruder[1].peer = &intruder[0];
    intruder[0].d = sfu_dtls_new(true, "sha-256", sfu_dtls_fingerprint(),
                                 &callbacks, &intruder[0]);
    sfu_dtls_start(intruder[0].d);
    for (unsigned i = 0; i < intruder[0].queued; i++) {
        sfu_dtls_handle(s[1].d, intruder[0].queue[i],
                        intruder[0].queue_len[i]);
    }
    sfu_dtls_handle(s[1].d, garbage, sizeof(garbage));
    sfu_dtls_handle(s[1].d, fake_alert, sizeof(fake_alert));
    sfu_dtls_handle(s[1].d, garbage, 3);
    ok(!s[1].failed && !s[1].closed && s[1].queued == 0,
       "connected server ignores a ClientHello, garbage and a forged alert");
    sfu_dtls_free(intruder[0].d);
    ok(sfu_dtls_dropped(s[1].d) == 0 && sfu_dtls_holds_session(s[1].d),
       "the server, its peer not yet keyed, still read them");

    /* the server's session still works: it sends close_notify */
    sfu_dtls_free(s[1].d);
    s[1].d = NULL;
    ok(s[1].queued > 0, "the server's close_notify goes out");
    pump(s);
    pair_free(s);
}

/*
 * The client's session goes when the handshake ends: records arriving
 * later (here the server's close_notify) are dropped and counted, and
 * nothing is sent when it is freed.
 */
static void
test_client_releases(void)
{
    struct side s[2];
    unsigned sent;

    pair_new(s, sfu_dtls_fingerprint(), sfu_dtls_fingerprint());
    ok(pair_connect(s, 10), "handshake done");
    ok(!sfu_dtls_holds_session(s[0].d), "the client released its session");
    ok(sfu_dtls_holds_session(s[1].d), "the server keeps its own");
    sfu_dtls_free(s[1].d);
    s[1].d = NULL;
    pump(s);
    ok(!s[0].closed && !s[0].failed && sfu_dtls_dropped(s[0].d) == 1,
       "the server's close_notify is dropped and counted by the client");
    sent = s[0].sent;
    sfu_dtls_free(s[0].d);
    s[0].d = NULL;
    is_int(s[0].sent, sent, "a released session sends nothing when freed");
}

static bool
wait_for(struct side s[2], bool (*done)(struct side *), double seconds)
{
    gint64 end = g_get_monotonic_time() + (gint64) (seconds * 1e6);

    while (!done(s) && g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, FALSE);
        pump(s);
        g_usleep(1000);
    }
    return done(s);
}

static bool
client_connected(struct side *s)
{
    return s[0].connected;
}

static bool
server_dropped(struct side *s)
{
    return sfu_dtls_dropped(s[1].d) > 0;
}

/*
 * The server's last flight is lost: until the peer is keyed, the server
 * answers the client's resent flight; after, the resent flight is dropped
 * and counted, and nothing is sent or reported.
 */
static void
test_server_releases_when_peer_keyed(void)
{
    struct side s[2];
    unsigned sent;

    pair_new(s, sfu_dtls_fingerprint(), sfu_dtls_fingerprint());
    s[1].lose_last_flight = true;
    sfu_dtls_start(s[0].d);
    pump(s);
    ok(s[1].connected && !s[0].connected,
       "the server is done, its last flight lost");
    ok(wait_for(s, client_connected, 10),
       "the server answers the client's resent flight: the client is done");
    ok(sfu_dtls_holds_session(s[1].d), "the server keeps its session");
    sfu_dtls_peer_keyed(s[1].d);
    ok(!sfu_dtls_holds_session(s[1].d), "the peer keyed: released");
    pair_free(s);

    pair_new(s, sfu_dtls_fingerprint(), sfu_dtls_fingerprint());
    s[1].lose_last_flight = true;
    sfu_dtls_start(s[0].d);
    pump(s);
    sfu_dtls_peer_keyed(s[1].d);
    sent = s[1].sent;
    ok(wait_for(s, server_dropped, 10),
       "released early, the server drops the client's resent flight");
    ok(s[1].sent == sent && !s[1].failed && !s[1].closed && !s[0].connected,
       "and sends nothing, reports nothing");
    pair_free(s);
}

static void
test_garbage_during_handshake(void)
{
    static const uint8_t junk[] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0,
                                    0, 3, 1, 2, 3 };
    struct side s[2];

    pair_new(s, sfu_dtls_fingerprint(), sfu_dtls_fingerprint());
    sfu_dtls_handle(s[1].d, junk, sizeof(junk));
    ok(!s[1].connected, "junk does not complete a handshake");
    pair_free(s);
}

int
main(void)
{
    sfu_log_init(getenv("SFU_TEST_DEBUG") ? SFU_LOG_DEBUG : SFU_LOG_ERROR, 0);
    if (sfu_dtls_global_init(SFU_SRTP_NONE) != 0) {
        ok(0, "certificate made");
        return tap_done();
    }
    test_fingerprints();
    test_lost_flights();
    test_injected_records();
    test_client_releases();
    test_server_releases_when_peer_keyed();
    test_garbage_during_handshake();
    test_profiles();
    sfu_dtls_global_cleanup();
    return tap_done();
}
