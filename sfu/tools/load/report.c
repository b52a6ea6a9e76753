/*
 * report: the table and the JSON document of report.h.  Whole-run
 * figures are those of the last measured step (the only one without
 * --ramp); with --ramp every step is listed too.
 */

#include "report.h"

#include "stamp.h"

#include <jansson.h>
#include <string.h>

const load_step_t *
load_report_step(const load_run_t *run)
{
    for (unsigned i = run->n_steps; i > 0; i--) {
        if (run->steps[i - 1].measured) {
            return &run->steps[i - 1];
        }
    }
    return NULL;
}

/* Send lateness p99 above which the table warns: more than a browser's
   pacing interval, the 1 ms tick included. */
#define LOAD_LATE_WARN_MS  5.0

static double
ms(uint64_t us)
{
    return (double) us / 1000.0;
}

static double
loss_pct(const load_step_t *s)
{
    return s->expected > 0 ? 100.0 * (double) s->lost / (double) s->expected : 0;
}

static json_t *
lateness(const load_hist_t *h)
{
    return json_pack("{s:f, s:f, s:f}", "p50", ms(load_hist_quantile(h, 0.50)),
                     "p99", ms(load_hist_quantile(h, 0.99)), "max", ms(h->max));
}

static json_t *
percentiles(const load_hist_t *h)
{
    return json_pack("{s:f, s:f, s:f}",
                     "p50", ms(load_hist_quantile(h, 0.50)),
                     "p95", ms(load_hist_quantile(h, 0.95)),
                     "p99", ms(load_hist_quantile(h, 0.99)));
}

/* --- every stream, with --per-stream */

static const char *
publisher_name(const load_run_t *run, uint32_t stream_id)
{
    unsigned publisher = stream_id / LOAD_STREAM_KINDS;

    for (unsigned i = 0; i < run->n_ps; i++) {
        if (run->ps[i]->publisher && run->ps[i]->publisher_no == publisher) {
            return run->ps[i]->name;
        }
    }
    return "?";
}

static const char *
kind_name(uint32_t stream_id)
{
    static const char *const names[LOAD_STREAM_KINDS] = {
        "audio", "video", "video-m", "video-l",
    };

    return names[stream_id % LOAD_STREAM_KINDS];
}

/* Calls each for every stream received in the last window. */
static void
each_stream(const load_run_t *run,
            void (*each)(const load_participant_t *to,
                         const load_rx_stream_t *rx, const char *from,
                         void *data),
            void *data)
{
    for (unsigned i = 0; i < run->n_ps; i++) {
        const load_participant_t *p = run->ps[i];

        for (unsigned k = 0; k < LOAD_RX_SLOTS; k++) {
            const load_rx_stream_t *rx = &p->rx[k].rx;

            if (p->rx[k].used && rx->lat != NULL && rx->win_packets > 0) {
                each(p, rx, publisher_name(run, rx->stream_id), data);
            }
        }
    }
}

static double
stream_loss_pct(const load_rx_stream_t *rx)
{
    uint64_t expected = load_rx_expected(rx);

    return expected > 0 ? 100.0 * (double) load_rx_lost(rx) / (double) expected : 0;
}

static void
stream_json(const load_participant_t *to, const load_rx_stream_t *rx,
            const char *from, void *data)
{
    json_array_append_new(data, json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:f, s:o, s:f}",
        "from", from, "to", to->name, "kind", kind_name(rx->stream_id),
        "packets", (json_int_t) rx->win_packets,
        "lost", (json_int_t) load_rx_lost(rx),
        "loss_pct", stream_loss_pct(rx),
        "latency_ms", percentiles(rx->lat),
        "jitter_ms", rx->jitter_ns / 1e6));
}

static void
stream_line(const load_participant_t *to, const load_rx_stream_t *rx,
            const char *from, void *data)
{
    fprintf(data, "%-16s %-16s %-7s %8llu %7.3f %8.2f %8.2f %8.2f %8.3f\n",
            from, to->name, kind_name(rx->stream_id),
            (unsigned long long) rx->win_packets, stream_loss_pct(rx),
            ms(load_hist_quantile(rx->lat, 0.50)),
            ms(load_hist_quantile(rx->lat, 0.95)),
            ms(load_hist_quantile(rx->lat, 0.99)), rx->jitter_ns / 1e6);
}

