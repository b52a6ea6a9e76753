
/*
 * Non-blocking PostgreSQL on nginx's event loop.
 *
 * Each nginx worker keeps sfu_postgres_pool libpq connections.  Their
 * sockets are nginx connections; libpq only ever runs non-blocking
 * (PQconnectPoll, PQsendQueryPrepared, PQconsumeInput), and the conninfo
 * may name numeric addresses only, so no DNS lookup happens in the loop.
 * Every connection first runs the setup SQL (statement_timeout, and the
 * schema migrations until one connection of the worker has applied them).
 */

#include "ngx_http_sfu_pg.h"

#include <arpa/inet.h>


#define NGX_HTTP_SFU_PG_BACKOFF_MIN   100
#define NGX_HTTP_SFU_PG_BACKOFF_MAX   3000


typedef enum {
    NGX_HTTP_SFU_PG_CLOSED = 0,
    NGX_HTTP_SFU_PG_CONNECTING,
    NGX_HTTP_SFU_PG_SETUP,
    NGX_HTTP_SFU_PG_IDLE,
    NGX_HTTP_SFU_PG_PREPARING,
    NGX_HTTP_SFU_PG_BUSY
} ngx_http_sfu_pg_state_e;


typedef struct ngx_http_sfu_pg_query_s  ngx_http_sfu_pg_query_t;


typedef struct {
    PGconn                        *conn;
    ngx_connection_t              *c;
    ngx_http_sfu_pg_state_e        state;
    ngx_http_sfu_pg_query_t       *query;      /* NULL once abandoned */
    PGresult                      *result;
    ngx_http_sfu_pg_status_e       status;
    uint64_t                       prepared;
    ngx_event_t                    timer;      /* connect timeout, retry */
    ngx_msec_t                     backoff;
} ngx_http_sfu_pg_conn_t;


struct ngx_http_sfu_pg_query_s {
    ngx_queue_t                    queue;
    ngx_http_sfu_pg_stmt_t        *stmt;
    ngx_uint_t                     nparams;
    char                          *values[NGX_HTTP_SFU_PG_MAX_PARAMS];
    int                            lengths[NGX_HTTP_SFU_PG_MAX_PARAMS];
    ngx_http_sfu_pg_handler_pt     handler;
    void                          *data;
    ngx_http_sfu_pg_conn_t        *conn;
    ngx_event_t                    timeout;
    ngx_pool_t                    *pool;
    unsigned                       queued:1;
    unsigned                       done:1;
    unsigned                       own_pool:1;
};


typedef struct {
    ngx_http_sfu_pg_conn_t        *conns;
    ngx_uint_t                     nconns;
    ngx_queue_t                    waiting;
    ngx_event_t                    dispatch;
    ngx_msec_t                     timeout;
    char                          *conninfo;
    char                          *setup_sql;
    char                          *schema_setup_sql;
    ngx_log_t                     *log;
    unsigned                       schema_ready:1;
    unsigned                       up:1;
    unsigned                       down_logged:1;
    unsigned                       exiting:1;
} ngx_http_sfu_pg_t;


static ngx_http_sfu_pg_t  ngx_http_sfu_pg;


