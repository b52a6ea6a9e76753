
/*
 * Asynchronous Redis on nginx's event loop: hiredis' async context driven
 * by an nginx connection on its socket, one per worker process.
 *
 * The socket is registered level-triggered: hiredis reads at most 16 KiB
 * per read callback and expects to be called again while more is buffered
 * in the kernel, which an edge-triggered registration would not do.
 */

#include "ngx_http_sfu_redis.h"
#include "ngx_http_sfu_lib_conn.h"

#include <hiredis/async.h>
#include <sys/un.h>


#define NGX_HTTP_SFU_REDIS_PORT         6379
#define NGX_HTTP_SFU_REDIS_BACKOFF_MIN  100
#define NGX_HTTP_SFU_REDIS_BACKOFF_MAX  5000


typedef enum {
    NGX_HTTP_SFU_REDIS_DISABLED = 0,
    NGX_HTTP_SFU_REDIS_DOWN,            /* waiting to reconnect */
    NGX_HTTP_SFU_REDIS_CONNECTING,      /* connect or first PING pending */
    NGX_HTTP_SFU_REDIS_UP
} ngx_http_sfu_redis_state_e;


typedef struct {
    u_char                         name[NGX_SOCKADDR_STRLEN + 1]; /* logs */
    char                           host[NGX_INET6_ADDRSTRLEN + 1];
    char                           path[sizeof(((struct sockaddr_un *) 0)
                                               ->sun_path)];
    int                            port;
    unsigned                       unix_socket:1;
} ngx_http_sfu_redis_addr_t;


typedef struct {
    ngx_http_sfu_redis_handler_pt  handler;
    void                          *data;
    ngx_pool_cleanup_t            *cleanup;
    ngx_event_t                    timer;
    ngx_queue_t                    queue;
} ngx_http_sfu_redis_cmd_t;


typedef struct {
    ngx_uint_t                     state;
    redisAsyncContext             *ac;
    ngx_http_sfu_redis_addr_t      addr;
    ngx_msec_t                     timeout;
    ngx_msec_t                     backoff;

    /* connect timeout while connecting, reconnect delay while down */
    ngx_event_t                    timer;

    ngx_queue_t                    commands;   /* in flight */
    unsigned                       lost:1;     /* the loss is logged */
} ngx_http_sfu_redis_t;


static ngx_int_t ngx_http_sfu_redis_parse(ngx_str_t *text,
    ngx_http_sfu_redis_addr_t *addr);
