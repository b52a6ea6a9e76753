
/*
 * TURN REST credentials and the per-process cache of the shared secret.
 */

#include "ngx_http_sfu_turn.h"
#include "ngx_http_sfu_json.h"
#include "ngx_http_sfu_redis.h"


/* how soon to try again after a failed read */
#define NGX_HTTP_SFU_TURN_RETRY  500

#define NGX_HTTP_SFU_TURN_CREDENTIAL_LEN  28    /* base64 of 20 bytes */


typedef struct {
    u_char               *secret;     /* newest secret in Redis, or NULL */
    size_t                len;
    ngx_http_sfu_hmac_t   redis_key;  /* HMAC-SHA1 of that secret */
    ngx_http_sfu_hmac_t   conf_key;   /* of "sfu_turn_secret", if any */

    /* the parts of every answer that come from the configuration */
    ngx_str_t             stun;       /* {"urls":[...]}, or empty */
    ngx_str_t             turn_urls;  /* [...], or empty */

    ngx_event_t           timer;
    unsigned              pending:1;  /* a read is in flight */
    unsigned              failed:1;   /* the last read failed */
} ngx_http_sfu_turn_t;


static ngx_int_t ngx_http_sfu_turn_urls(ngx_pool_t *pool, ngx_array_t *uris,
    const char *before, const char *after, ngx_str_t *json);
static void ngx_http_sfu_turn_refresh(ngx_event_t *ev);
static void ngx_http_sfu_turn_secret(void *data, redisReply *reply);


static ngx_http_sfu_turn_t  ngx_http_sfu_turn;


/*
 * KEYS[1] the set of secrets, KEYS[2] the sorted set of when they were
 * added: the member with the highest score, unscored ones lowest, ties to
 * the greatest string; nil when the set is empty.
 */
static const char  ngx_http_sfu_turn_script[] =
    "local best, score = false, nil "
    "for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do "
        "local z = redis.call('ZSCORE', KEYS[2], m) "
        "local s = z and tonumber(z) or -math.huge "
        "if not best or s > score or (s == score and m > best) then "
            "best, score = m, s "
        "end "
    "end "
    "return best";


char *
ngx_http_sfu_turn_check_conf(ngx_conf_t *cf, ngx_http_sfu_main_conf_t *smcf)
{
    if (smcf->turn_uris != NULL
        && smcf->turn_secret.len == 0
        && smcf->redis_addr.len == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_turn_uri\" needs \"sfu_turn_secret\" or "
                           "\"sfu_redis\" to hold the TURN secret");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_sfu_turn_init_process(ngx_cycle_t *cycle)
{
    ngx_http_sfu_turn_t       *turn = &ngx_http_sfu_turn;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sfu_module);

    if (smcf == NULL) {
        return NGX_OK;
    }

    if (ngx_http_sfu_turn_urls(cycle->pool, smcf->stun_uris, "{\"urls\":", "}",
                               &turn->stun)
        != NGX_OK
        || ngx_http_sfu_turn_urls(cycle->pool, smcf->turn_uris, "", "",
                                  &turn->turn_urls)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (smcf->turn_secret.len
        && ngx_http_sfu_hmac_init(&turn->conf_key, EVP_sha1(),
                                  smcf->turn_secret.data,
                                  smcf->turn_secret.len)
           != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "sfu: cannot set up HMAC-SHA1 for the TURN secret");
        return NGX_ERROR;
    }

    if (smcf->redis_addr.len == 0) {
        return NGX_OK;
    }

    turn->timer.handler = ngx_http_sfu_turn_refresh;
    turn->timer.data = turn;
    turn->timer.log = cycle->log;
    turn->timer.cancelable = 1;

    ngx_http_sfu_turn_refresh(&turn->timer);

    return NGX_OK;
}


static void
ngx_http_sfu_turn_refresh(ngx_event_t *ev)
{
    ngx_http_sfu_turn_t *turn = ev->data;

    ngx_int_t                  rc;
    ngx_msec_t                 interval;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_sfu_module);

    if (!turn->pending) {
        rc = ngx_http_sfu_redis_command(NULL, ngx_http_sfu_turn_secret, turn,
                                        "EVAL %s 2 turn/realm/%b/secret "
                                        "turn/realm/%b/secret/added",
                                        ngx_http_sfu_turn_script,
                                        smcf->turn_realm.data,
                                        smcf->turn_realm.len,
                                        smcf->turn_realm.data,
                                        smcf->turn_realm.len);

        if (rc == NGX_OK) {
            turn->pending = 1;

        } else {
            turn->failed = 1;
        }
    }

    /* before Redis first answers, and while it is away, ask sooner */

    interval = smcf->turn_secret_refresh;

    if (turn->failed) {
        interval = ngx_min(interval, NGX_HTTP_SFU_TURN_RETRY);
    }

    ngx_add_timer(ev, interval);
}


