/*
 * log: the worker's log lines on stderr, "timestamp [level] worker N: text".
 */

#ifndef SFU_LOG_H
#define SFU_LOG_H

typedef enum {
    SFU_LOG_ERROR = 0,
    SFU_LOG_WARN,
    SFU_LOG_INFO,
    SFU_LOG_DEBUG
} sfu_log_level_t;

/* Parses "error", "warn", "info" or "debug"; returns 0, or -1 if unknown. */
int sfu_log_parse_level(const char *name, sfu_log_level_t *level);

void sfu_log_init(sfu_log_level_t level, unsigned worker_id);

int sfu_log_enabled(sfu_log_level_t level);

/* Replaces every byte that is not printable ASCII with '?', in place. */
void sfu_log_printable(char *s);

void sfu_log(sfu_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define sfu_log_error(...) sfu_log(SFU_LOG_ERROR, __VA_ARGS__)
#define sfu_log_warn(...)  sfu_log(SFU_LOG_WARN, __VA_ARGS__)
#define sfu_log_info(...)  sfu_log(SFU_LOG_INFO, __VA_ARGS__)
#define sfu_log_debug(...) sfu_log(SFU_LOG_DEBUG, __VA_ARGS__)

#endif
