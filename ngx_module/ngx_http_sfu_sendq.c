
/*
 * Bounded send queues, see ngx_http_sfu_sendq.h.
 */

#include "ngx_http_sfu_sendq.h"


#define NGX_HTTP_SFU_SENDQ_MIN   4096
#define NGX_HTTP_SFU_SENDQ_KEEP  65536   /* kept for the next burst */


ngx_int_t
ngx_http_sfu_sendq_reserve(ngx_http_sfu_sendq_t *q, size_t n, u_char **p,
    ngx_log_t *log)
{
    size_t   queued, size;
    u_char  *buf;

    queued = q->len - q->pos;

    if (n > q->max - queued) {
        return NGX_DECLINED;
    }

    if (q->size - q->len < n && q->pos) {
        ngx_memmove(q->buf, q->buf + q->pos, queued);
        q->pos = 0;
        q->len = queued;
    }

    if (q->size - q->len < n) {
        size = ngx_max(q->size * 2, q->len + n);
        size = ngx_max(size, NGX_HTTP_SFU_SENDQ_MIN);

        buf = ngx_alloc(size, log);
        if (buf == NULL) {
            return NGX_ERROR;
        }

        if (q->len) {
            ngx_memcpy(buf, q->buf, q->len);
        }

        ngx_free(q->buf);
        q->buf = buf;
        q->size = size;
    }

    *p = q->buf + q->len;

    return NGX_OK;
}


ngx_int_t
ngx_http_sfu_sendq_flush(ngx_http_sfu_sendq_t *q, ngx_connection_t *c)
{
    ssize_t  n;

    while (q->pos < q->len) {

        if (!c->write->ready) {
            return NGX_AGAIN;
        }

        n = c->send(c, q->buf + q->pos, q->len - q->pos);

        if (n == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (n == NGX_AGAIN) {
            return NGX_AGAIN;
        }

        q->pos += n;
    }

    q->pos = 0;
    q->len = 0;

    if (q->size > NGX_HTTP_SFU_SENDQ_KEEP) {
        ngx_http_sfu_sendq_free(q);
    }

    return NGX_OK;
}


void
ngx_http_sfu_sendq_free(ngx_http_sfu_sendq_t *q)
{
    if (q->buf) {
        ngx_free(q->buf);
    }

    q->buf = NULL;
    q->pos = 0;
    q->len = 0;
    q->size = 0;
}
