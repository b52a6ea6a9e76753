/* sfu-load's measures: the histogram and its percentiles, loss from
 * sequence numbers across the wrap, the measured window, jitter, and the
 * /proc parsers. */
#include <math.h>
#include <string.h>

#include "tap.h"
#include "hist.h"
#include "procstat.h"
#include "rx_stats.h"

static void
test_hist_buckets(void)
{
    unsigned prev = 0;
    bool     monotonic = true, covers = true;

    for (uint64_t v = 0; v < (1u << 20); v += 1 + v / 7) {
        unsigned b = load_hist_bucket(v);

        monotonic &= b >= prev;
        covers &= load_hist_bucket_low(b) <= v
                  && (b + 1 == LOAD_HIST_BUCKETS || load_hist_bucket_low(b + 1) > v);
        prev = b;
    }
    ok(monotonic, "buckets grow with the value");
    ok(covers, "every value lies in its bucket's range");
    is_int(load_hist_bucket(63), 63, "exact below 64");
    is_int(load_hist_bucket_low(load_hist_bucket(64)), 64, "64 starts a bucket");
    is_int(load_hist_bucket(UINT64_MAX), LOAD_HIST_BUCKETS - 1, "huge values go to the last bucket");
}

static void
test_hist_quantiles(void)
{
    static load_hist_t h;
    uint64_t           p50, p99;

    load_hist_reset(&h);
    is_int(load_hist_quantile(&h, 0.5), 0, "an empty histogram says 0");
    for (uint64_t v = 1; v <= 1000; v++) {
        load_hist_add(&h, v * 10);        /* 10 us .. 10 ms */
    }
    p50 = load_hist_quantile(&h, 0.50);
    p99 = load_hist_quantile(&h, 0.99);
    ok(p50 >= 5000 && p50 <= 5000 * 1.04, "p50 of 10..10000 is 5000 within 4 %% (%llu)",
       (unsigned long long) p50);
    ok(p99 >= 9900 && p99 <= 9900 * 1.04, "p99 is 9900 within 4 %% (%llu)",
       (unsigned long long) p99);
    is_int(load_hist_quantile(&h, 1.0), 10000, "p100 is the largest value, not past it");
    is_int(h.count, 1000, "counted");
    is_int(load_hist_quantile(&h, 0.0001), 10, "the smallest");
}

static void
test_loss_across_wrap(void)
{
    static load_hist_t lat;
    load_rx_stream_t   s;
    uint16_t           seq = 65530;

    load_hist_reset(&lat);
    load_rx_init(&s, 7);
    load_rx_packet(&s, seq++, 0, 1000, &lat);      /* before the window */
    load_rx_window_start(&s);
    for (int i = 0; i < 20; i++, seq++) {
        if (i == 3 || i == 10) {
            continue;                                   /* lost: 65534 and 5 */
        }
        load_rx_packet(&s, seq, 1000000, 3000000, &lat);
    }
    is_int(load_rx_expected(&s), 20, "20 expected across the 16-bit wrap");
    is_int(load_rx_lost(&s), 2, "2 lost");
    is_int(s.win_packets, 18, "18 in the window");
    is_int(lat.count, 18, "each one's latency recorded");
    is_int(load_hist_quantile(&lat, 0.5), 2000, "latency 2 ms = 2000 us");

    /* a late packet from before the window does not count */
    load_rx_packet(&s, 65530, 0, 1, &lat);
    is_int(s.win_packets, 18, "a packet from before the window is not counted");
    /* a duplicate cannot make loss negative */
    for (int i = 0; i < 5; i++) {
        load_rx_packet(&s, (uint16_t) (seq - 1), 0, 1, &lat);
    }
    is_int(load_rx_lost(&s), 0, "duplicates make loss 0, never negative");
}

static void
test_stream_starting_in_window(void)
{
    static load_hist_t lat;
    load_rx_stream_t   s;

    load_hist_reset(&lat);
    load_rx_init(&s, 1);
    load_rx_window_start(&s);
    is_int(load_rx_expected(&s), 0, "nothing expected before the first packet");
    load_rx_packet(&s, 100, 0, 1, &lat);
    load_rx_packet(&s, 102, 0, 1, &lat);
    is_int(load_rx_expected(&s), 3, "its first packet counts as expected");
    is_int(load_rx_lost(&s), 1, "one gap");
}

