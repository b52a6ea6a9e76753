
/*
 * Join tokens (JWT HS256) through libjwt.
 *
 * libjwt verifies whichever HMAC algorithm the token's header names with
 * our key: the algorithm is checked here first.  Its integer getter reads a string claim as 0, so claims are
 * type-checked on the JSON of all grants instead.
 */

#include "ngx_http_sfu_token.h"

#include <jwt.h>


#define NGX_HTTP_SFU_TOKEN_MAX_LEN     4096
#define NGX_HTTP_SFU_TOKEN_MIN_SECRET  32


static char *ngx_http_sfu_token_cstr(ngx_pool_t *pool, ngx_str_t *s);
static ngx_int_t ngx_http_sfu_token_claim(ngx_pool_t *pool, json_t *claims,
    const char *name, ngx_str_t *value);


char *
ngx_http_sfu_token_check_conf(ngx_conf_t *cf, ngx_http_sfu_main_conf_t *smcf)
{
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

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_sfu_token_mint(ngx_pool_t *pool, ngx_http_sfu_main_conf_t *smcf,
    ngx_http_sfu_token_t *claims, ngx_str_t *jwt)
{
    char       *room, *sub, *role, *name, *encoded;
    jwt_t      *token;
    time_t      now, exp;
    ngx_int_t   rc;

    room = ngx_http_sfu_token_cstr(pool, &claims->room);
    sub = ngx_http_sfu_token_cstr(pool, &claims->participant);
    role = ngx_http_sfu_token_cstr(pool, &claims->role);
    name = ngx_http_sfu_token_cstr(pool, &claims->name);

    if (room == NULL || sub == NULL || role == NULL || name == NULL) {
        return NGX_ERROR;
    }

    now = ngx_time();
    exp = claims->exp ? claims->exp : now + smcf->token_ttl;

    if (jwt_new(&token) != 0) {
        return NGX_ERROR;
    }

    rc = NGX_ERROR;
    encoded = NULL;

    if (jwt_add_grant(token, "room", room) != 0
        || jwt_add_grant(token, "sub", sub) != 0
        || jwt_add_grant(token, "role", role) != 0
        || jwt_add_grant(token, "name", name) != 0
        || jwt_add_grant_int(token, "iat", (long) now) != 0
        || jwt_add_grant_int(token, "exp", (long) exp) != 0
        || jwt_set_alg(token, JWT_ALG_HS256, smcf->jwt_secret.data,
                       (int) smcf->jwt_secret.len)
           != 0)
    {
        goto done;
    }

    encoded = jwt_encode_str(token);
    if (encoded == NULL) {
        goto done;
    }

    jwt->len = ngx_strlen(encoded);

    jwt->data = ngx_pnalloc(pool, jwt->len);
    if (jwt->data == NULL) {
        goto done;
    }

    ngx_memcpy(jwt->data, encoded, jwt->len);

    rc = NGX_OK;

done:

    free(encoded);
    jwt_free(token);

    return rc;
}


/* a NUL-terminated copy; NULL also when s holds a NUL */

static char *
ngx_http_sfu_token_cstr(ngx_pool_t *pool, ngx_str_t *s)
{
    u_char  *p;

    if (ngx_strlchr(s->data, s->data + s->len, '\0') != NULL) {
        return NULL;
    }

    p = ngx_pnalloc(pool, s->len + 1);
    if (p == NULL) {
        return NULL;
    }

    (void) ngx_cpystrn(p, s->data, s->len + 1);

    return (char *) p;
}


ngx_int_t
ngx_http_sfu_token_verify(ngx_pool_t *pool, ngx_http_sfu_main_conf_t *smcf,
    ngx_str_t *jwt, ngx_http_sfu_token_t *claims, const char **reason)
{
    char          *text, *grants;
    jwt_t         *token;
    json_t        *json, *exp;
    ngx_int_t      rc;
    ngx_str_t     *values[4];
    ngx_uint_t     i, hs256;
    const char    *alg, *names[4];
    json_error_t   error;

    if (jwt->len == 0 || jwt->len > NGX_HTTP_SFU_TOKEN_MAX_LEN) {
        *reason = "malformed";
        return NGX_DECLINED;
    }

    text = ngx_http_sfu_token_cstr(pool, jwt);
    if (text == NULL) {
        *reason = "malformed";
        return NGX_DECLINED;
    }

    /*
     * The header first, decoded without a key: no signature check, and
     * libjwt then reports the algorithm as "none" -- read the header.
     */

    if (jwt_decode(&token, text, NULL, 0) != 0) {
        *reason = "malformed";
        return NGX_DECLINED;
    }

    alg = jwt_get_header(token, "alg");
    hs256 = (alg != NULL && ngx_strcmp(alg, "HS256") == 0);
    jwt_free(token);

    if (!hs256) {
        *reason = "algorithm not allowed";
        return NGX_DECLINED;
    }

    if (jwt_decode(&token, text, smcf->jwt_secret.data,
                   (int) smcf->jwt_secret.len)
        != 0)
    {
        *reason = "invalid signature";
        return NGX_DECLINED;
    }

    if (jwt_get_alg(token) != JWT_ALG_HS256) {
        jwt_free(token);
        *reason = "algorithm not allowed";
        return NGX_DECLINED;
    }

    grants = jwt_get_grants_json(token, NULL);
    jwt_free(token);

    if (grants == NULL) {
        return NGX_ERROR;
    }

    json = json_loads(grants, 0, &error);
    free(grants);

    if (json == NULL) {
        *reason = "malformed";
        return NGX_DECLINED;
    }

    exp = json_object_get(json, "exp");

    if (!json_is_integer(exp)
        || !json_is_integer(json_object_get(json, "iat")))
    {
        *reason = "invalid claims";
        rc = NGX_DECLINED;
        goto done;
    }

    if (json_integer_value(exp) <= (json_int_t) ngx_time()) {
        *reason = "expired";
        rc = NGX_DECLINED;
        goto done;
    }

    claims->exp = (time_t) json_integer_value(exp);

    names[0] = "room";
    names[1] = "sub";
    names[2] = "role";
    names[3] = "name";

    values[0] = &claims->room;
    values[1] = &claims->participant;
    values[2] = &claims->role;
    values[3] = &claims->name;

    for (i = 0; i < 4; i++) {
        rc = ngx_http_sfu_token_claim(pool, json, names[i], values[i]);
        if (rc != NGX_OK) {
            goto invalid;
        }
    }

    if (claims->room.len == 0 || claims->participant.len == 0
        || !((claims->role.len == 4
              && ngx_strncmp(claims->role.data, "host", 4) == 0)
             || (claims->role.len == 11
                 && ngx_strncmp(claims->role.data, "participant", 11) == 0)))
    {
        rc = NGX_DECLINED;
        goto invalid;
    }

    goto done;

invalid:

    if (rc == NGX_DECLINED) {
        *reason = "invalid claims";
    }

done:

    json_decref(json);

    return rc;
}


/* a string claim, copied into pool */

static ngx_int_t
ngx_http_sfu_token_claim(ngx_pool_t *pool, json_t *claims, const char *name,
    ngx_str_t *value)
{
    json_t  *claim;

    claim = json_object_get(claims, name);

    if (!json_is_string(claim)) {
        return NGX_DECLINED;
    }

    value->len = json_string_length(claim);

    value->data = ngx_pnalloc(pool, value->len);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(value->data, json_string_value(claim), value->len);

    return NGX_OK;
}
