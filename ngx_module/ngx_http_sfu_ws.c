
/*
 * WebSocket connections on the held request.
 *
 * The content handler answers the handshake with 101
 * (ngx_http_sfu_ws_handshake.c), raises the main
 * request's count so that nginx does not finalize it, and takes over its
 * read and write event handlers.  Bytes the client sent right after its
 * headers (still in r->header_in) are the first frame bytes.  Frames are
 * read with c->recv and written with c->send once nginx's own output
 * (the 101) has gone, so TLS works unchanged.
 *
 * Nothing here frees the request in the middle of its work: the public
 * calls only queue and post the write event, and every event handler ends
 * in ngx_http_sfu_ws_settle(), the one place that finalizes.  One timer
 * serves the keepalive ping, the pong deadline and then the closing
 * handshake's deadline.  It is not cancelable, so a worker process that
 * is shutting down keeps its WebSockets until worker_shutdown_timeout;
 * then nginx ends each request, and the cleanup sends 1001.
 */

#include "ngx_http_sfu_ws.h"
#include "ngx_http_sfu_json.h"
#include "ngx_http_sfu_metrics.h"
#include "ngx_http_sfu_sendq.h"


#define NGX_HTTP_SFU_WS_READ_SIZE      4096
#define NGX_HTTP_SFU_WS_MAX_QUEUE      (2 * 1024 * 1024)
#define NGX_HTTP_SFU_WS_CLOSE_TIMEOUT  2000
#define NGX_HTTP_SFU_WS_ABNORMAL       1006   /* ended without a close */


struct ngx_http_sfu_ws_s {
    ngx_http_request_t               *request;
    const ngx_http_sfu_ws_handler_t  *handler;
    void                             *data;

    ngx_http_sfu_ws_parser_t          parser;
    ngx_buf_t                        *in;
    ngx_http_sfu_sendq_t              out;

    ngx_event_t                       timer;
    ngx_msec_t                        ping_interval;
    ngx_msec_t                        ping_timeout;

    ngx_uint_t                        code;     /* close code sent/received */

    unsigned                          paused:1;
    unsigned                          awaiting_pong:1;
    unsigned                          close_sent:1;
    unsigned                          close_received:1;
    unsigned                          failed:1;   /* not waiting for the
                                                     client's close */
    unsigned                          broken:1;   /* nothing more can be
                                                     sent: just close */
    unsigned                          ended:1;
};


static ngx_http_sfu_ws_t *ngx_http_sfu_ws_get(ngx_http_request_t *r);
static void ngx_http_sfu_ws_read_handler(ngx_http_request_t *r);
static void ngx_http_sfu_ws_write_handler(ngx_http_request_t *r);
static void ngx_http_sfu_ws_timer_handler(ngx_event_t *ev);
static void ngx_http_sfu_ws_read(ngx_http_sfu_ws_t *ws);
static ngx_int_t ngx_http_sfu_ws_consume(ngx_http_sfu_ws_t *ws,
    ngx_buf_t *b);
static void ngx_http_sfu_ws_on_frame(ngx_http_sfu_ws_t *ws,
    ngx_http_sfu_ws_result_e rc, ngx_http_sfu_ws_event_t *ev);
static void ngx_http_sfu_ws_write(ngx_http_sfu_ws_t *ws);
static ngx_int_t ngx_http_sfu_ws_queue(ngx_http_sfu_ws_t *ws,
    unsigned opcode, const u_char *data, size_t len);
static void ngx_http_sfu_ws_fail(ngx_http_sfu_ws_t *ws, ngx_uint_t code,
    const char *reason);
static void ngx_http_sfu_ws_settle(ngx_http_sfu_ws_t *ws);
static void ngx_http_sfu_ws_end(ngx_http_sfu_ws_t *ws);
static void ngx_http_sfu_ws_cleanup(void *data);