static void
test_jitter(void)
{
    static load_hist_t lat;
    load_rx_stream_t   steady, bumpy;

    load_rx_init(&steady, 1);
    load_rx_init(&bumpy, 2);
    for (uint64_t i = 0; i < 500; i++) {
        uint64_t sent = i * 20000000;

        load_rx_packet(&steady, (uint16_t) i, sent, sent + 500000, &lat);
        /* transit alternates 0.5 ms and 2.5 ms: |D| = 2 ms every packet */
        load_rx_packet(&bumpy, (uint16_t) i, sent,
                       sent + (i % 2 ? 2500000 : 500000), &lat);
    }
    ok(steady.jitter_ns < 1, "constant transit: no jitter");
    ok(fabs(bumpy.jitter_ns - 2e6) < 1e4,
       "transit changing by 2 ms each packet converges to 2 ms (%.0f ns)", bumpy.jitter_ns);
}

static void
test_proc_parsers(void)
{
    double   cpu = 0;
    uint64_t rss = 0;
    /* a command with a space and a ')' in it: fields resume after the last ')' */
    const char *stat = "4242 (sfu wor)ker) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
                       "250 50 0 0 20 0 1 0 12345 1000000 500 18446744073709551615";
    const char *status = "Name:\tsfu-worker\nVmPeak:\t  9000 kB\nVmRSS:\t   20444 kB\n";

    ok(load_proc_parse_stat(stat, 100, &cpu), "a stat line parses");
    ok(fabs(cpu - 3.0) < 1e-9, "utime 250 + stime 50 ticks at 100/s = 3 s (%g)", cpu);
    ok(!load_proc_parse_stat("4242 sfu S 1", 100, &cpu), "no command in parentheses: refused");
    ok(!load_proc_parse_stat("4242 (x) S 1 2", 100, &cpu), "a short line: refused");
    ok(load_proc_parse_status(status, &rss), "a status text parses");
    is_int(rss, 20444, "VmRSS in kB");
    ok(!load_proc_parse_status("Name:\tx\n", &rss), "no VmRSS: refused");
}

static void
set_proc(load_proc_sample_t *s, size_t i, int pid, bool read, double cpu_s,
         uint64_t rss_kb)
{
    s->procs[i] = (load_proc_t) { .pid = pid, .read = read, .cpu_s = cpu_s,
                                  .rss_kb = rss_kb };
    if (i + 1 > s->n) {
        s->n = i + 1;
    }
}

/* the worker and nginx's master and worker, sampled at a window's start,
   in its middle and at its end */
static void
test_proc_window(void)
{
    load_proc_sample_t a = { 0 }, b = { 0 }, c = { 0 };
    load_proc_window_t w;

    set_proc(&a, 0, 10, true, 1.0, 5000);
    set_proc(&a, 1, 11, true, 0.5, 3000);
    set_proc(&a, 2, 12, true, 2.0, 9000);
    load_proc_sum(&a);
    ok(fabs(a.cpu_s - 3.5) < 1e-9, "CPU summed over the processes (%g)", a.cpu_s);
    is_int(a.rss_kb, 17000, "RSS summed");
    is_int(a.missing, 0, "none missing");

    /* the worker peaks in the middle, nginx's worker at the end */
    set_proc(&b, 0, 10, true, 2.0, 8000);
    set_proc(&b, 1, 11, true, 0.5, 3000);
    set_proc(&b, 2, 12, true, 2.5, 9000);
    load_proc_sum(&b);
    /* nginx's master has gone by the end */
    set_proc(&c, 0, 10, true, 4.0, 6000);
    set_proc(&c, 1, 11, false, 0, 0);
    set_proc(&c, 2, 12, true, 3.0, 9500);
    load_proc_sum(&c);
    is_int(c.missing, 1, "a process gone counts as missing");
    is_int(c.rss_kb, 15500, "and adds no RSS");

    load_proc_window_start(&w, &a);
    load_proc_window_add(&w, &b);
    load_proc_window_add(&w, &c);
    is_int(w.rss_peak_kb, 20000, "the sum's peak is the highest sum sampled");
    is_int(w.proc_rss_peak_kb[0], 8000, "the worker's own peak");
    is_int(w.proc_rss_peak_kb[2], 9500, "nginx's worker's own peak, at another time");
    is_int(w.last.procs[0].rss_kb, 6000, "the worker's RSS at the end");
    ok(fabs(load_proc_window_cpu_s(&w, 0) - 3.0) < 1e-9, "the worker used 3 s");
    ok(load_proc_window_cpu_s(&w, 1) == 0, "a process gone by the end: no CPU figure");
    ok(fabs(load_proc_window_cpu_total(&w) - 4.0) < 1e-9,
       "total CPU: the processes read at both ends (%g)", load_proc_window_cpu_total(&w));
    ok(load_proc_window_cpu_s(&w, LOAD_MAX_SFU_PIDS) == 0, "past the processes: 0");
}

int
main(void)
{
    test_hist_buckets();
    test_hist_quantiles();
    test_loss_across_wrap();
    test_stream_starting_in_window();
    test_jitter();
    test_proc_parsers();
    test_proc_window();
    return tap_done();
}
