
/*
 * A bounded queue of bytes waiting for a connection to take them: what
 * the SFU-worker links and the WebSocket connections write.  One buffer
 * on the heap (never a pool: a connection lives long and writes much),
 * reused once sent, given back when a burst has drained.
 */

#ifndef _NGX_HTTP_SFU_SENDQ_H_INCLUDED_
#define _NGX_HTTP_SFU_SENDQ_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>


typedef struct {
    u_char                    *buf;
    size_t                     pos;       /* the first byte not sent */
    size_t                     len;       /* the end of the queued bytes */
    size_t                     size;
    size_t                     max;       /* bytes that may wait */
} ngx_http_sfu_sendq_t;


/*
 * *p: room for n more bytes; write them, then ngx_http_sfu_sendq_add().
 * NGX_DECLINED: more than q->max would wait.  NGX_ERROR: out of memory.
 */
ngx_int_t ngx_http_sfu_sendq_reserve(ngx_http_sfu_sendq_t *q, size_t n,
    u_char **p, ngx_log_t *log);

#define ngx_http_sfu_sendq_add(q, n)     (q)->len += (n)
#define ngx_http_sfu_sendq_queued(q)     ((q)->len - (q)->pos)

/*
 * Writes what waits with c->send.  NGX_OK: all of it went; NGX_AGAIN:
 * wait for the write event; NGX_ERROR: the connection failed.
 */
ngx_int_t ngx_http_sfu_sendq_flush(ngx_http_sfu_sendq_t *q,
    ngx_connection_t *c);

void ngx_http_sfu_sendq_free(ngx_http_sfu_sendq_t *q);


#endif /* _NGX_HTTP_SFU_SENDQ_H_INCLUDED_ */
