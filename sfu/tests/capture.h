/*
 * capture.h: a sink that keeps the packets a track sends a subscriber, for
 * the track and simulcast tests.
 */
#ifndef SFU_TEST_CAPTURE_H
#define SFU_TEST_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MAX_SENT 64

struct capture {
    unsigned count;
    uint8_t data[MAX_SENT][1600];
    size_t len[MAX_SENT];
};

/* Keeps the packet when the sender left room for the SRTP trailer behind it, as the transport needs. */
__attribute__((unused))
static void
capture_rtp(void *ctx, uint8_t *pkt, size_t len, size_t cap)
{
    struct capture *c = ctx;

    if (c->count < MAX_SENT && cap >= len + 148) {
        memcpy(c->data[c->count], pkt, len);
        c->len[c->count++] = len;
    }
}

#endif