/* Each --sfu-pid process over the window, in the order given. */
static json_t *
processes(const load_proc_window_t *w)
{
    json_t *a = json_array();

    for (size_t i = 0; i < w->last.n; i++) {
        const load_proc_t *p = &w->last.procs[i];

        json_array_append_new(a, json_pack(
            "{s:i, s:b, s:f, s:I, s:I}", "pid", p->pid, "gone", !p->read,
            "cpu_s", load_proc_window_cpu_s(w, i), "rss_kb", (json_int_t) p->rss_kb,
            "rss_peak_kb", (json_int_t) w->proc_rss_peak_kb[i]));
    }
    return a;
}

/* The --sfu-pid processes over a step's window: what the whole run
   reports for its last step, and a ramp for each of its steps. */
static json_t *
sfu_json(const load_step_t *s)
{
    return json_pack("{s:f, s:I, s:I, s:I, s:o}",
                     "cpu_s", s->cpu_s, "rss_kb", (json_int_t) s->proc.last.rss_kb,
                     "rss_peak_kb", (json_int_t) s->proc.rss_peak_kb,
                     "pids_missing", (json_int_t) s->proc.last.missing,
                     "processes", processes(&s->proc));
}

static json_t *
ramp_json(const load_run_t *run)
{
    json_t *steps = json_array();

    for (unsigned i = 0; i < run->n_steps && run->steps[i].measured; i++) {
        const load_step_t *s = &run->steps[i];

        json_array_append_new(steps, json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:f, s:o, s:f, s:I, s:I, s:o, s:o, s:o, s:f}",
            "rooms", (json_int_t) s->rooms,
            "participants", (json_int_t) s->participants,
            "joined", (json_int_t) s->joined,
            "streams", (json_int_t) s->streams,
            "expected_streams", (json_int_t) s->expected_streams,
            "loss_pct", loss_pct(s),
            "latency_ms", percentiles(&s->latency_us),
            "cpu_s", s->cpu_s,
            "packets_out", (json_int_t) s->packets_out,
            "packets_in", (json_int_t) s->packets_in,
            "send_lateness_ms", lateness(&s->send_late_us),
            "recv_lateness_ms", lateness(&s->recv_late_us),
            "sfu", sfu_json(s), "window_end_monotonic_s", s->window_end_s));
    }
    return json_pack("{s:I, s:s, s:o}", "capacity",
                     (json_int_t) (run->capacity < 0 ? 0 : run->capacity),
                     "stopped_by", run->stopped_by != NULL ? run->stopped_by : "limit",
                     "steps", steps);
}

int
load_report_json(const load_run_t *run, const char *path)
{
    const load_options_t *o = run->o;
    const load_step_t    *s = load_report_step(run);
    load_step_t           none;
    json_t               *doc, *pids = json_array(), *sfu;

    if (s == NULL) {
        memset(&none, 0, sizeof(none));
        s = &none;
    }
    for (size_t i = 0; i < o->n_sfu_pids; i++) {
        json_array_append_new(pids, json_integer(o->sfu_pids[i]));
    }
    sfu = sfu_json(s);
    json_object_set_new(sfu, "pids", pids);
    doc = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:b, s:b, s:I, s:f,"
        " s:I, s:I, s:o, s:I, s:I, s:f, s:o, s:o,"
        " s:I, s:I, s:I, s:I, s:o, s:b, s:I, s:f, s:b}",
        "target", o->backend->name, "url", o->target.url,
        "rooms", (json_int_t) s->rooms,
        /* a fan-out ramp grows its one room */
        "participants_per_room", (json_int_t) (s->rooms > 0 ? s->participants / s->rooms
                                                            : o->participants),
        "publishers_per_room", (json_int_t) o->publishers,
        "audio_only", o->audio_only, "simulcast", o->simulcast,
        "video_kbps", (json_int_t) (o->audio_only ? 0 : o->video_kbps),
        "duration_s", s->window_s,
        "joined", (json_int_t) s->joined,
        "failed_joins", (json_int_t) s->failed_joins,
        "join_ms", percentiles(&s->join_us),
        "streams", (json_int_t) s->streams,
        "expected_streams", (json_int_t) s->expected_streams,
        "loss_pct", loss_pct(s),
        "latency_ms", percentiles(&s->latency_us),
        "jitter_ms", json_pack("{s:f, s:f}", "p50", s->jitter_ms_p50,
                               "p99", s->jitter_ms_p99),
        "packets_out", (json_int_t) s->packets_out,
        "bytes_out", (json_int_t) s->bytes_out,
        "packets_in", (json_int_t) s->packets_in,
        "bytes_in", (json_int_t) s->bytes_in,
        "sfu", sfu,
        "simulcast_refused", s->simulcast_refused,
        "sender_late", (json_int_t) s->sender_late,
        "pacing", o->pacing,
        "aborted", run->aborted);
    json_object_set_new(json_object_get(doc, "join_ms"), "max",
                        json_real(ms(s->join_us.max)));
    json_object_set_new(doc, "send_lateness_ms", lateness(&s->send_late_us));
    json_object_set_new(doc, "window_end_monotonic_s", json_real(s->window_end_s));
    json_object_set_new(doc, "recv_lateness_ms", lateness(&s->recv_late_us));
    json_object_set_new(doc, "socket_drops", json_integer((json_int_t) s->socket_drops));
    json_object_set_new(doc, "forwarded_pps_per_cpu_s",
                        s->cpu_s > 0
                        ? json_real((double) s->packets_in / s->cpu_s)
                        : json_null());
    json_object_set_new(doc, "ramp", o->ramp ? ramp_json(run) : json_null());
    if (o->per_stream) {
        json_t *streams = json_array();

        each_stream(run, stream_json, streams);
        json_object_set_new(doc, "per_stream", streams);
    } else {
        json_object_set_new(doc, "per_stream", json_null());
    }
    json_object_set_new(doc, "error", run->error[0] != '\0'
                                      ? json_string(run->error) : json_null());
    if (json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
        fprintf(stderr, "sfu-load: --json %s: cannot write it\n", path);
        json_decref(doc);
        return -1;
    }
    json_decref(doc);
    return 0;
}

