/*
 * hist: a fixed-size histogram of microsecond values (latency, join
 * time), log-linear like HdrHistogram: exact below 64 us, then 32
 * buckets per power of two (about 3 % resolution) up to 2^40 us.  Adding
 * a value is a few instructions and never allocates, so the receive path
 * can record every packet; percentiles are read from the buckets.
 */

#ifndef SFU_LOAD_HIST_H
#define SFU_LOAD_HIST_H

#include <stdint.h>

#define LOAD_HIST_SUB      32
#define LOAD_HIST_BUCKETS  (LOAD_HIST_SUB * 37)

typedef struct {
    uint64_t count;
    uint64_t max;
    uint64_t buckets[LOAD_HIST_BUCKETS];
} load_hist_t;

void load_hist_reset(load_hist_t *h);
void load_hist_add(load_hist_t *h, uint64_t value);
void load_hist_merge(load_hist_t *into, const load_hist_t *from);

/*
 * The value below which a fraction q (0..1) of the values lie: the upper
 * bound of the bucket holding it, never above the largest value added.
 * 0 for an empty histogram.
 */
uint64_t load_hist_quantile(const load_hist_t *h, double q);

/* The bucket of a value and the smallest value of a bucket. */
unsigned load_hist_bucket(uint64_t value);
uint64_t load_hist_bucket_low(unsigned bucket);

#endif
