
/*
 * Join tokens: JWT signed with HMAC-SHA256 ("sfu_token_secret", at least 32
 * bytes), claims
 *   room  room id              sub   participant id
 *   role  "host"|"participant" name  display name
 *   iat   issued at            exp   expiry (unix time)
 * Verification accepts only HS256 -- never "none" nor another algorithm --
 * and only tokens that have not yet expired (no leeway); the exact rules
 * are in ngx_http_sfu_jwt.h.
 */

#ifndef _NGX_HTTP_SFU_TOKEN_H_INCLUDED_
#define _NGX_HTTP_SFU_TOKEN_H_INCLUDED_


#include "ngx_http_sfu_module.h"


typedef struct {
    ngx_str_t                  room;
    ngx_str_t                  participant;
    ngx_str_t                  role;
    ngx_str_t                  name;
    time_t                     exp;
} ngx_http_sfu_token_t;


/*
 * Refuses a "sfu_token_secret" shorter than 32 bytes, and a missing one
 * when an sfu_api or sfu_signaling location exists; makes smcf->token_key.
 * Call from init_main_conf.
 */
char *ngx_http_sfu_token_check_conf(ngx_conf_t *cf,
    ngx_http_sfu_main_conf_t *smcf);

/*
 * Signs claims into *jwt (allocated from pool).  claims->exp 0 means now
 * + "sfu_token_ttl".  NGX_ERROR when out of memory or a claim is not valid
 * UTF-8 or holds a NUL byte.
 */
ngx_int_t ngx_http_sfu_token_mint(ngx_pool_t *pool,
    ngx_http_sfu_main_conf_t *smcf, ngx_http_sfu_token_t *claims,
    ngx_str_t *jwt);

/*
 * NGX_OK: the token is ours and valid, claims are filled in (strings
 * decoded into pool).  NGX_DECLINED: *reason says why, one of "malformed",
 * "algorithm not allowed", "invalid signature", "invalid claims",
 * "expired".  NGX_ERROR: out of memory.
 */
ngx_int_t ngx_http_sfu_token_verify(ngx_pool_t *pool,
    ngx_http_sfu_main_conf_t *smcf, ngx_str_t *jwt,
    ngx_http_sfu_token_t *claims, const char **reason);


#endif /* _NGX_HTTP_SFU_TOKEN_H_INCLUDED_ */
