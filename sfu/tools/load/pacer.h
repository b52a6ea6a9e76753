/*
 * pacer: when each video packet of one simulated publisher goes out, as a
 * browser's paced sender sends them.  Frames queue as they are captured;
 * their packets leave one after another at a pacing rate of a few times
 * the video bitrate (WebRTC paces at 2.5x), so a key frame spreads over
 * tens of milliseconds instead of reaching the SFU as one burst.
 *
 * A packet is due when the packet before it has had its time at that
 * rate, and not before its frame was captured.  A sender up to one
 * browser pacing interval (LOAD_PACER_SLACK_NS, 5 ms) late catches up, as
 * a browser's pacer does with its 5 ms budget; later than that, the
 * schedule starts again from now instead of bursting the backlog.
 * Without pacing (rate 0) a frame's packets are all due at its capture.
 *
 * Packets are built when they go out (so their stamps are the real send
 * time); the queue holds frames, not packets, and is fixed-size.
 */

#ifndef SFU_LOAD_PACER_H
#define SFU_LOAD_PACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_PACER_FRAMES     32
#define LOAD_PACER_SLACK_NS   5000000u
#define LOAD_PACER_FACTOR     2.5       /* WebRTC's default pacing factor */

typedef struct {
    uint64_t  capture_ns;     /* on the frame schedule */
    uint32_t  ts;             /* RTP timestamp offset */
    unsigned  layer;
    bool      key;
    unsigned  packets;        /* of the frame */
    unsigned  sent;           /* of them, gone */
    size_t    first, each;    /* payload bytes: the first packet, the others */
} load_frame_t;

typedef struct {
    double        ns_per_byte;    /* 0: no pacing */
    uint64_t      next_ns;        /* the earliest the next packet may go */
    load_frame_t  q[LOAD_PACER_FRAMES];
    unsigned      head, len;
    uint64_t      dropped;        /* frames that found the queue full */
    uint64_t      restarts;       /* times the schedule started again */
} load_pacer_t;

/* Pacing at factor x kbps (factor 0: none); an empty queue. */
void load_pacer_init(load_pacer_t *p, unsigned kbps, double factor);

/* Queues a captured frame; false (counted in dropped) when the queue is
   full, as an encoder drops frames its pacer cannot take. */
bool load_pacer_push(load_pacer_t *p, const load_frame_t *f);

/* The frame whose next packet is due by now_ns (*due_ns: when), or NULL. */
load_frame_t *load_pacer_due(load_pacer_t *p, uint64_t now_ns,
                             uint64_t *due_ns);

/* The packet load_pacer_due gave, of bytes, went out at now_ns. */
void load_pacer_sent(load_pacer_t *p, size_t bytes, uint64_t due_ns,
                     uint64_t now_ns);

#endif
