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
}

void
sfu_bwe_loss(struct sfu_bwe *b, uint8_t fraction_lost, int64_t now_us)
{
    if (fraction_lost > SFU_BWE_LOSS_DOWN) {
        b->clean_since_us = 0;
        if (b->level > SFU_QUALITY_LOW && now_us - b->changed_us >= SFU_BWE_SETTLE_US) {
            b->level--;
            b->changed_us = now_us;
        }
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
    b->remb_bps = bitrate;
    b->remb_us = now_us;
}

uint64_t
sfu_bwe_remb_cap(const struct sfu_bwe *b, int64_t now_us)
{
    return b->remb_us != 0 && now_us - b->remb_us <= SFU_BWE_REMB_TTL_US ? b->remb_bps : 0;
}
