
/*
 * ngx_http_sfu_link_io: the bytes on a link to an SFU worker.  Frames of
 * a 4-byte big-endian length and one JSON object (sfu/PROTOCOL.md) read
 * into a buffer that grows to the frame being received, and written
 * through a bounded send queue; a worker that lets the queue fill is
 * treated as down.
 */

#include "ngx_http_sfu_link_conn.h"


static ngx_int_t ngx_http_sfu_link_process(ngx_http_sfu_link_t *link);
static size_t ngx_http_sfu_link_frame_size(u_char *p);
static ngx_int_t ngx_http_sfu_link_grow(ngx_http_sfu_link_t *link,
    size_t size);
static void ngx_http_sfu_link_io_failed(ngx_http_sfu_link_t *link,
    ngx_err_t err, const char *what);


void
ngx_http_sfu_link_read_handler(ngx_event_t *rev)
{
    ssize_t                n;
    ngx_connection_t      *c;
    ngx_http_sfu_link_t   *link;

    c = rev->data;
    link = c->data;

    for ( ;; ) {
        n = c->recv(c, link->in + link->in_len, link->in_size - link->in_len);

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0) {
            ngx_http_sfu_link_down(link, 0, "the worker closed the connection");
            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_sfu_link_io_failed(link, ngx_socket_errno,
                                        "read failed");
            return;
        }

        link->in_len += n;
        link->heard = ngx_current_msec;

        if (ngx_http_sfu_link_process(link) != NGX_OK) {
            return;
        }
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_http_sfu_link_down(link, 0, "cannot add the read event");
    }
}


/*
 * Hands every complete frame in link->in to ngx_http_sfu_link_message(),
 * keeps the rest and makes room for the frame being received.  NGX_ERROR
 * means the link went down.
 */

