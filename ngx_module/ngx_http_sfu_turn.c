
/*
 * TURN REST credentials and the per-process cache of the shared secret.
 */

#include "ngx_http_sfu_turn.h"
#include "ngx_http_sfu_redis.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>


/* how soon to try again after a failed read */
#define NGX_HTTP_SFU_TURN_RETRY  500


typedef struct {
    u_char       *secret;     /* newest secret in Redis, or NULL */
    size_t        len;
    ngx_event_t   timer;
    unsigned      pending:1;  /* a read is in flight */
    unsigned      failed:1;   /* the last read failed */
} ngx_http_sfu_turn_t;


static void ngx_http_sfu_turn_refresh(ngx_event_t *ev);
static void ngx_http_sfu_turn_secret(void *data, redisReply *reply);
static json_t *ngx_http_sfu_turn_urls(ngx_array_t *uris);


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

    if (smcf == NULL || smcf->redis_addr.len == 0) {
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
    }

    turn->secret = secret;
    turn->len = reply->len;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "sfu turn: new secret from redis");
}


json_t *
ngx_http_sfu_turn_ice_servers(ngx_http_request_t *r, ngx_str_t *user,
    ngx_int_t *rc)
{
    u_char                    *p;
    json_t                    *servers, *urls, *turn;
    ngx_str_t                  secret, username, credential, digest;
    unsigned int               len;
    ngx_http_sfu_main_conf_t  *smcf;
    u_char                     md[EVP_MAX_MD_SIZE];

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    *rc = NGX_ERROR;

    servers = json_array();
    if (servers == NULL) {
        return NULL;
    }

    if (smcf->stun_uris != NULL) {
        urls = ngx_http_sfu_turn_urls(smcf->stun_uris);

        if (json_array_append_new(servers, json_pack("{s:o}", "urls", urls))
            != 0)
        {
            goto failed;
        }
    }

    if (smcf->turn_uris == NULL) {
        *rc = NGX_OK;
        return servers;
    }

    /* Redis' secret, unless Redis is away and there is our own */

    if (ngx_http_sfu_turn.secret != NULL
        && !(ngx_http_sfu_turn.failed && smcf->turn_secret.len))
    {
        secret.data = ngx_http_sfu_turn.secret;
        secret.len = ngx_http_sfu_turn.len;

    } else {
        secret = smcf->turn_secret;
    }

    if (secret.len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "sfu: no TURN secret: set \"sfu_turn_secret\" or add "
                      "one to redis' \"turn/realm/%V/secret\"",
                      &smcf->turn_realm);
        *rc = NGX_DECLINED;
        goto failed;
    }

    username.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + 1 + user->len);
    if (username.data == NULL) {
        goto failed;
    }

    p = ngx_sprintf(username.data, "%T:%V", ngx_time() + smcf->turn_ttl, user);
    username.len = p - username.data;

    if (HMAC(EVP_sha1(), secret.data, (int) secret.len,
             username.data, username.len, md, &len)
        == NULL)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "sfu: HMAC-SHA1 failed");
        goto failed;
    }

    digest.data = md;
    digest.len = len;

    credential.data = ngx_pnalloc(r->pool, ngx_base64_encoded_length(len));
    if (credential.data == NULL) {
        goto failed;
    }

    ngx_encode_base64(&credential, &digest);

    urls = ngx_http_sfu_turn_urls(smcf->turn_uris);

    turn = json_pack("{s:o,s:s%,s:s%,s:s}",
                     "urls", urls,
                     "username", username.data, username.len,
                     "credential", credential.data, credential.len,
                     "credentialType", "password");

    if (json_array_append_new(servers, turn) != 0) {
        goto failed;
    }

    *rc = NGX_OK;

    return servers;

failed:

    json_decref(servers);
    return NULL;
}


static json_t *
ngx_http_sfu_turn_urls(ngx_array_t *uris)
{
    json_t      *urls;
    ngx_str_t   *uri;
    ngx_uint_t   i;

    urls = json_array();
    if (urls == NULL) {
        return NULL;
    }

    uri = uris->elts;

    for (i = 0; i < uris->nelts; i++) {
        if (json_array_append_new(urls, json_stringn((char *) uri[i].data,
                                                     uri[i].len))
            != 0)
        {
            json_decref(urls);
            return NULL;
        }
    }

    return urls;
}
