
/*
 * The shared-port counters an SFU worker reports in its hello and every
 * pong ("shared_port", sfu/PROTOCOL.md), and their names on /metrics.
 * Plain C on jansson with no nginx types, so that the libFuzzer target
 * links exactly the code the module runs.
 */

#ifndef _NGX_HTTP_SFU_PORT_COUNTERS_H_INCLUDED_
#define _NGX_HTTP_SFU_PORT_COUNTERS_H_INCLUDED_


#include <stdint.h>

#include <jansson.h>


#define NGX_HTTP_SFU_PORT_COUNTERS  15


typedef struct {
    const char  *field;     /* its name in "shared_port" */
    const char  *metric;    /* its counter on /metrics */
    const char  *help;
} ngx_http_sfu_port_counter_t;


extern const ngx_http_sfu_port_counter_t
    ngx_http_sfu_port_counters[NGX_HTTP_SFU_PORT_COUNTERS];


/*
 * Reads msg's "shared_port" into values (in the order of the table):
 * 1 when it is an object with a non-negative integer for every field
 * (others are ignored), 0 when msg has none (the worker serves no shared
 * port), -1 otherwise, *bad naming the first wrong field (or
 * "shared_port" itself).
 */
int ngx_http_sfu_port_counters_parse(json_t *msg, uint64_t *values,
    const char **bad);


#endif /* _NGX_HTTP_SFU_PORT_COUNTERS_H_INCLUDED_ */
