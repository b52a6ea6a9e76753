/*
 * peer: one of a participant's two peer connections as the room code sees
 * it, on top of a transport (transport.h): the local candidates gathered
 * for the SDP the SFU writes and trickled once that SDP is out, the client's
 * credentials and candidates, the SSRC the SFU's RTCP comes from, and
 * sending.  Transport events that change state (gathering done, connected,
 * failed) reach the owner from the main loop, never from inside a call the
 * owner made; media reaches it directly.
 */
#ifndef SFU_PEER_H
#define SFU_PEER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "client_msg.h"
#include "negotiate.h"
#include "track.h"
#include "transport.h"

struct sfu_participant;

struct sfu_peer_events {
    void (*gathered)(struct sfu_participant *p);    /* send the SDP that waited for the candidates */
    void (*connected)(struct sfu_participant *p);
    void (*failed)(struct sfu_participant *p);      /* the transport is gone; free the peer */
    void (*rtp)(struct sfu_participant *p, uint8_t *pkt, size_t len);
    void (*rtcp)(struct sfu_participant *p, uint8_t *pkt, size_t len);
};

struct sfu_peer {
    sfu_transport_t *transport;
    enum sfu_pc pc;
    struct sfu_participant *owner;
    const struct sfu_peer_events *events;
    GPtrArray *candidates;              /* char *: the local candidates of this gathering */
    unsigned gatherings;                /* counts restarted gatherings */
    bool gathered;
    bool sdp_sent;                      /* the SDP with them is out: trickle what comes later */
    bool connected;
    bool failed;
    char tag_mid[SFU_MID_MAX + 1];      /* sdpMid of trickled candidates: the BUNDLE tag */
    unsigned tag_index;
    char remote_ufrag[SFU_ICE_UFRAG_MAX + 1];
    char remote_pwd[SFU_ICE_PWD_MAX + 1];
    uint32_t rtcp_ssrc;
    struct sfu_sink sink;
    guint idle;                         /* pending event dispatch */
    bool pending_gathered, pending_connected, pending_failed;
};

/* A peer connection whose transport starts gathering at once; NULL if the transport cannot be made. */
struct sfu_peer *sfu_peer_new(struct sfu_participant *owner, enum sfu_pc pc, const struct sfu_peer_events *events);
void sfu_peer_free(struct sfu_peer *peer);

/* The SFU's side for the SDP it writes now; views into peer, valid until the next transport event. */
void sfu_peer_local(const struct sfu_peer *peer, struct sfu_local_transport *local);

/*
 * The SDP with the local side went out, with tag_mid at m-line tag_index
 * first in its BUNDLE group: candidates found from now on are trickled.
 */
void sfu_peer_sdp_sent(struct sfu_peer *peer, const char *tag_mid, unsigned tag_index);

/*
 * The client's side from its SDP s: credentials and fingerprint, and the
 * candidates written in s (every m-line shares one transport: each is
 * added once).  Nothing happens when the credentials are those already
 * set; other ones are an ICE restart.  0, or -1 for an unusable or
 * changed fingerprint.
 */
int sfu_peer_set_remote(struct sfu_peer *peer, const struct sfu_remote_transport *remote,
    const struct sfu_sdp_session *s);

/* A trickled client candidate; "" ends them.  0, or -1 for one the transport refuses. */
int sfu_peer_add_candidate(struct sfu_peer *peer, const char *candidate);

/* Sends one RTCP packet built in buf (cap bytes, room for the SRTCP trailer). */
void sfu_peer_send_rtcp(struct sfu_peer *peer, uint8_t *buf, size_t len, size_t cap);

/* Transport counters for stats. */
void sfu_peer_stats(const struct sfu_peer *peer, sfu_transport_stats_t *stats);

#endif
