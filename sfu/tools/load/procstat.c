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
    out->n = n < LOAD_MAX_SFU_PIDS ? n : LOAD_MAX_SFU_PIDS;
    for (size_t i = 0; i < out->n; i++) {
        load_proc_t *p = &out->procs[i];

        p->pid = pids[i];
        snprintf(path, sizeof(path), "/proc/%d/stat", p->pid);
        if (!read_text(path, text, sizeof(text))
            || !load_proc_parse_stat(text, ticks, &p->cpu_s))
        {
            continue;
        }
        p->read = true;
        snprintf(path, sizeof(path), "/proc/%d/status", p->pid);
        if (!read_text(path, text, sizeof(text))
            || !load_proc_parse_status(text, &p->rss_kb))
        {
            p->rss_kb = 0;
        }
    }
    load_proc_sum(out);
}

void
load_proc_sum(load_proc_sample_t *s)
{
    s->cpu_s = 0;
    s->rss_kb = 0;
    s->missing = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->procs[i].read) {
            s->missing++;
            continue;
        }
        s->cpu_s += s->procs[i].cpu_s;
        s->rss_kb += s->procs[i].rss_kb;
    }
}

void
load_proc_window_start(load_proc_window_t *w, const load_proc_sample_t *s)
{
    memset(w, 0, sizeof(*w));
    w->start = *s;
    load_proc_window_add(w, s);
}

void
load_proc_window_add(load_proc_window_t *w, const load_proc_sample_t *s)
{
    w->last = *s;
    if (s->rss_kb > w->rss_peak_kb) {
        w->rss_peak_kb = s->rss_kb;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->procs[i].rss_kb > w->proc_rss_peak_kb[i]) {
            w->proc_rss_peak_kb[i] = s->procs[i].rss_kb;
        }
    }
}

double
load_proc_window_cpu_s(const load_proc_window_t *w, size_t i)
{
    if (i >= w->last.n || !w->start.procs[i].read || !w->last.procs[i].read) {
        return 0;
    }
    return w->last.procs[i].cpu_s - w->start.procs[i].cpu_s;
}

double
load_proc_window_cpu_total(const load_proc_window_t *w)
{
    double sum = 0;

    for (size_t i = 0; i < w->last.n; i++) {
        sum += load_proc_window_cpu_s(w, i);
    }
    return sum;
}