static void ngx_http_sfu_redis_connect(void);
static void ngx_http_sfu_redis_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_sfu_redis_ping(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_sfu_redis_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_http_sfu_redis_drop(const char *reason);
static void ngx_http_sfu_redis_down(const char *reason);
static void ngx_http_sfu_redis_timer(ngx_event_t *ev);
static void ngx_http_sfu_redis_read(ngx_event_t *rev);
static void ngx_http_sfu_redis_write(ngx_event_t *wev);
static void ngx_http_sfu_redis_add_read(void *privdata);
static void ngx_http_sfu_redis_del_read(void *privdata);
static void ngx_http_sfu_redis_add_write(void *privdata);
static void ngx_http_sfu_redis_del_write(void *privdata);
static void ngx_http_sfu_redis_watch(ngx_event_t *ev, ngx_int_t event,
    ngx_uint_t on);
static void ngx_http_sfu_redis_cleanup(void *privdata);
static void ngx_http_sfu_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_sfu_redis_command_timeout(ngx_event_t *ev);
static void ngx_http_sfu_redis_detach(void *data);


static ngx_http_sfu_redis_t  ngx_http_sfu_redis;


char *
ngx_http_sfu_redis_check_conf(ngx_conf_t *cf, ngx_http_sfu_main_conf_t *smcf)
{
    ngx_http_sfu_redis_addr_t  addr;

    if (smcf->redis_addr.len == 0) {
        if (smcf->create_rate.window > 0 || smcf->join_rate.window > 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "rate limits (\"sfu_room_create_rate\", "
                               "\"sfu_join_rate\") need \"sfu_redis\"");
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_sfu_redis_parse(&smcf->redis_addr, &addr) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"sfu_redis\" address \"%V\": use an IP "
                           "address and port, as in \"127.0.0.1:6379\" or "
                           "\"[::1]:6379\", or \"unix:/path\"; host names "
                           "are not resolved", &smcf->redis_addr);
        return NGX_CONF_ERROR;
    }

    if (smcf->redis_timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_redis_timeout\" must be more than 0");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* "unix:/path", "[v6]:port", "[v6]", "v4:port", "v4" */

static ngx_int_t
ngx_http_sfu_redis_parse(ngx_str_t *text, ngx_http_sfu_redis_addr_t *addr)
{
    u_char     *p, *last, *host, *port;
    size_t      len;
    ngx_int_t   n;

    ngx_memzero(addr, sizeof(ngx_http_sfu_redis_addr_t));

    p = text->data;
    last = p + text->len;

    if (text->len > 5 && ngx_strncmp(p, "unix:", 5) == 0) {
        len = text->len - 5;

        if (len >= sizeof(addr->path)) {
            return NGX_ERROR;
        }

        ngx_memcpy(addr->path, p + 5, len);
        addr->unix_socket = 1;

        return NGX_OK;
    }

    if (*p == '[') {
        host = p + 1;
        p = ngx_strlchr(host, last, ']');

        if (p == NULL) {
            return NGX_ERROR;
        }

        len = p - host;
        p++;

        if (len == 0 || len > NGX_INET6_ADDRSTRLEN) {
            return NGX_ERROR;
        }

#if (NGX_HAVE_INET6)
        {
        struct in6_addr  in6;

        if (ngx_inet6_addr(host, len, in6.s6_addr) != NGX_OK) {
            return NGX_ERROR;
        }
        }
#else
        return NGX_ERROR;
#endif

    } else {
        host = p;
        p = ngx_strlchr(host, last, ':');

        if (p == NULL) {
            p = last;
        }

        len = p - host;

        if (len == 0 || len > NGX_INET_ADDRSTRLEN
            || ngx_inet_addr(host, len) == INADDR_NONE)
        {
            return NGX_ERROR;
        }
    }

    ngx_memcpy(addr->host, host, len);

    if (p == last) {
        addr->port = NGX_HTTP_SFU_REDIS_PORT;
        return NGX_OK;
    }

    if (*p != ':') {
        return NGX_ERROR;
    }

    port = p + 1;

    n = ngx_atoi(port, last - port);
    if (n < 1 || n > 65535) {
        return NGX_ERROR;
    }

    addr->port = (int) n;

    return NGX_OK;
}


ngx_int_t
ngx_http_sfu_redis_init_process(ngx_cycle_t *cycle)
{
    ngx_http_sfu_redis_t      *rd = &ngx_http_sfu_redis;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sfu_module);

    if (smcf == NULL || smcf->redis_addr.len == 0) {
        return NGX_OK;
    }

    /* checked at configuration time */
    (void) ngx_http_sfu_redis_parse(&smcf->redis_addr, &rd->addr);

    (void) ngx_cpystrn(rd->addr.name, smcf->redis_addr.data,
                       ngx_min(smcf->redis_addr.len + 1,
                               sizeof(rd->addr.name)));

    rd->timeout = smcf->redis_timeout;
    rd->backoff = NGX_HTTP_SFU_REDIS_BACKOFF_MIN;

    ngx_queue_init(&rd->commands);

    rd->timer.handler = ngx_http_sfu_redis_timer;
    rd->timer.data = rd;
    rd->timer.log = cycle->log;
    rd->timer.cancelable = 1;

    ngx_http_sfu_redis_connect();

    return NGX_OK;
}


