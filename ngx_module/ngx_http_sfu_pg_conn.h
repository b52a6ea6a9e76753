
/*
 * The PostgreSQL pool's inside, shared by its two halves:
 * ngx_http_sfu_pg.c (the query queue and the public interface) and
 * ngx_http_sfu_pg_conn.c (each libpq connection's state machine).
 */

#ifndef _NGX_HTTP_SFU_PG_CONN_H_INCLUDED_
#define _NGX_HTTP_SFU_PG_CONN_H_INCLUDED_


#include "ngx_http_sfu_pg.h"


typedef struct ngx_http_sfu_pg_query_s  ngx_http_sfu_pg_query_t;


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


extern ngx_http_sfu_pg_t  ngx_http_sfu_pg;


void ngx_http_sfu_pg_conn_start(ngx_http_sfu_pg_conn_t *pc, ngx_log_t *log);
void ngx_http_sfu_pg_close(ngx_http_sfu_pg_conn_t *pc,
    const char *why);
void ngx_http_sfu_pg_send(ngx_http_sfu_pg_conn_t *pc);
void ngx_http_sfu_pg_complete(ngx_http_sfu_pg_query_t *q,
    ngx_http_sfu_pg_status_e status, PGresult *res);
void ngx_http_sfu_pg_update_state(const char *why);
void ngx_http_sfu_pg_log(ngx_uint_t level, const char *what,
    const char *message);


#endif /* _NGX_HTTP_SFU_PG_CONN_H_INCLUDED_ */
