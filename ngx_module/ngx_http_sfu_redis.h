
/*
 * Asynchronous Redis (hiredis) on nginx's event loop, and the fixed-window
 * rate limiter built on it.
 *
 * Every nginx worker process holds one connection to the address of
 * "sfu_redis" ("127.0.0.1:6379", "[::1]:6379" or "unix:/path"; never a host
 * name).  The connection is ready once a PING has been answered; a lost
 * connection is retried with exponential backoff (100 ms doubling up to
 * 5 s).  Each worker logs one "error" line when it loses Redis and one
 * "notice" line when it has it back.
 */

#ifndef _NGX_HTTP_SFU_REDIS_H_INCLUDED_
#define _NGX_HTTP_SFU_REDIS_H_INCLUDED_


#include "ngx_http_sfu_module.h"

#include <hiredis/hiredis.h>


/*
 * reply is NULL when Redis became unavailable or the command took longer
 * than "sfu_redis_timeout"; otherwise it is hiredis' reply, freed when the
 * handler returns (copy what you keep).  A REDIS_REPLY_ERROR reply is
 * passed through as it is.
 */
typedef void (*ngx_http_sfu_redis_handler_pt)(void *data, redisReply *reply);

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
 * Validates "sfu_redis" (IP address or unix socket) and "sfu_redis_timeout",
 * and refuses a rate limit without Redis.  Call from init_main_conf, after
 * the defaults are set.
 */
char *ngx_http_sfu_redis_check_conf(ngx_conf_t *cf,
    ngx_http_sfu_main_conf_t *smcf);

/* Connects this worker process; does nothing when "sfu_redis" is unset. */
ngx_int_t ngx_http_sfu_redis_init_process(ngx_cycle_t *cycle);

/* Closes the connection; pending handlers are dropped, never called. */
void ngx_http_sfu_redis_exit_process(ngx_cycle_t *cycle);

/* NGX_OK when the connection is ready for commands, else NGX_DECLINED. */
ngx_int_t ngx_http_sfu_redis_status(void);

/*
 * Sends a command in hiredis' format ("INCR %b", ...).  Returns
 *   NGX_OK        queued: the handler is called exactly once, later, from
 *                 the event loop (never from inside this call) -- unless
 *                 "pool" is destroyed first, which detaches the handler, so
 *                 a finished or aborted request is never touched.  pool may
 *                 be NULL (fire and forget, or a process-wide caller);
 *   NGX_DECLINED  Redis is not available right now; the handler is not
 *                 called;
 *   NGX_ERROR     out of memory or a bad format; the handler is not called.
 */
ngx_int_t ngx_http_sfu_redis_command(ngx_pool_t *pool,
    ngx_http_sfu_redis_handler_pt handler, void *data, const char *fmt, ...);

/*
 * Fixed-window rate limit: at most rate->count calls per rate->window
 * seconds for one key.  The counter is the Redis key
 * "sfu:rl:<key>:<window seconds>", incremented by one EVAL (INCR, and EXPIRE
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
    ngx_http_sfu_rate_t *rate, ngx_str_t *key,
    ngx_http_sfu_rate_handler_pt handler);


#endif /* _NGX_HTTP_SFU_REDIS_H_INCLUDED_ */
