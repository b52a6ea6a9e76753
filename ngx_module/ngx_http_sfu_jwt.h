
/*
 * Join tokens as JWTs (RFC 7519) in compact form, signed with HMAC-SHA256
 * (RFC 7515 "HS256"): signing, and a verifier that accepts what we sign
 * and nothing looser.  Plain C on OpenSSL (no nginx types, no allocation:
 * the caller gives the buffers), so the libFuzzer target runs exactly the
 * code the module runs.
 *
 * Verification, in this order (the first failure is the answer):
 *   MALFORMED  not three base64url segments (unpadded, canonical), or a
 *              header or payload that is not one JSON object (strict
 *              RFC 8259: valid UTF-8, no \u0000, no duplicate member the
 *              verifier reads, at most 16 levels deep), a "typ" other than
 *              "JWT", or a "crit" member (no extension is understood)
 *   ALGORITHM  "alg" is not "HS256" (so never "none", nor another HMAC)
 *   SIGNATURE  the signature is not the HMAC-SHA256 of "header.payload"
 *              (compared in constant time)
 *   CLAIMS     "exp" or "iat" is not an integer
 *   EXPIRED    "exp" is not after now (no leeway)
 *   CLAIMS     "room", "sub", "role" or "name" is not a string, "room" or
 *              "sub" is empty, "role" is neither "host" nor "participant"
 * Other members are allowed and ignored.
 */

#ifndef _NGX_HTTP_SFU_JWT_H_INCLUDED_
#define _NGX_HTTP_SFU_JWT_H_INCLUDED_


#include <stddef.h>

#include "ngx_http_sfu_hmac.h"


#define NGX_HTTP_SFU_JWT_MAX_LEN  4096


typedef enum {
    NGX_HTTP_SFU_JWT_OK = 0,
    NGX_HTTP_SFU_JWT_MALFORMED,
    NGX_HTTP_SFU_JWT_ALGORITHM,
    NGX_HTTP_SFU_JWT_SIGNATURE,
    NGX_HTTP_SFU_JWT_CLAIMS,
    NGX_HTTP_SFU_JWT_EXPIRED,
    NGX_HTTP_SFU_JWT_FAILED            /* the HMAC could not be computed */
} ngx_http_sfu_jwt_rc_e;


typedef struct {
    const unsigned char       *data;
    size_t                     len;
} ngx_http_sfu_jwt_str_t;


typedef struct {
    ngx_http_sfu_jwt_str_t     room;
    ngx_http_sfu_jwt_str_t     sub;      /* the participant id */
    ngx_http_sfu_jwt_str_t     role;     /* "host" or "participant" */
    ngx_http_sfu_jwt_str_t     name;
    long long                  iat;
    long long                  exp;
} ngx_http_sfu_jwt_claims_t;


/*
 * Verifies token (len bytes, at most NGX_HTTP_SFU_JWT_MAX_LEN) with key
 * (HMAC-SHA256) at time now.  scratch must hold 2 * len bytes; on
 * NGX_HTTP_SFU_JWT_OK the claims' strings point into it.
 */
ngx_http_sfu_jwt_rc_e ngx_http_sfu_jwt_verify(ngx_http_sfu_hmac_t *key,
    const unsigned char *token, size_t len, long long now,
    unsigned char *scratch, ngx_http_sfu_jwt_claims_t *claims);

/* the most bytes ngx_http_sfu_jwt_sign() writes for these claims */
size_t ngx_http_sfu_jwt_max_length(const ngx_http_sfu_jwt_claims_t *claims);

/*
 * Signs the claims into out, which must hold
 * ngx_http_sfu_jwt_max_length() bytes, as {"alg":"HS256","typ":"JWT"} and
 * the claims' JSON object.  Returns the token's length, or 0 when a string
 * claim is not valid UTF-8 or holds a NUL, or the HMAC fails.
 */
size_t ngx_http_sfu_jwt_sign(ngx_http_sfu_hmac_t *key,
    const ngx_http_sfu_jwt_claims_t *claims, unsigned char *out);


#endif /* _NGX_HTTP_SFU_JWT_H_INCLUDED_ */
