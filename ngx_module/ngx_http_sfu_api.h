
/*
 * The REST API: routing and authentication (ngx_http_sfu_api.c), rooms
 * (ngx_http_sfu_rooms.c), joining and TURN credentials
 * (ngx_http_sfu_join.c), what the SFU workers know live
 * (ngx_http_sfu_live.c).
 */

#ifndef _NGX_HTTP_SFU_API_H_INCLUDED_
#define _NGX_HTTP_SFU_API_H_INCLUDED_


#include "ngx_http_sfu_module.h"
#include "ngx_http_sfu_json.h"
#include "ngx_http_sfu_pg.h"


/* room and participant ids: 128 random bits, base64url */
#define NGX_HTTP_SFU_ID_LEN      22
#define NGX_HTTP_SFU_ID_MAX_LEN  64

/* a "joining" participant holds a place this long without connecting */
#define NGX_HTTP_SFU_HOLD  "interval '60 seconds'"

/* nginx names no constant for it */
#define NGX_HTTP_SFU_GONE  410


/* each prepared statement's bit in a connection's "prepared" map */
enum {
    NGX_HTTP_SFU_STMT_ROOM_CREATE = 0,
    NGX_HTTP_SFU_STMT_ROOM_LIST,
    NGX_HTTP_SFU_STMT_ROOM_GET,
    NGX_HTTP_SFU_STMT_ROOM_UPDATE,
    NGX_HTTP_SFU_STMT_ROOM_END,
    NGX_HTTP_SFU_STMT_JOIN,
    NGX_HTTP_SFU_STMT_CONNECT,
    NGX_HTTP_SFU_STMT_LEAVE,
    NGX_HTTP_SFU_STMT_ROOM_STATUS,
    NGX_HTTP_SFU_STMT_HOLDERS,
    NGX_HTTP_SFU_STMT_SWEEP
};


/* what a request does with the result of its query, once it succeeded */
typedef void (*ngx_http_sfu_db_handler_pt)(ngx_http_request_t *r,
    PGresult *res);


typedef struct {
    ngx_str_t                  room;        /* from the path, or empty */
    ngx_str_t                  participant; /* .../participants/{id} */
    ngx_http_sfu_api_key_t    *key;         /* a valid API key, or NULL */
    ngx_http_sfu_db_handler_pt db_handler;  /* of the query in flight */
} ngx_http_sfu_api_req_t;


ngx_int_t ngx_http_sfu_api_handler(ngx_http_request_t *r);

ngx_int_t ngx_http_sfu_rooms_create(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_rooms_list(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_rooms_get(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_rooms_update(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_rooms_end(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_join(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_turn_credentials(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_live_kick(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_live_stats(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_live_participants(ngx_http_request_t *r);

ngx_http_sfu_api_req_t *ngx_http_sfu_api_req(ngx_http_request_t *r);
ngx_int_t ngx_http_sfu_api_rate(ngx_http_request_t *r,
    ngx_http_sfu_rate_t *rate, const char *scope, ngx_str_t *key,
    ngx_int_t (*next)(ngx_http_request_t *r));
ngx_int_t ngx_http_sfu_api_bearer(ngx_http_request_t *r, ngx_str_t *value);
ngx_int_t ngx_http_sfu_random_id(ngx_pool_t *pool, ngx_str_t *id);
ngx_uint_t ngx_http_sfu_valid_id(ngx_str_t *id);
ngx_int_t ngx_http_sfu_public_url(ngx_http_request_t *r, ngx_str_t *url);

/* answers a failed query: 503 when PostgreSQL is away, 500 otherwise */
ngx_int_t ngx_http_sfu_db_error(ngx_http_request_t *r,
    ngx_http_sfu_pg_status_e status);
/*
 * For a handler whose statement looks a room up: NGX_OK when it found
 * the room; otherwise NGX_DECLINED and the request has been finalized
 * with 404 room-not-found.
 */
ngx_int_t ngx_http_sfu_db_room(ngx_http_request_t *r, PGresult *res);

/*
 * Queue a statement for a request and answer 503 right away if it can't.
 * The handler gets the result only when the query succeeded: a failed
 * one is answered here (ngx_http_sfu_db_error()).
 */
ngx_int_t ngx_http_sfu_db_query(ngx_http_request_t *r,
    ngx_http_sfu_pg_stmt_t *stmt, ngx_uint_t nparams, ngx_str_t *params,
    ngx_http_sfu_db_handler_pt handler);

/* ngx_http_sfu_db_query() of a statement whose one parameter is the room */
ngx_int_t ngx_http_sfu_db_query_room(ngx_http_request_t *r,
    ngx_http_sfu_pg_stmt_t *stmt, ngx_http_sfu_db_handler_pt handler);

/* a PGresult column as JSON */
json_t *ngx_http_sfu_pg_json_str(PGresult *res, int row, int col);
json_t *ngx_http_sfu_pg_json_int(PGresult *res, int row, int col);
json_t *ngx_http_sfu_pg_json_bool(PGresult *res, int row, int col);


#endif /* _NGX_HTTP_SFU_API_H_INCLUDED_ */
