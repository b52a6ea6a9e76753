/*
 * codec: the codecs the SFU forwards (Opus; VP8, H264 with
 * packetization-mode=1, VP9 profile 0), how an SDP codec is recognised as
 * one of them, and the room's codec policy: which codec a publisher's
 * m-line is answered with, given what the room already uses and what its
 * participants can decode.  The SFU never transcodes, so every video track
 * of a room carries the same codec.
 */
#ifndef SFU_CODEC_H
#define SFU_CODEC_H

#include <stdbool.h>
#include <stdint.h>

#include "sdp.h"

enum sfu_codec_id {
    SFU_CODEC_NONE = 0,
    SFU_CODEC_OPUS,
    SFU_CODEC_VP8,
    SFU_CODEC_H264,
    SFU_CODEC_VP9,
};

#define SFU_CODEC_BIT(id) (1u << (id))
#define SFU_CODEC_VIDEO_MASK \
    (SFU_CODEC_BIT(SFU_CODEC_VP8) | SFU_CODEC_BIT(SFU_CODEC_H264) | SFU_CODEC_BIT(SFU_CODEC_VP9))

/* RTCP feedback the SFU both understands and acts on. */
enum {
    SFU_FB_NACK = 1 << 0,       /* "nack": answered from the packet cache */
    SFU_FB_PLI = 1 << 1,        /* "nack pli" */
    SFU_FB_FIR = 1 << 2,        /* "ccm fir" */
    SFU_FB_REMB = 1 << 3,       /* "goog-remb": offered to subscribers only, for their downlink estimate */
};

#define SFU_CODEC_FMTP_MAX 160

/* One negotiated codec of an m-line, with its own copy of every string. */
struct sfu_codec {
    enum sfu_codec_id id;
    uint8_t pt;
    bool has_rtx;
    uint8_t rtx_pt;
    uint32_t clock_rate;
    uint8_t channels;
    char fmtp[SFU_CODEC_FMTP_MAX];  /* "key=value;key=value" as written; "" for none */
    unsigned feedback;              /* SFU_FB_* */
};

/* What an SDP codec is to the SFU; SFU_CODEC_NONE for anything it does not forward. */
enum sfu_codec_id sfu_codec_identify(const struct sfu_sdp_codec *c);

/* The SFU codecs an m-line offers, as SFU_CODEC_BIT()s. */
unsigned sfu_codec_offered(const struct sfu_sdp_media *m);

/*
 * The room's video codec for a new video track: the first of VP8, H264, VP9
 * that the track's m-line offers and that every participant who has shown
 * its codecs can decode (decodable: the intersection of their masks, or all
 * codecs when nobody has).  When no codec satisfies everyone, the first the
 * m-line offers in that order.  SFU_CODEC_NONE when it offers none.
 */
enum sfu_codec_id sfu_codec_choose_video(unsigned offered, unsigned decodable);

/*
 * Fills out from the best codec of kind id in m: for H264 the constrained
 * baseline profile over baseline over others, otherwise the first in m-line
 * order; with its rtx partner if m has one and the codec uses NACK, and the
 * feedback both sides support.  false when m has no such codec.
 */
bool sfu_codec_select(const struct sfu_sdp_media *m, enum sfu_codec_id id, struct sfu_codec *out);

/*
 * Writes c into an SDP codec (and its rtx partner into *rtx when it has one)
 * for a session the SFU builds.  The views point into c, which must outlive
 * the write; params and rtcp_fb entries are filled from c's fmtp and
 * feedback.  Returns the number of SDP codecs written (1 or 2).
 */
unsigned sfu_codec_to_sdp(const struct sfu_codec *c, struct sfu_sdp_codec *media,
    struct sfu_sdp_codec *rtx);

/* The SFU_FB_* an SDP codec lists in a=rtcp-fb. */
unsigned sfu_codec_feedback(const struct sfu_sdp_codec *c);

/* Two codecs are one configuration: same codec, clock, channels and fmtp. */
bool sfu_codec_same_config(const struct sfu_codec *a, const struct sfu_codec *b);

/* "opus", "VP8", "H264", "VP9", or "" for SFU_CODEC_NONE. */
const char *sfu_codec_name(enum sfu_codec_id id);

#endif
