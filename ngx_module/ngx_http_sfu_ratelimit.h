
/*
 * Fixed-window rate limits counted in Redis, so that they hold across
 * nginx workers and nodes.
 */

#ifndef _NGX_HTTP_SFU_RATELIMIT_H_INCLUDED_
#define _NGX_HTTP_SFU_RATELIMIT_H_INCLUDED_


#include "ngx_http_sfu_module.h"


/*
 * A rate-checked request continues here; rc is
 *   NGX_OK     allowed,
 *   NGX_BUSY   over the limit: retry_after (>= 1) is the number of seconds
 *              until the window resets (send it as Retry-After),
 *   NGX_ERROR  Redis is unavailable and "sfu_redis_fail_mode closed".
 */
typedef void (*ngx_http_sfu_rate_handler_pt)(ngx_http_request_t *r,
    ngx_int_t rc, time_t retry_after);


/*
 * Fixed-window rate limit: at most rate->count calls per rate->window
 * seconds for one key of a scope ("create", "join": each limit counts
 * apart, even for the same caller).  The counter is the Redis key
 * "sfu:rl:<scope>:<key>:<window seconds>", incremented by one EVAL (INCR, and EXPIRE
 * when the key has no TTL yet); the window opens with the first call and
 * its TTL is the Retry-After.
 *
 * Returns
 *   NGX_OK     allowed now: no limit (window 0 or -1, "off"), or Redis is
 *              unavailable and "sfu_redis_fail_mode open";
 *   NGX_ERROR  Redis is unavailable and "sfu_redis_fail_mode closed"
 *              (answer 503), or out of memory;
 *   NGX_AGAIN  the answer comes through handler.  As with
 *              ngx_http_read_client_request_body(), r->main->count has been
 *              raised: end the current step with NGX_DONE (return it from
 *              the content handler, or ngx_http_finalize_request(r,
 *              NGX_DONE) from a body handler).  The handler then runs once,
 *              unless the request is terminated first, and must finalize
 *              the request.
 */
ngx_int_t ngx_http_sfu_rate_check(ngx_http_request_t *r,
    ngx_http_sfu_rate_t *rate, const char *scope, ngx_str_t *key,
    ngx_http_sfu_rate_handler_pt handler);


/* sfu_room_create_rate, sfu_join_rate: off | "10r/s" | "30r/m" | "500r/h" */
char *ngx_http_sfu_rate_conf_limit(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* sfu_ws_message_rate: off | rate [burst=number] */
char *ngx_http_sfu_rate_conf_bucket(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_SFU_RATELIMIT_H_INCLUDED_ */
