
/*
 * Counters shared by all nginx worker processes (one shared memory zone,
 * "sfu_metrics"), /metrics in Prometheus text format 0.0.4, and the request
 * handling /metrics and /health share.
 *
 * Every request served by a location with an sfu_* handler is counted once,
 * in the log phase, as sfu_http_requests_total{endpoint, status}: endpoint
 * is ngx_http_sfu_ctx_t.endpoint ("unknown" when unset), status the one
 * logged.  The table keeps NGX_HTTP_SFU_METRICS_SLOTS (endpoint, status)
 * pairs; later pairs are counted as {endpoint="other",status="other"}.
 * Counters survive a reload, not a restart.
 */

#ifndef _NGX_HTTP_SFU_METRICS_H_INCLUDED_
#define _NGX_HTTP_SFU_METRICS_H_INCLUDED_


#include "ngx_http_sfu_module.h"
#include "ngx_http_sfu_port_metrics.h"


#define NGX_HTTP_SFU_METRICS_SLOTS  128


typedef enum {
    NGX_HTTP_SFU_METRIC_ROOMS_CREATED = 0,   /* sfu_rooms_created_total */
    NGX_HTTP_SFU_METRIC_ROOMS_ENDED,         /* sfu_rooms_ended_total */
    NGX_HTTP_SFU_METRIC_PARTICIPANTS_JOINED, /* sfu_participants_joined_total */
    NGX_HTTP_SFU_METRIC_PARTICIPANTS_LEFT,   /* sfu_participants_left_total */
    NGX_HTTP_SFU_METRIC_ROOMS,               /* webrtc_rooms_total: live */
    NGX_HTTP_SFU_METRIC_PARTICIPANTS,        /* webrtc_participants_total */
    NGX_HTTP_SFU_METRIC_SIGNALING_CONNECTIONS, /* gauge sfu_signaling_... */
    NGX_HTTP_SFU_METRIC_PACKET_CACHE_BYTES,  /* sfu_worker_packet_cache_... */
    NGX_HTTP_SFU_METRIC_LAST
} ngx_http_sfu_metric_e;


/*
 * Adds the shared zone (smcf->shm_zone) and the log-phase counter.  Call
 * from postconfiguration.
 */
ngx_int_t ngx_http_sfu_metrics_conf(ngx_conf_t *cf,
    ngx_http_sfu_main_conf_t *smcf);

/*
 * Atomically adds delta to a counter or to the signaling connections
 * gauge (negative for the gauge going down).
 */
void ngx_http_sfu_metrics_add(ngx_uint_t metric, ngx_atomic_int_t delta);

/*
 * The live gauges, webrtc_rooms_total and webrtc_participants_total, are
 * this edge's rooms and participants on its SFU workers: the sum of one
 * slot per worker (link).  Each worker's own counts, in its hello and
 * every pong, set its slot (live_set); its link going down empties its
 * rooms (live_lost); between pongs, the participants this module claims
 * and marks left move the slot of their room's worker (participants).
 */
void ngx_http_sfu_metrics_live_set(ngx_uint_t link, ngx_atomic_int_t rooms,
    ngx_atomic_int_t participants);
void ngx_http_sfu_metrics_live_lost(ngx_uint_t link);
void ngx_http_sfu_metrics_participants(ngx_str_t *room,
    ngx_atomic_int_t delta);

/*
 * sfu_worker_packet_cache_bytes: the bytes the SFU workers' packet caches
 * hold, as each says in its hello and every pong; a worker whose link is
 * down counts none.
 */
void ngx_http_sfu_metrics_cache_set(ngx_uint_t link, ngx_atomic_int_t bytes);

/*
 * The zone's slot of the shared-port counters of the worker on link
 * (ngx_http_sfu_port_metrics.c), and in *mutex the zone's mutex that
 * guards their updates; NULL before the zone exists or past the links.
 */
ngx_http_sfu_port_metrics_t *ngx_http_sfu_metrics_port_slot(ngx_uint_t link,
    ngx_shmtx_t **mutex);

/* GET /metrics: Prometheus text format, endpoint "metrics" */
ngx_int_t ngx_http_sfu_metrics_handler(ngx_http_request_t *r);

/*
 * The start of an operator endpoint's handler (/metrics, /health): names
 * the endpoint for the request counter; NGX_OK for GET and HEAD once the
 * body is discarded, else the status to return.
 */
ngx_int_t ngx_http_sfu_metrics_start(ngx_http_request_t *r,
    const char *endpoint);

/* sends body (from r's pool) with status, type and Cache-Control: no-store */
ngx_int_t ngx_http_sfu_metrics_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len);

/* writes value as a Prometheus label value (\ " and newline escaped) */
u_char *ngx_http_sfu_metrics_label(u_char *p, u_char *last, u_char *value,
    size_t len);


#endif /* _NGX_HTTP_SFU_METRICS_H_INCLUDED_ */
