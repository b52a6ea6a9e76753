
/*
 * Fixed-window rate limits: one EVAL per check on a counter in Redis;
 * and the rate directives' syntax, shared with sfu_ws_message_rate.
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
static ngx_int_t ngx_http_sfu_parse_rate(ngx_str_t *value,
    ngx_http_sfu_rate_t *rate);


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


/* sfu_room_create_rate, sfu_join_rate: off | "10r/s" | "30r/m" | "500r/h" */

char *
ngx_http_sfu_rate_conf_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t            *value;
    ngx_http_sfu_rate_t  *rate;

    rate = (ngx_http_sfu_rate_t *) (p + cmd->offset);

    if (rate->window != 0) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        rate->window = -1;
        return NGX_CONF_OK;
    }

    if (ngx_http_sfu_parse_rate(&value[1], rate) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid rate \"%V\": use \"off\" or a number "
                           "of requests per s, m or h, as in \"10r/m\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* sfu_ws_message_rate: off | rate [burst=number] */

char *
ngx_http_sfu_rate_conf_bucket(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_int_t                    n;
    ngx_str_t                   *value;
    ngx_http_sfu_bucket_conf_t  *bucket;

    bucket = (ngx_http_sfu_bucket_conf_t *) (p + cmd->offset);

    if (bucket->rate.window != 0) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        bucket->rate.window = -1;
        return NGX_CONF_OK;
    }

    if (ngx_http_sfu_parse_rate(&value[1], &bucket->rate) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid rate \"%V\": use \"off\" or a number "
                           "of messages per s, m or h, as in \"50r/s\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    bucket->burst = bucket->rate.count;

    if (cf->args->nelts == 3) {
        n = NGX_ERROR;

        if (ngx_strncmp(value[2].data, "burst=", 6) == 0) {
            n = ngx_atoi(value[2].data + 6, value[2].len - 6);
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid \"%V\": use \"burst=\" and a "
                               "number of at least 1", &value[2]);
            return NGX_CONF_ERROR;
        }

        bucket->burst = n;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_sfu_parse_rate(ngx_str_t *value, ngx_http_sfu_rate_t *rate)
{
    u_char     *last;
    ngx_int_t   n;

    last = value->data + value->len;

    if (value->len < 4 || last[-2] != '/' || last[-3] != 'r') {
        return NGX_ERROR;
    }

    n = ngx_atoi(value->data, value->len - 3);
    if (n == NGX_ERROR || n == 0) {
        return NGX_ERROR;
    }

    switch (last[-1]) {
    case 's':
        rate->window = 1;
        break;
    case 'm':
        rate->window = 60;
        break;
    case 'h':
        rate->window = 3600;
        break;
    default:
        return NGX_ERROR;
    }

    rate->count = n;

    return NGX_OK;
}
