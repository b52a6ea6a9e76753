/*
 * track: one published track, the media a publisher sends on one m-line
 * of its publish peer connection, and its downtracks, one per subscriber
 * receiving it.  The track owns what is the same for every subscriber: the
 * publisher's SSRCs, codec and extension ids, receive statistics, the packet
 * cache NACKs are answered from, the publisher's last sender report, and
 * the throttle on key frame requests (one a second at most).
 *
 * The hot path: sfu_track_receive takes one publisher packet and sends each
 * active downtrack its rewritten copy, built in one preallocated buffer.
 * Where packets and key frame requests go is given as callbacks, so the
 * track knows no transport.
 */
#ifndef SFU_TRACK_H
#define SFU_TRACK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "forward.h"
#include "negotiate.h"
#include "packet_cache.h"
#include "rtp.h"
#include "rtp_stats.h"
#include "simulcast.h"

#define SFU_TRACK_ID_MAX (SFU_ID_MAX + 1 + SFU_MID_MAX + 1)
#define SFU_KEYFRAME_INTERVAL_US 1000000

enum sfu_track_source {
    SFU_SOURCE_MICROPHONE,
    SFU_SOURCE_CAMERA,
    SFU_SOURCE_SCREEN,
};

/* Where one subscriber's packets go: its subscribe transport. */
struct sfu_sink {
    void (*send_rtp)(void *ctx, uint8_t *pkt, size_t len, size_t cap);
    void *ctx;
    /*
     * Sending a packet again with its SSRC and sequence number is safe:
     * true under AES_CM_128_HMAC_SHA1_80, false under AEAD_AES_128_GCM (the
     * same nonce for a packet whose rewritten header may differ would give
     * the GCM key away) and before the profile is known.  Without it, only
     * subscribers that negotiated RTX get retransmissions.
     */
    bool resend_in_place;
};

struct sfu_track;

/* One subscriber's view of a track, living in that subscriber's subscribe m-line. */
struct sfu_downtrack {
    struct sfu_track *track;            /* NULL once the track is gone */
    const struct sfu_sink *sink;
    bool active;                        /* negotiated, accepted and wanted: packets flow */
    struct sfu_forward fwd;
    struct sfu_layer_choice layer;      /* which layer of a simulcast track it receives */
};

struct sfu_track {
    char id[SFU_TRACK_ID_MAX];          /* "<participant>:<mid>" */
    char mid[SFU_MID_MAX + 1];          /* on the publish peer connection */
    enum sfu_sdp_kind kind;
    enum sfu_track_source source;
    struct sfu_codec codec;             /* the publisher's payload types */
    uint32_t ssrc;                      /* 0 until learnt, when the offer named none; 0 with simulcast */
    uint32_t rtx_ssrc;
    uint8_t ext_mid;
    uint8_t ext_audio_level;
    uint8_t ext_video_orientation;

    struct sfu_simulcast sim;           /* layers when the publisher simulcasts (sim.count > 0) */
    struct sfu_packet_cache cache;      /* video without simulcast only */
    struct sfu_recv_stats stats;

    int64_t keyframe_sent_us;
    bool keyframe_pending;
    void (*request_keyframe)(struct sfu_track *t, uint32_t ssrc, void *ctx);
    void *hook_ctx;

    struct sfu_last_sr sr;              /* the publisher's */

    uint64_t packets;
    uint64_t bytes;
    struct sfu_bitrate rate;

    GPtrArray *downtracks;              /* struct sfu_downtrack *, not owned */
};

/* A track for an accepted, sending m-line; NULL when out of memory. */
struct sfu_track *sfu_track_new(const char *participant, const struct sfu_pub_media *pm,
    enum sfu_track_source source);

/* A renegotiation changed the m-line: codec, SSRCs or extension ids. */
void sfu_track_update(struct sfu_track *t, const struct sfu_pub_media *pm);

/* Detaches every downtrack (their track becomes NULL) and frees t. */
void sfu_track_free(struct sfu_track *t);

/* Attaches d, which the subscriber has set up with sfu_forward_init for the track's codec; inactive. */
void sfu_track_attach(struct sfu_track *t, struct sfu_downtrack *d);
void sfu_track_detach(struct sfu_downtrack *d);

/*
 * Packets start flowing to d, through sink, from the next key frame on:
 * the publisher is asked for one.
 */
void sfu_downtrack_start(struct sfu_downtrack *d, const struct sfu_sink *sink, int64_t now_us);

/*
 * Turns a retransmission from the publisher's RTX SSRC back into the
 * original packet, in place; false for a packet with nothing to forward
 * (padding sent to probe bandwidth).
 */
bool sfu_track_unwrap_rtx(struct sfu_track *t, struct sfu_rtp_packet *pkt);

/* The hot path: one publisher packet (unwrapped if it was RTX) to every active downtrack. */
void sfu_track_receive(struct sfu_track *t, const struct sfu_rtp_packet *pkt, bool retransmission,
    int64_t now_us);

/* A PLI or FIR for the track (a subscriber's, or a starting one's): passed on at most once a second. */
void sfu_track_request_keyframe(struct sfu_track *t, int64_t now_us);

/*
 * Simulcast: one packet of layer index (unwrapped if it was RTX) to every
 * active downtrack that receives that layer, or switches to it at this key
 * frame.
 */
void sfu_track_receive_layer(struct sfu_track *t, unsigned index, const struct sfu_rtp_packet *pkt,
    bool retransmission, int64_t now_us);

/* A key frame request for one layer, throttled per layer as a track's. */
void sfu_track_request_layer_keyframe(struct sfu_track *t, unsigned index, int64_t now_us);

/* The key frame d needs: its track's, or its current (else target) layer's. */
void sfu_downtrack_request_keyframe(struct sfu_downtrack *d, int64_t now_us);

/*
 * Points d at the layer sfu_simulcast_choose gives for quality (simulcast
 * tracks only): the switch happens at that layer's next key frame, which
 * is asked for; OFF stops its video at once.
 */
void sfu_downtrack_select(struct sfu_downtrack *d, enum sfu_quality quality, int64_t now_us);

/* Sends a key frame request held back by the throttle, and measures the bitrate; called a few times a second. */
void sfu_track_tick(struct sfu_track *t, int64_t now_us);

/* The publisher's sender report for the track's SSRC. */
void sfu_track_sender_report(struct sfu_track *t, uint64_t ntp, uint32_t rtp, int64_t now_us);

/* A subscriber's NACK of these sequence numbers (its own numbering), answered from the cache. */
void sfu_downtrack_nack(struct sfu_downtrack *d, const uint16_t *seqs, unsigned count);

/*
 * The sender report a downtrack sends its subscriber at now: NTP time and
 * RTP timestamp from the publisher's report, moved into the subscriber's
 * timestamps, so audio and video of one publisher stay in sync.  false
 * while nothing has been sent.
 */
bool sfu_downtrack_sender_report(const struct sfu_downtrack *d, int64_t now_us, int64_t unix_now_us,
    struct sfu_rtcp_sr *sr);

/* "microphone", "camera", "screen"; "audio", "video" for kinds. */
const char *sfu_track_source_name(enum sfu_track_source source);
const char *sfu_track_kind_name(enum sfu_sdp_kind kind);

#endif
