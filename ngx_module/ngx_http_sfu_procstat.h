
/*
 * The state and start time of a process, from its /proc/<pid>/stat line.  Plain C
 * with no nginx types, so that the libFuzzer target links exactly the
 * code the module runs.
 */

#ifndef _NGX_HTTP_SFU_PROCSTAT_H_INCLUDED_
#define _NGX_HTTP_SFU_PROCSTAT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/*
 * Fields 3 (state) and 22 (starttime, clock ticks after boot) of a stat
 * line: "pid (comm) state ppid ...".  The command name may hold spaces
 * and parentheses, so the fields are counted from its last ')'.  0, *state
 * and *start on success, -1 if the line is not one.
 */
int ngx_http_sfu_procstat_parse(const char *line, size_t len, char *state,
    uint64_t *start);


#endif /* _NGX_HTTP_SFU_PROCSTAT_H_INCLUDED_ */
