/*
 * bwe: a subscriber's downlink estimate from its receiver reports and
 * REMB; see bwe.h.
 */
#include "bwe.h"

void
sfu_bwe_init(struct sfu_bwe *b, int64_t now_us)
{
    b->level = SFU_QUALITY_HIGH;
    b->changed_us = now_us;
    b->clean_since_us = 0;
    b->remb_bps = 0;
    b->remb_us = 0;
    b->remb_fell = false;
}

/* Congestion: one step down, unless a step was taken too recently for the signal to be about it. */
static void
congested(struct sfu_bwe *b, int64_t now_us)
{
    b->clean_since_us = 0;
    if (b->level > SFU_QUALITY_LOW && now_us - b->changed_us >= SFU_BWE_SETTLE_US) {
        b->level--;
        b->changed_us = now_us;
    }
}

void
sfu_bwe_loss(struct sfu_bwe *b, uint8_t fraction_lost, int64_t now_us)
{
    if (fraction_lost > SFU_BWE_LOSS_DOWN) {
        congested(b, now_us);
        return;
    }
    if (fraction_lost >= SFU_BWE_LOSS_UP) {
        b->clean_since_us = 0;
        return;
    }
    if (b->clean_since_us == 0) {
        b->clean_since_us = now_us;
    }
    if (b->level < SFU_QUALITY_HIGH && now_us - b->clean_since_us >= SFU_BWE_PROBE_US
        && now_us - b->changed_us >= SFU_BWE_PROBE_US)
    {
        b->level++;
        b->changed_us = now_us;
        b->clean_since_us = now_us;
    }
}

void
sfu_bwe_remb(struct sfu_bwe *b, uint64_t bitrate, int64_t now_us)
{
    b->remb_fell = b->remb_us != 0 && bitrate < b->remb_bps;
    b->remb_bps = bitrate;
    b->remb_us = now_us;
}

uint64_t
sfu_bwe_last_remb(const struct sfu_bwe *b, int64_t now_us)
{
    return b->remb_us != 0 && now_us - b->remb_us <= SFU_BWE_REMB_TTL_US ? b->remb_bps : 0;
}

void
sfu_bwe_sending(struct sfu_bwe *b, uint64_t sent_bps, int64_t now_us)
{
    uint64_t remb = sfu_bwe_last_remb(b, now_us);

    /* A REMB from before the last step may still be about the rate before it. */
    if (remb != 0 && b->remb_fell && b->remb_us - b->changed_us >= SFU_BWE_SETTLE_US
        && remb * 100 < sent_bps * SFU_BWE_REMB_OVERUSE)
    {
        congested(b, now_us);
    }
}
