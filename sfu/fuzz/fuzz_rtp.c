/*
 * Parses arbitrary bytes as RTP, then reads every accessor and runs every
 * in-place rewrite on a copy, and feeds the payload to each codec descriptor
 * (VP8: its key frame size, and the picture id renumbering of a subscriber).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtp.h"
#include "rtp_payload.h"
#include "vp8_numbering.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_payload(uint8_t *payload, size_t len)
{
    struct sfu_vp8_numbering numbering = { .started = true, .remap = true, .max_picture_id = 0x7FFF };
    struct sfu_vp8_descriptor vp8;
    struct sfu_vp9_descriptor vp9;
    unsigned width, height;

    if (sfu_vp8_parse(&vp8, payload, len) == SFU_PAYLOAD_OK) {
        sfu_vp8_keyframe_size(&vp8, payload, len, &width, &height);
        sfu_vp8_rewrite(&vp8, payload, vp8.picture_id + 1, vp8.tl0picidx + 1);
    }
    sfu_vp8_numbering_apply(&numbering, payload, len, true);
    sfu_vp9_parse(&vp9, payload, len);
    sfu_h264_is_keyframe(payload, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sfu_rtp_packet pkt, again;
    struct sfu_rtp_ext_iter it;
    struct sfu_rtp_ext ext;
    uint8_t map[256];
    uint8_t *copy;
    unsigned i;

    sfu_packet_classify(data, size);
    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (sfu_rtp_parse(&pkt, copy, size) != SFU_RTP_OK) {
        free(copy);
        return 0;
    }
    for (i = 0; i <= pkt.csrc_count; i++) {
        sfu_rtp_csrc(&pkt, i);
    }
    sfu_rtp_ext_iter_init(&it, &pkt);
    while (sfu_rtp_ext_next(&it, &ext)) {
        memset(ext.value, 0x5A, ext.len);
        /* A repeated id may find an earlier element of another length, never none. */
        if (sfu_rtp_ext_set(&pkt, ext.id, ext.value, ext.len) == SFU_RTP_ENOTFOUND) {
            abort();
        }
    }
    /* A remap derived from the input: ids rotate, some are dropped. */
    for (i = 0; i < 256; i++) {
        map[i] = (uint8_t)((i * (size | 1) + pkt.seq) % 15);
    }
    sfu_rtp_ext_remap(&pkt, map);
    sfu_rtp_set_ssrc(&pkt, ~pkt.ssrc);
    sfu_rtp_set_seq(&pkt, pkt.seq + 1);
    sfu_rtp_set_timestamp(&pkt, pkt.timestamp + 3000);
    sfu_rtp_set_payload_type(&pkt, pkt.payload_type ^ 1);
    sfu_rtp_set_marker(&pkt, !pkt.marker);
    /* Rewrites keep the packet well formed. */
    if (sfu_rtp_parse(&again, copy, size) != SFU_RTP_OK || again.ssrc != pkt.ssrc) {
        abort();
    }
    fuzz_payload(pkt.payload, pkt.payload_len);
    free(copy);
    return 0;
}
