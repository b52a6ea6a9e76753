
/*
 * sfu_worker_ice_*_total{worker="PATH"} on /metrics: the shared-port
 * counters (ngx_http_sfu_port_counters.h) each SFU worker reports in its
 * hello and every pong, kept a slot per worker (link) in the metrics zone.
 */

#ifndef _NGX_HTTP_SFU_PORT_METRICS_H_INCLUDED_
#define _NGX_HTTP_SFU_PORT_METRICS_H_INCLUDED_


#include "ngx_http_sfu_module.h"
#include "ngx_http_sfu_port_counters.h"


/* a worker's shared-port counters */
typedef struct {
    ngx_atomic_t                  reported;    /* 0: it has no shared port */
    ngx_atomic_t                  pid;
    ngx_atomic_t                  values[NGX_HTTP_SFU_PORT_COUNTERS];
} ngx_http_sfu_port_metrics_t;


/*
 * The shared-port counters of the worker on link, from its hello and every
 * pong; values NULL: it serves no shared port, and its series go.  A
 * report from the worker process that reported last (pid) only raises
 * them (the pongs of nginx's worker processes may come out of order);
 * one from another (a restarted worker) replaces them: Prometheus sees a
 * counter reset.  A worker whose link is down keeps its last counts.
 */
void ngx_http_sfu_port_metrics_set(ngx_uint_t link, ngx_atomic_int_t pid,
    const uint64_t *values);

/* the most ngx_http_sfu_port_metrics_write() writes for the links now */
size_t ngx_http_sfu_port_metrics_size(void);

/*
 * Writes each counter that some worker reports, a line per worker, from
 * ports (a slot per link) into p, up to last; returns the end.
 */
u_char *ngx_http_sfu_port_metrics_write(u_char *p, u_char *last,
    ngx_http_sfu_port_metrics_t *ports);


#endif /* _NGX_HTTP_SFU_PORT_METRICS_H_INCLUDED_ */
