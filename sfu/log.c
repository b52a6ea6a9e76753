/*
 * log: the worker's log lines on stderr, "timestamp [level] worker N: text".
 * One write(2) per line, so lines from several processes do not interleave.
 */

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = { "error", "warn", "info", "debug" };

static sfu_log_level_t log_level = SFU_LOG_INFO;
static unsigned log_worker_id;

int
sfu_log_parse_level(const char *name, sfu_log_level_t *level)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *level = (sfu_log_level_t) i;
            return 0;
        }
    }
    return -1;
}

void
sfu_log_init(sfu_log_level_t level, unsigned worker_id)
{
    log_level = level;
    log_worker_id = worker_id;
}

int
sfu_log_enabled(sfu_log_level_t level)
{
    return level <= log_level;
}

void
sfu_log_printable(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s < 0x20 || *s > 0x7e) {
            *s = '?';
        }
    }
}

void
sfu_log(sfu_log_level_t level, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;
    int r;
    va_list ap;

    if (!sfu_log_enabled(level)) {
        return;
    }

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    r = snprintf(line + n, sizeof(line) - n, ".%03ldZ [%s] worker %u: ",
                 ts.tv_nsec / 1000000, level_names[level], log_worker_id);
    n += (size_t) r;

    va_start(ap, fmt);
    r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);

    /* a line longer than the buffer is cut, never dropped */
    n = (r < 0 || (size_t) r >= sizeof(line) - n - 1) ? sizeof(line) - 2
                                                      : n + (size_t) r;
    line[n++] = '\n';

    if (write(STDERR_FILENO, line, n) < 0) {
        /* nowhere left to report it */
    }
}
