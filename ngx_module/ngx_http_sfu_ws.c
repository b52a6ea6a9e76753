
/*
 * WebSocket connections on the held request.
 *
 * The content handler answers the handshake with 101, raises the main
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

#include <ngx_sha1.h>


#define NGX_HTTP_SFU_WS_GUID           "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define NGX_HTTP_SFU_WS_READ_SIZE      4096
#define NGX_HTTP_SFU_WS_MAX_QUEUE      (2 * 1024 * 1024)
#define NGX_HTTP_SFU_WS_CLOSE_TIMEOUT  2000
#define NGX_HTTP_SFU_WS_ABNORMAL       1006   /* ended without a close */
#define NGX_HTTP_SFU_UPGRADE_REQUIRED  426


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


static ngx_int_t ngx_http_sfu_ws_handshake(ngx_http_request_t *r,
    ngx_str_t *key, const char **code, const char **message);
static ngx_uint_t ngx_http_sfu_ws_key_valid(ngx_str_t *key);
static ngx_table_elt_t *ngx_http_sfu_ws_find_header(ngx_http_request_t *r,
    const char *name);
static ngx_uint_t ngx_http_sfu_ws_has_token(ngx_http_request_t *r,
    const char *name, const char *token);
static ngx_int_t ngx_http_sfu_ws_add_header(ngx_http_request_t *r,
    const char *key, ngx_str_t *value);
static ngx_int_t ngx_http_sfu_ws_answer(ngx_http_request_t *r,
    ngx_str_t *key);
static ngx_http_sfu_ws_t *ngx_http_sfu_ws_get(ngx_http_request_t *r);
static void ngx_http_sfu_ws_read_handler(ngx_http_request_t *r);
static void ngx_http_sfu_ws_write_handler(ngx_http_request_t *r);
static void ngx_http_sfu_ws_timer_handler(ngx_event_t *ev);
static void ngx_http_sfu_ws_read(ngx_http_sfu_ws_t *ws);
static ngx_int_t ngx_http_sfu_ws_consume(ngx_http_sfu_ws_t *ws,
    ngx_buf_t *b);
