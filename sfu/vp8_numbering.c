/*
 * vp8_numbering: VP8 picture ids and TL0PICIDX running on across stream
 * changes; see vp8_numbering.h.
 */
#include "vp8_numbering.h"

#include "rtp_payload.h"

#define PICTURE_ID_MASK 0x7FFF

void
sfu_vp8_numbering_restart(struct sfu_vp8_numbering *n)
{
    n->remap = true;
}

void
sfu_vp8_numbering_apply(struct sfu_vp8_numbering *n, uint8_t *payload, size_t len, bool sent)
{
    struct sfu_vp8_descriptor d;
    uint16_t picture_id;
    uint8_t tl0picidx;

    if (sfu_vp8_parse(&d, payload, len) != SFU_PAYLOAD_OK || !d.has_picture_id) {
        return;
    }
    if (sent && (n->remap || !n->started)) {
        n->picture_delta = n->started ? (uint16_t)(n->max_picture_id + 1 - d.picture_id) : 0;
        n->tl0_delta = n->started ? (uint8_t)(n->max_tl0picidx + 1 - d.tl0picidx) : 0;
        n->remap = false;
    }
    picture_id = (uint16_t)((d.picture_id + n->picture_delta) & PICTURE_ID_MASK);
    tl0picidx = (uint8_t)(d.tl0picidx + n->tl0_delta);
    sfu_vp8_rewrite(&d, payload, picture_id, tl0picidx);
    /* Newer in 15-bit arithmetic: less than half the space ahead. */
    if (sent && (!n->started || ((picture_id - n->max_picture_id) & PICTURE_ID_MASK) < 0x4000)) {
        n->max_picture_id = picture_id;
        n->max_tl0picidx = tl0picidx;
        n->started = true;
    }
}
