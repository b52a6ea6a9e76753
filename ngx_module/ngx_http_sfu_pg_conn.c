
/*
 * One libpq connection of the PostgreSQL pool, driven by nginx events:
 * connect (PQconnectPoll), the setup SQL, preparing and running the
 * statements the pool hands it, reading results, and closing with a
 * backoff before the next attempt.
 */

#include "ngx_http_sfu_pg_conn.h"
#include "ngx_http_sfu_lib_conn.h"


static void ngx_http_sfu_pg_connect(ngx_http_sfu_pg_conn_t *pc);

static void ngx_http_sfu_pg_connect_poll(ngx_http_sfu_pg_conn_t *pc);
static ngx_int_t ngx_http_sfu_pg_watch(ngx_http_sfu_pg_conn_t *pc,
    ngx_uint_t write);
static void ngx_http_sfu_pg_unwatch(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_event_handler(ngx_event_t *ev);
static void ngx_http_sfu_pg_timer_handler(ngx_event_t *ev);
static void ngx_http_sfu_pg_flush(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_read(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_finished(ngx_http_sfu_pg_conn_t *pc);
static void ngx_http_sfu_pg_notice(void *arg, const char *message);


void
ngx_http_sfu_pg_conn_start(ngx_http_sfu_pg_conn_t *pc, ngx_log_t *log)
{
    pc->timer.handler = ngx_http_sfu_pg_timer_handler;
    pc->timer.data = pc;
    pc->timer.log = log;
    pc->timer.cancelable = 1;

    ngx_http_sfu_pg_connect(pc);
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

void
ngx_http_sfu_pg_close(ngx_http_sfu_pg_conn_t *pc, const char *why)
{
    u_char                    reason[NGX_HTTP_SFU_PG_REASON_LEN];
    ngx_http_sfu_pg_query_t  *q;

    /* why is often PQerrorMessage(pc->conn), which PQfinish frees */
    if (why != NULL) {
        ngx_cpystrn(reason, (u_char *) why, sizeof(reason));
        why = (const char *) reason;
    }

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

    c = ngx_http_sfu_lib_conn_get(fd, ngx_http_sfu_pg.log, pc,
                                  ngx_http_sfu_pg_event_handler,
                                  ngx_http_sfu_pg_event_handler);
    if (c == NULL) {
        return NGX_ERROR;
    }

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

    ngx_http_sfu_lib_conn_free(c);
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

void
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
ngx_http_sfu_pg_notice(void *arg, const char *message)
{
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_http_sfu_pg.log, 0,
                   "sfu: PostgreSQL notice: %s", message);
}