static void ngx_http_sfu_ws_frame(ngx_http_sfu_ws_t *ws,
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


/*
 * 0 for a good handshake, its key in *key; else the status to answer,
 * with the error code and message (headers the answer needs are added
 * here), or NGX_ERROR.
 */

static ngx_int_t
ngx_http_sfu_ws_handshake(ngx_http_request_t *r, ngx_str_t *key,
    const char **code, const char **message)
{
    ngx_str_t         value;
    ngx_table_elt_t  *h;

    *code = "bad-handshake";

    if (r->method != NGX_HTTP_GET) {
        ngx_str_set(&value, "GET");

        *code = "method-not-allowed";
        *message = "a WebSocket handshake is a GET";

        return ngx_http_sfu_ws_add_header(r, "Allow", &value) == NGX_OK
               ? NGX_HTTP_NOT_ALLOWED : NGX_ERROR;
    }

    if (r != r->main || r->http_version != NGX_HTTP_VERSION_11) {
        *message = (r->http_version >= NGX_HTTP_VERSION_20)
                   ? "WebSocket over HTTP/2 (RFC 8441) is not supported: "
                     "connect with HTTP/1.1"
                   : "a WebSocket handshake needs HTTP/1.1";
        return NGX_HTTP_BAD_REQUEST;
    }

    if (!ngx_http_sfu_ws_has_token(r, "Upgrade", "websocket")) {
        ngx_str_set(&value, "websocket");
        ngx_str_set(&r->headers_out.status_line, "426 Upgrade Required");

        *code = "upgrade-required";
        *message = "this is a WebSocket endpoint: send "
                   "\"Upgrade: websocket\"";

        return ngx_http_sfu_ws_add_header(r, "Upgrade", &value) == NGX_OK
               ? NGX_HTTP_SFU_UPGRADE_REQUIRED : NGX_ERROR;
    }

    if (!ngx_http_sfu_ws_has_token(r, "Connection", "upgrade")) {
        *message = "\"Connection\" must name \"upgrade\"";
        return NGX_HTTP_BAD_REQUEST;
    }

    h = ngx_http_sfu_ws_find_header(r, "Sec-WebSocket-Version");

    if (h == NULL || h->value.len != 2
        || ngx_strncmp(h->value.data, "13", 2) != 0)
    {
        ngx_str_set(&value, "13");
        ngx_str_set(&r->headers_out.status_line, "426 Upgrade Required");

        *code = "unsupported-version";
        *message = "only WebSocket version 13 is supported";

        return ngx_http_sfu_ws_add_header(r, "Sec-WebSocket-Version", &value)
               == NGX_OK ? NGX_HTTP_SFU_UPGRADE_REQUIRED : NGX_ERROR;
    }

    h = ngx_http_sfu_ws_find_header(r, "Sec-WebSocket-Key");

    if (h == NULL || !ngx_http_sfu_ws_key_valid(&h->value)) {
        *message = "\"Sec-WebSocket-Key\" must be 16 bytes in base64";
        return NGX_HTTP_BAD_REQUEST;
    }

    if (r->headers_in.content_length_n > 0 || r->headers_in.chunked) {
        *message = "a WebSocket handshake has no body";
        return NGX_HTTP_BAD_REQUEST;
    }

    *key = h->value;

    return 0;
}


/* 16 bytes in base64: 22 characters and "==" */

static ngx_uint_t
ngx_http_sfu_ws_key_valid(ngx_str_t *key)
{
    u_char      ch;
    ngx_uint_t  i;

    if (key->len != 24 || key->data[22] != '=' || key->data[23] != '=') {
        return 0;
    }

    for (i = 0; i < 22; i++) {
        ch = key->data[i];

        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
              || (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
        {
            return 0;
        }
    }

    return 1;
}


static ngx_table_elt_t *
ngx_http_sfu_ws_find_header(ngx_http_request_t *r, const char *name)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/* whether a comma-separated header (any of its lines) holds token */

static ngx_uint_t
ngx_http_sfu_ws_has_token(ngx_http_request_t *r, const char *name,
    const char *token)
{
    u_char           *p, *last, *start, *end;
    size_t            len, tlen;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);
    tlen = ngx_strlen(token);
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return 0;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != len
            || ngx_strncasecmp(h[i].key.data, (u_char *) name, len) != 0)
        {
            continue;
        }

        p = h[i].value.data;
        last = p + h[i].value.len;

        while (p < last) {
            while (p < last && (*p == ' ' || *p == '\t' || *p == ',')) {
                p++;
            }

            start = p;

            while (p < last && *p != ',') {
                p++;
            }

            end = p;

            while (end > start && (end[-1] == ' ' || end[-1] == '\t')) {
                end--;
            }

            if ((size_t) (end - start) == tlen
                && ngx_strncasecmp(start, (u_char *) token, tlen) == 0)
            {
                return 1;
            }
        }
    }
}


static ngx_int_t
ngx_http_sfu_ws_add_header(ngx_http_request_t *r, const char *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value = *value;

    return NGX_OK;
}


/* 101 with Sec-WebSocket-Accept: base64(SHA-1(key GUID)) */

static ngx_int_t
ngx_http_sfu_ws_answer(ngx_http_request_t *r, ngx_str_t *key)
{
    ngx_int_t    rc;
    ngx_str_t    value, digest;
    ngx_sha1_t   sha1;
    u_char       md[20];

    ngx_sha1_init(&sha1);
    ngx_sha1_update(&sha1, key->data, key->len);
    ngx_sha1_update(&sha1, NGX_HTTP_SFU_WS_GUID,
                    sizeof(NGX_HTTP_SFU_WS_GUID) - 1);
    ngx_sha1_final(md, &sha1);

    digest.data = md;
    digest.len = sizeof(md);

    value.data = ngx_pnalloc(r->pool, ngx_base64_encoded_length(sizeof(md)));
    if (value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_encode_base64(&value, &digest);

    if (ngx_http_sfu_ws_add_header(r, "Sec-WebSocket-Accept", &value)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&value, "websocket");

    if (ngx_http_sfu_ws_add_header(r, "Upgrade", &value) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the header filter adds "Connection: upgrade" to a 101 */

    r->headers_out.status = NGX_HTTP_SWITCHING_PROTOCOLS;
    ngx_str_set(&r->headers_out.status_line, "101 Switching Protocols");
    r->keepalive = 0;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK) {
        return rc;
    }

    if (ngx_http_send_special(r, NGX_HTTP_FLUSH) == NGX_ERROR) {
        return NGX_ERROR;
    }

    return NGX_OK;
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
            ngx_http_sfu_ws_frame(ws, rc, &ev);
        }
    }

    return NGX_OK;
}


static void
ngx_http_sfu_ws_frame(ngx_http_sfu_ws_t *ws, ngx_http_sfu_ws_result_e rc,
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
