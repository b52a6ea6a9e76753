
/*
 * The REST API's entry point: routes /api/v1/... to its resource, checks
 * API keys, and holds what the resources share (ids, URLs, database
 * errors, result columns as JSON).
 */

#include "ngx_http_sfu_api.h"
#include "ngx_http_sfu_ratelimit.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>


typedef ngx_int_t (*ngx_http_sfu_route_pt)(ngx_http_request_t *r);


typedef struct {
    ngx_str_t                  path;      /* after /api/v1/rooms/{id} */
    ngx_uint_t                 method;
    ngx_http_sfu_route_pt      handler;
    const char                *endpoint;
    unsigned                   key:2;     /* 0 none, 1 required, 2 optional */
} ngx_http_sfu_route_t;


#define NGX_HTTP_SFU_KEY_NONE      0
#define NGX_HTTP_SFU_KEY_REQUIRED  1
#define NGX_HTTP_SFU_KEY_OPTIONAL  2


static ngx_http_sfu_route_t  ngx_http_sfu_collection_routes[] = {
    { ngx_string(""), NGX_HTTP_GET, ngx_http_sfu_rooms_list,
      "rooms.list", NGX_HTTP_SFU_KEY_REQUIRED },
    { ngx_string(""), NGX_HTTP_POST, ngx_http_sfu_rooms_create,
      "rooms.create", NGX_HTTP_SFU_KEY_REQUIRED },
    { ngx_null_string, 0, NULL, NULL, 0 }
};


static ngx_http_sfu_route_t  ngx_http_sfu_room_routes[] = {
    { ngx_string(""), NGX_HTTP_GET, ngx_http_sfu_rooms_get,
      "rooms.get", NGX_HTTP_SFU_KEY_REQUIRED },
    { ngx_string(""), NGX_HTTP_PATCH, ngx_http_sfu_rooms_update,
      "rooms.update", NGX_HTTP_SFU_KEY_REQUIRED },
    { ngx_string(""), NGX_HTTP_DELETE, ngx_http_sfu_rooms_end,
      "rooms.end", NGX_HTTP_SFU_KEY_REQUIRED },
    { ngx_string("/join"), NGX_HTTP_POST, ngx_http_sfu_join,
      "rooms.join", NGX_HTTP_SFU_KEY_OPTIONAL },
    { ngx_string("/participants"), NGX_HTTP_GET,
      ngx_http_sfu_live_participants,
      "rooms.participants", NGX_HTTP_SFU_KEY_REQUIRED },
    { ngx_string("/participants/{id}"), NGX_HTTP_DELETE,
      ngx_http_sfu_live_kick,
      "rooms.kick", NGX_HTTP_SFU_KEY_REQUIRED },
    { ngx_string("/stats"), NGX_HTTP_GET, ngx_http_sfu_live_stats,
      "rooms.stats", NGX_HTTP_SFU_KEY_REQUIRED },
    { ngx_null_string, 0, NULL, NULL, 0 }
};


static ngx_http_sfu_route_t  ngx_http_sfu_turn_routes[] = {
    { ngx_string(""), NGX_HTTP_GET, ngx_http_sfu_turn_credentials,
      "turn.credentials", NGX_HTTP_SFU_KEY_NONE },
    { ngx_null_string, 0, NULL, NULL, 0 }
};


static ngx_int_t ngx_http_sfu_api_route(ngx_http_request_t *r,
    ngx_http_sfu_route_t *routes, ngx_str_t *rest);
static ngx_int_t ngx_http_sfu_api_auth(ngx_http_request_t *r,
    ngx_http_sfu_route_t *route, ngx_int_t *rc);
static void ngx_http_sfu_api_rated(ngx_http_request_t *r, ngx_int_t rc,
    time_t retry_after);
static ngx_int_t ngx_http_sfu_api_rate_result(ngx_http_request_t *r,
    ngx_int_t rc, time_t retry_after);
static void ngx_http_sfu_db_done(void *data, ngx_http_sfu_pg_status_e status,
    PGresult *res);


