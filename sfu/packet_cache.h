/*
 * packet_cache: the last packets of one published video track, kept so that
 * a subscriber's NACK can be answered without asking the publisher.  A ring
 * of fixed slots indexed by sequence number, allocated once with the track;
 * storing and finding a packet copy bytes and allocate nothing.
 */
#ifndef SFU_PACKET_CACHE_H
#define SFU_PACKET_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SFU_PACKET_CACHE_SLOTS 512      /* about 2 s of 1.5 Mb/s video; a power of two */
#define SFU_PACKET_CACHE_BYTES 1500     /* larger packets are not kept */

struct sfu_packet_cache_slot {
    uint16_t seq;
    uint16_t len;                       /* 0: empty */
    uint8_t data[SFU_PACKET_CACHE_BYTES];
};

struct sfu_packet_cache {
    struct sfu_packet_cache_slot *slots;
};

/* 0, or -1 when out of memory. */
int sfu_packet_cache_init(struct sfu_packet_cache *c);
void sfu_packet_cache_free(struct sfu_packet_cache *c);

/* Keeps a copy of an RTP packet under its sequence number, replacing whatever had its slot. */
void sfu_packet_cache_put(struct sfu_packet_cache *c, uint16_t seq, const uint8_t *pkt, size_t len);

/*
 * The packet stored under seq, or NULL when it has gone (or never came).
 * Not const only so that sfu_rtp_parse can view it: callers read it.
 */
uint8_t *sfu_packet_cache_get(struct sfu_packet_cache *c, uint16_t seq, size_t *len);

#endif