ngx_int_t
ngx_http_sfu_ws_accept(ngx_http_request_t *r,
    const ngx_http_sfu_ws_handler_t *handler, void *data)
{
    ngx_int_t                  rc;
    ngx_str_t                  key;
    const char                *code, *message;
    ngx_connection_t          *c;
    ngx_http_sfu_ws_t         *ws;
    ngx_http_cleanup_t        *cln;
    ngx_http_sfu_ctx_t        *ctx;
    ngx_http_sfu_loc_conf_t   *slcf;
    ngx_http_core_loc_conf_t  *clcf;

    ngx_str_null(&key);

    rc = ngx_http_sfu_ws_handshake(r, &key, &code, &message);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != 0) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_sfu_send_error(r, rc, code, "%s", message);
    }

    c = r->connection;
    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sfu_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    ctx = ngx_http_sfu_get_ctx(r);
    ws = ngx_pcalloc(r->pool, sizeof(ngx_http_sfu_ws_t));
    cln = ngx_http_cleanup_add(r, 0);

    if (ctx == NULL || ws == NULL || cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ws->in = ngx_create_temp_buf(r->pool, NGX_HTTP_SFU_WS_READ_SIZE);
    if (ws->in == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ws->request = r;
    ws->handler = handler;
    ws->data = data;
    ws->ping_interval = slcf->ws_ping_interval;
    ws->ping_timeout = slcf->ws_ping_timeout;
    ws->out.max = NGX_HTTP_SFU_WS_MAX_QUEUE;

    ngx_http_sfu_ws_parser_init(&ws->parser, slcf->ws_max_message, 0);

    rc = ngx_http_sfu_ws_answer(r, &key);
    if (rc != NGX_OK) {
        return rc;
    }

    /* from here on the connection is ours */

    ctx->data = ws;
    cln->handler = ngx_http_sfu_ws_cleanup;
    cln->data = ws;

    r->main->count++;
    r->read_event_handler = ngx_http_sfu_ws_read_handler;
    r->write_event_handler = ngx_http_sfu_ws_write_handler;
    c->log->action = "signaling";

    if (clcf->tcp_nodelay && ngx_tcp_nodelay(c) != NGX_OK) {
        ws->broken = 1;
    }

    ws->timer.handler = ngx_http_sfu_ws_timer_handler;
    ws->timer.data = ws;
    ws->timer.log = c->log;
    ngx_add_timer(&ws->timer, ws->ping_interval);

    ngx_http_sfu_metrics_add(NGX_HTTP_SFU_METRIC_SIGNALING_CONNECTIONS, 1);

    handler->open(ws, data);

    /* what came with the headers, and what has come since */
    ngx_post_event(c->read, &ngx_posted_events);

    return NGX_DONE;
}


ngx_int_t
ngx_http_sfu_ws_send(ngx_http_sfu_ws_t *ws, u_char *data, size_t len)
{
    return ngx_http_sfu_ws_queue(ws, NGX_HTTP_SFU_WS_OP_TEXT, data, len);
}


void
ngx_http_sfu_ws_close(ngx_http_sfu_ws_t *ws, ngx_uint_t code,
    const char *reason)
{
    size_t  n;
    u_char  payload[NGX_HTTP_SFU_WS_MAX_CONTROL];

    if (ws->close_sent || ws->broken || ws->ended) {
        return;
    }

    n = ngx_http_sfu_ws_close_payload(payload, code, reason,
                                      ngx_strlen(reason));

    ws->code = code;

    if (ngx_http_sfu_ws_queue(ws, NGX_HTTP_SFU_WS_OP_CLOSE, payload, n)
        != NGX_OK)
    {
        return;
    }

    ws->awaiting_pong = 0;
    ngx_add_timer(&ws->timer, NGX_HTTP_SFU_WS_CLOSE_TIMEOUT);

    /* the client's close is to be read, whatever waited before it */
    ngx_http_sfu_ws_resume(ws);
}


void
ngx_http_sfu_ws_pause(ngx_http_sfu_ws_t *ws)
{
    ws->paused = 1;
}


void
ngx_http_sfu_ws_resume(ngx_http_sfu_ws_t *ws)
{
    if (!ws->paused) {
        return;
    }

    ws->paused = 0;

    if (!ws->ended) {
        ngx_post_event(ws->request->connection->read, &ngx_posted_events);
    }
}


ngx_http_request_t *
ngx_http_sfu_ws_request(ngx_http_sfu_ws_t *ws)
{
    return ws->request;
}


void *
ngx_http_sfu_ws_data(ngx_http_sfu_ws_t *ws)
{
    return ws->data;
}


static ngx_http_sfu_ws_t *
ngx_http_sfu_ws_get(ngx_http_request_t *r)
{
    ngx_http_sfu_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    return ctx->data;
}


static void
ngx_http_sfu_ws_read_handler(ngx_http_request_t *r)
{
    ngx_http_sfu_ws_t  *ws;

    ws = ngx_http_sfu_ws_get(r);

    if (ws->ended) {
        return;
    }

    ngx_http_sfu_ws_read(ws);
    ngx_http_sfu_ws_settle(ws);
}


static void
ngx_http_sfu_ws_write_handler(ngx_http_request_t *r)
{
    ngx_http_sfu_ws_t  *ws;

    ws = ngx_http_sfu_ws_get(r);

    if (ws->ended) {
        return;
    }

    ngx_http_sfu_ws_write(ws);
    ngx_http_sfu_ws_settle(ws);
}


static void
ngx_http_sfu_ws_timer_handler(ngx_event_t *ev)
{
    ngx_http_sfu_ws_t  *ws = ev->data;

    ngx_connection_t  *c;

    c = ws->request->connection;

    if (ws->close_sent) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                       "sfu ws: no close from the client in time");

        /* the close frame itself may not have gone */
        ws->failed = 1;
        ws->broken = (ngx_http_sfu_sendq_queued(&ws->out) != 0);

    } else if (ws->awaiting_pong) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "sfu: signaling client sent nothing within %M ms of "
                      "a ping; closing", ws->ping_timeout);

        ngx_http_sfu_ws_fail(ws, NGX_HTTP_SFU_WS_GOING_AWAY, "ping timeout");

    } else if (ngx_http_sfu_ws_queue(ws, NGX_HTTP_SFU_WS_OP_PING, NULL, 0)
               == NGX_OK)
    {
        ws->awaiting_pong = 1;
        ngx_add_timer(&ws->timer, ws->ping_timeout);
    }

    ngx_http_sfu_ws_settle(ws);
}


