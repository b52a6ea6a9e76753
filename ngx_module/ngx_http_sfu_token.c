
/*
 * Join tokens: the nginx side of ngx_http_sfu_jwt.c -- the key made once
 * from "sfu_token_secret", claims to and from ngx_str_t, buffers from the
 * request's pool, and the reasons a refused token is given.
 */

#include "ngx_http_sfu_token.h"
#include "ngx_http_sfu_jwt.h"


#define NGX_HTTP_SFU_TOKEN_MIN_SECRET  32


static void ngx_http_sfu_token_key_cleanup(void *data);


char *
ngx_http_sfu_token_check_conf(ngx_conf_t *cf, ngx_http_sfu_main_conf_t *smcf)
{
    ngx_pool_cleanup_t  *cln;

    if (smcf->jwt_secret.len == 0) {
        if (smcf->api || smcf->signaling) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%s\" needs \"sfu_token_secret\"",
                               smcf->api ? "sfu_api" : "sfu_signaling");
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (smcf->jwt_secret.len < NGX_HTTP_SFU_TOKEN_MIN_SECRET) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_token_secret\" is too short: use at "
                           "least %d bytes",
                           NGX_HTTP_SFU_TOKEN_MIN_SECRET);
        return NGX_CONF_ERROR;
    }

    smcf->token_key = ngx_pcalloc(cf->pool, sizeof(ngx_http_sfu_hmac_t));
    if (smcf->token_key == NULL) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_sfu_hmac_init(smcf->token_key, EVP_sha256(),
                               smcf->jwt_secret.data, smcf->jwt_secret.len)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cannot set up HMAC-SHA256 for "
                           "\"sfu_token_secret\"");
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_sfu_token_key_cleanup;
    cln->data = smcf->token_key;

    return NGX_CONF_OK;
}


static void
ngx_http_sfu_token_key_cleanup(void *data)
{
    ngx_http_sfu_hmac_free(data);
}


ngx_int_t
ngx_http_sfu_token_mint(ngx_pool_t *pool, ngx_http_sfu_main_conf_t *smcf,
    ngx_http_sfu_token_t *claims, ngx_str_t *jwt)
{
    ngx_http_sfu_jwt_claims_t  c;

    c.room.data = claims->room.data;
    c.room.len = claims->room.len;
    c.sub.data = claims->participant.data;
    c.sub.len = claims->participant.len;
    c.role.data = claims->role.data;
    c.role.len = claims->role.len;
    c.name.data = claims->name.data;
    c.name.len = claims->name.len;
    c.iat = ngx_time();
    c.exp = claims->exp ? claims->exp : c.iat + smcf->token_ttl;

    jwt->data = ngx_pnalloc(pool, ngx_http_sfu_jwt_max_length(&c));
    if (jwt->data == NULL) {
        return NGX_ERROR;
    }

    jwt->len = ngx_http_sfu_jwt_sign(smcf->token_key, &c, jwt->data);

    return jwt->len ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_sfu_token_verify(ngx_pool_t *pool, ngx_http_sfu_main_conf_t *smcf,
    ngx_str_t *jwt, ngx_http_sfu_token_t *claims, const char **reason)
{
    u_char                     *scratch;
    ngx_http_sfu_jwt_claims_t   c;

    if (jwt->len == 0 || jwt->len > NGX_HTTP_SFU_JWT_MAX_LEN) {
        *reason = "malformed";
        return NGX_DECLINED;
    }

    scratch = ngx_pnalloc(pool, 2 * jwt->len);
    if (scratch == NULL) {
        return NGX_ERROR;
    }

    switch (ngx_http_sfu_jwt_verify(smcf->token_key, jwt->data, jwt->len,
                                    ngx_time(), scratch, &c))
    {
    case NGX_HTTP_SFU_JWT_OK:
        break;

    case NGX_HTTP_SFU_JWT_MALFORMED:
        *reason = "malformed";
        return NGX_DECLINED;

    case NGX_HTTP_SFU_JWT_ALGORITHM:
        *reason = "algorithm not allowed";
        return NGX_DECLINED;

    case NGX_HTTP_SFU_JWT_SIGNATURE:
        *reason = "invalid signature";
        return NGX_DECLINED;

    case NGX_HTTP_SFU_JWT_CLAIMS:
        *reason = "invalid claims";
        return NGX_DECLINED;

    case NGX_HTTP_SFU_JWT_EXPIRED:
        *reason = "expired";
        return NGX_DECLINED;

    default:
        return NGX_ERROR;
    }

    claims->room.data = (u_char *) c.room.data;
    claims->room.len = c.room.len;
    claims->participant.data = (u_char *) c.sub.data;
    claims->participant.len = c.sub.len;
    claims->role.data = (u_char *) c.role.data;
    claims->role.len = c.role.len;
    claims->name.data = (u_char *) c.name.data;
    claims->name.len = c.name.len;
    claims->exp = (time_t) c.exp;

    return NGX_OK;
}
