
/*
 * The state and start time of a process from its /proc/<pid>/stat line
 * (proc(5)).
 */

#include "ngx_http_sfu_procstat.h"


/* state is the 1st field after the command name's ")", starttime the 20th */
#define NGX_HTTP_SFU_PROCSTAT_STATE_FIELD  1
#define NGX_HTTP_SFU_PROCSTAT_START_FIELD  20


int
ngx_http_sfu_procstat_parse(const char *line, size_t len, char *state,
    uint64_t *start)
{
    size_t      i, close, width;
    uint64_t    value;
    unsigned    field;

    close = len;

    for (i = len; i > 0; i--) {
        if (line[i - 1] == ')') {
            close = i - 1;
            break;
        }
    }

    if (close == len) {
        return -1;
    }

    field = 0;
    width = 0;
    value = 0;

    /* each field is preceded by exactly one space */

    for (i = close + 1; i < len; i++) {

        if (line[i] == ' ') {
            if (field == NGX_HTTP_SFU_PROCSTAT_START_FIELD) {
                break;
            }

            if (field == NGX_HTTP_SFU_PROCSTAT_STATE_FIELD && width != 1) {
                return -1;
            }

            field++;
            width = 0;
            continue;
        }

        width++;

        if (field == 0
            || (field == NGX_HTTP_SFU_PROCSTAT_STATE_FIELD && width > 1))
        {
            return -1;
        }

        if (field == NGX_HTTP_SFU_PROCSTAT_STATE_FIELD) {
            *state = line[i];
            continue;
        }

        if (field != NGX_HTTP_SFU_PROCSTAT_START_FIELD) {
            continue;
        }

        if (line[i] < '0' || line[i] > '9'
            || value > (UINT64_MAX - 9) / 10)
        {
            return -1;
        }

        value = value * 10 + (uint64_t) (line[i] - '0');
    }

    if (field != NGX_HTTP_SFU_PROCSTAT_START_FIELD || width == 0) {
        return -1;
    }

    *start = value;

    return 0;
}