ngx_int_t
ngx_http_sfu_api_handler(ngx_http_request_t *r)
{
    u_char                  *p, *last;
    ngx_str_t                rest;
    ngx_http_sfu_ctx_t      *ctx;
    ngx_http_sfu_api_req_t  *req;

    static ngx_str_t  rooms = ngx_string("/api/v1/rooms");
    static ngx_str_t  turn = ngx_string("/api/v1/turn-credentials");
    static ngx_str_t  participant = ngx_string("/participants/");

    ctx = ngx_http_sfu_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&ctx->endpoint, "api.unknown");

    req = ngx_http_sfu_api_req(r);
    if (req == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = r->uri.data;
    last = r->uri.data + r->uri.len;

    /* a trailing slash names the same resource */

    if (last - p > 1 && last[-1] == '/') {
        last--;
    }

    if (last - p == (ssize_t) turn.len
        && ngx_strncmp(p, turn.data, turn.len) == 0)
    {
        ngx_str_null(&rest);
        return ngx_http_sfu_api_route(r, ngx_http_sfu_turn_routes, &rest);
    }

    if (last - p < (ssize_t) rooms.len
        || ngx_strncmp(p, rooms.data, rooms.len) != 0)
    {
        goto not_found;
    }

    p += rooms.len;

    if (p == last) {
        ngx_str_null(&rest);
        return ngx_http_sfu_api_route(r, ngx_http_sfu_collection_routes,
                                      &rest);
    }

    if (*p++ != '/') {
        goto not_found;
    }

    req->room.data = p;

    while (p < last && *p != '/') {
        p++;
    }

    req->room.len = p - req->room.data;

    if (!ngx_http_sfu_valid_id(&req->room)) {
        goto not_found;
    }

    rest.data = p;
    rest.len = last - p;

    /* one participant of the room: routed as "/participants/{id}" */

    if (rest.len > participant.len
        && ngx_strncmp(rest.data, participant.data, participant.len) == 0)
    {
        req->participant.data = rest.data + participant.len;
        req->participant.len = rest.len - participant.len;

        if (!ngx_http_sfu_valid_id(&req->participant)) {
            goto not_found;
        }

        ngx_str_set(&rest, "/participants/{id}");
    }

    return ngx_http_sfu_api_route(r, ngx_http_sfu_room_routes, &rest);

not_found:

    ngx_http_discard_request_body(r);

    return ngx_http_sfu_send_error(r, NGX_HTTP_NOT_FOUND, "not-found",
                                   "no such API resource");
}


