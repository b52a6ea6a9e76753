/*
 * ice_tcp_frame: the RFC 4571 frame reader of ICE-TCP connections (see
 * ice_tcp_frame.h).
 */

#include "ice_tcp_frame.h"

#include <string.h>

void
sfu_ice_tcp_reader_init(sfu_ice_tcp_reader_t *r)
{
    r->start = r->end = 0;
}

uint8_t *
sfu_ice_tcp_reader_space(sfu_ice_tcp_reader_t *r, size_t *room)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    *room = sizeof(r->buf) - r->end;
    return r->buf + r->end;
}

void
sfu_ice_tcp_reader_filled(sfu_ice_tcp_reader_t *r, size_t n)
{
    r->end += n;
}

sfu_ice_tcp_result_t
sfu_ice_tcp_reader_next(sfu_ice_tcp_reader_t *r, uint8_t **frame,
                        size_t *len)
{
    size_t have = r->end - r->start, n;

    if (have < SFU_ICE_TCP_HEADER) {
        return SFU_ICE_TCP_MORE;
    }
    n = (size_t) r->buf[r->start] << 8 | r->buf[r->start + 1];
    if (n > SFU_ICE_TCP_FRAME_MAX) {
        return SFU_ICE_TCP_TOO_LONG;
    }
    if (have < SFU_ICE_TCP_HEADER + n) {
        return SFU_ICE_TCP_MORE;
    }
    *frame = r->buf + r->start + SFU_ICE_TCP_HEADER;
    *len = n;
    r->start += SFU_ICE_TCP_HEADER + n;
    return SFU_ICE_TCP_FRAME;
}

size_t
sfu_ice_tcp_reader_pending(const sfu_ice_tcp_reader_t *r)
{
    return r->end - r->start;
}

void
sfu_ice_tcp_header(uint8_t hdr[SFU_ICE_TCP_HEADER], size_t len)
{
    hdr[0] = (uint8_t) (len >> 8);
    hdr[1] = (uint8_t) len;
}
