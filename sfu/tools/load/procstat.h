/*
 * procstat: the SFU's cost, read from /proc: CPU seconds (utime + stime of
 * /proc/PID/stat) and resident memory (VmRSS of /proc/PID/status), summed
 * over the processes given with --sfu-pid.
 */

#ifndef SFU_LOAD_PROCSTAT_H
#define SFU_LOAD_PROCSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_MAX_SFU_PIDS 16

typedef struct {
    double   cpu_s;
    uint64_t rss_kb;
    unsigned missing;        /* pids that could not be read */
} load_proc_sample_t;

/* Sums over pids; a pid that is gone counts in missing. */
void load_proc_sample(const int *pids, size_t n, load_proc_sample_t *out);

/*
 * Parses the text of /proc/PID/stat: CPU seconds (clock ticks of fields
 * 14 and 15 over ticks_per_s).  false when it is not such a line.
 */
bool load_proc_parse_stat(const char *text, long ticks_per_s, double *cpu_s);

/* Parses the text of /proc/PID/status for VmRSS in kB. */
bool load_proc_parse_status(const char *text, uint64_t *rss_kb);

#endif
