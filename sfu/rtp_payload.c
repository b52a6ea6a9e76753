/*
 * VP8, VP9 and H264 payload descriptors; see rtp_payload.h.
 */
#include "rtp_payload.h"

#include <string.h>

#include "rtp_bytes.h"

/* Reads an M|PictureID field of 7 or 15 bits at payload[*off]. */
static int
read_picture_id(const uint8_t *payload, size_t len, size_t *off, bool *long_id, uint16_t *id)
{
    if (*off >= len) {
        return SFU_PAYLOAD_ETOOSHORT;
    }
    *long_id = payload[*off] & 0x80;
    if (*long_id) {
        if (*off + 2 > len) {
            return SFU_PAYLOAD_ETOOSHORT;
        }
        *id = sfu_get_be16(payload + *off) & 0x7FFF;
        *off += 2;
    } else {
        *id = payload[*off] & 0x7F;
        *off += 1;
    }
    return SFU_PAYLOAD_OK;
}

int
sfu_vp8_parse(struct sfu_vp8_descriptor *d, const uint8_t *payload, size_t len)
{
    size_t off = 1;
    uint8_t x;

    memset(d, 0, sizeof(*d));
    if (len < 1) {
        return SFU_PAYLOAD_ETOOSHORT;
    }
    d->non_reference = payload[0] & 0x20;
    d->start_of_partition = payload[0] & 0x10;
    d->partition_id = payload[0] & 0x07;
    if (payload[0] & 0x80) {
        if (off >= len) {
            return SFU_PAYLOAD_ETOOSHORT;
        }
        x = payload[off++];
        if (x & 0x80) {
            d->has_picture_id = true;
            d->picture_id_offset = (uint8_t)off;
            if (read_picture_id(payload, len, &off, &d->long_picture_id, &d->picture_id) < 0) {
                return SFU_PAYLOAD_ETOOSHORT;
            }
        }
        if (x & 0x40) {
            if (off >= len) {
                return SFU_PAYLOAD_ETOOSHORT;
            }
            d->has_tl0picidx = true;
            d->tl0picidx_offset = (uint8_t)off;
            d->tl0picidx = payload[off++];
        }
        if (x & 0x30) {
            if (off >= len) {
                return SFU_PAYLOAD_ETOOSHORT;
            }
            /* TID is meaningful only with T set; K alone brings the same byte for KEYIDX. */
            d->has_tid = x & 0x20;
            d->tid = d->has_tid ? payload[off] >> 6 : 0;
            d->layer_sync = d->has_tid && (payload[off] & 0x20);
            off++;
        }
    }
    if (off >= len) {
        return SFU_PAYLOAD_ETOOSHORT;
    }
    d->header_len = off;
    /* The VP8 frame header's P bit is 0 for a key frame (RFC 6386 9.1). */
    d->keyframe = d->start_of_partition && d->partition_id == 0 && !(payload[off] & 0x01);
    return SFU_PAYLOAD_OK;
}

void
sfu_vp8_rewrite(const struct sfu_vp8_descriptor *d, uint8_t *payload,
    uint16_t picture_id, uint8_t tl0picidx)
{
    if (d->has_picture_id) {
        if (d->long_picture_id) {
            sfu_put_be16(payload + d->picture_id_offset, (uint16_t)(0x8000 | (picture_id & 0x7FFF)));
        } else {
            payload[d->picture_id_offset] = picture_id & 0x7F;
        }
    }
    if (d->has_tl0picidx) {
        payload[d->tl0picidx_offset] = tl0picidx;
    }
}

bool
sfu_vp8_keyframe_size(const struct sfu_vp8_descriptor *d, const uint8_t *payload, size_t len,
    unsigned *width, unsigned *height)
{
    const uint8_t *f = payload + d->header_len;

    /* 3 bytes of frame tag, the start code 9d 01 2a, then 14-bit width and height, little-endian. */
    if (!d->keyframe || len < d->header_len + 10 || f[3] != 0x9D || f[4] != 0x01 || f[5] != 0x2A) {
        return false;
    }
    *width = (unsigned)(f[6] | f[7] << 8) & 0x3FFF;
    *height = (unsigned)(f[8] | f[9] << 8) & 0x3FFF;
    return true;
}

int
sfu_vp9_parse(struct sfu_vp9_descriptor *d, const uint8_t *payload, size_t len)
{
    size_t off = 1;

    memset(d, 0, sizeof(*d));
    if (len < 1) {
        return SFU_PAYLOAD_ETOOSHORT;
    }
    d->inter_predicted = payload[0] & 0x40;
    d->flexible = payload[0] & 0x10;
    d->start_of_frame = payload[0] & 0x08;
    d->end_of_frame = payload[0] & 0x04;
    d->has_scalability = payload[0] & 0x02;
    if (payload[0] & 0x80) {
        d->has_picture_id = true;
        if (read_picture_id(payload, len, &off, &d->long_picture_id, &d->picture_id) < 0) {
            return SFU_PAYLOAD_ETOOSHORT;
        }
    }
    if (payload[0] & 0x20) {
        if (off >= len) {
            return SFU_PAYLOAD_ETOOSHORT;
        }
        d->has_layers = true;
        d->tid = payload[off] >> 5;
        d->switching_up = payload[off] & 0x10;
        d->sid = (payload[off] >> 1) & 0x07;
        d->inter_layer = payload[off] & 0x01;
        off++;
        if (!d->flexible) {
            if (off >= len) {
                return SFU_PAYLOAD_ETOOSHORT;
            }
            d->has_tl0picidx = true;
            d->tl0picidx = payload[off];
        }
    }
    d->keyframe = !d->inter_predicted && d->start_of_frame && d->sid == 0;
    return SFU_PAYLOAD_OK;
}

enum {
    H264_NAL_IDR = 5,
    H264_NAL_SPS = 7,
    H264_NAL_STAP_A = 24,
    H264_NAL_FU_A = 28,
};

static bool
h264_starts_keyframe(uint8_t nal_type)
{
    return nal_type == H264_NAL_IDR || nal_type == H264_NAL_SPS;
}

int
sfu_h264_is_keyframe(const uint8_t *payload, size_t len)
{
    size_t off, nal_len;
    uint8_t type;

    if (len < 1) {
        return SFU_PAYLOAD_ETOOSHORT;
    }
    type = payload[0] & 0x1F;
    if (type == H264_NAL_STAP_A) {
        for (off = 1; off < len; off += 2 + nal_len) {
            if (off + 2 > len) {
                return SFU_PAYLOAD_ETOOSHORT;
            }
            nal_len = sfu_get_be16(payload + off);
            if (nal_len == 0 || nal_len > len - off - 2) {
                return SFU_PAYLOAD_ETOOSHORT;
            }
            if (h264_starts_keyframe(payload[off + 2] & 0x1F)) {
                return 1;
            }
        }
        return 0;
    }
    if (type == H264_NAL_FU_A) {
        if (len < 2) {
            return SFU_PAYLOAD_ETOOSHORT;
        }
        /* Only the first fragment (S bit) carries the start of the NAL unit. */
        return (payload[1] & 0x80) && h264_starts_keyframe(payload[1] & 0x1F);
    }
    return h264_starts_keyframe(type);
}
