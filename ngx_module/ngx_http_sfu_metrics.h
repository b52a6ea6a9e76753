
/*
 * Counters shared by all nginx worker processes (one shared memory zone,
 * "sfu_metrics"), /metrics in Prometheus text format 0.0.4, and /health.
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

/*
 * sfu_worker_packet_cache_bytes: the bytes the SFU workers' packet caches
 * hold, as each says in its hello and every pong; a worker whose link is
 * down counts none.
 */
void ngx_http_sfu_metrics_cache_set(ngx_uint_t link, ngx_atomic_int_t bytes);

/*
 * sfu_worker_ice_*_total{worker="PATH"}: the shared-port counters of the
 * worker on link (ngx_http_sfu_port_counters.h), from its hello and every
 * pong; values NULL: it serves no shared port, and its series go.  A
 * report from the worker process that reported last (pid) only raises
 * them (the pongs of nginx's worker processes may come out of order);
 * one from another (a restarted worker) replaces them: Prometheus sees a
 * counter reset.  A worker whose link is down keeps its last counts.
 */
void ngx_http_sfu_metrics_port_set(ngx_uint_t link, ngx_atomic_int_t pid,
    const uint64_t *values);
void ngx_http_sfu_metrics_participants(ngx_str_t *room,
    ngx_atomic_int_t delta);

/* GET /metrics: Prometheus text format, endpoint "metrics" */
ngx_int_t ngx_http_sfu_metrics_handler(ngx_http_request_t *r);

/*
 * GET /health, endpoint "health":
 *   {"status": "ok"|"degraded", "version": "...",
 *    "postgres": {"status": "up"|"down"},
 *    "redis": {"status": "up"|"down"|"disabled"},
 *    "workers": [{"path": "...", "status": "up", "rtt_ms": N},
 *                {"path": "...", "status": "down"}, ...]}
 * 200 when PostgreSQL and every SFU worker are up, 503 otherwise; "status"
 * is "ok" when, in addition, Redis is not down.  Each answer is this worker
 * process' view.
 */
ngx_int_t ngx_http_sfu_health_handler(ngx_http_request_t *r);


#endif /* _NGX_HTTP_SFU_METRICS_H_INCLUDED_ */