static void ngx_http_sfu_pg_connect(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_connect_poll(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_close(ngx_http_sfu_pg_conn_t *pc,
    const char *why);
static ngx_int_t ngx_http_sfu_pg_watch(ngx_http_sfu_pg_conn_t *pc,
    ngx_uint_t write);
static void ngx_http_sfu_pg_unwatch(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_event_handler(ngx_event_t *ev);
static void ngx_http_sfu_pg_timer_handler(ngx_event_t *ev);
static void ngx_http_sfu_pg_read(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_flush(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_finished(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_send(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_dispatch(ngx_event_t *ev);
static void ngx_http_sfu_pg_complete(ngx_http_sfu_pg_query_t *q,
    ngx_http_sfu_pg_status_e status, PGresult *res);
static void ngx_http_sfu_pg_fail_waiting(void);
static void ngx_http_sfu_pg_update_state(const char *why);
static void ngx_http_sfu_pg_query_timeout(ngx_event_t *ev);
static void ngx_http_sfu_pg_query_cleanup(void *data);
static void ngx_http_sfu_pg_notice(void *arg, const char *message);
static void ngx_http_sfu_pg_log(ngx_uint_t level, const char *what,
    const char *message);


char *
ngx_http_sfu_pg_check_conf(ngx_conf_t *cf, ngx_http_sfu_main_conf_t *smcf)
{
    char               *err;
    u_char             *conninfo;
    ngx_uint_t          hostaddr;
    struct in6_addr     addr6;
    PQconninfoOption   *opts, *o;
    char               *host;

    conninfo = ngx_pnalloc(cf->pool, smcf->pg_conninfo.len + 1);
    if (conninfo == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_cpystrn(conninfo, smcf->pg_conninfo.data, smcf->pg_conninfo.len + 1);

    err = NULL;
    opts = PQconninfoParse((char *) conninfo, &err);

    if (opts == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"sfu_postgres\" conninfo: %s",
                           err ? err : "out of memory");
        PQfreemem(err);
        return NGX_CONF_ERROR;
    }

    hostaddr = 0;
    host = NULL;

    for (o = opts; o->keyword; o++) {
        if (o->val == NULL) {
            continue;
        }

        if (ngx_strcmp(o->keyword, "hostaddr") == 0) {
            hostaddr = 1;

        } else if (ngx_strcmp(o->keyword, "host") == 0) {
            host = o->val;
        }
    }

    /* a host name would make libpq resolve it inside the event loop */

    if (!hostaddr && host != NULL && host[0] != '/'
        && inet_pton(AF_INET, host, &addr6) != 1
        && inet_pton(AF_INET6, host, &addr6) != 1)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_postgres\" names host \"%s\", which "
                           "would need a DNS lookup: give its address "
                           "with \"hostaddr=\"", host);
        PQconninfoFree(opts);
        return NGX_CONF_ERROR;
    }

    PQconninfoFree(opts);

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_sfu_pg_init_process(ngx_cycle_t *cycle)
{
    size_t                     len;
    ngx_uint_t                 i;
    ngx_http_sfu_pg_conn_t    *pc;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sfu_module);

    if (smcf == NULL || smcf->pg_conninfo.len == 0) {
        return NGX_OK;
    }

    ngx_memzero(&ngx_http_sfu_pg, sizeof(ngx_http_sfu_pg_t));

    ngx_http_sfu_pg.log = cycle->log;
    ngx_http_sfu_pg.timeout = smcf->pg_timeout;
    ngx_queue_init(&ngx_http_sfu_pg.waiting);

    ngx_http_sfu_pg.conninfo = ngx_pnalloc(cycle->pool,
                                           smcf->pg_conninfo.len + 1);
    if (ngx_http_sfu_pg.conninfo == NULL) {
        return NGX_ERROR;
    }

    ngx_cpystrn((u_char *) ngx_http_sfu_pg.conninfo, smcf->pg_conninfo.data,
                smcf->pg_conninfo.len + 1);

    len = sizeof("SET statement_timeout = 18446744073709551615;") - 1;

    ngx_http_sfu_pg.setup_sql = ngx_pnalloc(cycle->pool, len + 1);
    ngx_http_sfu_pg.schema_setup_sql =
        ngx_pnalloc(cycle->pool, len + ngx_strlen(ngx_http_sfu_schema_sql) + 1);

    if (ngx_http_sfu_pg.setup_sql == NULL
        || ngx_http_sfu_pg.schema_setup_sql == NULL)
    {
        return NGX_ERROR;
    }

    ngx_sprintf((u_char *) ngx_http_sfu_pg.setup_sql,
                "SET statement_timeout = %M;%Z", smcf->pg_timeout);
    ngx_sprintf((u_char *) ngx_http_sfu_pg.schema_setup_sql,
                "%s%s%Z", ngx_http_sfu_pg.setup_sql, ngx_http_sfu_schema_sql);

    ngx_http_sfu_pg.dispatch.handler = ngx_http_sfu_pg_dispatch;
    ngx_http_sfu_pg.dispatch.log = cycle->log;
    ngx_http_sfu_pg.dispatch.cancelable = 1;

    ngx_http_sfu_pg.nconns = smcf->pg_pool_size;
    ngx_http_sfu_pg.conns = ngx_pcalloc(cycle->pool,
                                        smcf->pg_pool_size
                                        * sizeof(ngx_http_sfu_pg_conn_t));
    if (ngx_http_sfu_pg.conns == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < ngx_http_sfu_pg.nconns; i++) {
        pc = &ngx_http_sfu_pg.conns[i];

        pc->timer.handler = ngx_http_sfu_pg_timer_handler;
        pc->timer.data = pc;
        pc->timer.log = cycle->log;
        pc->timer.cancelable = 1;

        ngx_http_sfu_pg_connect(pc);
    }

    return NGX_OK;
}


void
ngx_http_sfu_pg_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t               i;
    ngx_http_sfu_pg_conn_t  *pc;

    ngx_http_sfu_pg.exiting = 1;

    for (i = 0; i < ngx_http_sfu_pg.nconns; i++) {
        pc = &ngx_http_sfu_pg.conns[i];

        if (pc->state != NGX_HTTP_SFU_PG_CLOSED) {
            ngx_http_sfu_pg_close(pc, NULL);
        }
    }
}


ngx_int_t
ngx_http_sfu_pg_status(void)
{
    return (ngx_http_sfu_pg.up && ngx_http_sfu_pg.schema_ready)
           ? NGX_OK : NGX_DECLINED;
}


ngx_int_t
ngx_http_sfu_pg_query(ngx_pool_t *pool, ngx_log_t *log,
    ngx_http_sfu_pg_stmt_t *stmt, ngx_uint_t nparams, ngx_str_t *params,
    ngx_http_sfu_pg_handler_pt handler, void *data)
{
    ngx_uint_t                i, connecting, own_pool;
    ngx_pool_cleanup_t       *cln;
    ngx_http_sfu_pg_query_t  *q;

    if (ngx_http_sfu_pg.conns == NULL
        || nparams > NGX_HTTP_SFU_PG_MAX_PARAMS
        || stmt->index >= 64)
    {
        return NGX_ERROR;
    }

    connecting = 0;

    for (i = 0; i < ngx_http_sfu_pg.nconns; i++) {
        if (ngx_http_sfu_pg.conns[i].state != NGX_HTTP_SFU_PG_CLOSED) {
            connecting = 1;
            break;
        }
    }

    if (!connecting) {
        return NGX_DECLINED;
    }

    q = NULL;
    own_pool = (pool == NULL);

    if (own_pool) {
        pool = ngx_create_pool(1024, log);
        if (pool == NULL) {
            return NGX_ERROR;
        }
    }

    cln = ngx_pool_cleanup_add(pool, sizeof(ngx_http_sfu_pg_query_t));
    if (cln == NULL) {
        goto failed;
    }

    q = cln->data;
    ngx_memzero(q, sizeof(ngx_http_sfu_pg_query_t));

    q->own_pool = own_pool;
    q->stmt = stmt;
    q->nparams = nparams;
    q->handler = handler;
    q->data = data;
    q->pool = pool;

    for (i = 0; i < nparams; i++) {
        if (params[i].data == NULL) {
            q->values[i] = NULL;        /* SQL NULL */
            continue;
        }

        q->values[i] = ngx_pnalloc(pool, params[i].len + 1);
        if (q->values[i] == NULL) {
            goto failed;
        }

        ngx_memcpy(q->values[i], params[i].data, params[i].len);
        q->values[i][params[i].len] = '\0';
        q->lengths[i] = params[i].len;
    }

    q->timeout.handler = ngx_http_sfu_pg_query_timeout;
    q->timeout.data = q;
    q->timeout.log = log;
    ngx_add_timer(&q->timeout, ngx_http_sfu_pg.timeout);

    cln->handler = ngx_http_sfu_pg_query_cleanup;

    ngx_queue_insert_tail(&ngx_http_sfu_pg.waiting, &q->queue);
    q->queued = 1;

    if (!ngx_http_sfu_pg.dispatch.posted) {
        ngx_post_event(&ngx_http_sfu_pg.dispatch, &ngx_posted_events);
    }

    return NGX_OK;

failed:

    if (own_pool) {
        ngx_destroy_pool(pool);
    }

    return NGX_ERROR;
}


static void
ngx_http_sfu_pg_query_cleanup(void *data)
{
    ngx_http_sfu_pg_query_t  *q = data;

    if (q->done) {
        return;
    }

    q->done = 1;

    if (q->timeout.timer_set) {
        ngx_del_timer(&q->timeout);
    }

    if (q->queued) {
        ngx_queue_remove(&q->queue);
        q->queued = 0;
    }

    /* the connection still reads the answer, then drops it */

    if (q->conn) {
        q->conn->query = NULL;
        q->conn = NULL;
    }
}


static void
ngx_http_sfu_pg_complete(ngx_http_sfu_pg_query_t *q,
    ngx_http_sfu_pg_status_e status, PGresult *res)
{
    ngx_pool_t                  *pool;
    ngx_uint_t                   own_pool;
    ngx_http_sfu_pg_handler_pt   handler;
    void                        *data;

    ngx_http_sfu_pg_query_cleanup(q);

    /* the handler may destroy the pool q lives in */

    handler = q->handler;
    data = q->data;
    pool = q->pool;
    own_pool = q->own_pool;

    handler(data, status, res);

    if (own_pool) {
        ngx_destroy_pool(pool);
    }
}


static void
ngx_http_sfu_pg_query_timeout(ngx_event_t *ev)
{
    ngx_http_sfu_pg_conn_t   *pc;
    ngx_http_sfu_pg_query_t  *q = ev->data;

    ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                  "sfu: PostgreSQL statement \"%s\" timed out",
                  q->stmt->name);

    pc = q->conn;

    ngx_http_sfu_pg_complete(q, NGX_HTTP_SFU_PG_TIMEOUT, NULL);

    /* a connection that does not answer in time is not trusted again */

    if (pc != NULL) {
        ngx_http_sfu_pg_close(pc, "statement timed out");
    }
}


static void
ngx_http_sfu_pg_connect(ngx_http_sfu_pg_conn_t *pc)
{
    pc->conn = PQconnectStart(ngx_http_sfu_pg.conninfo);

    if (pc->conn == NULL) {
        ngx_http_sfu_pg_close(pc, "out of memory");
        return;
    }

    if (PQstatus(pc->conn) == CONNECTION_BAD
        || PQsetnonblocking(pc->conn, 1) != 0)
    {
        ngx_http_sfu_pg_close(pc, PQerrorMessage(pc->conn));
        return;
    }

    PQsetNoticeProcessor(pc->conn, ngx_http_sfu_pg_notice, NULL);

    pc->state = NGX_HTTP_SFU_PG_CONNECTING;
    ngx_add_timer(&pc->timer, ngx_http_sfu_pg.timeout);

    if (ngx_http_sfu_pg_watch(pc, 1) != NGX_OK) {
        ngx_http_sfu_pg_close(pc, "cannot watch the socket");
    }
}


static void
ngx_http_sfu_pg_connect_poll(ngx_http_sfu_pg_conn_t *pc)
{
    const char                *sql;
    PostgresPollingStatusType  poll;

    /*
     * libpq may replace the socket while connecting (SSL or GSS fallback),
     * so the old one leaves the event loop while it is still open.
     */

    ngx_http_sfu_pg_unwatch(pc);

    poll = PQconnectPoll(pc->conn);

    switch (poll) {

    case PGRES_POLLING_READING:
    case PGRES_POLLING_WRITING:
        if (ngx_http_sfu_pg_watch(pc, poll == PGRES_POLLING_WRITING)
            != NGX_OK)
        {
            ngx_http_sfu_pg_close(pc, "cannot watch the socket");
        }

        return;

    case PGRES_POLLING_OK:
        break;

    default:
        ngx_http_sfu_pg_close(pc, PQerrorMessage(pc->conn));
        return;
    }

    if (ngx_http_sfu_pg_watch(pc, 0) != NGX_OK) {
        ngx_http_sfu_pg_close(pc, "cannot watch the socket");
        return;
    }

    sql = ngx_http_sfu_pg.schema_ready ? ngx_http_sfu_pg.setup_sql
                                       : ngx_http_sfu_pg.schema_setup_sql;

    if (!PQsendQuery(pc->conn, sql)) {
        ngx_http_sfu_pg_close(pc, PQerrorMessage(pc->conn));
        return;
    }

    pc->state = NGX_HTTP_SFU_PG_SETUP;
    pc->status = NGX_HTTP_SFU_PG_OK;

    ngx_http_sfu_pg_flush(pc);
}


static void
ngx_http_sfu_pg_close(ngx_http_sfu_pg_conn_t *pc, const char *why)
{
    ngx_http_sfu_pg_query_t  *q;

    if (pc->timer.timer_set) {
        ngx_del_timer(&pc->timer);
    }

    ngx_http_sfu_pg_unwatch(pc);

    if (pc->result) {
        PQclear(pc->result);
        pc->result = NULL;
    }

    if (pc->conn) {
        PQfinish(pc->conn);
        pc->conn = NULL;
    }

    pc->state = NGX_HTTP_SFU_PG_CLOSED;
    pc->prepared = 0;

    q = pc->query;
    pc->query = NULL;

    if (q != NULL) {
        q->conn = NULL;
        ngx_http_sfu_pg_complete(q, NGX_HTTP_SFU_PG_UNAVAILABLE, NULL);
    }

    if (ngx_http_sfu_pg.exiting) {
        return;
    }

    ngx_http_sfu_pg_update_state(why);

    pc->backoff = pc->backoff ? ngx_min(pc->backoff * 2,
                                        NGX_HTTP_SFU_PG_BACKOFF_MAX)
                              : NGX_HTTP_SFU_PG_BACKOFF_MIN;

    ngx_add_timer(&pc->timer, pc->backoff);
}


static ngx_int_t
ngx_http_sfu_pg_watch(ngx_http_sfu_pg_conn_t *pc, ngx_uint_t write)
{
    ngx_socket_t       fd;
    ngx_connection_t  *c;

    fd = PQsocket(pc->conn);
    if (fd == -1) {
        return NGX_ERROR;
    }

    c = ngx_get_connection(fd, ngx_http_sfu_pg.log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->data = pc;
    c->read->handler = ngx_http_sfu_pg_event_handler;
    c->write->handler = ngx_http_sfu_pg_event_handler;
    c->read->log = ngx_http_sfu_pg.log;
    c->write->log = ngx_http_sfu_pg.log;

    pc->c = c;

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    if (write && ngx_handle_write_event(c->write, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_sfu_pg_unwatch(ngx_http_sfu_pg_conn_t *pc)
{
    ngx_uint_t         flags;
    ngx_connection_t  *c;

    c = pc->c;
    if (c == NULL) {
        return;
    }

    pc->c = NULL;

    /*
     * libpq owns the socket.  It may already have closed it on seeing the
     * server go away; the kernel then dropped it from epoll by itself.
     */

    flags = (pc->conn == NULL || PQsocket(pc->conn) != c->fd)
            ? NGX_CLOSE_EVENT : 0;

    if (ngx_del_conn && (c->read->active || c->write->active)) {
        ngx_del_conn(c, flags);

    } else {
        if (c->read->active || c->read->disabled) {
            ngx_del_event(c->read, NGX_READ_EVENT, flags);
        }

        if (c->write->active || c->write->disabled) {
            ngx_del_event(c->write, NGX_WRITE_EVENT, flags);
        }
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    ngx_free_connection(c);
}


static void
ngx_http_sfu_pg_event_handler(ngx_event_t *ev)
{
    ngx_connection_t        *c;
    ngx_http_sfu_pg_conn_t  *pc;

    c = ev->data;
    pc = c->data;

    if (pc->state == NGX_HTTP_SFU_PG_CONNECTING) {
        ngx_http_sfu_pg_connect_poll(pc);
        return;
    }

    if (ev->write) {
        ngx_http_sfu_pg_flush(pc);
        return;
    }

    ngx_http_sfu_pg_read(pc);
}


static void
ngx_http_sfu_pg_timer_handler(ngx_event_t *ev)
{
    ngx_http_sfu_pg_conn_t  *pc = ev->data;

    if (pc->state == NGX_HTTP_SFU_PG_CLOSED) {
        ngx_http_sfu_pg_connect(pc);
        return;
    }

    ngx_http_sfu_pg_close(pc, "connection timed out");
}


static void
ngx_http_sfu_pg_flush(ngx_http_sfu_pg_conn_t *pc)
{
    int  rc;

    rc = PQflush(pc->conn);

    if (rc == -1) {
        ngx_http_sfu_pg_close(pc, PQerrorMessage(pc->conn));
        return;
    }

    if (rc == 1) {
        pc->c->write->ready = 0;

        if (ngx_handle_write_event(pc->c->write, 0) != NGX_OK) {
            ngx_http_sfu_pg_close(pc, "cannot watch the socket");
        }
    }
}


static void
ngx_http_sfu_pg_read(ngx_http_sfu_pg_conn_t *pc)
{
    PGresult        *res;
    PGnotify        *notify;
    ExecStatusType   st;

    if (!PQconsumeInput(pc->conn)) {
        ngx_http_sfu_pg_close(pc, PQerrorMessage(pc->conn));
        return;
    }

    /* libpq read everything there was: no more until the next edge */

    pc->c->read->ready = 0;

    while ((notify = PQnotifies(pc->conn)) != NULL) {
        PQfreemem(notify);
    }

    if (pc->state == NGX_HTTP_SFU_PG_IDLE) {
        if (PQstatus(pc->conn) == CONNECTION_BAD) {
            ngx_http_sfu_pg_close(pc, PQerrorMessage(pc->conn));
            return;
        }

        goto rearm;
    }

    while (!PQisBusy(pc->conn)) {

        res = PQgetResult(pc->conn);

        if (res == NULL) {
            ngx_http_sfu_pg_finished(pc);
            return;
        }

        st = PQresultStatus(res);

        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            if (pc->status == NGX_HTTP_SFU_PG_OK) {
                ngx_http_sfu_pg_log(NGX_LOG_ERR,
                              pc->query ? pc->query->stmt->name : "setup",
                              PQresultErrorMessage(res));
            }

            pc->status = NGX_HTTP_SFU_PG_FAILED;
        }

        /* of a multi-statement string only the last result matters */

        if (pc->result) {
            PQclear(pc->result);
        }

        pc->result = res;
    }

    if (PQstatus(pc->conn) == CONNECTION_BAD) {
        ngx_http_sfu_pg_close(pc, PQerrorMessage(pc->conn));
        return;
    }

rearm:

    if (ngx_handle_read_event(pc->c->read, 0) != NGX_OK) {
        ngx_http_sfu_pg_close(pc, "cannot watch the socket");
    }
}


static void
ngx_http_sfu_pg_finished(ngx_http_sfu_pg_conn_t *pc)
{
    PGresult                 *res;
    ngx_http_sfu_pg_state_e   state;
    ngx_http_sfu_pg_query_t  *q;

    res = pc->result;
    pc->result = NULL;
    state = pc->state;
    pc->state = NGX_HTTP_SFU_PG_IDLE;

    switch (state) {

    case NGX_HTTP_SFU_PG_SETUP:
        PQclear(res);

        if (pc->status != NGX_HTTP_SFU_PG_OK) {
            ngx_http_sfu_pg_close(pc, "the connection setup failed");
            return;
        }

        if (pc->timer.timer_set) {
            ngx_del_timer(&pc->timer);
        }

        pc->backoff = 0;
        ngx_http_sfu_pg.schema_ready = 1;
        ngx_http_sfu_pg_update_state(NULL);
        break;

    case NGX_HTTP_SFU_PG_PREPARING:
        PQclear(res);

        if (pc->status != NGX_HTTP_SFU_PG_OK) {
            q = pc->query;
            pc->query = NULL;

            if (q != NULL) {
                q->conn = NULL;
                ngx_http_sfu_pg_complete(q, NGX_HTTP_SFU_PG_FAILED, NULL);
            }

            break;
        }

        if (pc->query == NULL) {
            break;
        }

        pc->prepared |= (uint64_t) 1 << pc->query->stmt->index;
        ngx_http_sfu_pg_send(pc);
        return;

    default: /* NGX_HTTP_SFU_PG_BUSY */
        q = pc->query;
        pc->query = NULL;

        if (q != NULL) {
            q->conn = NULL;
            ngx_http_sfu_pg_complete(q, pc->status,
                                     pc->status == NGX_HTTP_SFU_PG_OK
                                     ? res : NULL);
        }

        PQclear(res);

        /* the handler may have closed every connection (exit) */

        if (pc->state != NGX_HTTP_SFU_PG_IDLE) {
            return;
        }

        break;
    }

    if (!ngx_queue_empty(&ngx_http_sfu_pg.waiting)
        && !ngx_http_sfu_pg.dispatch.posted)
    {
        ngx_post_event(&ngx_http_sfu_pg.dispatch, &ngx_posted_events);
    }

    if (ngx_handle_read_event(pc->c->read, 0) != NGX_OK) {
        ngx_http_sfu_pg_close(pc, "cannot watch the socket");
    }
}


/* sends pc->query: prepares its statement first where needed */

static void
ngx_http_sfu_pg_send(ngx_http_sfu_pg_conn_t *pc)
{
    int                       ok;
    ngx_http_sfu_pg_query_t  *q;

    q = pc->query;
    pc->status = NGX_HTTP_SFU_PG_OK;

    if (pc->prepared & ((uint64_t) 1 << q->stmt->index)) {
        ok = PQsendQueryPrepared(pc->conn, q->stmt->name, q->nparams,
                                 (const char * const *) q->values,
                                 q->lengths, NULL, 0);
        pc->state = NGX_HTTP_SFU_PG_BUSY;

    } else {
        ok = PQsendPrepare(pc->conn, q->stmt->name, q->stmt->sql, 0, NULL);
        pc->state = NGX_HTTP_SFU_PG_PREPARING;
    }

    if (!ok) {
        ngx_http_sfu_pg_close(pc, PQerrorMessage(pc->conn));
        return;
    }

    ngx_http_sfu_pg_flush(pc);
}


static void
ngx_http_sfu_pg_dispatch(ngx_event_t *ev)
{
    ngx_uint_t                i;
    ngx_queue_t              *head;
    ngx_http_sfu_pg_conn_t   *pc;
    ngx_http_sfu_pg_query_t  *q;

    for (i = 0; i < ngx_http_sfu_pg.nconns; i++) {

        if (ngx_queue_empty(&ngx_http_sfu_pg.waiting)) {
            return;
        }

        pc = &ngx_http_sfu_pg.conns[i];

        if (pc->state != NGX_HTTP_SFU_PG_IDLE) {
            continue;
        }

        head = ngx_queue_head(&ngx_http_sfu_pg.waiting);
        ngx_queue_remove(head);

        q = ngx_queue_data(head, ngx_http_sfu_pg_query_t, queue);
        q->queued = 0;
        q->conn = pc;
        pc->query = q;

        ngx_http_sfu_pg_send(pc);
    }
}


static void
ngx_http_sfu_pg_fail_waiting(void)
{
    ngx_queue_t              *head;
    ngx_http_sfu_pg_query_t  *q;

    while (!ngx_queue_empty(&ngx_http_sfu_pg.waiting)) {
        head = ngx_queue_head(&ngx_http_sfu_pg.waiting);
        q = ngx_queue_data(head, ngx_http_sfu_pg_query_t, queue);

        ngx_http_sfu_pg_complete(q, NGX_HTTP_SFU_PG_UNAVAILABLE, NULL);
    }
}


/*
 * Logs the transitions between "some connection works" and "none does",
 * once each, and fails the waiting queries when no connection is even
 * being attempted.
 */

static void
ngx_http_sfu_pg_update_state(const char *why)
{
    ngx_uint_t               i, up, trying;
    ngx_http_sfu_pg_conn_t  *pc;

    up = 0;
    trying = 0;

    for (i = 0; i < ngx_http_sfu_pg.nconns; i++) {
        pc = &ngx_http_sfu_pg.conns[i];

        switch (pc->state) {
        case NGX_HTTP_SFU_PG_CLOSED:
            break;
        case NGX_HTTP_SFU_PG_CONNECTING:
        case NGX_HTTP_SFU_PG_SETUP:
            trying = 1;
            break;
        default:
            up = 1;
        }
    }

    if (up && !ngx_http_sfu_pg.up) {
        ngx_http_sfu_pg.up = 1;

        if (ngx_http_sfu_pg.down_logged) {
            ngx_log_error(NGX_LOG_NOTICE, ngx_http_sfu_pg.log, 0,
                          "sfu: PostgreSQL is reachable again");
            ngx_http_sfu_pg.down_logged = 0;
        }

        return;
    }

    if (up) {
        return;
    }

    ngx_http_sfu_pg.up = 0;

    if (!ngx_http_sfu_pg.down_logged && why != NULL) {
        ngx_http_sfu_pg_log(NGX_LOG_ERR, "unavailable", why);
        ngx_http_sfu_pg.down_logged = 1;
    }

    if (!trying) {
        ngx_http_sfu_pg_fail_waiting();
    }
}


static void
ngx_http_sfu_pg_notice(void *arg, const char *message)
{
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_http_sfu_pg.log, 0,
                   "sfu: PostgreSQL notice: %s", message);
}


/* libpq's messages end in a newline; nginx's log lines must not */

static void
ngx_http_sfu_pg_log(ngx_uint_t level, const char *what, const char *message)
{
    size_t  len;

    len = ngx_strlen(message);

    while (len && (message[len - 1] == '\n' || message[len - 1] == ' ')) {
        len--;
    }

    if (len == 0) {
        message = "the server closed the connection";
        len = ngx_strlen(message);
    }

    ngx_log_error(level, ngx_http_sfu_pg.log, 0, "sfu: PostgreSQL %s: %*s",
                  what, len, message);
}
