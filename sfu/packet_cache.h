/*
 * packet_cache: the last packets of one published video track, kept so that
 * a subscriber's NACK can be answered without asking the publisher.  A ring
 * of fixed slots indexed by sequence number.  It starts small and doubles
 * (up to SFU_PACKET_CACHE_MAX_SLOTS) when a packet would push out one that
 * came less than SFU_PACKET_CACHE_KEEP_MS ago, so a ring holds about that
 * long of its track whatever the bitrate: a growth is a few per track's
 * life, never per packet; storing and finding a packet copy bytes and
 * allocate nothing.
 *
 * The worker's caches together hold sfu_packet_cache_bytes() bytes (what
 * their rings allocated), counted as rings are made, grown and freed.
 */
#ifndef SFU_PACKET_CACHE_H
#define SFU_PACKET_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SFU_PACKET_CACHE_MIN_SLOTS 64   /* powers of two */
#define SFU_PACKET_CACHE_MAX_SLOTS 512  /* about 4 s of 1.5 Mb/s video */
#define SFU_PACKET_CACHE_KEEP_MS 1000   /* a NACK later than this comes too late to help */
#define SFU_PACKET_CACHE_BYTES 1500     /* larger packets are not kept */

struct sfu_packet_cache_slot {
    uint16_t seq;
    uint16_t len;                       /* 0: empty */
    uint32_t stored_ms;                 /* when it came, in ms of the caller's clock (wraps) */
    uint8_t data[SFU_PACKET_CACHE_BYTES];
};

struct sfu_packet_cache {
    struct sfu_packet_cache_slot *slots;
    unsigned mask;                      /* slots - 1 */
};

/* 0, or -1 when out of memory. */
int sfu_packet_cache_init(struct sfu_packet_cache *c);
void sfu_packet_cache_free(struct sfu_packet_cache *c);

/*
 * Keeps a copy of an RTP packet under its sequence number, replacing
 * whatever had its slot (or first growing the ring, see above; a ring that
 * cannot grow for want of memory keeps its size).
 */
void sfu_packet_cache_put(struct sfu_packet_cache *c, uint16_t seq, const uint8_t *pkt, size_t len,
    int64_t now_us);

/*
 * The packet stored under seq, or NULL when it has gone (or never came).
 * Not const only so that sfu_rtp_parse can view it: callers read it.
 */
uint8_t *sfu_packet_cache_get(struct sfu_packet_cache *c, uint16_t seq, size_t *len);

/* The bytes every ring of this process holds now. */
size_t sfu_packet_cache_bytes(void);

#endif