static ngx_int_t
ngx_http_sfu_api_route(ngx_http_request_t *r, ngx_http_sfu_route_t *routes,
    ngx_str_t *rest)
{
    u_char                *p;
    ngx_int_t              rc;
    ngx_uint_t             found;
    ngx_table_elt_t       *allow;
    ngx_http_sfu_ctx_t    *ctx;
    ngx_http_sfu_route_t  *route;
    u_char                 methods[64];

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    found = 0;
    p = methods;

    for (route = routes; route->handler; route++) {

        if (route->path.len != rest->len
            || ngx_strncmp(route->path.data, rest->data, rest->len) != 0)
        {
            continue;
        }

        found = 1;

        if (route->method == r->method
            || (route->method == NGX_HTTP_GET && r->method == NGX_HTTP_HEAD))
        {
            ctx->endpoint.data = (u_char *) route->endpoint;
            ctx->endpoint.len = ngx_strlen(route->endpoint);

            if (ngx_http_sfu_api_auth(r, route, &rc) != NGX_OK) {
                ngx_http_discard_request_body(r);
                return rc;
            }

            return route->handler(r);
        }

        p = ngx_sprintf(p, "%s%s", p == methods ? "" : ", ",
                        route->method == NGX_HTTP_GET ? "GET, HEAD"
                        : route->method == NGX_HTTP_POST ? "POST"
                        : route->method == NGX_HTTP_PATCH ? "PATCH"
                        : "DELETE");
    }

    ngx_http_discard_request_body(r);

    if (!found) {
        return ngx_http_sfu_send_error(r, NGX_HTTP_NOT_FOUND, "not-found",
                                       "no such API resource");
    }

    allow = ngx_list_push(&r->headers_out.headers);
    if (allow == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    allow->hash = 1;
    ngx_str_set(&allow->key, "Allow");
    allow->value.len = p - methods;
    allow->value.data = ngx_pnalloc(r->pool, allow->value.len);

    if (allow->value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(allow->value.data, methods, allow->value.len);

    return ngx_http_sfu_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                   "method-not-allowed",
                                   "allowed methods: %*s",
                                   p - methods, methods);
}


/*
 * API keys come as "Authorization: Bearer <key>".  On routes where a key
 * is optional, a key that is present but wrong is still refused, so a
 * typo is not silently downgraded to anonymous access.  NGX_OK: go on;
 * NGX_DECLINED: refused, *rc is what the 401 response returned (NGX_OK
 * once it is sent, so never a sign to go on).
 */

static ngx_int_t
ngx_http_sfu_api_auth(ngx_http_request_t *r, ngx_http_sfu_route_t *route,
    ngx_int_t *rc)
{
    ngx_int_t                  bearer;
    ngx_str_t                  value;
    ngx_uint_t                 i;
    ngx_http_sfu_ctx_t        *ctx;
    ngx_http_sfu_api_key_t    *keys, *found;
    ngx_http_sfu_api_req_t    *req;
    ngx_http_sfu_main_conf_t  *smcf;

    if (route->key == NGX_HTTP_SFU_KEY_NONE) {
        return NGX_OK;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    bearer = ngx_http_sfu_api_bearer(r, &value);

    if (bearer == NGX_DECLINED && route->key == NGX_HTTP_SFU_KEY_OPTIONAL) {
        return NGX_OK;
    }

    if (bearer != NGX_OK) {
        goto unauthorized;
    }

    found = NULL;

    if (smcf->api_keys) {
        keys = smcf->api_keys->elts;

        /* compare with every key, in constant time each */

        for (i = 0; i < smcf->api_keys->nelts; i++) {
            if (keys[i].key.len == value.len
                && CRYPTO_memcmp(keys[i].key.data, value.data, value.len)
                   == 0)
            {
                found = &keys[i];
            }
        }
    }

    if (found == NULL) {
        goto unauthorized;
    }

    req = ngx_http_sfu_api_req(r);
    req->key = found;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    ctx->api_key = found->name;

    return NGX_OK;

unauthorized:

    r->headers_out.www_authenticate = ngx_list_push(&r->headers_out.headers);
    if (r->headers_out.www_authenticate == NULL) {
        *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_DECLINED;
    }

    r->headers_out.www_authenticate->hash = 1;
    ngx_str_set(&r->headers_out.www_authenticate->key, "WWW-Authenticate");
    ngx_str_set(&r->headers_out.www_authenticate->value, "Bearer");

    *rc = ngx_http_sfu_send_error(r, NGX_HTTP_UNAUTHORIZED, "unauthorized",
                                  bearer == NGX_DECLINED
                                  ? "an API key is required"
                                  : "the API key is not valid");

    return NGX_DECLINED;
}


/* NGX_OK: value set; NGX_DECLINED: no header; NGX_ERROR: not a Bearer */

ngx_int_t
ngx_http_sfu_api_bearer(ngx_http_request_t *r, ngx_str_t *value)
{
    ngx_str_t  *h;

    if (r->headers_in.authorization == NULL) {
        return NGX_DECLINED;
    }

    h = &r->headers_in.authorization->value;

    if (h->len <= sizeof("Bearer ") - 1
        || ngx_strncasecmp(h->data, (u_char *) "Bearer ", 7) != 0)
    {
        return NGX_ERROR;
    }

    value->data = h->data + 7;
    value->len = h->len - 7;

    while (value->len && value->data[0] == ' ') {
        value->data++;
        value->len--;
    }

    while (value->len && value->data[value->len - 1] == ' ') {
        value->len--;
    }

    return value->len ? NGX_OK : NGX_ERROR;
}


ngx_http_sfu_api_req_t *
ngx_http_sfu_api_req(ngx_http_request_t *r)
{
    ngx_http_sfu_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    if (ctx->api == NULL) {
        ctx->api = ngx_pcalloc(r->pool, sizeof(ngx_http_sfu_api_req_t));
    }

    return ctx->api;
}


ngx_uint_t
ngx_http_sfu_valid_id(ngx_str_t *id)
{
    size_t  i;
    u_char  c;

    if (id->len == 0 || id->len > NGX_HTTP_SFU_ID_MAX_LEN) {
        return 0;
    }

    for (i = 0; i < id->len; i++) {
        c = id->data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_'))
        {
            return 0;
        }
    }

    return 1;
}


ngx_int_t
ngx_http_sfu_random_id(ngx_pool_t *pool, ngx_str_t *id)
{
    ngx_str_t  raw;
    u_char     bytes[16];

    if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
        return NGX_ERROR;
    }

    raw.data = bytes;
    raw.len = sizeof(bytes);

    id->data = ngx_pnalloc(pool, ngx_base64_encoded_length(raw.len));
    if (id->data == NULL) {
        return NGX_ERROR;
    }

    ngx_encode_base64url(id, &raw);

    return NGX_OK;
}


/* sfu_public_url, or what the client used to reach us */

ngx_int_t
ngx_http_sfu_public_url(ngx_http_request_t *r, ngx_str_t *url)
{
    ngx_str_t                  host;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    if (smcf->public_url.len) {
        *url = smcf->public_url;
        return NGX_OK;
    }

    /* the Host header keeps the port; nginx validated it */

    host = r->headers_in.host ? r->headers_in.host->value
                              : r->headers_in.server;

    url->len = sizeof("https://") - 1 + host.len;
    url->data = ngx_pnalloc(r->pool, url->len);
    if (url->data == NULL) {
        return NGX_ERROR;
    }

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        url->len = ngx_sprintf(url->data, "https://%V", &host) - url->data;
        return NGX_OK;
    }
#endif

    url->len = ngx_sprintf(url->data, "http://%V", &host) - url->data;

    return NGX_OK;
}


