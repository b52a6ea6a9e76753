
/*
 * ngx_http_sfu_module: shared types of the control plane.
 *
 * The module is split by concept; each file owns one:
 *   ngx_http_sfu_module.c    directives, configuration, process init, routing
 *   ngx_http_sfu_json.c      JSON request bodies and JSON/error responses
 *   ngx_http_sfu_pg.c        non-blocking libpq pool on nginx's event loop
 *   ngx_http_sfu_schema.c    versioned PostgreSQL schema, applied at start
 *   ngx_http_sfu_redis.c     async hiredis on nginx's event loop
 *   ngx_http_sfu_lib_conn.c  nginx connections on libpq's and hiredis' sockets
 *   ngx_http_sfu_ratelimit.c rate limits counted in Redis; the rate syntax
 *   ngx_http_sfu_rooms.c     /api/v1/rooms REST resources
 *   ngx_http_sfu_join.c      join, join tokens (JWT), turn-credentials
 *   ngx_http_sfu_live.c      kick and stats: REST calls the SFU worker answers
 *   ngx_http_sfu_turn.c      TURN REST credentials and the secret cache
 *   ngx_http_sfu_password.c  room password hashing (PBKDF2-SHA256)
 *   ngx_http_sfu_metrics.c   shared-memory counters and /metrics
 *   ngx_http_sfu_port_metrics.c  the SFU workers' shared-port counters there
 *   ngx_http_sfu_health.c    /health
 *   ngx_http_sfu_link.c      connections to the SFU workers (lifecycle)
 *   ngx_http_sfu_link_io.c   their framing and queues
 *   ngx_http_sfu_link_request.c  requests to a worker that await its answer
 *   ngx_http_sfu_link_ring.c consistent hash placing rooms on SFU workers
 *   ngx_http_sfu_sendq.c     bounded send queues (links, WebSockets)
 *   ngx_http_sfu_ws.c        WebSocket connections on the held request
 *   ngx_http_sfu_ws_frame.c  WebSocket frame parser and writer (pure C)
 *   ngx_http_sfu_signal.c    the signaling relay: join, clients <-> workers
 *   ngx_http_sfu_signal_msg.c  signaling message validation (pure C)
 */

#ifndef _NGX_HTTP_SFU_MODULE_H_INCLUDED_
#define _NGX_HTTP_SFU_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_http_sfu_hmac.h"


#define NGX_HTTP_SFU_VERSION  "0.1.0"


typedef enum {
    NGX_HTTP_SFU_FAIL_OPEN = 0,
    NGX_HTTP_SFU_FAIL_CLOSED
} ngx_http_sfu_fail_mode_e;


typedef struct {
    ngx_str_t                  key;
    ngx_str_t                  name;
} ngx_http_sfu_api_key_t;


typedef struct {
    ngx_uint_t                 count;     /* requests allowed ... */
    time_t                     window;    /* ... per this many seconds */
} ngx_http_sfu_rate_t;


/* a token bucket: burst tokens, refilled at rate; window -1: off */
typedef struct {
    ngx_http_sfu_rate_t        rate;
    ngx_uint_t                 burst;
} ngx_http_sfu_bucket_conf_t;


typedef struct {
    /* PostgreSQL */
    ngx_str_t                  pg_conninfo;
    ngx_uint_t                 pg_pool_size;
    ngx_msec_t                 pg_timeout;

    /* this edge's name among those sharing PostgreSQL, and its sweep */
    ngx_str_t                  edge_id;
    ngx_msec_t                 orphan_sweep;

    /* Redis: IP address or unix socket, never a host name */
    ngx_str_t                  redis_addr;
    ngx_msec_t                 redis_timeout;
    ngx_uint_t                 redis_fail_mode;

    /* API keys (ngx_http_sfu_api_key_t) */
    ngx_array_t               *api_keys;

    /* an sfu_api or an sfu_signaling location exists */
    unsigned                   api:1;
    unsigned                   signaling:1;

    /* join tokens */
    ngx_str_t                  jwt_secret;
    time_t                     token_ttl;
    ngx_http_sfu_hmac_t       *token_key;        /* HMAC-SHA256 of it */

    /* TURN */
    ngx_str_t                  turn_secret;
    ngx_str_t                  turn_realm;
    time_t                     turn_ttl;
    ngx_array_t               *turn_uris;        /* ngx_str_t */
    ngx_array_t               *stun_uris;        /* ngx_str_t */
    ngx_msec_t                 turn_secret_refresh;

    /* rate limits */
    ngx_http_sfu_rate_t        create_rate;
    ngx_http_sfu_rate_t        join_rate;

    /* public URLs handed to clients */
    ngx_str_t                  public_url;       /* https://host:port */
    ngx_str_t                  signaling_path;   /* /ws */

    ngx_uint_t                 password_iterations;
    size_t                     max_body_size;

    /* SFU workers: unix socket paths (ngx_str_t), without "unix:" */
    ngx_array_t               *workers;
    ngx_msec_t                 worker_ping_interval;
    ngx_msec_t                 worker_ping_timeout;
    ngx_msec_t                 worker_timeout;

    ngx_shm_zone_t            *shm_zone;
} ngx_http_sfu_main_conf_t;


typedef enum {
    NGX_HTTP_SFU_HANDLER_NONE = 0,
    NGX_HTTP_SFU_HANDLER_API,
    NGX_HTTP_SFU_HANDLER_HEALTH,
    NGX_HTTP_SFU_HANDLER_METRICS,
    NGX_HTTP_SFU_HANDLER_SIGNALING
} ngx_http_sfu_handler_e;


typedef struct {
    ngx_uint_t                 handler;

    /* signaling WebSockets */
    size_t                     ws_max_message;
    ngx_msec_t                 ws_ping_interval;
    ngx_msec_t                 ws_ping_timeout;
    ngx_msec_t                 ws_join_timeout;
    ngx_http_sfu_bucket_conf_t ws_message_rate;
} ngx_http_sfu_loc_conf_t;


/* Per-request state of every request a sfu_* handler serves. */
typedef struct {
    ngx_str_t                  endpoint;   /* metrics label: "rooms.create" */
    json_t                    *body;       /* parsed request body, or NULL */
    ngx_str_t                  api_key;    /* name of the API key used */
    void                      *data;       /* the handler's own state */
    void                      *api;        /* ngx_http_sfu_api_req_t */
    ngx_int_t                (*next)(ngx_http_request_t *r);
} ngx_http_sfu_ctx_t;


extern ngx_module_t  ngx_http_sfu_module;


#endif /* _NGX_HTTP_SFU_MODULE_H_INCLUDED_ */