static void
ngx_http_sfu_ws_read(ngx_http_sfu_ws_t *ws)
{
    ssize_t              n;
    ngx_buf_t           *b;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ws->request;
    c = r->connection;
    b = ws->in;

    if (ngx_http_sfu_ws_consume(ws, r->header_in) != NGX_OK
        || ngx_http_sfu_ws_consume(ws, b) != NGX_OK)
    {
        return;
    }

    for ( ;; ) {
        if (ws->paused || ws->close_received || ws->failed || ws->broken) {
            return;
        }

        n = c->recv(c, b->start, b->end - b->start);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
                ws->broken = 1;
            }

            return;
        }

        if (n == 0 || n == NGX_ERROR) {
            if (!ws->close_sent) {
                ngx_log_error(NGX_LOG_INFO, c->log, 0,
                              "sfu: signaling client closed the connection "
                              "without a close frame");
                ws->code = NGX_HTTP_SFU_WS_ABNORMAL;
            }

            ws->broken = 1;
            return;
        }

        b->pos = b->start;
        b->last = b->start + n;

        if (ngx_http_sfu_ws_consume(ws, b) != NGX_OK) {
            return;
        }
    }
}


/*
 * Parses what b holds, event by event.  NGX_DONE: stopped before its end
 * (paused or closing); the rest stays in b.
 */

