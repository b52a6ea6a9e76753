/*
 * Codec payload descriptors the forwarder reads to decide what to send:
 * VP8 (RFC 7741), VP9 (RFC 9628) and H264 (RFC 6184). Opus needs nothing
 * beyond pass-through. All functions read the RTP payload in place.
 */
#ifndef SFU_RTP_PAYLOAD_H
#define SFU_RTP_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sfu_payload_status {
    SFU_PAYLOAD_OK = 0,
    SFU_PAYLOAD_ETOOSHORT = -1,  /* the descriptor runs past the payload or leaves no data */
};

struct sfu_vp8_descriptor {
    bool non_reference;         /* N */
    bool start_of_partition;    /* S */
    uint8_t partition_id;
    bool has_picture_id;
    bool long_picture_id;       /* 15 bits instead of 7 */
    uint16_t picture_id;
    bool has_tl0picidx;
    uint8_t tl0picidx;
    bool has_tid;
    uint8_t tid;
    bool layer_sync;            /* Y */
    bool keyframe;              /* the first packet of a key frame */
    size_t header_len;          /* bytes before the VP8 payload */
    uint8_t picture_id_offset;  /* where the rewrite helper writes */
    uint8_t tl0picidx_offset;
};

int sfu_vp8_parse(struct sfu_vp8_descriptor *d, const uint8_t *payload, size_t len);

/*
 * Writes a new picture id and TL0PICIDX into a payload parsed into d, for the
 * fields the descriptor carries; the picture id keeps its 7- or 15-bit width.
 */
void sfu_vp8_rewrite(const struct sfu_vp8_descriptor *d, uint8_t *payload,
    uint16_t picture_id, uint8_t tl0picidx);

/*
 * The frame size a VP8 key frame's first packet (d parsed from payload)
 * carries in its header (RFC 6386 9.1): false when it is not one or is cut
 * short.
 */
bool sfu_vp8_keyframe_size(const struct sfu_vp8_descriptor *d, const uint8_t *payload, size_t len,
    unsigned *width, unsigned *height);

struct sfu_vp9_descriptor {
    bool inter_predicted;       /* P */
    bool flexible;              /* F */
    bool start_of_frame;        /* B */
    bool end_of_frame;          /* E */
    bool has_scalability;       /* V: a scalability structure follows */
    bool has_picture_id;
    bool long_picture_id;
    uint16_t picture_id;
    bool has_layers;
    uint8_t tid;
    uint8_t sid;
    bool switching_up;          /* U */
    bool inter_layer;           /* D */
    bool has_tl0picidx;
    uint8_t tl0picidx;
    bool keyframe;              /* the first packet of a key frame's base layer */
};

int sfu_vp9_parse(struct sfu_vp9_descriptor *d, const uint8_t *payload, size_t len);

/*
 * 1 when the payload starts a key frame (an IDR slice or an SPS, alone, in a
 * STAP-A or at the start of an FU-A), 0 when not, SFU_PAYLOAD_ETOOSHORT when
 * an aggregate or fragment header runs past the payload.
 */
int sfu_h264_is_keyframe(const uint8_t *payload, size_t len);

#endif