void
ngx_http_sfu_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_queue_t               *q;
    redisAsyncContext         *ac;
    ngx_http_sfu_redis_t      *rd = &ngx_http_sfu_redis;
    ngx_http_sfu_redis_cmd_t  *cmd;

    if (rd->state == NGX_HTTP_SFU_REDIS_DISABLED) {
        return;
    }

    for (q = ngx_queue_head(&rd->commands);
         q != ngx_queue_sentinel(&rd->commands);
         q = ngx_queue_next(q))
    {
        cmd = ngx_queue_data(q, ngx_http_sfu_redis_cmd_t, queue);
        ngx_http_sfu_redis_detach(cmd);
    }

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    ac = rd->ac;
    rd->ac = NULL;
    rd->state = NGX_HTTP_SFU_REDIS_DISABLED;

    if (ac != NULL) {
        redisAsyncFree(ac);
    }
}


ngx_int_t
ngx_http_sfu_redis_status(void)
{
    return ngx_http_sfu_redis.state == NGX_HTTP_SFU_REDIS_UP
           ? NGX_OK : NGX_DECLINED;
}


static void
ngx_http_sfu_redis_connect(void)
{
    ngx_log_t             *log;
    ngx_connection_t      *c;
    redisAsyncContext     *ac;
    ngx_http_sfu_redis_t  *rd = &ngx_http_sfu_redis;

    log = ngx_cycle->log;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0, "sfu redis connect %s",
                   rd->addr.name);

    rd->state = NGX_HTTP_SFU_REDIS_CONNECTING;

    if (rd->addr.unix_socket) {
        ac = redisAsyncConnectUnix(rd->addr.path);

    } else {
        ac = redisAsyncConnect(rd->addr.host, rd->addr.port);
    }

    if (ac == NULL) {
        ngx_http_sfu_redis_down("out of memory");
        return;
    }

    if (ac->err) {
        /* the socket already failed, e.g. no such unix socket */
        ngx_http_sfu_redis_down(ac->errstr);
        redisAsyncFree(ac);
        return;
    }

    c = ngx_http_sfu_lib_conn_get(ac->c.fd, log, ac, ngx_http_sfu_redis_read,
                                  ngx_http_sfu_redis_write);
    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_http_sfu_redis_down("no free connections");
        return;
    }

    ac->ev.data = c;
    ac->ev.addRead = ngx_http_sfu_redis_add_read;
    ac->ev.delRead = ngx_http_sfu_redis_del_read;
    ac->ev.addWrite = ngx_http_sfu_redis_add_write;
    ac->ev.delWrite = ngx_http_sfu_redis_del_write;
    ac->ev.cleanup = ngx_http_sfu_redis_cleanup;

    rd->ac = ac;

    /* waits for the socket to become writable */
    (void) redisAsyncSetConnectCallback(ac, ngx_http_sfu_redis_connected);
    (void) redisAsyncSetDisconnectCallback(ac,
                                           ngx_http_sfu_redis_disconnected);

    ngx_add_timer(&rd->timer, rd->timeout);
}


static void
ngx_http_sfu_redis_connected(const redisAsyncContext *ac, int status)
{
    ngx_http_sfu_redis_t  *rd = &ngx_http_sfu_redis;

    if (status != REDIS_OK) {
        /* hiredis frees the context when this returns */
        rd->ac = NULL;
        ngx_http_sfu_redis_down(ac->errstr);
        return;
    }

    /*
     * Ready only when Redis answers, not when the kernel accepted: a
     * stopped server still completes TCP handshakes.  Should PING not go
     * out, the connect timer drops the connection.
     */

    (void) redisAsyncCommand(rd->ac, ngx_http_sfu_redis_ping, NULL, "PING");
}


static void
ngx_http_sfu_redis_ping(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply            *reply = r;
    ngx_http_sfu_redis_t  *rd = &ngx_http_sfu_redis;

    if (reply == NULL || ac != rd->ac) {
        /* the context is being freed; its owner logs why */
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        /* e.g. "LOADING Redis is loading the dataset in memory" */
        ngx_http_sfu_redis_drop(reply->str);
        return;
    }

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    rd->state = NGX_HTTP_SFU_REDIS_UP;
    rd->backoff = NGX_HTTP_SFU_REDIS_BACKOFF_MIN;

    if (rd->lost) {
        rd->lost = 0;
        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "sfu: redis %s is available again", rd->addr.name);
        return;
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "sfu redis connected");
}