static ngx_int_t
ngx_http_sfu_ws_consume(ngx_http_sfu_ws_t *ws, ngx_buf_t *b)
{
    size_t                     used;
    ngx_http_sfu_ws_event_t    ev;
    ngx_http_sfu_ws_result_e   rc;

    while (b->pos < b->last) {

        if (ws->paused || ws->close_received || ws->failed || ws->broken) {
            return NGX_DONE;
        }

        rc = ngx_http_sfu_ws_parse(&ws->parser, b->pos, b->last - b->pos,
                                   &used, &ev);
        b->pos += used;

        if (rc != NGX_HTTP_SFU_WS_AGAIN) {
            ngx_http_sfu_ws_on_frame(ws, rc, &ev);
        }
    }

    return NGX_OK;
}


static void
ngx_http_sfu_ws_on_frame(ngx_http_sfu_ws_t *ws, ngx_http_sfu_ws_result_e rc,
    ngx_http_sfu_ws_event_t *ev)
{
    size_t             n;
    u_char             payload[NGX_HTTP_SFU_WS_MAX_CONTROL];
    ngx_connection_t  *c;

    c = ws->request->connection;

    /* any frame shows the client is there */

    if (ws->awaiting_pong && !ws->close_sent) {
        ws->awaiting_pong = 0;
        ngx_add_timer(&ws->timer, ws->ping_interval);
    }

    switch (rc) {

    case NGX_HTTP_SFU_WS_TEXT:
        if (!ws->close_sent) {
            ws->handler->message(ws, (u_char *) ev->data, ev->len);
        }

        return;

    case NGX_HTTP_SFU_WS_PING:
        (void) ngx_http_sfu_ws_queue(ws, NGX_HTTP_SFU_WS_OP_PONG, ev->data,
                                     ev->len);
        return;

    case NGX_HTTP_SFU_WS_CLOSE:
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, c->log, 0,
                       "sfu ws: close %ui from the client", ev->code);

        ws->close_received = 1;

        if (!ws->close_sent) {
            /* echo the code, as RFC 6455 section 5.5.1 suggests */
            ws->code = ev->code;
            n = ngx_http_sfu_ws_close_payload(payload, ev->code, "", 0);
            (void) ngx_http_sfu_ws_queue(ws, NGX_HTTP_SFU_WS_OP_CLOSE,
                                         payload, n);
        }

        return;

    case NGX_HTTP_SFU_WS_ERROR:
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "sfu: signaling client broke the WebSocket protocol: "
                      "%s; closing with %ui", ev->reason, ev->code);

        ngx_http_sfu_ws_fail(ws, ev->code, ev->reason);
        return;

    default:
        /* pong: proof of life is all it brings; binary is refused */
        return;
    }
}


static void
ngx_http_sfu_ws_write(ngx_http_sfu_ws_t *ws)
{
    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ws->request;
    c = r->connection;

    if (ws->broken) {
        return;
    }

    /* the 101 (nginx's output, TLS buffer included) goes first */

    if (r->out || c->buffered) {
        if (ngx_http_output_filter(r, NULL) == NGX_ERROR) {
            ws->broken = 1;
            return;
        }

        if (r->out || c->buffered) {
            if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
                ws->broken = 1;
            }

            return;
        }
    }

    rc = ngx_http_sfu_sendq_flush(&ws->out, c);

    if (rc == NGX_ERROR) {
        ws->broken = 1;
        return;
    }

    if (rc == NGX_AGAIN && ngx_handle_write_event(c->write, 0) != NGX_OK) {
        ws->broken = 1;
    }
}


