
/*
 * WebSocket (RFC 6455) connections on the held HTTP/1.1 request: the
 * opening handshake, then the connection taken over (its read and write
 * handlers, c->recv and c->send, so TLS comes for free), keepalive pings,
 * the closing handshake, and a bounded send queue.  Text messages go to
 * a handler; what they mean is the handler's business.
 */

#ifndef _NGX_HTTP_SFU_WS_H_INCLUDED_
#define _NGX_HTTP_SFU_WS_H_INCLUDED_


#include "ngx_http_sfu_module.h"
#include "ngx_http_sfu_ws_frame.h"


typedef struct ngx_http_sfu_ws_s  ngx_http_sfu_ws_t;


typedef struct {
    /* the 101 went out; data is what ngx_http_sfu_ws_accept() was given */
    void  (*open)(ngx_http_sfu_ws_t *ws, void *data);

    /* a whole text message, valid UTF-8; data lives during the call */
    void  (*message)(ngx_http_sfu_ws_t *ws, u_char *data, size_t len);

    /*
     * The connection is over, whichever way: the last call.  code is the
     * close code sent or received (1006 when the connection just broke).
     */
    void  (*closed)(ngx_http_sfu_ws_t *ws, ngx_uint_t code);
} ngx_http_sfu_ws_handler_t;


/*
 * The content handler's part: checks the handshake and answers 101, or an
 * error (JSON, as the REST API's).  Returns what the content handler
 * returns.
 */
ngx_int_t ngx_http_sfu_ws_accept(ngx_http_request_t *r,
    const ngx_http_sfu_ws_handler_t *handler, void *data);

/*
 * Queues a text message.  NGX_DECLINED: the connection is closing (or has
 * just been closed because the client stopped reading); nothing was sent.
 */
ngx_int_t ngx_http_sfu_ws_send(ngx_http_sfu_ws_t *ws, u_char *data,
    size_t len);

/*
 * Starts the closing handshake: what was queued goes first, then the
 * close frame; no more messages are delivered.  Never frees anything
 * before returning, so it is safe from any handler.
 */
void ngx_http_sfu_ws_close(ngx_http_sfu_ws_t *ws, ngx_uint_t code,
    const char *reason);

/* stop and resume delivering messages (the client's bytes wait in TCP) */
void ngx_http_sfu_ws_pause(ngx_http_sfu_ws_t *ws);
void ngx_http_sfu_ws_resume(ngx_http_sfu_ws_t *ws);

ngx_http_request_t *ngx_http_sfu_ws_request(ngx_http_sfu_ws_t *ws);
void *ngx_http_sfu_ws_data(ngx_http_sfu_ws_t *ws);


/* ngx_http_sfu_ws_handshake.c, for ngx_http_sfu_ws_accept() */

/*
 * 0 for a good handshake, its key in *key; else the status to answer,
 * with the error code and message (headers the answer needs are added
 * here), or NGX_ERROR.
 */
ngx_int_t ngx_http_sfu_ws_handshake(ngx_http_request_t *r, ngx_str_t *key,
    const char **code, const char **message);

/* 101 with Sec-WebSocket-Accept: base64(SHA-1(key GUID)); NGX_OK when sent */
ngx_int_t ngx_http_sfu_ws_answer(ngx_http_request_t *r, ngx_str_t *key);


#endif /* _NGX_HTTP_SFU_WS_H_INCLUDED_ */
