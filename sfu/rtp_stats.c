/*
 * rtp_stats: receiver statistics after RFC 3550 appendix A, and NTP time;
 * see rtp_stats.h.
 */
#include "rtp_stats.h"

#include <string.h>

#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define NTP_UNIX_OFFSET 2208988800ull   /* seconds from 1900 to 1970 */

void
sfu_recv_stats_init(struct sfu_recv_stats *s, uint32_t clock_rate)
{
    memset(s, 0, sizeof(*s));
    s->clock_rate = clock_rate;
}

static void
restart(struct sfu_recv_stats *s, uint16_t seq)
{
    s->started = true;
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = UINT32_MAX;
    s->cycles = 0;
    s->received = 0;
    s->expected_prior = 0;
    s->received_prior = 0;
}

void
sfu_recv_stats_update(struct sfu_recv_stats *s, uint16_t seq, uint32_t timestamp, int64_t now_us,
    bool retransmission)
{
    uint16_t udelta = (uint16_t)(seq - s->max_seq);
    int64_t arrival, transit, d;

    if (!s->started) {
        restart(s, seq);
    } else if (udelta < MAX_DROPOUT) {
        if (seq < s->max_seq) {
            s->cycles += 65536;
        }
        s->max_seq = seq;
    } else if (udelta <= 65536 - MAX_MISORDER) {
        /* A jump: the sender restarted if the next packet follows on from it. */
        if (seq != s->bad_seq) {
            s->bad_seq = (uint32_t)((seq + 1) & 0xFFFF);
            return;
        }
        restart(s, seq);
    }
    s->received++;
    if (retransmission || s->clock_rate == 0) {
        return;
    }
    arrival = now_us * (int64_t)s->clock_rate / 1000000;
    transit = arrival - (int64_t)timestamp;
    if (s->received > 1) {
        d = transit - s->transit;
        if (d < 0) {
            d = -d;
        }
        /* The timestamp is 32-bit: a wrap shows as an absurd difference, not as jitter. */
        if (d < (int64_t)s->clock_rate * 10) {
            s->jitter += (uint32_t)d - ((s->jitter + 8) >> 4);
        }
    }
    s->transit = transit;
}

void
sfu_recv_stats_sender_report(struct sfu_recv_stats *s, uint64_t ntp, int64_t now_us)
{
    s->last_sr = (uint32_t)(ntp >> 16);
    s->last_sr_us = now_us;
}

int64_t
sfu_recv_stats_lost(const struct sfu_recv_stats *s)
{
    if (!s->started) {
        return 0;
    }
    return (int64_t)(s->cycles + s->max_seq - s->base_seq + 1) - s->received;
}

bool
sfu_recv_stats_report(struct sfu_recv_stats *s, uint32_t ssrc, int64_t now_us,
    struct sfu_rtcp_report_block *block)
{
    uint32_t extended_max, expected, expected_interval, received_interval;
    int64_t lost, lost_interval;

    if (!s->started) {
        return false;
    }
    extended_max = s->cycles + s->max_seq;
    expected = extended_max - s->base_seq + 1;
    lost = sfu_recv_stats_lost(s);
    expected_interval = expected - s->expected_prior;
    received_interval = s->received - s->received_prior;
    lost_interval = (int64_t)expected_interval - received_interval;
    s->expected_prior = expected;
    s->received_prior = s->received;

    memset(block, 0, sizeof(*block));
    block->ssrc = ssrc;
    block->fraction_lost = expected_interval == 0 || lost_interval <= 0
        ? 0 : (uint8_t)((lost_interval << 8) / expected_interval);
    block->cumulative_lost = (int32_t)(lost > 0x7FFFFF ? 0x7FFFFF : lost < -0x800000 ? -0x800000 : lost);
    block->highest_seq = extended_max;
    block->jitter = s->jitter >> 4;
    if (s->last_sr_us != 0) {
        block->last_sr = s->last_sr;
        block->delay_since_last_sr = (uint32_t)((now_us - s->last_sr_us) * 65536 / 1000000);
    }
    return true;
}

uint64_t
sfu_ntp_duration(int64_t us)
{
    return ((uint64_t)(us / 1000000) << 32) + ((uint64_t)(us % 1000000) << 32) / 1000000;
}

uint64_t
sfu_ntp_from_unix_us(int64_t us)
{
    return (NTP_UNIX_OFFSET << 32) + sfu_ntp_duration(us);
}

void
sfu_bitrate_tick(struct sfu_bitrate *r, uint64_t bytes, int64_t now_us)
{
    /* A count that went back (its counters were reset) starts the measure again. */
    if (r->mark_us == 0 || bytes < r->mark_bytes) {
        r->mark_us = now_us;
        r->mark_bytes = bytes;
    } else if (now_us - r->mark_us >= 1000000) {
        r->bps = (uint32_t)((bytes - r->mark_bytes) * 8 * 1000000 / (uint64_t)(now_us - r->mark_us));
        r->mark_us = now_us;
        r->mark_bytes = bytes;
    }
}
