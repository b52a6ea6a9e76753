
/*
 * JSON request bodies and JSON responses of the sfu_* handlers.
 */

#ifndef _NGX_HTTP_SFU_JSON_H_INCLUDED_
#define _NGX_HTTP_SFU_JSON_H_INCLUDED_


#include "ngx_http_sfu_module.h"
#include "ngx_http_sfu_validate.h"


ngx_http_sfu_ctx_t *ngx_http_sfu_get_ctx(ngx_http_request_t *r);

/*
 * Reads the body, parses it into ctx->body and validates it against
 * fields, then calls post(r).  Answers bad bodies itself (400, 413, 415).
 * Returns what the content handler should return.
 */
ngx_int_t ngx_http_sfu_read_json(ngx_http_request_t *r,
    const ngx_http_sfu_field_t *fields, ngx_http_client_body_handler_pt post);

/*
 * Send a response; the return value goes to ngx_http_finalize_request().
 * send_buf sends a body already written as JSON text (the hot paths build
 * theirs with ngx_sprintf and ngx_http_sfu_json_quote, not jansson).
 */
ngx_int_t ngx_http_sfu_send_json(ngx_http_request_t *r, ngx_uint_t status,
    json_t *json);
ngx_int_t ngx_http_sfu_send_buf(ngx_http_request_t *r, ngx_uint_t status,
    ngx_buf_t *b);
ngx_int_t ngx_http_sfu_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *fmt, ...);

/* Finish a request from an event that is not the request's own. */
void ngx_http_sfu_finalize(ngx_http_request_t *r, ngx_int_t rc);

/* jansson string of an ngx_str_t, or of a PGresult field */
json_t *ngx_http_sfu_json_str(ngx_str_t *s);

/*
 * s as a quoted JSON string (s must be valid UTF-8): its length, and
 * writing it at p (returns the end).
 */
size_t ngx_http_sfu_json_quoted_len(ngx_str_t *s);
u_char *ngx_http_sfu_json_quote(u_char *p, ngx_str_t *s);


#endif /* _NGX_HTTP_SFU_JSON_H_INCLUDED_ */
