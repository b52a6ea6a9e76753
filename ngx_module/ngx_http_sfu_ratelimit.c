
/*
 * Fixed-window rate limits: one EVAL per check on a counter in Redis.
 */

#include "ngx_http_sfu_redis.h"
#include "ngx_http_sfu_ratelimit.h"


typedef struct {
    ngx_http_request_t            *request;
    ngx_http_sfu_rate_handler_pt   handler;
    ngx_uint_t                     count;
    ngx_uint_t                     fail_mode;
} ngx_http_sfu_rate_ctx_t;


static void ngx_http_sfu_rate_reply(void *data, redisReply *reply);


/*
 * KEYS[1] counter, ARGV[1] window in seconds; returns {count, ttl}.
 * A counter without a TTL (first call, or one whose EXPIRE was lost) gets
 * the window as its TTL, so no key can live forever.
 */
static const char  ngx_http_sfu_rate_script[] =
    "local n = redis.call('INCR', KEYS[1]) "
    "local t = redis.call('TTL', KEYS[1]) "
    "if t < 0 then "
        "redis.call('EXPIRE', KEYS[1], ARGV[1]) "
        "t = tonumber(ARGV[1]) "
    "end "
    "return {n, t}";


ngx_int_t
ngx_http_sfu_rate_check(ngx_http_request_t *r, ngx_http_sfu_rate_t *rate,
    const char *scope, ngx_str_t *key, ngx_http_sfu_rate_handler_pt handler)
{
    u_char                    *p;
    ngx_int_t                  rc;
    ngx_str_t                  name;
    ngx_http_sfu_rate_ctx_t   *ctx;
    ngx_http_sfu_main_conf_t  *smcf;

    if (rate->window <= 0) {
        return NGX_OK;
    }

    name.data = ngx_pnalloc(r->pool, sizeof("sfu:rl:::") - 1
                                     + ngx_strlen(scope) + key->len
                                     + NGX_TIME_T_LEN);
    if (name.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(name.data, "sfu:rl:%s:%V:%T", scope, key, rate->window);
    name.len = p - name.data;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    ctx = ngx_palloc(r->pool, sizeof(ngx_http_sfu_rate_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ctx->request = r;
    ctx->handler = handler;
    ctx->count = rate->count;
    ctx->fail_mode = smcf->redis_fail_mode;

    rc = ngx_http_sfu_redis_command(r->pool, ngx_http_sfu_rate_reply, ctx,
                                    "EVAL %s 1 %b %lld",
                                    ngx_http_sfu_rate_script,
                                    name.data, name.len,
                                    (long long) rate->window);

    if (rc == NGX_OK) {
        r->main->count++;
        return NGX_AGAIN;
    }

    if (rc == NGX_DECLINED && ctx->fail_mode == NGX_HTTP_SFU_FAIL_OPEN) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "sfu rate: redis unavailable, allowed");
        return NGX_OK;
    }

    return NGX_ERROR;
}


static void
ngx_http_sfu_rate_reply(void *data, redisReply *reply)
{
    ngx_http_sfu_rate_ctx_t  *ctx = data;

    time_t               retry_after;
    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->request;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    retry_after = 0;

    if (reply == NULL) {
        rc = ctx->fail_mode == NGX_HTTP_SFU_FAIL_OPEN ? NGX_OK : NGX_ERROR;

    } else if (reply->type != REDIS_REPLY_ARRAY
               || reply->elements != 2
               || reply->element[0]->type != REDIS_REPLY_INTEGER
               || reply->element[1]->type != REDIS_REPLY_INTEGER)
    {
        ngx_log_error(NGX_LOG_ERR, c->log, 0,
                      "sfu: unexpected redis reply to the rate limit "
                      "script: %s",
                      reply->type == REDIS_REPLY_ERROR ? reply->str
                                                       : "not {count, ttl}");

        rc = ctx->fail_mode == NGX_HTTP_SFU_FAIL_OPEN ? NGX_OK : NGX_ERROR;

    } else if ((long long) ctx->count < reply->element[0]->integer) {
        rc = NGX_BUSY;
        retry_after = (time_t) ngx_max(reply->element[1]->integer, 1);

    } else {
        rc = NGX_OK;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "sfu rate: rc:%i retry after:%T", rc, retry_after);

    ctx->handler(r, rc, retry_after);

    ngx_http_run_posted_requests(c);
}
