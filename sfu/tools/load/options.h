/*
 * options: sfu-load's command line.
 */

#ifndef SFU_LOAD_OPTIONS_H
#define SFU_LOAD_OPTIONS_H

#include "procstat.h"
#include "signal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    const load_signal_backend_t *backend;
    load_signal_target_t         target;
    unsigned     rooms;
    unsigned     participants;       /* per room */
    unsigned     publishers;         /* per room */
    bool         audio_only;
    bool         simulcast;
    unsigned     video_kbps;
    double       pacing;             /* x the video bitrate, 0: none */
    double       duration_s;         /* the measured window */
    double       warmup_s;           /* after all media flows */
    double       join_timeout_s;     /* for a step's joins */
    double       max_time_s;         /* hard stop of the whole run */
    unsigned     join_concurrency;
    bool         ramp;
    unsigned     ramp_step;
    unsigned     ramp_max;           /* participants in all */
    double       loss_limit_pct;
    int          sfu_pids[LOAD_MAX_SFU_PIDS];
    size_t       n_sfu_pids;
    const char  *json_path;
    const char  *local_address;      /* ICE gathers here: --local-address,
                                        or derived_address */
    char         derived_address[64]; /* the one toward --url's host */
    bool         per_stream;         /* report every stream */
    bool         quiet;
    int          log_level;
} load_options_t;

/*
 * Parses argv into o.  0: run; 1: --help was printed; 2: a usage error
 * was printed on stderr, naming the option.  Addresses are checked
 * against the networks sfu-load may reach (guard.h).
 */
int load_options_parse(load_options_t *o, int argc, char **argv);

void load_options_usage(FILE *out);

/* The backends sfu-load knows (backends.c), NULL-ended. */
extern const load_signal_backend_t *const load_backends[];

#endif
