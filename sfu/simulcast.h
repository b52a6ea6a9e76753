/*
 * simulcast: the layers of a published video track that the publisher
 * sends as several encodings (RFC 8853, rid-based), and which of them each
 * subscriber receives.  A layer is named by its rid; its SSRC and RTX SSRC
 * are learnt from the first packets carrying the rid (rtp-stream-id) or
 * repaired rid (repaired-rtp-stream-id) header extension.  Each layer keeps
 * what a plain track keeps for its one stream: receive statistics, a packet
 * cache for NACKs, the last sender report, a throttled key frame request.
 * A layer that stops arriving (the sender dropped it for CPU or bandwidth)
 * is inactive until its packets come back.
 *
 * Layers are ranked by their size, smallest first: the picture size of
 * their key frames where the codec says it (VP8), else their measured
 * bitrate (before any is measured, the offer's a=simulcast order), so that
 * "low" means the smallest encoding whatever the client named it.  A subscriber's downtrack
 * has a current layer and a target; it moves to the target on the target's
 * next key frame, keeping its own SSRC, sequence numbers and timestamps
 * running (forward.c starts a new mapping for the new source SSRC).
 *
 * Nothing here allocates per packet: the caches are allocated with the
 * track.
 */
#ifndef SFU_SIMULCAST_H
#define SFU_SIMULCAST_H

#include <stdbool.h>
#include <stdint.h>

#include "packet_cache.h"
#include "rtp.h"
#include "rtp_stats.h"

#define SFU_SIMULCAST_MAX_LAYERS 3      /* more rids in an offer are answered without the extra ones */
#define SFU_RID_MAX 16                  /* RFC 8851 rid-ids are tokens; longer ones are refused */
#define SFU_LAYER_TIMEOUT_US 1500000    /* a layer silent this long is inactive */

/* A quality a subscriber can ask for, from update-quality or the downlink estimate. */
enum sfu_quality {
    SFU_QUALITY_OFF = -1,               /* no video at all */
    SFU_QUALITY_LOW = 0,
    SFU_QUALITY_MEDIUM = 1,
    SFU_QUALITY_HIGH = 2,
};

struct sfu_layer {
    char rid[SFU_RID_MAX + 1];
    uint32_t ssrc;                      /* 0 until learnt */
    uint32_t rtx_ssrc;
    struct sfu_packet_cache cache;
    struct sfu_recv_stats stats;
    bool active;                        /* packets arrived within SFU_LAYER_TIMEOUT_US */
    int64_t last_packet_us;
    int64_t last_keyframe_us;           /* 0 before any */
    uint32_t pixels;                    /* width x height of its last key frame; 0 unknown (not VP8) */
    int64_t keyframe_sent_us;
    bool keyframe_pending;

    struct sfu_last_sr sr;              /* the publisher's, for this SSRC */

    uint64_t packets;
    uint64_t bytes;
    struct sfu_bitrate rate;
};

struct sfu_simulcast {
    struct sfu_layer layers[SFU_SIMULCAST_MAX_LAYERS];
    unsigned count;
    uint8_t rank[SFU_SIMULCAST_MAX_LAYERS]; /* layer indices, lowest bitrate first */
    uint8_t ext_rid;                    /* the publisher's extension ids; 0 absent */
    uint8_t ext_repaired_rid;
};

/* One subscriber's choice among a track's layers, in its downtrack. */
struct sfu_layer_choice {
    int current;                        /* the layer being forwarded; -1 none yet */
    int target;                         /* the layer to switch to at its next key frame; -1 none */
};

enum sfu_layer_verdict {
    SFU_LAYER_DROP,                     /* not the layer this subscriber receives */
    SFU_LAYER_FORWARD,                  /* its current layer */
    SFU_LAYER_SWITCH,                   /* the target's key frame: now current, a new mapping starts here */
};

/* Layers for these rids (at most SFU_SIMULCAST_MAX_LAYERS taken); -1 when a cache cannot be allocated. */
int sfu_simulcast_init(struct sfu_simulcast *sim, const char rids[][SFU_RID_MAX + 1], unsigned count,
    uint32_t clock_rate);
void sfu_simulcast_free(struct sfu_simulcast *sim);

/*
 * The layer an RTP packet belongs to by its SSRC, *rtx set when it came on
 * the layer's RTX SSRC; -1 when none has it.
 */
int sfu_simulcast_classify(const struct sfu_simulcast *sim, const struct sfu_rtp_packet *pkt, bool *rtx);

/*
 * A packet on a new SSRC of this track (its mid extension said so): the
 * layer its rid (media) or repaired rid (RTX) extension names takes the
 * SSRC.  -1 when it names none.
 */
int sfu_simulcast_learn(struct sfu_simulcast *sim, const struct sfu_rtp_packet *pkt, bool *rtx);

/* The layer sending on ssrc (its media SSRC), or -1. */
int sfu_simulcast_layer_by_ssrc(const struct sfu_simulcast *sim, uint32_t ssrc);

/* Whether sim already has exactly these rids, in this order. */
bool sfu_simulcast_same_rids(const struct sfu_simulcast *sim, const char rids[][SFU_RID_MAX + 1], unsigned count);

/* The publisher's sender report for layer index. */
void sfu_simulcast_sender_report(struct sfu_simulcast *sim, unsigned index, uint64_t ntp, uint32_t rtp,
    int64_t now_us);

/* A packet of layer index arrived: statistics, cache, activity; pixels of a key frame when known, else 0. */
void sfu_simulcast_packet(struct sfu_simulcast *sim, unsigned index, const struct sfu_rtp_packet *pkt,
    bool keyframe, uint32_t pixels, bool retransmission, int64_t now_us);

/* Bitrates, activity and rank; called a few times a second. */
void sfu_simulcast_tick(struct sfu_simulcast *sim, int64_t now_us);

/* Active layers, and the rank-th lowest of them (-1 past the end). */
unsigned sfu_simulcast_active_count(const struct sfu_simulcast *sim);
int sfu_simulcast_active_at(const struct sfu_simulcast *sim, unsigned rank);

/*
 * The layer a subscriber allowed up to quality should get: the active
 * layer of that rank (low = lowest, high = highest, medium = the second
 * lowest when there are several), the highest active one below when fewer
 * layers are active; -1 for SFU_QUALITY_OFF or when none is active.
 */
int sfu_simulcast_choose(const struct sfu_simulcast *sim, enum sfu_quality quality);

/* What one packet of layer index is to this subscriber; current moves to the target at its key frame. */
enum sfu_layer_verdict sfu_layer_choice_accept(struct sfu_layer_choice *c, int index, bool keyframe);

/* "low", "medium", "high", "off"; and back (false for another word; "auto" is high). */
const char *sfu_quality_name(enum sfu_quality q);
bool sfu_quality_parse(const char *s, enum sfu_quality *q);

#endif
