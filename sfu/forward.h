/*
 * forward: how one published track's packets become one subscriber's
 * packets.  Each subscriber sees a stream of its own: its own SSRC (and RTX
 * SSRC), its payload types, its header extension ids, and sequence numbers
 * and timestamps that run on without a break when the publisher's stream
 * behind it changes (new SSRC after a renegotiation, a restarted encoder).
 * Video starts, and restarts after such a change, on a key frame.
 *
 * The rewrite copies the packet into a caller buffer and edits the copy: the
 * publisher's packet stays as it is for the next subscriber and the cache.
 * Nothing allocates.
 */
#ifndef SFU_FORWARD_H
#define SFU_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp.h"
#include "vp8_numbering.h"

enum sfu_forward_result {
    SFU_FORWARD_ERROR = -1,             /* does not fit the buffer, or an extension id the packet cannot hold */
    SFU_FORWARD_DROP = 0,               /* nothing to send */
    SFU_FORWARD_SEND = 1,               /* out holds the subscriber's packet */
    SFU_FORWARD_NEED_KEYFRAME = 2,      /* dropped until a key frame: ask the publisher for one */
};

struct sfu_forward {
    /* The subscriber's side, from its negotiation. */
    uint32_t ssrc;
    uint8_t pt;
    bool rtx;
    uint32_t rtx_ssrc;
    uint8_t rtx_pt;
    uint32_t clock_rate;
    bool video;
    uint8_t ext_map[256];               /* publisher id -> subscriber id; 0 drops the element */
    bool vp8;                           /* VP8 picture ids and TL0PICIDX run on across mappings too */
    struct sfu_vp8_numbering vp8_numbering;

    /* The current mapping from the publisher's stream. */
    bool started;
    bool restart;                       /* the next packet starts a new mapping */
    uint32_t src_ssrc;
    uint32_t old_src_ssrc;              /* late packets of the stream before a change are dropped */
    uint16_t src_max_seq;
    uint16_t seq_delta;                 /* out = source + delta */
    uint32_t ts_delta;
    uint16_t first_seq;                 /* the first sequence number sent in this mapping */
    uint16_t max_seq;                   /* the highest sent, its timestamp and when */
    uint32_t max_ts;
    int64_t max_time_us;
    uint16_t rtx_seq;

    /* What was sent, for sender reports and stats. */
    uint32_t packets;
    uint32_t octets;                    /* payload bytes, as RFC 3550 counts them */
    uint64_t bytes;
    uint32_t retransmitted;
    uint32_t nacks_unanswered;          /* NACKed numbers not resent: no RTX, and resending in place is unsafe */
};

/*
 * A forward that has sent nothing yet; the first packet is sent with
 * first_seq and first_ts (random, as RFC 3550 asks) and the extension map
 * drops everything until sfu_forward_map_ext.
 */
void sfu_forward_init(struct sfu_forward *f, uint32_t ssrc, uint8_t pt, uint32_t clock_rate, bool video,
    uint16_t first_seq, uint32_t first_ts);

void sfu_forward_set_rtx(struct sfu_forward *f, uint32_t rtx_ssrc, uint8_t rtx_pt);
void sfu_forward_map_ext(struct sfu_forward *f, uint8_t publisher_id, uint8_t subscriber_id);

/* The publisher's stream behind this forward changed: continue the numbering from the next packet on. */
void sfu_forward_restart(struct sfu_forward *f);

/*
 * Rewrites src (keyframe: it starts a key frame) into out, at most max_len
 * bytes.  SFU_FORWARD_SEND with *len set, or another sfu_forward_result.
 */
int sfu_forward_packet(struct sfu_forward *f, const struct sfu_rtp_packet *src, bool keyframe, int64_t now_us,
    uint8_t *out, size_t max_len, size_t *len);

/* The publisher's sequence number behind a number this forward sent in its current mapping. */
bool sfu_forward_source_seq(const struct sfu_forward *f, uint16_t out_seq, uint16_t *src_seq);

/*
 * Writes the retransmission of cached (the publisher's packet behind
 * out_seq) into out: an RTX packet (RFC 4588) when the subscriber has RTX,
 * else the packet again as first sent.  SFU_FORWARD_DROP when cached is
 * from another publisher stream.
 */
int sfu_forward_resend(struct sfu_forward *f, const struct sfu_rtp_packet *cached, uint16_t out_seq,
    uint8_t *out, size_t max_len, size_t *len);

/* The subscriber's timestamp for a publisher timestamp, in the current mapping. */
static inline uint32_t
sfu_forward_timestamp(const struct sfu_forward *f, uint32_t src_ts)
{
    return src_ts + f->ts_delta;
}

#endif
