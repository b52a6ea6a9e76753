/*
 * fuzz_frame: the frame decoder on arbitrary bytes fed in arbitrary
 * pieces.  The first input byte picks the piece size.  Checks that every
 * decoded message is an object and that re-encoding it decodes to an
 * equal message.
 */

#include "frame.h"

#include <stdlib.h>

static void
check_roundtrip(json_t *msg)
{
    sfu_frame_decoder_t d;
    json_t *again;
    uint8_t *frame;
    size_t len;

    frame = sfu_frame_encode(msg, SFU_FRAME_MAX * 2, &len);
    if (frame == NULL) {
        abort();
    }

    sfu_frame_decoder_init(&d, SFU_FRAME_MAX * 2);
    if (sfu_frame_decoder_feed(&d, frame, len) != 0
        || sfu_frame_decoder_next(&d, &again) != SFU_FRAME_OK
        || !json_equal(msg, again))
    {
        abort();
    }

    json_decref(again);
    sfu_frame_decoder_free(&d);
    free(frame);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sfu_frame_decoder_t d;
    sfu_frame_status_t st;
    json_t *msg;
    size_t step, off, n;

    if (size == 0) {
        return 0;
    }

    step = (size_t) data[0] % 17 + 1;
    data++;
    size--;

    sfu_frame_decoder_init(&d, 4096);

    for (off = 0; off < size; off += n) {
        n = size - off < step ? size - off : step;

        if (sfu_frame_decoder_feed(&d, data + off, n) != 0) {
            abort();
        }

        while ((st = sfu_frame_decoder_next(&d, &msg)) == SFU_FRAME_OK) {
            if (!json_is_object(msg)) {
                abort();
            }
            check_roundtrip(msg);
            json_decref(msg);
        }

        if (st == SFU_FRAME_ERROR) {
            if (d.error == SFU_FRAME_ERR_NONE || d.detail[0] == '\0') {
                abort();
            }
            break;
        }
    }

    sfu_frame_decoder_free(&d);

    return 0;
}