static void
ngx_http_sfu_redis_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_http_sfu_redis_t  *rd = &ngx_http_sfu_redis;

    if (ac != rd->ac) {
        /* dropped by us: already accounted for */
        return;
    }

    rd->ac = NULL;

    ngx_http_sfu_redis_down(ac->errstr[0] ? ac->errstr : "connection closed");
}


/*
 * Closes the connection on our own initiative.  The pending commands'
 * handlers get NULL, now or, when called from a hiredis callback, as soon
 * as that returns.
 */

static void
ngx_http_sfu_redis_drop(const char *reason)
{
    redisAsyncContext     *ac;
    ngx_http_sfu_redis_t  *rd = &ngx_http_sfu_redis;

    ac = rd->ac;
    rd->ac = NULL;

    ngx_http_sfu_redis_down(reason);

    if (ac != NULL) {
        redisAsyncFree(ac);
    }
}


static void
ngx_http_sfu_redis_down(const char *reason)
{
    ngx_http_sfu_redis_t  *rd = &ngx_http_sfu_redis;

    rd->state = NGX_HTTP_SFU_REDIS_DOWN;

    if (!rd->lost) {
        rd->lost = 1;
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "sfu: redis %s is unavailable: %s; retrying",
                      rd->addr.name, reason);

    } else {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                       "sfu redis still unavailable: %s", reason);
    }

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    ngx_add_timer(&rd->timer, rd->backoff);

    rd->backoff = ngx_min(rd->backoff * 2, NGX_HTTP_SFU_REDIS_BACKOFF_MAX);
}


static void
ngx_http_sfu_redis_timer(ngx_event_t *ev)
{
    ngx_http_sfu_redis_t  *rd = ev->data;

    switch (rd->state) {

    case NGX_HTTP_SFU_REDIS_DOWN:
        ngx_http_sfu_redis_connect();
        return;

    case NGX_HTTP_SFU_REDIS_CONNECTING:
        ngx_http_sfu_redis_drop("connection timed out");
        return;

    default:
        return;
    }
}


static void
ngx_http_sfu_redis_read(ngx_event_t *rev)
{
    ngx_connection_t  *c = rev->data;

    redisAsyncHandleRead(c->data);
}


static void
ngx_http_sfu_redis_write(ngx_event_t *wev)
{
    ngx_connection_t  *c = wev->data;

    redisAsyncHandleWrite(c->data);
}


static void
ngx_http_sfu_redis_add_read(void *privdata)
{
    ngx_connection_t  *c = privdata;

    ngx_http_sfu_redis_watch(c->read, NGX_READ_EVENT, 1);
}


static void
ngx_http_sfu_redis_del_read(void *privdata)
{
    ngx_connection_t  *c = privdata;

    ngx_http_sfu_redis_watch(c->read, NGX_READ_EVENT, 0);
}


static void
ngx_http_sfu_redis_add_write(void *privdata)
{
    ngx_connection_t  *c = privdata;

    ngx_http_sfu_redis_watch(c->write, NGX_WRITE_EVENT, 1);
}


static void
ngx_http_sfu_redis_del_write(void *privdata)
{
    ngx_connection_t  *c = privdata;

    ngx_http_sfu_redis_watch(c->write, NGX_WRITE_EVENT, 0);
}


/* hiredis' hooks are idempotent: act only on a change */

static void
ngx_http_sfu_redis_watch(ngx_event_t *ev, ngx_int_t event, ngx_uint_t on)
{
    if (on && !ev->active) {
        if (ngx_add_event(ev, event, NGX_LEVEL_EVENT) != NGX_OK) {
            ngx_log_error(NGX_LOG_ALERT, ev->log, 0,
                          "sfu: cannot watch the redis socket");
        }

    } else if (!on && ev->active) {
        (void) ngx_del_event(ev, event, 0);
    }
}


/* hiredis is about to close the socket: release the nginx connection */

