/*
 * packet_cache: a ring of recent packets by sequence number that grows to
 * hold SFU_PACKET_CACHE_KEEP_MS of its track; see packet_cache.h.
 */
#include "packet_cache.h"

#include <stdlib.h>
#include <string.h>

/* The worker runs one thread: a plain counter. */
static size_t cache_bytes;

static struct sfu_packet_cache_slot *
ring_new(unsigned slots)
{
    /* calloc: every slot starts empty (len 0). */
    struct sfu_packet_cache_slot *ring = calloc(slots, sizeof(*ring));

    if (ring != NULL) {
        cache_bytes += slots * sizeof(*ring);
    }
    return ring;
}

int
sfu_packet_cache_init(struct sfu_packet_cache *c)
{
    c->slots = ring_new(SFU_PACKET_CACHE_MIN_SLOTS);
    c->mask = SFU_PACKET_CACHE_MIN_SLOTS - 1;
    return c->slots != NULL ? 0 : -1;
}

void
sfu_packet_cache_free(struct sfu_packet_cache *c)
{
    if (c->slots != NULL) {
        cache_bytes -= (c->mask + 1) * sizeof(*c->slots);
    }
    free(c->slots);
    c->slots = NULL;
    c->mask = 0;
}

/*
 * Twice the slots; every packet moves to its slot in the larger ring (two
 * slots of the old ring differ in their low bits, so they stay apart).
 */
static void
grow(struct sfu_packet_cache *c)
{
    unsigned old_slots = c->mask + 1, i;
    struct sfu_packet_cache_slot *ring = ring_new(old_slots * 2);

    if (ring == NULL) {
        return;
    }
    for (i = 0; i < old_slots; i++) {
        const struct sfu_packet_cache_slot *s = &c->slots[i];

        if (s->len != 0) {
            memcpy(&ring[s->seq & (old_slots * 2 - 1)], s,
                   offsetof(struct sfu_packet_cache_slot, data) + s->len);
        }
    }
    sfu_packet_cache_free(c);
    c->slots = ring;
    c->mask = old_slots * 2 - 1;
}

void
sfu_packet_cache_put(struct sfu_packet_cache *c, uint16_t seq, const uint8_t *pkt, size_t len,
    int64_t now_us)
{
    uint32_t now_ms = (uint32_t)(now_us / 1000);
    struct sfu_packet_cache_slot *s = &c->slots[seq & c->mask];

    if (len == 0 || len > SFU_PACKET_CACHE_BYTES) {
        return;
    }
    /* A late packet (older than the one in its slot) is no reason to grow. */
    if (s->len != 0 && (int16_t)(seq - s->seq) > 0 && c->mask + 1 < SFU_PACKET_CACHE_MAX_SLOTS
        && now_ms - s->stored_ms < SFU_PACKET_CACHE_KEEP_MS) {
        grow(c);
        s = &c->slots[seq & c->mask];
    }
    s->seq = seq;
    s->len = (uint16_t)len;
    s->stored_ms = now_ms;
    memcpy(s->data, pkt, len);
}

uint8_t *
sfu_packet_cache_get(struct sfu_packet_cache *c, uint16_t seq, size_t *len)
{
    struct sfu_packet_cache_slot *s = &c->slots[seq & c->mask];

    if (s->len == 0 || s->seq != seq) {
        return NULL;
    }
    *len = s->len;
    return s->data;
}

size_t
sfu_packet_cache_bytes(void)
{
    return cache_bytes;
}
