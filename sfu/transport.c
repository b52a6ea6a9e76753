/*
 * transport: the glue of one peer connection's network path.  ICE (ice.c)
 * delivers what is not STUN, and only from remote addresses that passed a
 * connectivity check, so DTLS or media from anyone else never gets here.
 * What does is told apart by its first byte (RFC 7983): DTLS records go
 * to the handshake (dtls.c), SRTP and SRTCP (RFC 5761 by payload type) are
 * unprotected (srtp.c) into the transport's own buffer and handed up.
 * Anything else is dropped.  The first packet from the peer that
 * authenticates tells DTLS the peer holds the keys, so a DTLS server
 * frees its OpenSSL session (dtls.c says why it may); after that the
 * receive path pays one flag test.  The hot path (receive, send_rtp,
 * send_rtcp) allocates nothing.
 *
 * Handlers may free the transport.  The public calls that may run one
 * (through libnice, which reports some changes synchronously) hold the
 * transport, so a free inside them waits until they return; everywhere
 * else a handler is the last thing done before returning.
 */

#include "transport.h"

#include "dtls.h"
#include "free_guard.h"
#include "ice.h"
#include "log.h"
#include "rtp.h"
#include "srtp.h"

#include <glib.h>
#include <string.h>

#define CONNECT_TIMEOUT_S 30

struct sfu_transport {
    sfu_transport_handlers_t  h;
    void                     *data;
    unsigned                  id;            /* for log lines */
    sfu_transport_state_t     state;

    sfu_ice_t                *ice;
    sfu_dtls_t               *dtls;
    sfu_srtp_t                srtp;
    bool                      keyed;
    bool                      peer_keyed;    /* a packet of its authenticated */

    guint                     deadline;
    sfu_free_guard_t          guard;         /* destroys it */

    sfu_transport_stats_t     stats;
    uint8_t                   buf[SFU_TRANSPORT_MTU + SFU_TRANSPORT_TRAILER];
};

static const sfu_transport_config_t *transport_cfg;
static unsigned transport_next_id;

static const char *const state_names[] = {
    "new", "connecting", "connected", "failed", "closed",
};

int
sfu_transport_global_init(const sfu_transport_config_t *cfg)
{
    if (sfu_ice_global_init(cfg) != 0) {
        return -1;
    }
    if (sfu_srtp_global_init() != 0) {
        sfu_ice_global_cleanup();
        return -1;
    }
    if (sfu_dtls_global_init(cfg->srtp_only) != 0) {
        sfu_srtp_global_cleanup();
        sfu_ice_global_cleanup();
        return -1;
    }
    transport_cfg = cfg;
    return 0;
}

void
sfu_transport_global_cleanup(void)
{
    sfu_dtls_global_cleanup();
    sfu_srtp_global_cleanup();
    sfu_ice_global_cleanup();
    transport_cfg = NULL;
}

const char *
sfu_transport_fingerprint_algo(void)
{
    return "sha-256";
}

const char *
sfu_transport_fingerprint(void)
{
    return sfu_dtls_fingerprint();
}

static void
transport_destroy(void *obj)
{
    sfu_transport_t *t = obj;

    if (t->deadline != 0) {
        g_source_remove(t->deadline);
    }
    /* close_notify goes out through ICE, so DTLS goes first */
    sfu_dtls_free(t->dtls);
    sfu_srtp_stop(&t->srtp);
    sfu_ice_free(t->ice);
    g_free(t);
}

/* A handler freed t: it goes once no call holds it. */
static bool
dead(const sfu_transport_t *t)
{
    return sfu_free_guard_dead(&t->guard);
}

static bool
is_final(sfu_transport_state_t state)
{
    return state == SFU_TRANSPORT_FAILED || state == SFU_TRANSPORT_CLOSED;
}

static void
set_state(sfu_transport_t *t, sfu_transport_state_t state, const char *why)
{
    if (dead(t) || state == t->state || is_final(t->state)) {
        return;
    }
    t->state = state;
    if (state == SFU_TRANSPORT_CONNECTED || is_final(state)) {
        if (t->deadline != 0) {
            g_source_remove(t->deadline);
            t->deadline = 0;
        }
        sfu_log_info("transport %u: %s%s%s", t->id, state_names[state],
                     why != NULL ? ": " : "", why != NULL ? why : "");
    }
    if (t->h.state != NULL) {
        t->h.state(t, state, t->data);
    }
}

static gboolean
on_deadline(gpointer data)
{
    sfu_transport_t *t = data;

    t->deadline = 0;
    set_state(t, SFU_TRANSPORT_FAILED, "not connected after "
              G_STRINGIFY(CONNECT_TIMEOUT_S) " s");
    return G_SOURCE_REMOVE;
}

