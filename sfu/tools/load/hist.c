/*
 * hist: the log-linear buckets of hist.h.  A value below 2 * SUB has a
 * bucket of its own; above, its top six bits choose the bucket: the
 * position of its highest bit gives the power of two (shift), the five
 * bits below it one of SUB steps inside it.
 */

#include "hist.h"

#include <string.h>

void
load_hist_reset(load_hist_t *h)
{
    memset(h, 0, sizeof(*h));
}

unsigned
load_hist_bucket(uint64_t value)
{
    unsigned msb, shift;

    if (value < 2 * LOAD_HIST_SUB) {
        return (unsigned) value;
    }
    msb = 63 - (unsigned) __builtin_clzll(value);
    shift = msb - 5;
    if (shift >= LOAD_HIST_BUCKETS / LOAD_HIST_SUB - 1) {
        return LOAD_HIST_BUCKETS - 1;
    }
    return shift * LOAD_HIST_SUB + (unsigned) (value >> shift);
}

uint64_t
load_hist_bucket_low(unsigned bucket)
{
    unsigned shift;

    if (bucket < 2 * LOAD_HIST_SUB) {
        return bucket;
    }
    shift = bucket / LOAD_HIST_SUB - 1;
    return (uint64_t) (bucket % LOAD_HIST_SUB + LOAD_HIST_SUB) << shift;
}

void
load_hist_add(load_hist_t *h, uint64_t value)
{
    h->buckets[load_hist_bucket(value)]++;
    h->count++;
    if (value > h->max) {
        h->max = value;
    }
}

void
load_hist_merge(load_hist_t *into, const load_hist_t *from)
{
    for (unsigned i = 0; i < LOAD_HIST_BUCKETS; i++) {
        into->buckets[i] += from->buckets[i];
    }
    into->count += from->count;
    if (from->max > into->max) {
        into->max = from->max;
    }
}

uint64_t
load_hist_quantile(const load_hist_t *h, double q)
{
    uint64_t rank, seen = 0, high;

    if (h->count == 0) {
        return 0;
    }
    if (q <= 0) {
        q = 0;
    }
    /* the rank-th smallest value, 1-based */
    rank = (uint64_t) (q * (double) h->count + 0.999999);
    if (rank == 0) {
        rank = 1;
    }
    if (rank > h->count) {
        rank = h->count;
    }
    for (unsigned i = 0; i < LOAD_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            high = i + 1 < LOAD_HIST_BUCKETS ? load_hist_bucket_low(i + 1) - 1
                                             : h->max;
            return high < h->max ? high : h->max;
        }
    }
    return h->max;
}
