/*
 * rtp_build.h: RTP packets for tests, with one-byte header extensions and
 * VP8 payloads that are or are not the start of a key frame.
 */
#ifndef SFU_TEST_RTP_BUILD_H
#define SFU_TEST_RTP_BUILD_H

#include <stdint.h>
#include <string.h>

#include "rtp.h"

struct test_ext {
    uint8_t id;         /* 0 ends the list */
    uint8_t len;
    uint8_t value[16];
};

/*
 * Writes a packet into buf and parses it into pkt; exts (may be NULL) is
 * ended by an entry with id 0.  Returns the packet length.
 */
__attribute__((unused))
static size_t
rtp_build(uint8_t *buf, struct sfu_rtp_packet *pkt, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc,
    const struct test_ext *exts, const uint8_t *payload, size_t payload_len)
{
    size_t off = 12, ext_start, i;

    buf[0] = 0x80;
    buf[1] = pt;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    buf[4] = (uint8_t)(ts >> 24);
    buf[5] = (uint8_t)(ts >> 16);
    buf[6] = (uint8_t)(ts >> 8);
    buf[7] = (uint8_t)ts;
    buf[8] = (uint8_t)(ssrc >> 24);
    buf[9] = (uint8_t)(ssrc >> 16);
    buf[10] = (uint8_t)(ssrc >> 8);
    buf[11] = (uint8_t)ssrc;
    if (exts != NULL && exts[0].id != 0) {
        buf[0] |= 0x10;
        buf[off++] = 0xBE;
        buf[off++] = 0xDE;
        off += 2;
        ext_start = off;
        for (i = 0; exts[i].id != 0; i++) {
            buf[off++] = (uint8_t)(exts[i].id << 4 | (exts[i].len - 1));
            memcpy(buf + off, exts[i].value, exts[i].len);
            off += exts[i].len;
        }
        while ((off - ext_start) % 4 != 0) {
            buf[off++] = 0;
        }
        buf[ext_start - 2] = (uint8_t)((off - ext_start) / 4 >> 8);
        buf[ext_start - 1] = (uint8_t)((off - ext_start) / 4);
    }
    memcpy(buf + off, payload, payload_len);
    off += payload_len;
    sfu_rtp_parse(pkt, buf, off);
    return off;
}

/* A VP8 payload descriptor (S=1, partition 0) and a frame header byte: P=0 is a key frame. */
static const uint8_t vp8_key[] = { 0x10, 0x00, 0x9D, 0x01, 0x2A, 0x11, 0x22 };
static const uint8_t vp8_delta[] = { 0x10, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };

#endif
