/*
 * media.h: RTP and RTCP packets for the transport tests and benchmarks.
 */

#ifndef SFU_TEST_MEDIA_H
#define SFU_TEST_MEDIA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* An RTP packet of len bytes: payload type 96, SSRC 0x0A0B0C0D, seq. */
__attribute__((unused))
static size_t
make_rtp(uint8_t *buf, size_t len, uint16_t seq)
{
    static const uint8_t header[12] = { 0x80, 96, 0, 0, 0, 0, 0x10, 0,
                                        0x0A, 0x0B, 0x0C, 0x0D };

    memcpy(buf, header, sizeof(header));
    buf[2] = (uint8_t) (seq >> 8);
    buf[3] = (uint8_t) seq;
    for (size_t i = sizeof(header); i < len; i++) {
        buf[i] = (uint8_t) (i ^ seq);
    }
    return len;
}

/* A compound RTCP packet: a receiver report and a PLI. */
__attribute__((unused))
static size_t
make_rtcp(uint8_t *buf)
{
    static const uint8_t rtcp[] = {
        0x81, 201, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01,
        0x0A, 0x0B, 0x0C, 0x0D, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x10,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x81, 206, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
        0x0A, 0x0B, 0x0C, 0x0D,
    };

    memcpy(buf, rtcp, sizeof(rtcp));
    return sizeof(rtcp);
}

#endif