static ngx_int_t
ngx_http_sfu_link_process(ngx_http_sfu_link_t *link)
{
    u_char        *p, *last;
    u_char         reason[80];
    size_t         size;
    json_t        *msg;
    json_error_t   error;

    p = link->in;
    last = link->in + link->in_len;

    while (last - p >= NGX_HTTP_SFU_LINK_HEADER) {
        size = ngx_http_sfu_link_frame_size(p);

        if (size == 0 || size > NGX_HTTP_SFU_LINK_MAX_FRAME) {
            *ngx_snprintf(reason, sizeof(reason) - 1,
                          "protocol error: a frame of %uz bytes", size) = '\0';
            ngx_http_sfu_link_down(link, 0, (char *) reason);
            return NGX_ERROR;
        }

        if ((size_t) (last - p) - NGX_HTTP_SFU_LINK_HEADER < size) {
            break;
        }

        msg = json_loadb((char *) p + NGX_HTTP_SFU_LINK_HEADER, size,
                         JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);

        p += NGX_HTTP_SFU_LINK_HEADER + size;

        if (msg == NULL || !json_is_object(msg)) {
            if (msg == NULL) {
                *ngx_snprintf(reason, sizeof(reason) - 1,
                              "protocol error: invalid JSON at byte %d",
                              error.position) = '\0';

            } else {
                ngx_cpystrn(reason, (u_char *) "protocol error: a frame "
                            "holds JSON that is not an object",
                            sizeof(reason));
                json_decref(msg);
            }

            ngx_http_sfu_link_down(link, 0, (char *) reason);
            return NGX_ERROR;
        }

        if (ngx_http_sfu_link_message(link, msg) != NGX_OK) {
            json_decref(msg);
            return NGX_ERROR;
        }

        json_decref(msg);
    }

    link->in_len = last - p;
    ngx_memmove(link->in, p, link->in_len);

    /* room for the whole frame being received, and at least a header */

    size = NGX_HTTP_SFU_LINK_BUF_SIZE;

    if (link->in_len >= NGX_HTTP_SFU_LINK_HEADER) {
        size = NGX_HTTP_SFU_LINK_HEADER
               + ngx_http_sfu_link_frame_size(link->in);
    }

    if (size > link->in_size && ngx_http_sfu_link_grow(link, size) != NGX_OK) {
        ngx_http_sfu_link_down(link, 0, "out of memory");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the payload length in a frame header */

static size_t
ngx_http_sfu_link_frame_size(u_char *p)
{
    return (size_t) p[0] << 24 | (size_t) p[1] << 16
           | (size_t) p[2] << 8 | (size_t) p[3];
}


void
ngx_http_sfu_link_write_handler(ngx_event_t *wev)
{
    ngx_connection_t      *c;
    ngx_http_sfu_link_t   *link;

    c = wev->data;
    link = c->data;

    if (link->failure) {
        ngx_http_sfu_link_down(link, 0, link->failure);
        return;
    }

    if (ngx_http_sfu_sendq_flush(&link->out, c) == NGX_ERROR) {
        ngx_http_sfu_link_io_failed(link, ngx_socket_errno, "write failed");
        return;
    }

    if (ngx_handle_write_event(wev, 0) != NGX_OK) {
        ngx_http_sfu_link_down(link, 0, "cannot add the write event");
    }
}


ngx_int_t
ngx_http_sfu_link_queue(ngx_http_sfu_link_t *link, json_t *msg)
{
    char       *text;
    size_t      len;
    u_char     *p;
    ngx_int_t   rc;

    text = json_dumps(msg, JSON_COMPACT);
    if (text == NULL) {
        ngx_log_error(NGX_LOG_ALERT, &link->log, 0,
                      "sfu link: json_dumps() failed");
        return NGX_ERROR;
    }

    len = ngx_strlen(text);

    if (len == 0 || len > NGX_HTTP_SFU_LINK_MAX_FRAME) {
        ngx_log_error(NGX_LOG_ERR, &link->log, 0,
                      "sfu link: a message of %uz bytes for \"%V\" exceeds "
                      "the frame limit; not sent", len, &link->path);
        free(text);
        return NGX_ERROR;
    }

    rc = ngx_http_sfu_sendq_reserve(&link->out, NGX_HTTP_SFU_LINK_HEADER + len,
                                    &p, &link->log);

    if (rc != NGX_OK) {
        free(text);
        link->failure = (rc == NGX_DECLINED)
                        ? "the worker stopped reading (write queue full)"
                        : "out of memory";
        ngx_post_event(link->connection->write, &ngx_posted_events);
        return NGX_DECLINED;
    }

    *p++ = (u_char) (len >> 24);
    *p++ = (u_char) (len >> 16);
    *p++ = (u_char) (len >> 8);
    *p++ = (u_char) len;
    ngx_memcpy(p, text, len);

    ngx_http_sfu_sendq_add(&link->out, NGX_HTTP_SFU_LINK_HEADER + len);

    free(text);

    ngx_post_event(link->connection->write, &ngx_posted_events);

    return NGX_OK;
}


/*
 * A worker that exits with bytes of ours unread resets its end of the
 * Unix socket: the read gets ECONNRESET instead of end of file, a write
 * EPIPE.  Either is the worker closing the connection, and is said so.
 */

static void
ngx_http_sfu_link_io_failed(ngx_http_sfu_link_t *link, ngx_err_t err,
    const char *what)
{
    if (err == NGX_ECONNRESET || err == NGX_EPIPE) {
        ngx_http_sfu_link_down(link, 0, "the worker closed the connection");
        return;
    }

    ngx_http_sfu_link_down(link, err, what);
}


/* makes link->in hold at least size bytes, keeping what it holds */

static ngx_int_t
ngx_http_sfu_link_grow(ngx_http_sfu_link_t *link, size_t size)
{
    u_char  *p;

    size = ngx_max(link->in_size * 2, size);

    p = ngx_alloc(size, &link->log);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, link->in, link->in_len);
    ngx_free(link->in);

    link->in = p;
    link->in_size = size;

    return NGX_OK;
}