static ngx_int_t
ngx_http_sfu_ws_queue(ngx_http_sfu_ws_t *ws, unsigned opcode,
    const u_char *data, size_t len)
{
    size_t             n;
    u_char            *p;
    ngx_int_t          rc;
    ngx_connection_t  *c;

    if (ws->close_sent || ws->broken || ws->ended) {
        return NGX_DECLINED;
    }

    c = ws->request->connection;

    rc = ngx_http_sfu_sendq_reserve(&ws->out,
                                    NGX_HTTP_SFU_WS_SERVER_HEADER + len, &p,
                                    c->log);
    if (rc != NGX_OK) {
        if (rc == NGX_DECLINED) {
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "sfu: signaling client is not reading, %uz bytes "
                          "wait for it; closing",
                          ngx_http_sfu_sendq_queued(&ws->out));
        }

        ws->broken = 1;
        ws->code = NGX_HTTP_SFU_WS_ABNORMAL;
        ngx_post_event(c->write, &ngx_posted_events);

        return NGX_DECLINED;
    }

    n = ngx_http_sfu_ws_frame_header(p, opcode, len);

    if (len) {
        ngx_memcpy(p + n, data, len);
    }

    ngx_http_sfu_sendq_add(&ws->out, n + len);

    if (opcode == NGX_HTTP_SFU_WS_OP_CLOSE) {
        ws->close_sent = 1;
    }

    ngx_post_event(c->write, &ngx_posted_events);

    return NGX_OK;
}


/* closes without waiting for the client's close */

static void
ngx_http_sfu_ws_fail(ngx_http_sfu_ws_t *ws, ngx_uint_t code,
    const char *reason)
{
    ws->failed = 1;
    ngx_http_sfu_ws_close(ws, code, reason);
}


/*
 * The end of every event handler: finalizes the request once the
 * connection is broken, or once the close frames are through and what
 * was queued has gone.
 */

static void
ngx_http_sfu_ws_settle(ngx_http_sfu_ws_t *ws)
{
    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ws->request;
    c = r->connection;

    if (ws->broken) {
        rc = NGX_ERROR;

    } else if (ws->close_sent && (ws->close_received || ws->failed)
               && ngx_http_sfu_sendq_queued(&ws->out) == 0
               && r->out == NULL && !c->buffered)
    {
        /* the client's unread bytes must not reset our close frame away */
        r->lingering_close = !ws->close_received;
        rc = NGX_DONE;

    } else {
        return;
    }

    ngx_http_sfu_ws_end(ws);
    ngx_http_sfu_finalize(r, rc);
}


/* what is owned here goes, and the handler hears the end: once */

static void
ngx_http_sfu_ws_end(ngx_http_sfu_ws_t *ws)
{
    if (ws->ended) {
        return;
    }

    ws->ended = 1;

    if (ws->timer.timer_set) {
        ngx_del_timer(&ws->timer);
    }

    ngx_http_sfu_ws_parser_free(&ws->parser);
    ngx_http_sfu_sendq_free(&ws->out);

    ngx_http_sfu_metrics_add(NGX_HTTP_SFU_METRIC_SIGNALING_CONNECTIONS, -1);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ws->request->connection->log, 0,
                   "sfu ws: closed, code %ui", ws->code);

    ws->handler->closed(ws, ws->code ? ws->code : NGX_HTTP_SFU_WS_ABNORMAL);
}


/*
 * nginx ends the request itself: a worker shutting down at
 * worker_shutdown_timeout, or an error of its own.  One try to say so.
 */

static void
ngx_http_sfu_ws_cleanup(void *data)
{
    ngx_http_sfu_ws_t  *ws = data;

    if (ws->ended) {
        return;
    }

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        ngx_http_sfu_ws_close(ws, NGX_HTTP_SFU_WS_GOING_AWAY,
                              "server shutting down");

    } else {
        ngx_http_sfu_ws_close(ws, NGX_HTTP_SFU_WS_INTERNAL, "server error");
    }

    ngx_http_sfu_ws_write(ws);
    ngx_http_sfu_ws_end(ws);
}
