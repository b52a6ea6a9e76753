/*
 * run: the engine.  Makes the rooms, joins the participants a few at a
 * time, waits until every expected stream flows, warms up, measures a
 * window, and with --ramp adds load and measures again until loss passes
 * the limit.  Paces every publisher from one timer.  Results go to
 * report.h.
 */

#ifndef SFU_LOAD_RUN_H
#define SFU_LOAD_RUN_H

#include "hist.h"
#include "options.h"
#include "participant.h"
#include "procstat.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* What one measured window gave. */
typedef struct {
    unsigned  rooms;
    unsigned  participants;
    unsigned  joined;
    unsigned  failed_joins;
    load_hist_t join_us;
    unsigned  streams;              /* that received in the window */
    unsigned  expected_streams;
    uint64_t  expected, lost;       /* packets, by sequence numbers */
    load_hist_t latency_us;
    double    jitter_ms_p50, jitter_ms_p99;
    uint64_t  packets_out, bytes_out, packets_in, bytes_in;
    uint64_t  socket_drops;         /* at sfu-load's own full sockets */
    uint64_t  sender_late;          /* pacing ticks that skipped ahead */
    load_hist_t send_late_us;       /* packets' send time - due time */
    load_hist_t recv_late_us;       /* read time - arrival in the socket */
    double    window_s;
    double    window_end_s;         /* CLOCK_MONOTONIC, when it ended: to
                                       match readings taken outside */
    double    cpu_s;                /* of all the --sfu-pid processes */
    load_proc_window_t proc;        /* each of them: CPU, RSS, peaks */
    bool      simulcast_refused;
    bool      measured;             /* its window ran */
} load_step_t;

#define LOAD_MAX_STEPS 200

typedef enum {
    LOAD_PHASE_JOINING,
    LOAD_PHASE_WARMUP,
    LOAD_PHASE_MEASURING,
    LOAD_PHASE_DONE,
} load_phase_t;

struct load_run {
    const load_options_t *o;
    GMainLoop            *loop;
    int                   exit_code;
    bool                  aborted;
    char                  error[256];     /* why it was aborted */

    /* rooms and participants so far */
    char                **room_ids;
    unsigned              rooms_made, rooms_wanted, room_cap;
    load_participant_t  **ps;
    unsigned              n_ps, cap_ps;
    unsigned              next_open;      /* next participant to open */
    unsigned              joining;        /* opened, not yet joined */
    unsigned              publishers;     /* so far, over all rooms */
    load_phase_t          phase;

    /* the current measured window */
    bool                  measuring;
    uint64_t              window_start_ns;
    load_hist_t           latency_us;
    load_hist_t           send_late_us;
    load_hist_t           recv_late_us;
    uint64_t              packets_out, bytes_out, packets_in, bytes_in;
    load_proc_window_t    proc;

    guint                 tick_source, phase_source, stop_source, sample_source;
    uint8_t               send_buf[SFU_TRANSPORT_MTU + SFU_TRANSPORT_TRAILER];

    load_step_t           steps[LOAD_MAX_STEPS];
    unsigned              n_steps;
    int                   capacity;       /* -1 until a step passes */
    const char           *stopped_by;     /* the ramp: "limit" (a step
                                             failed), "ramp-max", "aborted" */
};

/*
 * Runs the whole test; returns the exit status: 0 measured, 1 the SFU
 * refused to make a room, 3 stopped by --max-time or a signal.
 */
int load_run(const load_options_t *o, load_run_t *run);

void load_run_free(load_run_t *run);

/* From participants: joined the room; a stream or the publish transport
   came up. */
void load_run_joined(load_run_t *run, load_participant_t *p);
void load_run_progress(load_run_t *run, load_participant_t *p);
/* p failed (p->why says why); before: its state until then. */
void load_run_failed(load_run_t *run, load_participant_t *p,
                     load_p_state_t before);

#endif
