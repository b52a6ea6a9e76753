
/*
 * The strict JSON reader of join tokens (ngx_http_sfu_jwt.c): RFC 8259 as
 * much as a token's two flat objects need, refusing what a verifier must
 * not guess at (invalid UTF-8, \u0000, a lone surrogate, an integer that
 * does not fit in a long long, more than 16 levels).  Plain C, no
 * allocation: decoded strings go to the caller's buffer.
 */

#ifndef _NGX_HTTP_SFU_JWT_JSON_H_INCLUDED_
#define _NGX_HTTP_SFU_JWT_JSON_H_INCLUDED_


#include <stddef.h>

#include "ngx_http_sfu_jwt.h"


typedef enum {
    NGX_HTTP_SFU_JWT_JSON_STRING,
    NGX_HTTP_SFU_JWT_JSON_INTEGER,
    NGX_HTTP_SFU_JWT_JSON_OTHER
} ngx_http_sfu_jwt_json_type_e;


typedef struct {
    ngx_http_sfu_jwt_json_type_e   type;
    ngx_http_sfu_jwt_str_t         str;
    long long                      integer;
} ngx_http_sfu_jwt_json_value_t;


/* a member of an object: returns 0, or -1 to refuse the object */
typedef int (*ngx_http_sfu_jwt_json_member_pt)(void *data,
    ngx_http_sfu_jwt_str_t *key, ngx_http_sfu_jwt_json_value_t *value);


/*
 * Reads text (len bytes), which must be one object and nothing else but
 * white space, giving each of its own members (not nested ones) to
 * handler.  Decoded strings are written to out, which must hold len bytes;
 * the values handed over point into it.  Returns 0, or -1.
 */
int ngx_http_sfu_jwt_json_parse(const unsigned char *text, size_t len,
    unsigned char *out, ngx_http_sfu_jwt_json_member_pt handler, void *data);

/*
 * The length of the valid UTF-8 sequence at p (no overlong form, no
 * surrogate, nothing past U+10FFFF), or 0.
 */
size_t ngx_http_sfu_jwt_utf8_len(const unsigned char *p,
    const unsigned char *end);


#endif /* _NGX_HTTP_SFU_JWT_JSON_H_INCLUDED_ */
