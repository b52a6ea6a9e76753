/*
 * peer: a participant's peer connection on top of its transport; see
 * peer.h.  Transport handlers may run inside transport calls, so those
 * that change the owner's state only set a flag and wake an idle source;
 * the owner hears of them from the main loop.
 */
#include "peer.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "room.h"

static void
peer_send_rtp(void *ctx, uint8_t *pkt, size_t len, size_t cap)
{
    struct sfu_peer *peer = ctx;

    if (peer->transport != NULL) {
        sfu_transport_send_rtp(peer->transport, pkt, len, cap);
    }
}

static const char *
pc_name(const struct sfu_peer *peer)
{
    return peer->pc == SFU_PC_PUBLISH ? "publish" : "subscribe";
}

static gboolean
peer_dispatch(gpointer data)
{
    struct sfu_peer *peer = data;

    peer->idle = 0;
    /* Failure first: the owner frees the peer, and the other events no longer matter. */
    if (peer->pending_failed) {
        peer->pending_failed = false;
        peer->events->failed(peer->owner);
        return G_SOURCE_REMOVE;
    }
    if (peer->pending_gathered) {
        peer->pending_gathered = false;
        peer->events->gathered(peer->owner);
    }
    if (peer->pending_connected) {
        peer->pending_connected = false;
        peer->events->connected(peer->owner);
    }
    return G_SOURCE_REMOVE;
}

static void
peer_wake(struct sfu_peer *peer)
{
    if (peer->idle == 0) {
        peer->idle = g_idle_add(peer_dispatch, peer);
    }
}

static void
deliver_candidate(struct sfu_peer *peer, const char *candidate)
{
    sfu_room_deliver(peer->owner, json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", "ice-candidate",
        "pc", pc_name(peer), "candidate", candidate, "sdpMid", peer->tag_mid,
        "sdpMLineIndex", (json_int_t)peer->tag_index));
}

static void
restart_gathering(struct sfu_peer *peer)
{
    g_ptr_array_set_size(peer->candidates, 0);
    peer->gatherings++;
    peer->gathered = false;
    peer->sdp_sent = false;
}

static void
on_candidate(sfu_transport_t *t, const char *candidate, void *data)
{
    struct sfu_peer *peer = data;

    (void)t;
    if (peer->gathered) {
        /* An ICE restart gathers anew; the SDP that follows carries the new set. */
        restart_gathering(peer);
    }
    g_ptr_array_add(peer->candidates, g_strdup(candidate));
    if (peer->sdp_sent) {
        deliver_candidate(peer, candidate);
    }
}

static void
on_gathering_done(sfu_transport_t *t, void *data)
{
    struct sfu_peer *peer = data;

    (void)t;
    peer->gathered = true;
    if (peer->sdp_sent) {
        deliver_candidate(peer, "");
    }
    peer->pending_gathered = true;
    peer_wake(peer);
}

static void
on_state(sfu_transport_t *t, sfu_transport_state_t state, void *data)
{
    struct sfu_peer *peer = data;
    sfu_transport_stats_t stats;

    (void)t;
    switch (state) {
    case SFU_TRANSPORT_CONNECTED:
        sfu_log_info("participant %s: %s transport connected", peer->owner->id, pc_name(peer));
        peer->connected = true;
        sfu_transport_stats(peer->transport, &stats);
        peer->sink.resend_in_place = stats.profile == SFU_SRTP_AES128_CM_SHA1_80;
        peer->pending_connected = true;
        peer_wake(peer);
        break;
    case SFU_TRANSPORT_FAILED:
    case SFU_TRANSPORT_CLOSED:
        if (!peer->failed) {
            sfu_log_info("participant %s: %s transport %s", peer->owner->id, pc_name(peer),
                         state == SFU_TRANSPORT_FAILED ? "failed" : "closed by the peer");
            peer->failed = true;
            peer->connected = false;
            peer->pending_failed = true;
            peer_wake(peer);
        }
        break;
    default:
        break;
    }
}

static void
on_rtp(sfu_transport_t *t, uint8_t *pkt, size_t len, void *data)
{
    struct sfu_peer *peer = data;

    (void)t;
    if (!peer->failed) {
        peer->events->rtp(peer->owner, pkt, len);
    }
}

static void
on_rtcp(sfu_transport_t *t, uint8_t *pkt, size_t len, void *data)
{
    struct sfu_peer *peer = data;

    (void)t;
    if (!peer->failed) {
        peer->events->rtcp(peer->owner, pkt, len);
    }
}

static const sfu_transport_handlers_t peer_handlers = {
    .candidate = on_candidate,
    .gathering_done = on_gathering_done,
    .state = on_state,
    .rtp = on_rtp,
    .rtcp = on_rtcp,
};