static void
on_ice_candidate(void *data, const char *candidate)
{
    sfu_transport_t *t = data;

    if (!dead(t) && t->h.candidate != NULL) {
        t->h.candidate(t, candidate, t->data);
    }
}

static void
on_ice_gathering_done(void *data)
{
    sfu_transport_t *t = data;

    if (!dead(t) && t->h.gathering_done != NULL) {
        t->h.gathering_done(t, t->data);
    }
}

static void
on_ice_state(void *data, sfu_ice_state_t state)
{
    sfu_transport_t *t = data;

    if (state == SFU_ICE_FAILED) {
        set_state(t, SFU_TRANSPORT_FAILED, t->keyed ? "ICE consent lost"
                                                    : "ICE failed");
    } else if (state == SFU_ICE_CONNECTED && t->dtls != NULL) {
        sfu_dtls_start(t->dtls);
    }
}

static void
receive_media(sfu_transport_t *t, bool rtcp, const uint8_t *pkt, size_t len)
{
    size_t plain = len;

    if (dead(t) || !t->keyed || len > SFU_TRANSPORT_MTU) {
        return;
    }
    memcpy(t->buf, pkt, len);
    if (sfu_srtp_unprotect(&t->srtp, rtcp, t->buf, &plain) != 0) {
        t->stats.srtp_errors++;
        return;
    }
    if (!t->peer_keyed) {
        t->peer_keyed = true;
        sfu_dtls_peer_keyed(t->dtls);
    }
    t->stats.packets_in++;
    t->stats.bytes_in += len;
    if (rtcp) {
        if (t->h.rtcp != NULL) {
            t->h.rtcp(t, t->buf, plain, t->data);
        }
    } else if (t->h.rtp != NULL) {
        t->h.rtp(t, t->buf, plain, t->data);
    }
}

static void
on_ice_recv(void *data, uint8_t *pkt, size_t len)
{
    sfu_transport_t *t = data;

    switch (sfu_packet_classify(pkt, len)) {
    case SFU_PACKET_DTLS:
        if (t->dtls != NULL) {
            sfu_dtls_handle(t->dtls, pkt, len);
        }
        break;
    case SFU_PACKET_RTP:
        receive_media(t, false, pkt, len);
        break;
    case SFU_PACKET_RTCP:
        receive_media(t, true, pkt, len);
        break;
    default:
        break;
    }
}

static const sfu_ice_callbacks_t ice_callbacks = {
    on_ice_candidate, on_ice_gathering_done, on_ice_state, on_ice_recv,
};

static void
on_dtls_send(void *data, const uint8_t *datagram, size_t len)
{
    sfu_transport_t *t = data;

    /* a lost flight is sent again on the DTLS timer */
    sfu_ice_send(t->ice, datagram, len);
}

