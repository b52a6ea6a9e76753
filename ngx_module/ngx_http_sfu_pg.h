
/*
 * Non-blocking PostgreSQL access on nginx's event loop: a small pool of
 * libpq connections per nginx worker, named prepared statements, a
 * per-query timeout and reconnection after the server comes back.
 */

#ifndef _NGX_HTTP_SFU_PG_H_INCLUDED_
#define _NGX_HTTP_SFU_PG_H_INCLUDED_


#include "ngx_http_sfu_module.h"

#include <libpq-fe.h>


#define NGX_HTTP_SFU_PG_MAX_PARAMS  8

/* the longest reason for a lost connection kept for the log line */
#define NGX_HTTP_SFU_PG_REASON_LEN  512


/*
 * A statement is prepared on each connection the first time it runs
 * there; index is its slot in the per-connection "prepared" bitmap.
 */
typedef struct {
    ngx_uint_t                 index;
    const char                *name;
    const char                *sql;
} ngx_http_sfu_pg_stmt_t;


typedef enum {
    NGX_HTTP_SFU_PG_OK = 0,
    NGX_HTTP_SFU_PG_UNAVAILABLE,    /* no connection could be had */
    NGX_HTTP_SFU_PG_TIMEOUT,        /* no answer within sfu_postgres_timeout */
    NGX_HTTP_SFU_PG_FAILED          /* the server reported an error */
} ngx_http_sfu_pg_status_e;


/*
 * Called exactly once per query, never from inside
 * ngx_http_sfu_pg_query(): res is the statement's result on
 * NGX_HTTP_SFU_PG_OK and NULL otherwise.  The result is cleared after the
 * handler returns.
 */
typedef void (*ngx_http_sfu_pg_handler_pt)(void *data,
    ngx_http_sfu_pg_status_e status, PGresult *res);


/*
 * Queues a statement.  The query lives in pool: when the pool is
 * destroyed first (an aborted request), the query is dropped and the
 * handler is never called.  Parameters are copied.
 *
 * NGX_OK: queued.  NGX_DECLINED: PostgreSQL is known to be down right now.
 * NGX_ERROR: out of memory.
 */
ngx_int_t ngx_http_sfu_pg_query(ngx_pool_t *pool, ngx_log_t *log,
    ngx_http_sfu_pg_stmt_t *stmt, ngx_uint_t nparams, ngx_str_t *params,
    ngx_http_sfu_pg_handler_pt handler, void *data);

/* NGX_OK when a connection is up and the schema is in place */
ngx_int_t ngx_http_sfu_pg_status(void);

char *ngx_http_sfu_pg_check_conf(ngx_conf_t *cf,
    ngx_http_sfu_main_conf_t *smcf);
ngx_int_t ngx_http_sfu_pg_init_process(ngx_cycle_t *cycle);
void ngx_http_sfu_pg_exit_process(ngx_cycle_t *cycle);

/* the schema migrations, applied once per worker at its first connection */
extern const char  *ngx_http_sfu_schema_sql;


#endif /* _NGX_HTTP_SFU_PG_H_INCLUDED_ */
