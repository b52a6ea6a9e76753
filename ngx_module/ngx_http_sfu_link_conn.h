
/*
 * The inside of ngx_http_sfu_link: one link's state, shared by its
 * lifecycle (ngx_http_sfu_link.c: connect, keepalive, down, reconnect)
 * and its I/O (ngx_http_sfu_link_io.c: framing, read and write queues).
 */

#ifndef _NGX_HTTP_SFU_LINK_CONN_H_INCLUDED_
#define _NGX_HTTP_SFU_LINK_CONN_H_INCLUDED_


#include "ngx_http_sfu_module.h"
#include "ngx_http_sfu_link.h"
#include "ngx_http_sfu_sendq.h"

#include <sys/un.h>


#define NGX_HTTP_SFU_LINK_HEADER       4
#define NGX_HTTP_SFU_LINK_BUF_SIZE     4096
#define NGX_HTTP_SFU_LINK_MAX_QUEUE    (16 * 1024 * 1024)


typedef enum {
    NGX_HTTP_SFU_LINK_DOWN = 0,
    NGX_HTTP_SFU_LINK_HELLO,        /* connected, waiting for hello */
    NGX_HTTP_SFU_LINK_UP
} ngx_http_sfu_link_state_e;


/* what the error log last said about a link: one line per transition */
typedef enum {
    NGX_HTTP_SFU_LINK_REPORTED_NONE = 0,
    NGX_HTTP_SFU_LINK_REPORTED_UP,
    NGX_HTTP_SFU_LINK_REPORTED_DOWN
} ngx_http_sfu_link_reported_e;


typedef struct {
    ngx_uint_t                 index;
    ngx_str_t                  path;
    struct sockaddr_un         sockaddr;

    ngx_uint_t                 state;
    ngx_uint_t                 reported;
    ngx_err_t                  down_err;    /* the cause last reported */
    u_char                     down_reason[80];
    ngx_connection_t          *connection;
    char                      *failure;     /* why to close, set by send */

    ngx_event_t                ping;        /* keepalive and its deadline */
    ngx_event_t                reconnect;
    ngx_msec_t                 backoff;

    json_int_t                 ping_id;
    ngx_msec_t                 ping_sent;
    ngx_uint_t                 ping_pending;  /* sent, no pong yet */
    ngx_uint_t                 late;        /* a pong overdue, logged */
    ngx_msec_t                 rtt;
    ngx_msec_t                 heard;       /* when bytes last came */

    json_int_t                 worker_pid;  /* in its hello */
    ngx_uint_t                 port_bad;    /* a bad "shared_port", logged */
    ngx_uint_t                 counts_bad;  /* a bad room or cache count,
                                               logged */

    /* bytes read, not yet a frame; the connection's lifetime */
    u_char                    *in;
    size_t                     in_len;
    size_t                     in_size;

    ngx_http_sfu_sendq_t       out;         /* frames queued to write */

    ngx_queue_t                requests;    /* waiting for an answer */
    json_int_t                 request_id;

    ngx_log_t                  log;
} ngx_http_sfu_link_t;


/* ngx_http_sfu_link.c */

/*
 * Closes the link, reports it (once per transition), tells the handler
 * if the link was up, and schedules the next attempt.
 */
void ngx_http_sfu_link_down(ngx_http_sfu_link_t *link, ngx_err_t err,
    const char *reason);

/* one message from the worker; NGX_ERROR: the link went down */
ngx_int_t ngx_http_sfu_link_message(ngx_http_sfu_link_t *link, json_t *msg);


/* the link of that index, or NULL */
ngx_http_sfu_link_t *ngx_http_sfu_link_get(ngx_uint_t i);


/* ngx_http_sfu_link_request.c */

/* NGX_OK: msg answered a pending request, and its requester has it */
ngx_int_t ngx_http_sfu_link_reply(ngx_http_sfu_link_t *link, json_t *msg);

/* the link went down: every pending request hears it (NGX_DECLINED) */
void ngx_http_sfu_link_requests_fail(ngx_http_sfu_link_t *link);


/* ngx_http_sfu_link_io.c */

void ngx_http_sfu_link_read_handler(ngx_event_t *rev);
void ngx_http_sfu_link_write_handler(ngx_event_t *wev);

/*
 * Appends msg as one frame to the write queue; the write handler, posted
 * to run after the current event, sends it.  Never closes the link here,
 * so that callers in the middle of their own work are not re-entered.
 */
ngx_int_t ngx_http_sfu_link_queue(ngx_http_sfu_link_t *link, json_t *msg);


#endif /* _NGX_HTTP_SFU_LINK_CONN_H_INCLUDED_ */
