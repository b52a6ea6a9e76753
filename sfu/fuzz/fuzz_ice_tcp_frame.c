/*
 * fuzz_ice_tcp_frame: the ICE-TCP (RFC 4571) frame reader on arbitrary
 * bytes, read in pieces of arbitrary sizes (the first input byte picks
 * them), as a connection's reads would come.  Checks that the frames
 * handed out, with their headers, are exactly the stream read so far, up
 * to a frame that is too long, and that none is longer than the limit;
 * every frame then goes through the STUN parser, as a first frame would.
 */

#include "ice_tcp_frame.h"
#include "stun.h"

#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sfu_ice_tcp_reader_t r;
    sfu_ice_tcp_result_t res = SFU_ICE_TCP_MORE;
    size_t step, off = 0, out = 0;

    if (size == 0) {
        return 0;
    }
    step = (size_t) data[0] * 37 % SFU_ICE_TCP_READ_BUF + 1;
    data++;
    size--;
    sfu_ice_tcp_reader_init(&r);

    while (off < size && res != SFU_ICE_TCP_TOO_LONG) {
        size_t room, n;
        uint8_t *space = sfu_ice_tcp_reader_space(&r, &room);
        uint8_t *frame;
        size_t len;

        if (room == 0) {
            abort();              /* a partial frame never fills it */
        }
        n = step < room ? step : room;
        n = n < size - off ? n : size - off;
        memcpy(space, data + off, n);
        sfu_ice_tcp_reader_filled(&r, n);
        off += n;
        while ((res = sfu_ice_tcp_reader_next(&r, &frame, &len))
               == SFU_ICE_TCP_FRAME)
        {
            sfu_stun_msg_t m;

            if (len > SFU_ICE_TCP_FRAME_MAX
                || out + SFU_ICE_TCP_HEADER + len > off
                || (size_t) (data[out] << 8 | data[out + 1]) != len
                || memcmp(frame, data + out + SFU_ICE_TCP_HEADER, len) != 0)
            {
                abort();
            }
            out += SFU_ICE_TCP_HEADER + len;
            if (sfu_stun_looks_like(frame, len)) {
                (void) sfu_stun_parse(&m, frame, len);
            }
        }
        if (sfu_ice_tcp_reader_pending(&r) != off - out) {
            abort();
        }
    }
    return 0;
}
