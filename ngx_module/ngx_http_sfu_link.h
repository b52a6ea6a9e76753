
/*
 * ngx_http_sfu_link: each nginx worker process's connections to the SFU
 * workers (sfu/PROTOCOL.md): framing, ping/pong keepalive, reconnection
 * with backoff, and the consistent hash that places rooms on workers.
 */

#ifndef _NGX_HTTP_SFU_LINK_H_INCLUDED_
#define _NGX_HTTP_SFU_LINK_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>


#define NGX_HTTP_SFU_LINK_MAX_FRAME  (1024 * 1024)

/* "sfu_worker" directives at most (the metrics zone has a slot each) */
#define NGX_HTTP_SFU_LINKS_MAX       64


/*
 * Receives every message from worker "link" except pong, hello included;
 * msg is borrowed (released after the call).  msg == NULL: the link went
 * down, and with it whatever that worker held for this process's clients.
 */
typedef void (*ngx_http_sfu_link_handler_pt)(ngx_uint_t link, json_t *msg,
    void *data);


/* the "sfu_worker unix:/path;" directive */
char *ngx_http_sfu_link_conf_worker(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* builds the room ring over the worker paths (ngx_http_sfu_link_ring.c) */
ngx_int_t ngx_http_sfu_link_ring_init(ngx_cycle_t *cycle,
    ngx_array_t *workers);

/* connects to every configured worker; from the module's init_process */
ngx_int_t ngx_http_sfu_link_init_process(ngx_cycle_t *cycle);
void ngx_http_sfu_link_exit_process(ngx_cycle_t *cycle);

ngx_uint_t ngx_http_sfu_link_count(void);

/*
 * *path: the worker's socket path; *rtt: the last ping round trip.
 * NGX_OK if the link is up, NGX_DECLINED if down, NGX_ERROR if no such link.
 */
ngx_int_t ngx_http_sfu_link_status(ngx_uint_t i, ngx_str_t *path,
    ngx_msec_t *rtt);

/*
 * The link that owns room_id: the same in every nginx worker process, and
 * adding a worker moves about 1/N of the rooms.  NGX_ERROR (as ngx_uint_t)
 * when no worker is configured.
 */
ngx_uint_t ngx_http_sfu_link_for_room(ngx_str_t *room_id);

/*
 * Queues msg (not consumed) as one frame to worker i.  NGX_OK queued,
 * NGX_DECLINED the link is down, NGX_ERROR msg cannot be sent (too big).
 */
ngx_int_t ngx_http_sfu_link_send(ngx_uint_t i, json_t *msg);

void ngx_http_sfu_link_set_handler(ngx_http_sfu_link_handler_pt h,
    void *data);


typedef struct ngx_http_sfu_link_request_s  ngx_http_sfu_link_request_t;

/*
 * The answer to a request: rc NGX_OK with reply (borrowed: the worker's
 * message echoing the request's id, which may be an "error"), NGX_AGAIN
 * when none came in time, NGX_DECLINED when the link went down first.
 */
typedef void (*ngx_http_sfu_link_reply_pt)(void *data, ngx_int_t rc,
    json_t *reply);

/*
 * Sends msg (given an "id"; not consumed) to worker i and waits up to
 * timeout for the answer, which goes to handler.  The request lives in
 * pool; destroying the pool forgets it (handler not called).  NGX_OK
 * sent; NGX_DECLINED the link is down; NGX_ERROR msg cannot be sent.
 */
ngx_int_t ngx_http_sfu_link_request(ngx_uint_t i, json_t *msg,
    ngx_msec_t timeout, ngx_pool_t *pool, ngx_http_sfu_link_reply_pt handler,
    void *data);


#endif /* _NGX_HTTP_SFU_LINK_H_INCLUDED_ */
