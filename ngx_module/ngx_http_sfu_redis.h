
/*
 * Asynchronous Redis (hiredis) on nginx's event loop; the rate limiter
 * built on it is ngx_http_sfu_ratelimit.c.
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


#endif /* _NGX_HTTP_SFU_REDIS_H_INCLUDED_ */