struct sfu_peer *
sfu_peer_new(struct sfu_participant *owner, enum sfu_pc pc, const struct sfu_peer_events *events)
{
    struct sfu_peer *peer = g_new0(struct sfu_peer, 1);

    peer->pc = pc;
    peer->owner = owner;
    peer->events = events;
    peer->candidates = g_ptr_array_new_with_free_func(g_free);
    peer->rtcp_ssrc = g_random_int_range(1, G_MAXINT32);
    peer->sink.send_rtp = peer_send_rtp;
    peer->sink.ctx = peer;
    /* The offerer controls ICE: the client on the publish pc, the SFU on the subscribe pc. */
    peer->transport = sfu_transport_new(pc == SFU_PC_SUBSCRIBE, &peer_handlers, peer);
    if (peer->transport == NULL) {
        sfu_log_error("participant %s: cannot make a %s transport", owner->id, pc_name(peer));
        g_ptr_array_free(peer->candidates, TRUE);
        g_free(peer);
        return NULL;
    }
    return peer;
}

void
sfu_peer_free(struct sfu_peer *peer)
{
    if (peer->idle != 0) {
        g_source_remove(peer->idle);
    }
    if (peer->transport != NULL) {
        sfu_transport_free(peer->transport);
    }
    g_ptr_array_free(peer->candidates, TRUE);
    g_free(peer);
}

void
sfu_peer_local(const struct sfu_peer *peer, struct sfu_local_transport *local)
{
    memset(local, 0, sizeof(*local));
    local->ice_ufrag = sfu_transport_ice_ufrag(peer->transport);
    local->ice_pwd = sfu_transport_ice_pwd(peer->transport);
    local->fingerprint_algo = sfu_transport_fingerprint_algo();
    local->fingerprint = sfu_transport_fingerprint();
    local->candidates = (const char *const *)peer->candidates->pdata;
    local->candidate_count = peer->candidates->len;
    local->end_of_candidates = peer->gathered;
}

void
sfu_peer_sdp_sent(struct sfu_peer *peer, const char *tag_mid, unsigned tag_index)
{
    snprintf(peer->tag_mid, sizeof(peer->tag_mid), "%s", tag_mid);
    peer->tag_index = tag_index;
    peer->sdp_sent = true;
}

static void
add_sdp_candidates(struct sfu_peer *peer, const struct sfu_sdp_session *s)
{
    GPtrArray *seen = g_ptr_array_new_with_free_func(g_free);
    char line[SFU_SDP_MAX_LINE + 64];
    bool end = false;
    unsigned i, k;
    guint j;
    size_t len;

    for (i = 0; i < s->media_count; i++) {
        const struct sfu_sdp_media *m = &s->media[i];

        end = end || m->end_of_candidates;
        for (k = 0; k < m->candidate_count; k++) {
            if (m->candidates[k].component != 1
                || sfu_sdp_write_candidate(&m->candidates[k], line, sizeof(line), &len) != SFU_SDP_OK)
            {
                continue;
            }
            for (j = 0; j < seen->len && strcmp(g_ptr_array_index(seen, j), line) != 0; j++) {
            }
            if (j == seen->len) {
                g_ptr_array_add(seen, g_strdup(line));
                sfu_transport_add_remote_candidate(peer->transport, line);
            }
        }
    }
    if (end) {
        sfu_transport_end_of_candidates(peer->transport);
    }
    g_ptr_array_free(seen, TRUE);
}

int
sfu_peer_set_remote(struct sfu_peer *peer, const struct sfu_remote_transport *remote,
    const struct sfu_sdp_session *s)
{
    char ufrag[SFU_ICE_UFRAG_MAX + 1];
    unsigned gatherings = peer->gatherings;

    if (strcmp(peer->remote_ufrag, remote->ice_ufrag) == 0 && strcmp(peer->remote_pwd, remote->ice_pwd) == 0) {
        return 0;
    }
    snprintf(ufrag, sizeof(ufrag), "%s", sfu_transport_ice_ufrag(peer->transport));
    if (sfu_transport_set_remote(peer->transport, remote->ice_ufrag, remote->ice_pwd, remote->fingerprint_algo,
                                 remote->fingerprint, remote->dtls_client) != 0)
    {
        return -1;
    }
    snprintf(peer->remote_ufrag, sizeof(peer->remote_ufrag), "%s", remote->ice_ufrag);
    snprintf(peer->remote_pwd, sizeof(peer->remote_pwd), "%s", remote->ice_pwd);
    /* The client restarted ICE, and so did our side: the answer waits for the new candidates. */
    if (strcmp(ufrag, sfu_transport_ice_ufrag(peer->transport)) != 0 && peer->gatherings == gatherings) {
        restart_gathering(peer);
    }
    add_sdp_candidates(peer, s);
    return 0;
}

int
sfu_peer_add_candidate(struct sfu_peer *peer, const char *candidate)
{
    if (candidate[0] == '\0') {
        sfu_transport_end_of_candidates(peer->transport);
        return 0;
    }
    return sfu_transport_add_remote_candidate(peer->transport, candidate);
}

void
sfu_peer_send_rtcp(struct sfu_peer *peer, uint8_t *buf, size_t len, size_t cap)
{
    if (peer->transport != NULL && peer->connected) {
        sfu_transport_send_rtcp(peer->transport, buf, len, cap);
    }
}

void
sfu_peer_stats(const struct sfu_peer *peer, sfu_transport_stats_t *stats)
{
    sfu_transport_stats(peer->transport, stats);
}
