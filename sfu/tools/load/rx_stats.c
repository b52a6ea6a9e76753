/*
 * rx_stats: the per-stream receive measures of rx_stats.h.
 */

#include "rx_stats.h"

#include <string.h>

void
load_rx_init(load_rx_stream_t *s, uint32_t stream_id)
{
    memset(s, 0, sizeof(*s));
    s->stream_id = stream_id;
}

void
load_rx_packet(load_rx_stream_t *s, uint16_t seq, size_t bytes,
               uint64_t send_ns, uint64_t recv_ns, load_hist_t *lat)
{
    uint64_t ext = sfu_seq_unwrap(&s->seq, seq);
    int64_t  transit = (int64_t) (recv_ns - send_ns), d;

    s->packets++;
    s->bytes += bytes;
    if (s->has_transit) {
        d = transit - s->transit;
        s->jitter_ns += ((double) (d < 0 ? -d : d) - s->jitter_ns) / 16.0;
    }
    s->transit = transit;
    s->has_transit = true;

    if (!s->window) {
        return;
    }
    if (!s->win_based) {
        /* the first packet of a stream that started inside the window */
        s->win_base = ext - 1;
        s->win_based = true;
    }
    if (ext <= s->win_base) {
        return;         /* sent before the window, arriving late */
    }
    s->win_packets++;
    s->win_bytes += bytes;
    load_hist_add(lat, recv_ns > send_ns ? (recv_ns - send_ns) / 1000 : 0);
}

void
load_rx_window_start(load_rx_stream_t *s)
{
    s->window = true;
    s->win_based = s->seq.started;
    s->win_base = s->seq.highest;
    s->win_packets = 0;
    s->win_bytes = 0;
}

uint64_t
load_rx_expected(const load_rx_stream_t *s)
{
    return s->win_based && s->seq.highest > s->win_base
           ? s->seq.highest - s->win_base : 0;
}

uint64_t
load_rx_lost(const load_rx_stream_t *s)
{
    uint64_t expected = load_rx_expected(s);

    /* duplicates can make more arrive than expected */
    return expected > s->win_packets ? expected - s->win_packets : 0;
}