static void
ngx_http_sfu_turn_secret(void *data, redisReply *reply)
{
    ngx_http_sfu_turn_t *turn = data;

    u_char  *secret;

    turn->pending = 0;

    if (reply == NULL) {
        turn->failed = 1;
        return;
    }

    if (reply->type == REDIS_REPLY_NIL) {
        if (turn->secret != NULL) {
            ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                          "sfu: no TURN secret left in redis");
            ngx_free(turn->secret);
            turn->secret = NULL;
            ngx_http_sfu_hmac_free(&turn->redis_key);
        }

        turn->failed = 0;
        return;
    }

    if (reply->type != REDIS_REPLY_STRING || reply->len == 0) {
        if (!turn->failed) {
            ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                          "sfu: cannot read the TURN secret from redis: %s",
                          reply->type == REDIS_REPLY_ERROR ? reply->str
                                                           : "empty");
        }

        turn->failed = 1;
        return;
    }

    turn->failed = 0;

    if (turn->secret != NULL
        && turn->len == reply->len
        && ngx_memcmp(turn->secret, reply->str, reply->len) == 0)
    {
        return;
    }

    secret = ngx_alloc(reply->len, ngx_cycle->log);
    if (secret == NULL) {
        return;
    }

    ngx_memcpy(secret, reply->str, reply->len);

    if (turn->secret != NULL) {
        ngx_free(turn->secret);
        ngx_http_sfu_hmac_free(&turn->redis_key);
    }

    turn->secret = secret;
    turn->len = reply->len;

    if (ngx_http_sfu_hmac_init(&turn->redis_key, EVP_sha1(), secret,
                               reply->len)
        != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                      "sfu: cannot set up HMAC-SHA1 for the TURN secret");
        ngx_free(turn->secret);
        turn->secret = NULL;
        return;
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "sfu turn: new secret from redis");
}


ngx_int_t
ngx_http_sfu_turn_ice_servers(ngx_http_request_t *r, ngx_str_t *user,
    ngx_str_t *json)
{
    u_char                    *p;
    ngx_str_t                  username, credential, digest;
    ngx_http_sfu_turn_t       *turn = &ngx_http_sfu_turn;
    ngx_http_sfu_hmac_t       *key;
    ngx_http_sfu_main_conf_t  *smcf;
    u_char                     md[EVP_MAX_MD_SIZE];

    static u_char  none[] = "[]";

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    if (turn->turn_urls.len == 0) {
        if (turn->stun.len == 0) {
            json->data = none;
            json->len = sizeof(none) - 1;
            return NGX_OK;
        }

        json->data = ngx_pnalloc(r->pool, turn->stun.len + 2);
        if (json->data == NULL) {
            return NGX_ERROR;
        }

        json->len = ngx_sprintf(json->data, "[%V]", &turn->stun) - json->data;
        return NGX_OK;
    }

    /* Redis' secret, unless Redis is away and there is our own */

    if (turn->secret != NULL && !(turn->failed && smcf->turn_secret.len)) {
        key = &turn->redis_key;

    } else if (smcf->turn_secret.len) {
        key = &turn->conf_key;

    } else {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "sfu: no TURN secret: set \"sfu_turn_secret\" or add "
                      "one to redis' \"turn/realm/%V/secret\"",
                      &smcf->turn_realm);
        return NGX_DECLINED;
    }

    username.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + 1 + user->len);
    if (username.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(username.data, "%T:%V", ngx_time() + smcf->turn_ttl, user);
    username.len = p - username.data;

    if (ngx_http_sfu_hmac(key, username.data, username.len, NULL, 0, md)
        != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "sfu: HMAC-SHA1 failed");
        return NGX_ERROR;
    }

    digest.data = md;
    digest.len = key->size;

    json->data = ngx_pnalloc(r->pool,
                     sizeof("[,{\"urls\":,\"username\":,\"credential\":\"\","
                            "\"credentialType\":\"password\"}]")
                     + turn->stun.len + turn->turn_urls.len
                     + ngx_http_sfu_json_quoted_len(&username)
                     + ngx_base64_encoded_length(digest.len));
    if (json->data == NULL) {
        return NGX_ERROR;
    }

    /* copied, not formatted: this is the hot path of turn-credentials */

    p = json->data;
    *p++ = '[';
    p = ngx_cpymem(p, turn->stun.data, turn->stun.len);

    if (turn->stun.len) {
        *p++ = ',';
    }

    p = ngx_cpymem(p, "{\"urls\":", sizeof("{\"urls\":") - 1);
    p = ngx_cpymem(p, turn->turn_urls.data, turn->turn_urls.len);
    p = ngx_cpymem(p, ",\"username\":", sizeof(",\"username\":") - 1);
    p = ngx_http_sfu_json_quote(p, &username);
    p = ngx_cpymem(p, ",\"credential\":\"", sizeof(",\"credential\":\"") - 1);

    credential.data = p;
    ngx_encode_base64(&credential, &digest);
    p += credential.len;

    p = ngx_cpymem(p, "\",\"credentialType\":\"password\"}]",
                   sizeof("\",\"credentialType\":\"password\"}]") - 1);

    json->len = p - json->data;

    return NGX_OK;
}


/* before [ "uri", ... ] after, as JSON text; empty without URIs */

static ngx_int_t
ngx_http_sfu_turn_urls(ngx_pool_t *pool, ngx_array_t *uris,
    const char *before, const char *after, ngx_str_t *json)
{
    u_char      *p;
    size_t       len;
    ngx_str_t   *uri;
    ngx_uint_t   i;

    ngx_str_null(json);

    if (uris == NULL || uris->nelts == 0) {
        return NGX_OK;
    }

    uri = uris->elts;
    len = ngx_strlen(before) + ngx_strlen(after) + 2;

    for (i = 0; i < uris->nelts; i++) {
        len += ngx_http_sfu_json_quoted_len(&uri[i]) + 1;
    }

    json->data = ngx_pnalloc(pool, len);
    if (json->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(json->data, "%s[", before);

    for (i = 0; i < uris->nelts; i++) {
        if (i) {
            *p++ = ',';
        }

        p = ngx_http_sfu_json_quote(p, &uri[i]);
    }

    json->len = ngx_sprintf(p, "]%s", after) - json->data;

    return NGX_OK;
}
