
/*
 * The inside of the signaling relay: a session (one client's WebSocket),
 * shared by the client side (ngx_http_sfu_signal.c) and the worker side
 * (ngx_http_sfu_signal_worker.c).
 */

#ifndef _NGX_HTTP_SFU_SIGNAL_SESSION_H_INCLUDED_
#define _NGX_HTTP_SFU_SIGNAL_SESSION_H_INCLUDED_


#include "ngx_http_sfu_signal.h"
#include "ngx_http_sfu_api.h"
#include "ngx_http_sfu_token.h"
#include "ngx_http_sfu_ws.h"


typedef enum {
    NGX_HTTP_SFU_SIGNAL_WAITING = 0,   /* for the join message */
    NGX_HTTP_SFU_SIGNAL_CLAIMING,      /* token good, PostgreSQL asked */
    NGX_HTTP_SFU_SIGNAL_JOINED,        /* relaying */
    NGX_HTTP_SFU_SIGNAL_OVER           /* ended; the WebSocket may linger */
} ngx_http_sfu_signal_state_e;


typedef struct ngx_http_sfu_signal_claim_s  ngx_http_sfu_signal_claim_t;


typedef struct {
    ngx_str_node_t             node;        /* keyed by participant id */
    ngx_queue_t                queue;       /* in its link's list */

    ngx_http_sfu_ws_t         *ws;
    ngx_log_t                 *log;
    ngx_http_sfu_loc_conf_t   *conf;
    ngx_uint_t                 state;

    ngx_http_sfu_token_t       claims;      /* verified at join */
    ngx_uint_t                 link;
    ngx_http_sfu_signal_claim_t  *claim;    /* in flight */
    ngx_event_t                join_timer;

    ngx_uint_t                 tokens;      /* rate: milli-messages */
    ngx_msec_t                 refilled;
    ngx_uint_t                 dropped;     /* messages, in a row */

    unsigned                   claimed:1;   /* the place is ours */
    unsigned                   attached:1;  /* in the map and link list */
} ngx_http_sfu_signal_t;


/* ngx_http_sfu_signal.c */

/*
 * Ends the session, once: out of the map, "disconnect" to the worker if
 * tell_worker and it had joined, the participant marked left for reason.
 * The WebSocket is left to its owner.
 */
void ngx_http_sfu_signal_end(ngx_http_sfu_signal_t *s, const char *reason,
    ngx_uint_t tell_worker);
void ngx_http_sfu_signal_mark_left(ngx_str_t *room, ngx_str_t *participant,
    const char *reason);

/* an "error" message to the client */
void ngx_http_sfu_signal_error(ngx_http_sfu_signal_t *s, const char *code,
    const char *fmt, ...);
/* an "error" message, then the close with close and code as its reason */
void ngx_http_sfu_signal_refuse(ngx_http_sfu_signal_t *s, ngx_uint_t close,
    const char *code, const char *fmt, ...);
void ngx_http_sfu_signal_send(ngx_http_sfu_signal_t *s, json_t *msg);


/* ngx_http_sfu_signal_worker.c */

ngx_http_sfu_signal_t *ngx_http_sfu_signal_find(ngx_str_t *participant);
void ngx_http_sfu_signal_attach(ngx_http_sfu_signal_t *s);
void ngx_http_sfu_signal_detach(ngx_http_sfu_signal_t *s);


#endif /* _NGX_HTTP_SFU_SIGNAL_SESSION_H_INCLUDED_ */
