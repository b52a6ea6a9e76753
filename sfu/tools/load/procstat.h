/*
 * procstat: the SFU's cost, read from /proc: CPU seconds (utime + stime of
 * /proc/PID/stat) and resident memory (VmRSS of /proc/PID/status) of each
 * process given with --sfu-pid, and their sums; over a measured window,
 * the CPU each used and the peaks of their RSS.
 */

#ifndef SFU_LOAD_PROCSTAT_H
#define SFU_LOAD_PROCSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_MAX_SFU_PIDS 16

typedef struct {
    int      pid;
    bool     read;           /* false: gone (its stat could not be read) */
    double   cpu_s;
    uint64_t rss_kb;
} load_proc_t;

typedef struct {
    load_proc_t procs[LOAD_MAX_SFU_PIDS];
    size_t      n;
    /* over the processes read */
    double      cpu_s;
    uint64_t    rss_kb;
    unsigned    missing;     /* processes not read */
} load_proc_sample_t;

/*
 * A measured window: its first and its latest sample, and the highest RSS
 * sampled in between, of the sum and of each process (the peak of the sum
 * is not the sum of the peaks: processes peak at different times).
 */
typedef struct {
    load_proc_sample_t start, last;
    uint64_t           rss_peak_kb;
    uint64_t           proc_rss_peak_kb[LOAD_MAX_SFU_PIDS];
} load_proc_window_t;

/* Reads each of pids (n at most LOAD_MAX_SFU_PIDS); a pid that is gone
   counts in missing. */
void load_proc_sample(const int *pids, size_t n, load_proc_sample_t *out);

/* Sets s's sums from its processes. */
void load_proc_sum(load_proc_sample_t *s);

void load_proc_window_start(load_proc_window_t *w, const load_proc_sample_t *s);
/* s becomes the window's latest sample; the peaks take it in. */
void load_proc_window_add(load_proc_window_t *w, const load_proc_sample_t *s);
/* CPU seconds process i used during the window (0 if not read at both
   ends), and all of them. */
double load_proc_window_cpu_s(const load_proc_window_t *w, size_t i);
double load_proc_window_cpu_total(const load_proc_window_t *w);

/*
 * Parses the text of /proc/PID/stat: CPU seconds (clock ticks of fields
 * 14 and 15 over ticks_per_s).  false when it is not such a line.
 */
bool load_proc_parse_stat(const char *text, long ticks_per_s, double *cpu_s);

/* Parses the text of /proc/PID/status for VmRSS in kB. */
bool load_proc_parse_status(const char *text, uint64_t *rss_kb);

#endif