static void
on_dtls_connected(void *data, const sfu_srtp_keys_t *keys)
{
    sfu_transport_t *t = data;

    if (dead(t)) {
        return;
    }
    if (sfu_srtp_start(&t->srtp, keys) != 0) {
        set_state(t, SFU_TRANSPORT_FAILED, "SRTP not keyed");
        return;
    }
    t->keyed = true;
    t->stats.profile = keys->profile;
    set_state(t, SFU_TRANSPORT_CONNECTED,
              keys->profile == SFU_SRTP_AEAD_AES_128_GCM
              ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80");
}

static void
on_dtls_failed(void *data)
{
    set_state(data, SFU_TRANSPORT_FAILED, "DTLS failed");
}

static void
on_dtls_closed(void *data)
{
    set_state(data, SFU_TRANSPORT_CLOSED, "the peer closed DTLS");
}

static const sfu_dtls_callbacks_t dtls_callbacks = {
    on_dtls_send, on_dtls_connected, on_dtls_failed, on_dtls_closed,
};

sfu_transport_t *
sfu_transport_new(bool controlling, const sfu_transport_handlers_t *h,
                  void *data)
{
    sfu_transport_t *t;

    if (transport_cfg == NULL) {
        sfu_log_error("transport: sfu_transport_global_init was not called");
        return NULL;
    }
    t = g_new0(sfu_transport_t, 1);
    t->h = *h;
    t->data = data;
    t->id = ++transport_next_id;
    sfu_free_guard_init(&t->guard, transport_destroy, t);
    t->ice = sfu_ice_new(transport_cfg, controlling, &ice_callbacks, t);
    if (t->ice == NULL) {
        g_free(t);
        return NULL;
    }
    return t;
}

const char *
sfu_transport_ice_ufrag(const sfu_transport_t *t)
{
    return sfu_ice_ufrag(t->ice);
}

const char *
sfu_transport_ice_pwd(const sfu_transport_t *t)
{
    return sfu_ice_pwd(t->ice);
}

int
sfu_transport_set_remote(sfu_transport_t *t, const char *ufrag,
                         const char *pwd, const char *fingerprint_algo,
                         const char *fingerprint, bool dtls_client)
{
    int rc;

    if (dead(t) || is_final(t->state)) {
        return -1;
    }
    if (t->dtls == NULL) {
        t->dtls = sfu_dtls_new(dtls_client, fingerprint_algo, fingerprint,
                               &dtls_callbacks, t);
        if (t->dtls == NULL) {
            sfu_log_info("transport %u: unusable fingerprint %s \"%s\"",
                         t->id, fingerprint_algo, fingerprint);
            return -1;
        }
    } else if (!sfu_dtls_same_peer(t->dtls, dtls_client, fingerprint_algo,
                                   fingerprint))
    {
        sfu_log_info("transport %u: DTLS role or fingerprint changed",
                     t->id);
        return -1;
    }

    sfu_free_guard_hold(&t->guard);
    if (t->state == SFU_TRANSPORT_NEW) {
        t->deadline = g_timeout_add_seconds(CONNECT_TIMEOUT_S, on_deadline,
                                            t);
        set_state(t, SFU_TRANSPORT_CONNECTING, NULL);
    }
    rc = dead(t) ? -1 : sfu_ice_set_remote(t->ice, ufrag, pwd);
    return sfu_free_guard_release(&t->guard) ? rc : -1;
}

int
sfu_transport_add_remote_candidate(sfu_transport_t *t,
                                   const char *candidate)
{
    int rc;

    if (dead(t)) {
        return -1;
    }
    sfu_free_guard_hold(&t->guard);
    rc = sfu_ice_add_remote_candidate(t->ice, candidate);
    return sfu_free_guard_release(&t->guard) ? rc : -1;
}

void
sfu_transport_end_of_candidates(sfu_transport_t *t)
{
    if (dead(t)) {
        return;
    }
    sfu_free_guard_hold(&t->guard);
    sfu_ice_end_of_candidates(t->ice);
    sfu_free_guard_release(&t->guard);
}

int
sfu_transport_restart(sfu_transport_t *t)
{
    int rc;

    if (dead(t) || is_final(t->state)) {
        return -1;
    }
    sfu_free_guard_hold(&t->guard);
    rc = sfu_ice_restart(t->ice);
    return sfu_free_guard_release(&t->guard) ? rc : -1;
}

static int
send_media(sfu_transport_t *t, bool rtcp, uint8_t *pkt, size_t len,
           size_t cap)
{
    if (dead(t) || t->state != SFU_TRANSPORT_CONNECTED
        || sfu_srtp_protect(&t->srtp, rtcp, pkt, &len, cap) != 0
        || sfu_ice_send(t->ice, pkt, len) != 0)
    {
        t->stats.send_errors++;
        return -1;
    }
    t->stats.packets_out++;
    t->stats.bytes_out += len;
    return 0;
}

int
sfu_transport_send_rtp(sfu_transport_t *t, uint8_t *pkt, size_t len,
                       size_t cap)
{
    return send_media(t, false, pkt, len, cap);
}

int
sfu_transport_send_rtcp(sfu_transport_t *t, uint8_t *pkt, size_t len,
                        size_t cap)
{
    return send_media(t, true, pkt, len, cap);
}

sfu_transport_state_t
sfu_transport_state(const sfu_transport_t *t)
{
    return t->state;
}

bool
sfu_transport_arrival(sfu_transport_t *t, struct timespec *at)
{
    return !dead(t) && sfu_ice_arrival(t->ice, at);
}

uint64_t
sfu_transport_socket_drops(sfu_transport_t *t)
{
    return dead(t) ? 0 : sfu_ice_socket_drops(t->ice);
}

void
sfu_transport_stats(const sfu_transport_t *t, sfu_transport_stats_t *out)
{
    *out = t->stats;
    out->dtls_held = t->dtls != NULL && sfu_dtls_holds_session(t->dtls);
    out->dtls_dropped = t->dtls != NULL ? sfu_dtls_dropped(t->dtls) : 0;
    g_strlcpy(out->local, sfu_ice_local(t->ice), sizeof(out->local));
    g_strlcpy(out->remote, sfu_ice_remote(t->ice), sizeof(out->remote));
}

void
sfu_transport_free(sfu_transport_t *t)
{
    if (t != NULL) {
        sfu_free_guard_kill(&t->guard);
    }
}
