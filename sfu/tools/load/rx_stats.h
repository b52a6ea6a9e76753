/*
 * rx_stats: what a subscriber measures of one stream it receives (one
 * SSRC of its subscribe session, as the SFU rewrote it): packets, loss
 * from the sequence numbers, one-way latency from the payload stamps, and
 * interarrival jitter as RFC 3550 6.4.1 defines it, computed on the send
 * stamps instead of RTP timestamps (same meaning, nanosecond clock).
 *
 * Counters run all the time; the measured window is delimited by
 * load_rx_window_start, after which loss and packets count from the
 * highest sequence number seen so far.
 */

#ifndef SFU_LOAD_RX_STATS_H
#define SFU_LOAD_RX_STATS_H

#include "hist.h"
#include "rtp.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint32_t                  stream_id;     /* from the first stamp */
    struct sfu_seq_unwrapper  seq;
    uint64_t                  packets;       /* since the start */
    uint64_t                  bytes;

    /* the measured window */
    bool                      window;        /* started */
    bool                      win_based;     /* win_base is set */
    uint64_t                  win_base;      /* last ext seq before it */
    uint64_t                  win_packets;
    uint64_t                  win_bytes;

    /* jitter: J += (|D| - J) / 16, in ns */
    bool                      has_transit;
    int64_t                   transit;
    double                    jitter_ns;
} load_rx_stream_t;

void load_rx_init(load_rx_stream_t *s, uint32_t stream_id);

/*
 * One packet: its RTP sequence number, payload size, the stamp's send time
 * and the arrival time.  Inside the window its latency goes into lat (us).
 */
void load_rx_packet(load_rx_stream_t *s, uint16_t seq, size_t bytes,
                    uint64_t send_ns, uint64_t recv_ns, load_hist_t *lat);

/* Starts the measured window now (again, for each ramp step). */
void load_rx_window_start(load_rx_stream_t *s);

/* Packets the window expected (by sequence numbers) and lost. */
uint64_t load_rx_expected(const load_rx_stream_t *s);
uint64_t load_rx_lost(const load_rx_stream_t *s);

#endif
