/*
 * packet_cache: a ring of recent packets by sequence number; see packet_cache.h.
 */
#include "packet_cache.h"

#include <stdlib.h>
#include <string.h>

int
sfu_packet_cache_init(struct sfu_packet_cache *c)
{
    /* calloc: every slot starts empty (len 0). */
    c->slots = calloc(SFU_PACKET_CACHE_SLOTS, sizeof(*c->slots));
    return c->slots != NULL ? 0 : -1;
}

void
sfu_packet_cache_free(struct sfu_packet_cache *c)
{
    free(c->slots);
    c->slots = NULL;
}

void
sfu_packet_cache_put(struct sfu_packet_cache *c, uint16_t seq, const uint8_t *pkt, size_t len)
{
    struct sfu_packet_cache_slot *s = &c->slots[seq & (SFU_PACKET_CACHE_SLOTS - 1)];

    if (len == 0 || len > SFU_PACKET_CACHE_BYTES) {
        return;
    }
    s->seq = seq;
    s->len = (uint16_t)len;
    memcpy(s->data, pkt, len);
}

uint8_t *
sfu_packet_cache_get(struct sfu_packet_cache *c, uint16_t seq, size_t *len)
{
    struct sfu_packet_cache_slot *s = &c->slots[seq & (SFU_PACKET_CACHE_SLOTS - 1)];

    if (s->len == 0 || s->seq != seq) {
        return NULL;
    }
    *len = s->len;
    return s->data;
}