static void
step_line(const load_step_t *s, FILE *out)
{
    fprintf(out, "%6u %6u %6u %8u/%-8u %7.3f %8.2f %8.2f %8.2f %9.2f\n",
            s->rooms, s->participants, s->joined, s->streams,
            s->expected_streams, loss_pct(s),
            ms(load_hist_quantile(&s->latency_us, 0.50)),
            ms(load_hist_quantile(&s->latency_us, 0.95)),
            ms(load_hist_quantile(&s->latency_us, 0.99)), s->cpu_s);
}

void
load_report_table(const load_run_t *run, FILE *out)
{
    const load_options_t *o = run->o;
    const load_step_t    *s = load_report_step(run);

    if (s == NULL) {
        fprintf(out, "sfu-load: nothing was measured%s%s\n",
                run->error[0] != '\0' ? ": " : "", run->error);
        return;
    }
    fprintf(out, "sfu-load against %s (%s): %u room(s) x %u participants, "
            "%u publishing, %s%s\n", o->backend->name, o->target.url,
            o->rooms, o->participants, o->publishers,
            o->audio_only ? "audio only" : "Opus + VP8",
            o->simulcast ? " simulcast" : "");
    if (o->ramp) {
        fprintf(out, "\n  rooms  parts joined   streams (got/exp) loss%%  lat p50  lat p95  lat p99  sfu cpu_s\n");
        for (unsigned i = 0; i < run->n_steps && run->steps[i].measured; i++) {
            step_line(&run->steps[i], out);
        }
        fprintf(out, "\ncapacity at <= %g %% loss: %s%d participants\n",
                o->loss_limit_pct,
                run->stopped_by != NULL && strcmp(run->stopped_by, "limit") != 0
                ? "at least " : "", run->capacity < 0 ? 0 : run->capacity);
    }
    if (o->per_stream) {
        fprintf(out, "\n%-16s %-16s %-7s %8s %7s %8s %8s %8s %8s\n", "from", "to",
                "kind", "packets", "loss%", "lat p50", "lat p95", "lat p99",
                "jitter");
        each_stream(run, stream_line, out);
    }
    fprintf(out, "\n%-28s %u of %u (%u failed)\n", "joined", s->joined,
            s->participants, s->failed_joins);
    fprintf(out, "%-28s p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n", "join ms",
            ms(load_hist_quantile(&s->join_us, 0.50)),
            ms(load_hist_quantile(&s->join_us, 0.95)),
            ms(load_hist_quantile(&s->join_us, 0.99)), ms(s->join_us.max));
    fprintf(out, "%-28s %u of %u expected\n", "streams receiving",
            s->streams, s->expected_streams);
    fprintf(out, "%-28s %.3f %% (%llu of %llu packets)\n", "loss", loss_pct(s),
            (unsigned long long) s->lost, (unsigned long long) s->expected);
    fprintf(out, "%-28s p50 %.3f  p95 %.3f  p99 %.3f  max %.3f\n",
            "latency ms (one-way)",
            ms(load_hist_quantile(&s->latency_us, 0.50)),
            ms(load_hist_quantile(&s->latency_us, 0.95)),
            ms(load_hist_quantile(&s->latency_us, 0.99)), ms(s->latency_us.max));
    fprintf(out, "%-28s p50 %.3f  p99 %.3f\n", "jitter ms (per stream)",
            s->jitter_ms_p50, s->jitter_ms_p99);
    fprintf(out, "%-28s %llu packets, %llu bytes\n", "sent",
            (unsigned long long) s->packets_out, (unsigned long long) s->bytes_out);
    fprintf(out, "%-28s %llu packets, %llu bytes\n", "received",
            (unsigned long long) s->packets_in, (unsigned long long) s->bytes_in);
    fprintf(out, "%-28s p50 %.3f  p99 %.3f  max %.3f\n",
            "send lateness ms",
            ms(load_hist_quantile(&s->send_late_us, 0.50)),
            ms(load_hist_quantile(&s->send_late_us, 0.99)), ms(s->send_late_us.max));
    fprintf(out, "%-28s p50 %.3f  p99 %.3f  max %.3f\n",
            "receive lateness ms",
            ms(load_hist_quantile(&s->recv_late_us, 0.50)),
            ms(load_hist_quantile(&s->recv_late_us, 0.99)), ms(s->recv_late_us.max));
    fprintf(out, "%-28s %llu packets\n", "sfu-load's socket drops",
            (unsigned long long) s->socket_drops);
    fprintf(out, "%-28s %.1f s\n", "window", s->window_s);
    if (o->n_sfu_pids > 0) {
        fprintf(out, "%-28s cpu %.2f s, rss %llu kB (peak %llu kB)%s\n", "sfu",
                s->cpu_s, (unsigned long long) s->proc.last.rss_kb,
                (unsigned long long) s->proc.rss_peak_kb,
                s->proc.last.missing ? ", some pids gone" : "");
        for (size_t i = 0; s->proc.last.n > 1 && i < s->proc.last.n; i++) {
            const load_proc_t *p = &s->proc.last.procs[i];

            fprintf(out, "  pid %-23d cpu %.2f s, rss %llu kB (peak %llu kB)%s\n",
                    p->pid, load_proc_window_cpu_s(&s->proc, i),
                    (unsigned long long) p->rss_kb,
                    (unsigned long long) s->proc.proc_rss_peak_kb[i],
                    p->read ? "" : ", gone");
        }
        if (s->cpu_s > 0) {
            fprintf(out, "%-28s %.0f\n", "packets in per sfu cpu-s",
                    (double) s->packets_in / s->cpu_s);
        }
    }
    if (s->simulcast_refused) {
        fprintf(out, "simulcast: the SFU's answer had no a=simulcast; one "
                "layer (h) was sent\n");
    }
    if (ms(load_hist_quantile(&s->send_late_us, 0.99)) > LOAD_LATE_WARN_MS) {
        fprintf(out, "warning: sfu-load sent 1 %% of its packets more than "
                "%.1f ms after they were due: its own loop was late, and its "
                "receive side likely too\n",
                ms(load_hist_quantile(&s->send_late_us, 0.99)));
    }
    if (ms(load_hist_quantile(&s->recv_late_us, 0.99)) > LOAD_LATE_WARN_MS) {
        fprintf(out, "note: sfu-load read 1 %% of its packets more than %.1f "
                "ms after they reached its sockets; the latency ends at their "
                "arrival, so that wait is not in it\n",
                ms(load_hist_quantile(&s->recv_late_us, 0.99)));
    }
    if (s->socket_drops > 0) {
        fprintf(out, "warning: sfu-load's own sockets dropped %llu packets "
                "(their receive buffers full while it ran late); they count "
                "in the loss above\n", (unsigned long long) s->socket_drops);
    }
    if (s->sender_late > 0) {
        fprintf(out, "warning: sfu-load's sender fell behind %llu times: it "
                "was the bottleneck\n", (unsigned long long) s->sender_late);
    }
}
