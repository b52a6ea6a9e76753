/*
 * rtp_stats: what a receiver of one RTP stream knows about it (RFC 3550
 * A.1, A.3, A.8): the extended highest sequence number, packets lost in
 * all and since the last report, interarrival jitter, and the last sender
 * report's time, from which the report block of an RR is built.  Also the
 * NTP time format of sender reports.  No allocation, no clock of its own:
 * callers pass the time.
 */
#ifndef SFU_RTP_STATS_H
#define SFU_RTP_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "rtcp.h"

struct sfu_recv_stats {
    uint32_t clock_rate;
    bool started;
    uint16_t max_seq;
    uint32_t cycles;                    /* sequence number wraps, times 65536 */
    uint32_t base_seq;
    uint32_t bad_seq;                   /* a jump that is confirmed by the next packet restarts */
    uint32_t received;
    uint32_t expected_prior;
    uint32_t received_prior;
    int64_t transit;                    /* of the last packet, in clock units */
    uint32_t jitter;                    /* times 16 (A.8) */
    uint32_t last_sr;                   /* the middle 32 bits of the last SR's NTP time */
    int64_t last_sr_us;                 /* when it arrived; 0 before any */
};

void sfu_recv_stats_init(struct sfu_recv_stats *s, uint32_t clock_rate);

/* A packet arrived at now_us (monotonic); retransmissions count as received but not for jitter. */
void sfu_recv_stats_update(struct sfu_recv_stats *s, uint16_t seq, uint32_t timestamp, int64_t now_us,
    bool retransmission);

/* A sender report with this NTP time arrived at now_us. */
void sfu_recv_stats_sender_report(struct sfu_recv_stats *s, uint64_t ntp, int64_t now_us);

/* Fills the report block for ssrc and starts the next reporting interval; false before any packet. */
bool sfu_recv_stats_report(struct sfu_recv_stats *s, uint32_t ssrc, int64_t now_us,
    struct sfu_rtcp_report_block *block);

/* Packets lost so far: expected minus received (negative with duplicates). */
int64_t sfu_recv_stats_lost(const struct sfu_recv_stats *s);

/* The last sender report of a stream received, as its subscribers' own reports carry it over. */
struct sfu_last_sr {
    bool have;
    uint64_t ntp;
    uint32_t rtp;
    int64_t time_us;                    /* when it arrived */
};

/* A stream's bitrate, measured from its running byte count about once a second. */
struct sfu_bitrate {
    uint64_t mark_bytes;                /* the count at mark_us */
    int64_t mark_us;                    /* 0 before the first tick */
    uint32_t bps;                       /* bits per second over the last measure */
};

/* Called a few times a second with the byte count so far; bps changes once a second has passed. */
void sfu_bitrate_tick(struct sfu_bitrate *r, uint64_t bytes, int64_t now_us);

/* Microseconds since the Unix epoch as a 64-bit NTP time, and a duration in NTP units. */
uint64_t sfu_ntp_from_unix_us(int64_t us);
uint64_t sfu_ntp_duration(int64_t us);

#endif
