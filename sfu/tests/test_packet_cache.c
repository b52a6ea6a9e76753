/*
 * The packet cache: packets found by sequence number until their slot is
 * reused, a ring that grows only while it holds less than
 * SFU_PACKET_CACHE_KEEP_MS of its track, and the process's count of the
 * bytes the rings hold as they are made, grown and freed.
 */
#include "tap.h"
#include "packet_cache.h"

#define SLOT_BYTES sizeof(struct sfu_packet_cache_slot)

static void
test_store_and_find(void)
{
    struct sfu_packet_cache c;
    uint8_t a[3] = { 1, 2, 3 }, big[SFU_PACKET_CACHE_BYTES + 1] = { 0 };
    size_t len;
    int64_t late = 10 * SFU_PACKET_CACHE_KEEP_MS * 1000;

    ok(sfu_packet_cache_init(&c) == 0, "a cache is made");
    ok(sfu_packet_cache_get(&c, 7, &len) == NULL, "empty at first");
    sfu_packet_cache_put(&c, 7, a, sizeof(a), 0);
    ok(sfu_packet_cache_get(&c, 7, &len) != NULL && len == 3, "a stored packet is found");
    /* long after: the slot is reused, not the ring grown */
    sfu_packet_cache_put(&c, 7 + SFU_PACKET_CACHE_MIN_SLOTS, a, 2, late);
    ok(sfu_packet_cache_get(&c, 7, &len) == NULL, "a packet is gone once its slot is reused");
    ok(sfu_packet_cache_get(&c, 7 + SFU_PACKET_CACHE_MIN_SLOTS, &len) != NULL && len == 2, "by the newer one");
    is_int(c.mask + 1, SFU_PACKET_CACHE_MIN_SLOTS, "a slow track's ring does not grow");
    sfu_packet_cache_put(&c, 9, big, sizeof(big), late);
    ok(sfu_packet_cache_get(&c, 9, &len) == NULL, "oversized packets are not kept");
    sfu_packet_cache_free(&c);
}

/* A fast track: 1000 packets a second, each a 1-byte payload naming its seq. */
static void
test_growth(void)
{
    struct sfu_packet_cache c;
    uint8_t b;
    size_t len;
    unsigned seq;
    bool all = true;

    sfu_packet_cache_init(&c);
    for (seq = 0; seq < SFU_PACKET_CACHE_MIN_SLOTS; seq++) {
        b = (uint8_t)seq;
        sfu_packet_cache_put(&c, (uint16_t)seq, &b, 1, seq * 1000);
    }
    is_int(c.mask + 1, SFU_PACKET_CACHE_MIN_SLOTS, "full, not yet grown");
    b = (uint8_t)seq;
    sfu_packet_cache_put(&c, (uint16_t)seq, &b, 1, seq * 1000);
    is_int(c.mask + 1, 2 * SFU_PACKET_CACHE_MIN_SLOTS, "a packet that would push out a recent one doubles it");
    for (seq = 0; seq <= SFU_PACKET_CACHE_MIN_SLOTS; seq++) {
        uint8_t *p = sfu_packet_cache_get(&c, (uint16_t)seq, &len);

        all = all && p != NULL && len == 1 && *p == (uint8_t)seq;
    }
    ok(all, "every packet is still there after growing");
    /* a late packet for a slot a newer one holds is no reason to grow */
    sfu_packet_cache_put(&c, 1, &b, 1, 100000);
    is_int(c.mask + 1, 2 * SFU_PACKET_CACHE_MIN_SLOTS, "a late packet does not grow it");
    for (seq = SFU_PACKET_CACHE_MIN_SLOTS + 1; seq < 5000; seq++) {
        sfu_packet_cache_put(&c, (uint16_t)seq, &b, 1, seq * 1000);
    }
    is_int(c.mask + 1, SFU_PACKET_CACHE_MAX_SLOTS, "it stops at the largest size");
    sfu_packet_cache_free(&c);
}

static void
test_bytes(void)
{
    struct sfu_packet_cache a, b;
    size_t before = sfu_packet_cache_bytes(), small = SFU_PACKET_CACHE_MIN_SLOTS * SLOT_BYTES;
    uint8_t x = 0;
    unsigned seq;

    sfu_packet_cache_init(&a);
    is_int(sfu_packet_cache_bytes() - before, small, "a new cache counts its ring");
    sfu_packet_cache_init(&b);
    is_int(sfu_packet_cache_bytes() - before, 2 * small, "two caches, two rings");
    for (seq = 0; seq <= SFU_PACKET_CACHE_MIN_SLOTS; seq++) {
        sfu_packet_cache_put(&b, (uint16_t)seq, &x, 1, 0);
    }
    is_int(sfu_packet_cache_bytes() - before, 3 * small, "a grown ring counts twice its old size");
    sfu_packet_cache_free(&a);
    is_int(sfu_packet_cache_bytes() - before, 2 * small, "a freed cache counts no more");
    sfu_packet_cache_free(&b);
    sfu_packet_cache_free(&b);
    is_int(sfu_packet_cache_bytes(), before, "all freed (twice is harmless): back where it was");
}

int
main(void)
{
    test_store_and_find();
    test_growth();
    test_bytes();
    return tap_done();
}
