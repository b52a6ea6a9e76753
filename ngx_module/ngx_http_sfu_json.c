
/*
 * JSON request bodies and JSON responses: every answer of the REST API,
 * success or error, leaves through here.
 */

#include "ngx_http_sfu_json.h"


typedef struct {
    const ngx_http_sfu_field_t       *fields;
    ngx_http_client_body_handler_pt   post;
} ngx_http_sfu_body_t;


static void ngx_http_sfu_body_handler(ngx_http_request_t *r);
static void ngx_http_sfu_json_cleanup(void *data);


ngx_http_sfu_ctx_t *
ngx_http_sfu_get_ctx(ngx_http_request_t *r)
{
    ngx_http_sfu_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    if (ctx != NULL) {
        return ctx;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_sfu_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_sfu_module);

    return ctx;
}


ngx_int_t
ngx_http_sfu_read_json(ngx_http_request_t *r,
    const ngx_http_sfu_field_t *fields, ngx_http_client_body_handler_pt post)
{
    ngx_int_t                  rc;
    ngx_http_sfu_ctx_t        *ctx;
    ngx_http_sfu_body_t       *body;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    ctx = ngx_http_sfu_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->headers_in.content_type == NULL
        || ngx_strlcasestrn(r->headers_in.content_type->value.data,
                            r->headers_in.content_type->value.data
                            + r->headers_in.content_type->value.len,
                            (u_char *) "application/json", 16 - 1)
           == NULL)
    {
        ngx_http_discard_request_body(r);
        return ngx_http_sfu_send_error(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                       "unsupported-media-type",
                                       "the body must be application/json");
    }

    if (r->headers_in.content_length_n > (off_t) smcf->max_body_size) {
        ngx_http_discard_request_body(r);
        return ngx_http_sfu_send_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                       "body-too-large",
                                       "the body must not exceed %uz bytes",
                                       smcf->max_body_size);
    }

    body = ngx_palloc(r->pool, sizeof(ngx_http_sfu_body_t));
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body->fields = fields;
    body->post = post;
    ctx->data = body;

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_sfu_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_sfu_body_handler(ngx_http_request_t *r)
{
    size_t                      len;
    u_char                     *data, *p;
    ngx_buf_t                  *b;
    ngx_chain_t                *cl;
    ngx_pool_cleanup_t         *cln;
    ngx_http_sfu_ctx_t         *ctx;
    ngx_http_sfu_body_t        *body;
    ngx_http_sfu_invalid_t      invalid;
    ngx_http_sfu_main_conf_t   *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    body = ctx->data;
    ctx->data = NULL;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        ngx_http_finalize_request(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_BAD_REQUEST, "invalid-json",
                                    "a JSON body is required"));
        return;
    }

    /*
     * A body larger than the buffer went to a temporary file; the limit
     * keeps real bodies in memory, so this is a chunked body over it.
     */

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (cl->buf->in_file) {
            len = smcf->max_body_size + 1;
            break;
        }

        len += cl->buf->last - cl->buf->pos;
    }

    if (len > smcf->max_body_size) {
        ngx_http_finalize_request(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                    "body-too-large",
                                    "the body must not exceed %uz bytes",
                                    smcf->max_body_size));
        return;
    }

    if (r->request_body->bufs->next == NULL) {
        b = r->request_body->bufs->buf;
        data = b->pos;

    } else {
        data = ngx_pnalloc(r->pool, len);
        if (data == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        p = data;
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        }
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->body = ngx_http_sfu_json_parse((char *) data, len, &invalid);

    if (ctx->body == NULL) {
        ngx_http_finalize_request(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_BAD_REQUEST, invalid.code,
                                    "%s", invalid.message));
        return;
    }

    cln->handler = ngx_http_sfu_json_cleanup;
    cln->data = ctx->body;

    if (!ngx_http_sfu_json_validate(ctx->body, body->fields, &invalid)) {
        ngx_http_finalize_request(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_BAD_REQUEST, invalid.code,
                                    "%s", invalid.message));
        return;
    }

    body->post(r);
}


static void
ngx_http_sfu_json_cleanup(void *data)
{
    json_decref(data);
}


ngx_int_t
ngx_http_sfu_send_json(ngx_http_request_t *r, ngx_uint_t status, json_t *json)
{
    size_t      len;
    ngx_buf_t  *b;

    len = json_dumpb(json, NULL, 0, JSON_COMPACT);

    b = ngx_create_temp_buf(r->pool, len + 1);
    if (b == NULL) {
        json_decref(json);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last += json_dumpb(json, (char *) b->pos, len, JSON_COMPACT);
    *b->last++ = '\n';
    json_decref(json);

    return ngx_http_sfu_send_buf(r, status, b);
}


ngx_int_t
ngx_http_sfu_send_buf(ngx_http_request_t *r, ngx_uint_t status, ngx_buf_t *b)
{
    ngx_int_t     rc;
    ngx_chain_t   out;

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    /* what a handler may have set for a response it did not send */
    r->header_only = (r->method == NGX_HTTP_HEAD);

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_sfu_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *fmt, ...)
{
    u_char      *p;
    json_t      *json;
    va_list      args;
    ngx_uint_t   level;
    u_char       message[256];

    va_start(args, fmt);
    p = ngx_vslprintf(message, message + sizeof(message), fmt, args);
    va_end(args);

    /*
     * Client mistakes are the client's, and an unavailable dependency is
     * logged once by the code that lost it: only our own failures are
     * the operator's errors.
     */

    level = (status == NGX_HTTP_INTERNAL_SERVER_ERROR) ? NGX_LOG_ERR
                                                        : NGX_LOG_INFO;

    ngx_log_error(level, r->connection->log, 0,
                  "sfu: %ui %s: %*s", status, code, p - message, message);

    json = json_pack("{s:{s:s,s:s%}}", "error", "code", code,
                     "message", (char *) message, (size_t) (p - message));
    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_sfu_send_json(r, status, json);
}


void
ngx_http_sfu_finalize(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


json_t *
ngx_http_sfu_json_str(ngx_str_t *s)
{
    return json_stringn((char *) s->data, s->len);
}


size_t
ngx_http_sfu_json_quoted_len(ngx_str_t *s)
{
    return s->len + 2 + ngx_escape_json(NULL, s->data, s->len);
}


u_char *
ngx_http_sfu_json_quote(u_char *p, ngx_str_t *s)
{
    *p++ = '"';
    p = (u_char *) ngx_escape_json(p, s->data, s->len);
    *p++ = '"';

    return p;
}
