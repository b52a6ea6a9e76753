/*
 * vp8_numbering: VP8 picture ids and TL0PICIDX (RFC 7741 4.2) as one
 * subscriber sees them.  When the stream behind a subscriber changes (a
 * simulcast layer switch, a new publisher SSRC), the new stream's numbers
 * are offset so that they go on from the last ones sent, as its sequence
 * numbers and timestamps do: a receiver that finds the picture id jump
 * back may take the new key frame for an old frame and drop it.
 * Rewrites the descriptor in place; allocates nothing.
 */
#ifndef SFU_VP8_NUMBERING_H
#define SFU_VP8_NUMBERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sfu_vp8_numbering {
    bool started;                       /* a picture id has been sent */
    bool remap;                         /* the next packet starts a new mapping */
    uint16_t picture_delta;             /* out = source + delta, in 15 bits */
    uint8_t tl0_delta;
    uint16_t max_picture_id;            /* the newest sent, and its TL0PICIDX */
    uint8_t max_tl0picidx;
};

/* The next packet is of a new stream: its numbers continue from the last sent. */
void sfu_vp8_numbering_restart(struct sfu_vp8_numbering *n);

/*
 * Rewrites the VP8 payload descriptor of payload (a copy being sent) in the
 * current mapping; sent says it is a new packet (not a retransmission), so
 * it may start a mapping and advance the newest number.
 */
void sfu_vp8_numbering_apply(struct sfu_vp8_numbering *n, uint8_t *payload, size_t len, bool sent);

#endif
