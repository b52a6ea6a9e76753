/*
 * procstat: reading /proc/PID/stat and /proc/PID/status (proc(5)).
 */

#include "procstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool
load_proc_parse_stat(const char *text, long ticks_per_s, double *cpu_s)
{
    /* the command (field 2) may hold spaces and ')': fields resume after
       its last ')' with field 3, the state */
    const char         *p = strrchr(text, ')');
    unsigned long long  utime, stime;

    if (p == NULL || ticks_per_s <= 0
        || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                  &utime, &stime) != 2)
    {
        return false;
    }
    *cpu_s = (double) (utime + stime) / (double) ticks_per_s;
    return true;
}

bool
load_proc_parse_status(const char *text, uint64_t *rss_kb)
{
    const char         *p = strstr(text, "\nVmRSS:");
    unsigned long long  kb;

    if (p == NULL || sscanf(p + 7, " %llu kB", &kb) != 1) {
        return false;
    }
    *rss_kb = kb;
    return true;
}

static bool
read_text(const char *path, char *buf, size_t size)
{
    FILE   *f = fopen(path, "r");
    size_t  n;

    if (f == NULL) {
        return false;
    }
    n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n > 0;
}

void
load_proc_sample(const int *pids, size_t n, load_proc_sample_t *out)
{
    long ticks = sysconf(_SC_CLK_TCK);
    char path[64], text[8192];

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        double   cpu;
        uint64_t rss;

        snprintf(path, sizeof(path), "/proc/%d/stat", pids[i]);
        if (!read_text(path, text, sizeof(text))
            || !load_proc_parse_stat(text, ticks, &cpu))
        {
            out->missing++;
            continue;
        }
        out->cpu_s += cpu;
        snprintf(path, sizeof(path), "/proc/%d/status", pids[i]);
        if (read_text(path, text, sizeof(text))
            && load_proc_parse_status(text, &rss))
        {
            out->rss_kb += rss;
        }
    }
}