static void
ngx_http_sfu_redis_cleanup(void *privdata)
{
    ngx_connection_t  *c = privdata;

    redisAsyncContext  *ac;

    ac = c->data;
    ac->ev.data = NULL;

    ngx_http_sfu_redis_del_read(c);
    ngx_http_sfu_redis_del_write(c);

    ngx_http_sfu_lib_conn_free(c);
}


ngx_int_t
ngx_http_sfu_redis_command(ngx_pool_t *pool,
    ngx_http_sfu_redis_handler_pt handler, void *data, const char *fmt, ...)
{
    int                        rc;
    va_list                    args;
    ngx_pool_cleanup_t        *cln;
    ngx_http_sfu_redis_t      *rd = &ngx_http_sfu_redis;
    ngx_http_sfu_redis_cmd_t  *cmd;

    /*
     * While the connection is being made (a worker's start, a reconnect)
     * a command waits for it in hiredis' buffer, within its own timeout:
     * should the connection fail, its handler gets NULL like any other
     * command's, so a request meets the same Redis-down answer whenever
     * it came.  Between attempts, and on a context that hiredis is
     * tearing down (its pending handlers run before we hear of the loss),
     * commands are refused at once.
     */

    if ((rd->state != NGX_HTTP_SFU_REDIS_UP
         && rd->state != NGX_HTTP_SFU_REDIS_CONNECTING)
        || rd->ac == NULL
        || (rd->ac->c.flags & (REDIS_DISCONNECTING|REDIS_FREEING)))
    {
        return NGX_DECLINED;
    }

    /* outlives the pool when the request goes first */
    cmd = ngx_calloc(sizeof(ngx_http_sfu_redis_cmd_t), ngx_cycle->log);
    if (cmd == NULL) {
        return NGX_ERROR;
    }

    cln = NULL;

    if (pool != NULL) {
        cln = ngx_pool_cleanup_add(pool, 0);
        if (cln == NULL) {
            ngx_free(cmd);
            return NGX_ERROR;
        }
    }

    va_start(args, fmt);
    rc = redisvAsyncCommand(rd->ac, ngx_http_sfu_redis_reply, cmd, fmt, args);
    va_end(args);

    if (rc != REDIS_OK) {
        ngx_free(cmd);
        return NGX_ERROR;
    }

    if (cln != NULL) {
        cln->handler = ngx_http_sfu_redis_detach;
        cln->data = cmd;
    }

    cmd->handler = handler;
    cmd->data = data;
    cmd->cleanup = cln;

    cmd->timer.handler = ngx_http_sfu_redis_command_timeout;
    cmd->timer.data = cmd;
    cmd->timer.log = ngx_cycle->log;

    ngx_add_timer(&cmd->timer, rd->timeout);

    ngx_queue_insert_tail(&rd->commands, &cmd->queue);

    return NGX_OK;
}


static void
ngx_http_sfu_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    ngx_http_sfu_redis_cmd_t  *cmd = privdata;

    void                           *data;
    ngx_http_sfu_redis_handler_pt   handler;

    ngx_queue_remove(&cmd->queue);

    if (cmd->timer.timer_set) {
        ngx_del_timer(&cmd->timer);
    }

    if (cmd->cleanup != NULL) {
        cmd->cleanup->handler = NULL;
    }

    handler = cmd->handler;
    data = cmd->data;

    ngx_free(cmd);

    if (handler != NULL) {
        handler(data, r);
    }
}


/*
 * Commands are answered in order: one that takes too long holds up all
 * that follow, so the connection is treated as lost.
 */

static void
ngx_http_sfu_redis_command_timeout(ngx_event_t *ev)
{
    ngx_http_sfu_redis_drop("command timed out");
}


static void
ngx_http_sfu_redis_detach(void *data)
{
    ngx_http_sfu_redis_cmd_t  *cmd = data;

    cmd->handler = NULL;

    if (cmd->cleanup != NULL) {
        cmd->cleanup->handler = NULL;
        cmd->cleanup = NULL;
    }
}