ngx_int_t
ngx_http_sfu_db_error(ngx_http_request_t *r, ngx_http_sfu_pg_status_e status)
{
    if (status == NGX_HTTP_SFU_PG_FAILED) {
        return ngx_http_sfu_send_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                       "internal",
                                       "the database rejected the request");
    }

    return ngx_http_sfu_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                   "database-unavailable",
                                   status == NGX_HTTP_SFU_PG_TIMEOUT
                                   ? "the database did not answer in time"
                                   : "the database is unavailable");
}


ngx_int_t
ngx_http_sfu_db_room(ngx_http_request_t *r, PGresult *res)
{
    if (PQntuples(res) == 0) {
        ngx_http_sfu_finalize(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_NOT_FOUND, "room-not-found",
                                    "no such room"));
        return NGX_DECLINED;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_sfu_db_query(ngx_http_request_t *r, ngx_http_sfu_pg_stmt_t *stmt,
    ngx_uint_t nparams, ngx_str_t *params, ngx_http_sfu_db_handler_pt handler)
{
    ngx_int_t                rc;
    ngx_http_sfu_api_req_t  *req;

    req = ngx_http_sfu_api_req(r);
    req->db_handler = handler;

    rc = ngx_http_sfu_pg_query(r->pool, r->connection->log, stmt, nparams,
                               params, ngx_http_sfu_db_done, r);

    if (rc == NGX_DECLINED) {
        return ngx_http_sfu_db_error(r, NGX_HTTP_SFU_PG_UNAVAILABLE);
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the handler finalizes the request; NGX_DONE balances this */

    r->main->count++;

    return NGX_DONE;
}


ngx_int_t
ngx_http_sfu_db_query_room(ngx_http_request_t *r,
    ngx_http_sfu_pg_stmt_t *stmt, ngx_http_sfu_db_handler_pt handler)
{
    ngx_http_sfu_api_req_t  *req;

    req = ngx_http_sfu_api_req(r);

    return ngx_http_sfu_db_query(r, stmt, 1, &req->room, handler);
}


static void
ngx_http_sfu_db_done(void *data, ngx_http_sfu_pg_status_e status,
    PGresult *res)
{
    ngx_http_request_t *r = data;

    if (status != NGX_HTTP_SFU_PG_OK) {
        ngx_http_sfu_finalize(r, ngx_http_sfu_db_error(r, status));
        return;
    }

    ngx_http_sfu_api_req(r)->db_handler(r, res);
}


json_t *
ngx_http_sfu_pg_json_str(PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        return json_null();
    }

    return json_stringn(PQgetvalue(res, row, col),
                        PQgetlength(res, row, col));
}


json_t *
ngx_http_sfu_pg_json_int(PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        return json_null();
    }

    return json_integer(ngx_atoi((u_char *) PQgetvalue(res, row, col),
                                 PQgetlength(res, row, col)));
}


json_t *
ngx_http_sfu_pg_json_bool(PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        return json_null();
    }

    return json_boolean(PQgetvalue(res, row, col)[0] == 't');
}


/* applies the rate limit of a scope to key, then continues with next */

ngx_int_t
ngx_http_sfu_api_rate(ngx_http_request_t *r, ngx_http_sfu_rate_t *rate,
    const char *scope, ngx_str_t *key,
    ngx_int_t (*next)(ngx_http_request_t *r))
{
    ngx_int_t            rc;
    ngx_http_sfu_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    ctx->next = next;

    rc = ngx_http_sfu_rate_check(r, rate, scope, key, ngx_http_sfu_api_rated);

    if (rc == NGX_AGAIN) {
        return NGX_DONE;
    }

    return ngx_http_sfu_api_rate_result(r, rc, 0);
}


static void
ngx_http_sfu_api_rated(ngx_http_request_t *r, ngx_int_t rc,
    time_t retry_after)
{
    ngx_http_sfu_finalize(r, ngx_http_sfu_api_rate_result(r, rc,
                                                          retry_after));
}


static ngx_int_t
ngx_http_sfu_api_rate_result(ngx_http_request_t *r, ngx_int_t rc,
    time_t retry_after)
{
    ngx_table_elt_t     *h;
    ngx_http_sfu_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    if (rc == NGX_OK) {
        return ctx->next(r);
    }

    if (rc != NGX_BUSY) {
        return ngx_http_sfu_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "rate-limiter-unavailable",
                                       "the rate limiter is unavailable");
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (h->value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Retry-After");
    h->value.len = ngx_sprintf(h->value.data, "%T", retry_after)
                   - h->value.data;

    return ngx_http_sfu_send_error(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                   "rate-limited",
                                   "too many requests: retry in %T s",
                                   retry_after);
}
