
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

#include "ngx_http_sfu_pg_conn.h"

#include <arpa/inet.h>


ngx_http_sfu_pg_t  ngx_http_sfu_pg;


static void ngx_http_sfu_pg_query_cleanup(void *data);
static void ngx_http_sfu_pg_query_timeout(ngx_event_t *ev);
static void ngx_http_sfu_pg_dispatch(ngx_event_t *ev);
static void ngx_http_sfu_pg_fail_waiting(void);


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
        ngx_http_sfu_pg_conn_start(pc, cycle->log);
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

void
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

void
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

/* libpq's messages end in a newline; nginx's log lines must not */

void
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
