
/*
 * The WebSocket opening handshake (RFC 6455 section 4.2): what a valid
 * request has, and the 101 that answers it.
 */

#include "ngx_http_sfu_ws.h"

#include <ngx_sha1.h>


#define NGX_HTTP_SFU_WS_GUID           "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define NGX_HTTP_SFU_UPGRADE_REQUIRED  426


static ngx_uint_t ngx_http_sfu_ws_key_valid(ngx_str_t *key);
static ngx_table_elt_t *ngx_http_sfu_ws_find_header(ngx_http_request_t *r,
    const char *name);
static ngx_uint_t ngx_http_sfu_ws_has_token(ngx_http_request_t *r,
    const char *name, const char *token);
static ngx_int_t ngx_http_sfu_ws_add_header(ngx_http_request_t *r,
    const char *key, ngx_str_t *value);


ngx_int_t
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


ngx_int_t
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
