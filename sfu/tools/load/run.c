/*
 * run: the engine of run.h.  A step is: make its rooms, open its
 * participants (at most --join-concurrency joining at once), wait until
 * every participant receives every stream it should (or --join-timeout),
 * warm up, measure for --duration.  Without --ramp there is one step;
 * with it, each step adds rooms (or subscribers to the one room of a
 * one-publisher run) until a step fails: loss over the limit, a join that
 * failed, or a stream that never flowed.
 */

#include "run.h"

#include "log.h"
#include "loop_pace.h"
#include "stamp.h"

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 ms: publishers' packets go out near their own due times, not
   bunched onto a coarse common grid (real senders are independent) */
#define TICK_MS        1
#define SAMPLE_MS      500
#define GOODBYE_MS     1000

static void step_begin(load_run_t *run);
static void abort_run(load_run_t *run, const char *why);

static void
say(load_run_t *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(load_run_t *run, const char *fmt, ...)
{
    va_list ap;

    if (run->o->quiet) {
        return;
    }
    va_start(ap, fmt);
    fprintf(stderr, "sfu-load: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static bool
fan_out(const load_options_t *o)
{
    return o->rooms == 1 && o->publishers == 1;
}

static void
clear_source(guint *id)
{
    if (*id != 0) {
        g_source_remove(*id);
        *id = 0;
    }
}

/* --- participants */

static unsigned
kinds(const load_options_t *o)
{
    return o->audio_only ? 1 : 2;
}

static void
add_participant(load_run_t *run, unsigned room, unsigned number,
                unsigned publishers_in_room)
{
    load_participant_t *p = g_new0(load_participant_t, 1);

    if (run->n_ps == run->cap_ps) {
        run->cap_ps = run->cap_ps ? 2 * run->cap_ps : 64;
        run->ps = g_renew(load_participant_t *, run->ps, run->cap_ps);
    }
    p->run = run;
    p->index = run->n_ps;
    p->room = room;
    p->publisher = number < run->o->publishers;
    if (p->publisher) {
        p->publisher_no = run->publishers++;
    }
    p->expected_streams = (publishers_in_room - (p->publisher ? 1 : 0))
                          * kinds(run->o);
    snprintf(p->name, sizeof(p->name), "load-r%u-p%u", room, number);
    run->ps[run->n_ps++] = p;
}

static bool
ready(const load_participant_t *p)
{
    return p->state == LOAD_P_JOINED && p->join_ns != 0
           && p->streams >= p->expected_streams
           && (!p->publisher || p->pub.connected);
}

static void
pump(load_run_t *run)
{
    while (!run->aborted && run->joining < run->o->join_concurrency && run->next_open < run->n_ps) {
        load_participant_t *p = run->ps[run->next_open];

        if (p->room >= run->rooms_made || run->room_ids[p->room] == NULL) {
            return;     /* its room is still being made */
        }
        run->next_open++;
        run->joining++;
        load_participant_open(p, run->room_ids[p->room]);
    }
}

/* --- the phases of a step */

static gint
compare_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

static gboolean
window_end(gpointer data)
{
    load_run_t  *run = data;
    load_step_t *s = &run->steps[run->n_steps - 1];
    GArray      *jitter = g_array_new(FALSE, FALSE, sizeof(double));
    load_proc_sample_t end;
    bool         pass;

    run->phase_source = 0;
    run->measuring = false;
    run->phase = LOAD_PHASE_DONE;
    s->measured = true;
    s->window_end_s = (double) load_now_ns() / 1e9;
    s->window_s = s->window_end_s - (double) run->window_start_ns / 1e9;
    s->participants = run->n_ps;
    s->rooms = run->rooms_made;
    load_hist_reset(&s->join_us);
    for (unsigned i = 0; i < run->n_ps; i++) {
        load_participant_t *p = run->ps[i];
        uint64_t            drops;

        if (p->state == LOAD_P_JOINED && p->ready_ns != 0) {
            s->joined++;
            load_hist_add(&s->join_us, (p->join_ns - p->open_ns) / 1000);
        }
        s->expected_streams += p->expected_streams;
        s->simulcast_refused |= p->simulcast_refused;
        s->sender_late += p->media.late;
        drops = load_participant_socket_drops(p);
        /* less than at the start: a transport of it is gone */
        s->socket_drops += drops - MIN(drops, p->drops_at_window);
        for (unsigned k = 0; k < LOAD_RX_SLOTS; k++) {
            const load_rx_stream_t *rx = &p->rx[k].rx;
            double                  ms;

            if (!p->rx[k].used || rx->win_packets == 0) {
                continue;
            }
            s->streams++;
            s->expected += load_rx_expected(rx);
            s->lost += load_rx_lost(rx);
            ms = rx->jitter_ns / 1e6;
            g_array_append_val(jitter, ms);
        }
    }
    s->failed_joins = s->participants - s->joined;
    if (jitter->len > 0) {
        g_array_sort(jitter, compare_double);
        s->jitter_ms_p50 = g_array_index(jitter, double, (jitter->len - 1) / 2);
        s->jitter_ms_p99 = g_array_index(jitter, double,
                                         (guint) ((jitter->len - 1) * 0.99 + 0.5));
    }
    g_array_free(jitter, TRUE);
    s->latency_us = run->latency_us;
    s->send_late_us = run->send_late_us;
    s->recv_late_us = run->recv_late_us;
    s->packets_out = run->packets_out;
    s->bytes_out = run->bytes_out;
    s->packets_in = run->packets_in;
    s->bytes_in = run->bytes_in;
    if (run->o->n_sfu_pids > 0) {
        load_proc_sample(run->o->sfu_pids, run->o->n_sfu_pids, &end);
        load_proc_window_add(&run->proc, &end);
        s->proc = run->proc;
        s->cpu_s = load_proc_window_cpu_total(&run->proc);
    }

    pass = s->failed_joins == 0 && s->streams >= s->expected_streams
           && (s->expected == 0 ? s->expected_streams == 0
               : 100.0 * (double) s->lost / (double) s->expected
                 <= run->o->loss_limit_pct);
    say(run, "step %u: %u participants in %u rooms, %u joined, %u/%u streams, "
        "loss %.3f %%%s", run->n_steps, s->participants, s->rooms, s->joined,
        s->streams, s->expected_streams,
        s->expected ? 100.0 * (double) s->lost / (double) s->expected : 0.0,
        run->o->ramp ? (pass ? ": under the limit" : ": over the limit") : "");
    if (run->o->ramp && pass) {
        run->capacity = (int) s->participants;
    }
    if (run->aborted) {
        run->stopped_by = "aborted";
    } else if (!pass) {
        run->stopped_by = "limit";
    } else if (run->n_steps == LOAD_MAX_STEPS
               || run->n_ps + (fan_out(run->o) ? run->o->ramp_step
                               : run->o->ramp_step * run->o->participants)
                  > run->o->ramp_max)
    {
        run->stopped_by = "ramp-max";
    }
    if (run->stopped_by != NULL || !run->o->ramp) {
        g_main_loop_quit(run->loop);
    } else {
        step_begin(run);
    }
    return G_SOURCE_REMOVE;
}

static gboolean
window_start(gpointer data)
{
    load_run_t *run = data;

    run->phase_source = 0;
    for (unsigned i = 0; i < run->n_ps; i++) {
        load_participant_window_start(run->ps[i]);
    }
    load_hist_reset(&run->latency_us);
    load_hist_reset(&run->send_late_us);
    load_hist_reset(&run->recv_late_us);
    run->packets_out = run->bytes_out = run->packets_in = run->bytes_in = 0;
    if (run->o->n_sfu_pids > 0) {
        load_proc_sample_t start;

        load_proc_sample(run->o->sfu_pids, run->o->n_sfu_pids, &start);
        load_proc_window_start(&run->proc, &start);
    }
    run->measuring = true;
    run->phase = LOAD_PHASE_MEASURING;
    run->window_start_ns = load_now_ns();
    say(run, "step %u: measuring for %g s", run->n_steps, run->o->duration_s);
    run->phase_source = g_timeout_add((guint) (run->o->duration_s * 1000),
                                      window_end, run);
    return G_SOURCE_REMOVE;
}

static void
warm_up(load_run_t *run, const char *why)
{
    clear_source(&run->phase_source);
    run->phase = LOAD_PHASE_WARMUP;
    say(run, "step %u: %s; warming up for %g s", run->n_steps, why,
        run->o->warmup_s);
    run->phase_source = g_timeout_add((guint) (run->o->warmup_s * 1000),
                                      window_start, run);
}

static gboolean
join_timeout(gpointer data)
{
    load_run_t *run = data;

    run->phase_source = 0;
    warm_up(run, "join timeout: going on with whoever is there");
    return G_SOURCE_REMOVE;
}

/* Whether the step's joins are over: everyone ready or failed. */
static void
check_step(load_run_t *run)
{
    if (run->phase != LOAD_PHASE_JOINING || run->next_open < run->n_ps) {
        return;
    }
    for (unsigned i = 0; i < run->n_ps; i++) {
        const load_participant_t *p = run->ps[i];

        if (p->state != LOAD_P_FAILED && p->ready_ns == 0) {
            return;
        }
    }
    warm_up(run, "every participant is in and every stream flows");
}

static void
room_made(const char *room_id, const char *error, void *data)
{
    load_run_t *run = data;
    unsigned    i = run->rooms_made;

    if (run->aborted) {
        return;         /* a reply that comes while leaving */
    }
    if (room_id == NULL) {
        abort_run(run, error);
        run->exit_code = 1;
        return;
    }
    run->room_ids[i] = g_strdup(room_id);
    run->rooms_made++;
    if (run->rooms_made < run->rooms_wanted) {
        char name[32];

        snprintf(name, sizeof(name), "sfu-load-%u", run->rooms_made);
        run->o->backend->create_room(&run->o->target, name,
                                     fan_out(run->o) && run->o->ramp
                                     ? run->o->ramp_max : run->o->participants,
                                     room_made, run);
    }
    pump(run);
}

static void
step_begin(load_run_t *run)
{
    const load_options_t *o = run->o;
    unsigned              first_room = run->rooms_wanted;
    unsigned              rooms, count;
    load_step_t          *s = &run->steps[run->n_steps++];

    memset(s, 0, sizeof(*s));
    run->phase = LOAD_PHASE_JOINING;
    if (run->n_steps > 1 && fan_out(o)) {
        count = run->n_ps;
        for (unsigned i = 0; i < o->ramp_step; i++) {
            add_participant(run, 0, count + i, 1);
        }
        rooms = 0;
    } else {
        rooms = run->n_steps == 1 ? o->rooms : o->ramp_step;
        for (unsigned r = 0; r < rooms; r++) {
            for (unsigned i = 0; i < o->participants; i++) {
                add_participant(run, first_room + r, i, o->publishers);
            }
        }
    }
    say(run, "step %u: %u participants in all, joining", run->n_steps, run->n_ps);
    run->rooms_wanted += rooms;
    if (run->rooms_wanted > run->room_cap) {
        run->room_cap = run->rooms_wanted * 2;
        run->room_ids = g_renew(char *, run->room_ids, run->room_cap);
    }
    run->phase_source = g_timeout_add((guint) (o->join_timeout_s * 1000),
                                      join_timeout, run);
    if (rooms > 0) {
        /* one room at a time: room_made asks for the next */
        run->o->backend->create_room(&o->target, "sfu-load-0",
                                     fan_out(o) && o->ramp ? o->ramp_max
                                     : o->participants, room_made, run);
    } else {
        pump(run);
    }
}

/* --- from participants */

void
load_run_joined(load_run_t *run, load_participant_t *p)
{
    (void) p;
    run->joining--;
    pump(run);
}

void
load_run_progress(load_run_t *run, load_participant_t *p)
{
    if (p->expected_streams == 0 && p->join_ns == 0 && p->pub.connected) {
        p->join_ns = load_now_ns();
    }
    if (p->ready_ns == 0 && ready(p)) {
        p->ready_ns = load_now_ns();
        check_step(run);
    }
}

void
load_run_failed(load_run_t *run, load_participant_t *p, load_p_state_t before)
{
    (void) p;
    if (before == LOAD_P_JOINING) {
        run->joining--;
        pump(run);
    }
    check_step(run);
}

/* --- the whole run */

static gboolean
tick(gpointer data)
{
    load_run_t *run = data;
    uint64_t    now = load_now_ns();

    for (unsigned i = 0; i < run->n_ps; i++) {
        load_participant_tick(run->ps[i], now, run->send_buf);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean
sample(gpointer data)
{
    load_run_t        *run = data;
    load_proc_sample_t s;

    if (run->measuring) {
        load_proc_sample(run->o->sfu_pids, run->o->n_sfu_pids, &s);
        load_proc_window_add(&run->proc, &s);
    }
    return G_SOURCE_CONTINUE;
}

static void
abort_run(load_run_t *run, const char *why)
{
    fprintf(stderr, "sfu-load: %s\n", why);
    if (run->error[0] == '\0') {
        g_strlcpy(run->error, why, sizeof(run->error));
    }
    run->aborted = true;
    run->exit_code = 3;
    clear_source(&run->phase_source);
    if (run->measuring) {
        window_end(run);
    } else {
        g_main_loop_quit(run->loop);
    }
}

static gboolean
hard_stop(gpointer data)
{
    load_run_t *run = data;

    run->stop_source = 0;
    abort_run(run, "--max-time reached: stopping");
    return G_SOURCE_REMOVE;
}

static gboolean
on_signal(gpointer data)
{
    abort_run(data, "interrupted: stopping");
    return G_SOURCE_CONTINUE;
}

/* GLib's poll, at most once per tick (loop_pace.h) */
static load_loop_pace_t loop_pace;

static gint
paced_poll(GPollFD *fds, guint nfds, gint timeout_ms)
{
    uint64_t sleep_ns;
    gint     ready;

    timeout_ms = load_loop_pace_before_poll(&loop_pace, load_now_ns(), timeout_ms, &sleep_ns);
    if (sleep_ns > 0) {
        g_usleep((gulong) (sleep_ns / 1000));
    }
    ready = g_poll(fds, nfds, timeout_ms);
    load_loop_pace_looked(&loop_pace, load_now_ns());
    return ready;
}

static gboolean
quit_loop(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

int
load_run(const load_options_t *o, load_run_t *run)
{
    guint sigint, sigterm;

    memset(run, 0, sizeof(*run));
    run->o = o;
    run->capacity = -1;
    run->loop = g_main_loop_new(NULL, FALSE);
    load_loop_pace_init(&loop_pace, (uint64_t) TICK_MS * 1000000u);
    g_main_context_set_poll_func(NULL, paced_poll);
    run->tick_source = g_timeout_add(TICK_MS, tick, run);
    if (o->n_sfu_pids > 0) {
        run->sample_source = g_timeout_add(SAMPLE_MS, sample, run);
    }
    run->stop_source = g_timeout_add((guint) (o->max_time_s * 1000), hard_stop,
                                     run);
    sigint = g_unix_signal_add(SIGINT, on_signal, run);
    sigterm = g_unix_signal_add(SIGTERM, on_signal, run);

    step_begin(run);
    g_main_loop_run(run->loop);

    clear_source(&run->phase_source);
    clear_source(&run->tick_source);
    clear_source(&run->sample_source);
    clear_source(&run->stop_source);
    g_source_remove(sigint);
    g_source_remove(sigterm);

    /* leave politely, and give the goodbyes a moment to go out */
    for (unsigned i = 0; i < run->n_ps; i++) {
        load_participant_close(run->ps[i]);
    }
    g_timeout_add(GOODBYE_MS, quit_loop, run->loop);
    g_main_loop_run(run->loop);
    return run->exit_code;
}

void
load_run_free(load_run_t *run)
{
    for (unsigned i = 0; i < run->n_ps; i++) {
        load_participant_free(run->ps[i]);
    }
    g_free(run->ps);
    for (unsigned i = 0; i < run->rooms_made; i++) {
        g_free(run->room_ids[i]);
    }
    g_free(run->room_ids);
    g_main_loop_unref(run->loop);
}
