
/*
 * /api/v1/rooms: create, list, read, update and end rooms.  Each handler is a chain of steps: validate the
 * body, rate-limit, hash a password, run one statement, answer.
 */

#include "ngx_http_sfu_api.h"
#include "ngx_http_sfu_password.h"
#include "ngx_http_sfu_metrics.h"
#include "ngx_http_sfu_signal.h"


#define NGX_HTTP_SFU_LIVE                                                    \
    "p.left_at IS NULL AND (p.state = 'connected' OR p.joined_at > now() - " \
    NGX_HTTP_SFU_HOLD ")"

#define NGX_HTTP_SFU_TS(col)                                                 \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* the columns ngx_http_sfu_room_json() reads, in its order */
#define NGX_HTTP_SFU_ROOM_COLUMNS                                            \
    "r.id AS id, r.name AS name, r.max_participants AS max_participants, "   \
    "r.password_hash IS NOT NULL AS has_password, "                          \
    "r.waiting_room AS waiting_room, "                                       \
    "r.recording_enabled AS recording_enabled, r.status AS status, "         \
    NGX_HTTP_SFU_TS("r.created_at") " AS created_at, "                       \
    NGX_HTTP_SFU_TS("r.updated_at") " AS updated_at, "                       \
    NGX_HTTP_SFU_TS("r.ended_at") " AS ended_at, "                           \
    "CASE WHEN r.status = 'ended' THEN 0 ELSE (SELECT count(*) "             \
    "FROM sfu_participants p WHERE p.room_id = r.id AND "                    \
    NGX_HTTP_SFU_LIVE ") END AS participant_count"


static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_create = {
    NGX_HTTP_SFU_STMT_ROOM_CREATE, "sfu_room_create",
    "INSERT INTO sfu_rooms AS r (id, name, max_participants, password_hash,"
    " waiting_room, recording_enabled, created_by)"
    " VALUES ($1, $2, $3, $4, COALESCE($5::boolean, false),"
    "         COALESCE($6::boolean, false), $7)"
    " RETURNING " NGX_HTTP_SFU_ROOM_COLUMNS
};


static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_list = {
    NGX_HTTP_SFU_STMT_ROOM_LIST, "sfu_room_list",
    "SELECT " NGX_HTTP_SFU_ROOM_COLUMNS " FROM sfu_rooms r"
    " WHERE ($3::text IS NULL OR r.status = $3)"
    "  AND ($2::text IS NULL OR (r.created_at, r.id) <"
    "       (SELECT c.created_at, c.id FROM sfu_rooms c WHERE c.id = $2))"
    " ORDER BY r.created_at DESC, r.id DESC LIMIT $1"
};


static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_get = {
    NGX_HTTP_SFU_STMT_ROOM_GET, "sfu_room_get",
    "SELECT " NGX_HTTP_SFU_ROOM_COLUMNS " FROM sfu_rooms r WHERE r.id = $1"
};


static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_update = {
    NGX_HTTP_SFU_STMT_ROOM_UPDATE, "sfu_room_update",
    "UPDATE sfu_rooms r SET"
    " name = COALESCE($2, r.name),"
    " max_participants = COALESCE($3::integer, r.max_participants),"
    " password_hash = CASE WHEN $4::boolean THEN $5 ELSE r.password_hash END,"
    " waiting_room = COALESCE($6::boolean, r.waiting_room),"
    " recording_enabled = COALESCE($7::boolean, r.recording_enabled),"
    " updated_at = now()"
    " WHERE r.id = $1 AND r.status = 'open'"
    " RETURNING " NGX_HTTP_SFU_ROOM_COLUMNS
};


/*
 * After the room's columns: the status before (was this call the one to
 * end it), the participants it sent away, and how many of those were
 * connected.
 */

static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_end = {
    NGX_HTTP_SFU_STMT_ROOM_END, "sfu_room_end",
    "WITH before AS (SELECT status FROM sfu_rooms WHERE id = $1),"
    " ended AS (UPDATE sfu_rooms r SET status = 'ended',"
    "   ended_at = COALESCE(r.ended_at, now()),"
    "   updated_at = CASE WHEN r.status = 'open' THEN now()"
    "                ELSE r.updated_at END"
    "   WHERE r.id = $1 RETURNING " NGX_HTTP_SFU_ROOM_COLUMNS "),"
    " gone AS (UPDATE sfu_participants p SET state = 'left',"
    "   left_at = now(), left_reason = 'room-ended'"
    "   FROM (SELECT id, state FROM sfu_participants"
    "         WHERE room_id = $1 AND left_at IS NULL FOR UPDATE) old"
    "   WHERE p.id = old.id RETURNING old.state)"
    " SELECT ended.*, before.status, (SELECT count(*) FROM gone),"
    "  (SELECT count(*) FROM gone WHERE state = 'connected')"
    " FROM ended, before"
};


typedef struct {
    ngx_str_t                  password_hash;
} ngx_http_sfu_room_req_t;


static ngx_int_t ngx_http_sfu_rooms_create_rated(ngx_http_request_t *r);
static void ngx_http_sfu_rooms_create_body(ngx_http_request_t *r);
static void ngx_http_sfu_rooms_update_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_sfu_rooms_password(ngx_http_request_t *r,
    ngx_int_t (*next)(ngx_http_request_t *r));
static void ngx_http_sfu_rooms_hashed(ngx_http_request_t *r, ngx_int_t rc,
    ngx_str_t *hash);
static ngx_int_t ngx_http_sfu_rooms_insert(ngx_http_request_t *r);
static ngx_int_t ngx_http_sfu_rooms_patch(ngx_http_request_t *r);
static void ngx_http_sfu_rooms_created(ngx_http_request_t *r, PGresult *res);
static void ngx_http_sfu_rooms_listed(ngx_http_request_t *r, PGresult *res);
static void ngx_http_sfu_rooms_found(ngx_http_request_t *r, PGresult *res);
static void ngx_http_sfu_rooms_updated(ngx_http_request_t *r, PGresult *res);
static void ngx_http_sfu_rooms_not_updated(ngx_http_request_t *r,
    PGresult *res);
static void ngx_http_sfu_rooms_ended(ngx_http_request_t *r, PGresult *res);
static json_t *ngx_http_sfu_room_json(ngx_http_request_t *r, PGresult *res,
    int row);
static ngx_int_t ngx_http_sfu_room_params(ngx_pool_t *pool, json_t *body,
    ngx_str_t *params, const ngx_uint_t *slots);
static ngx_int_t ngx_http_sfu_json_param(ngx_pool_t *pool, json_t *value,
    ngx_str_t *param);


ngx_int_t
ngx_http_sfu_rooms_create(ngx_http_request_t *r)
{
    return ngx_http_sfu_read_json(r, ngx_http_sfu_room_create_fields,
                                  ngx_http_sfu_rooms_create_body);
}


static void
ngx_http_sfu_rooms_create_body(ngx_http_request_t *r)
{
    ngx_http_sfu_ctx_t        *ctx;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    ngx_http_finalize_request(r,
        ngx_http_sfu_api_rate(r, &smcf->create_rate, "create", &ctx->api_key,
                              ngx_http_sfu_rooms_create_rated));
}


static ngx_int_t
ngx_http_sfu_rooms_create_rated(ngx_http_request_t *r)
{
    return ngx_http_sfu_rooms_password(r, ngx_http_sfu_rooms_insert);
}


/* hashes the body's password, if any, into the request, then next */

static ngx_int_t
ngx_http_sfu_rooms_password(ngx_http_request_t *r,
    ngx_int_t (*next)(ngx_http_request_t *r))
{
    json_t                   *pw;
    ngx_int_t                 rc;
    ngx_str_t                 password;
    ngx_http_sfu_ctx_t       *ctx;
    ngx_http_sfu_room_req_t  *rr;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    rr = ngx_pcalloc(r->pool, sizeof(ngx_http_sfu_room_req_t));
    if (rr == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->data = rr;
    ctx->next = next;

    pw = json_object_get(ctx->body, "password");

    if (!json_is_string(pw)) {
        return next(r);
    }

    password.data = (u_char *) json_string_value(pw);
    password.len = json_string_length(pw);

    rc = ngx_http_sfu_password_hash_async(r, &password,
                                          ngx_http_sfu_rooms_hashed);

    if (rc == NGX_AGAIN) {
        return NGX_DONE;
    }

    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}


static void
ngx_http_sfu_rooms_hashed(ngx_http_request_t *r, ngx_int_t rc,
    ngx_str_t *hash)
{
    ngx_http_sfu_ctx_t       *ctx;
    ngx_http_sfu_room_req_t  *rr;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    rr = ctx->data;

    if (rc != NGX_OK) {
        ngx_http_sfu_finalize(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    rr->password_hash = *hash;

    ngx_http_sfu_finalize(r, ctx->next(r));
}


static ngx_int_t
ngx_http_sfu_rooms_insert(ngx_http_request_t *r)
{
    json_t                   *body;
    ngx_str_t                 params[7];
    ngx_http_sfu_ctx_t       *ctx;
    ngx_http_sfu_room_req_t  *rr;

    static const ngx_uint_t  slots[] = { 1, 2, 4, 5 };

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    rr = ctx->data;
    body = ctx->body;

    if (ngx_http_sfu_random_id(r->pool, &params[0]) != NGX_OK
        || ngx_http_sfu_room_params(r->pool, body, params, slots) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    params[3] = rr->password_hash;
    params[6] = ctx->api_key;

    return ngx_http_sfu_db_query(r, &ngx_http_sfu_stmt_create, 7, params,
                                 ngx_http_sfu_rooms_created);
}


static void
ngx_http_sfu_rooms_created(ngx_http_request_t *r, PGresult *res)
{
    json_t           *room;
    ngx_str_t         location;
    ngx_table_elt_t  *h;

    if (PQntuples(res) != 1) {
        ngx_http_sfu_finalize(r,
                              ngx_http_sfu_db_error(r, NGX_HTTP_SFU_PG_FAILED));
        return;
    }

    room = ngx_http_sfu_room_json(r, res, 0);
    if (room == NULL) {
        ngx_http_sfu_finalize(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_sfu_metrics_add(NGX_HTTP_SFU_METRIC_ROOMS_CREATED, 1);

    location.len = sizeof("/api/v1/rooms/") - 1 + PQgetlength(res, 0, 0);
    location.data = ngx_pnalloc(r->pool, location.len);

    h = ngx_list_push(&r->headers_out.headers);

    if (location.data == NULL || h == NULL) {
        json_decref(room);
        ngx_http_sfu_finalize(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_sprintf(location.data, "/api/v1/rooms/%s", PQgetvalue(res, 0, 0));

    h->hash = 1;
    ngx_str_set(&h->key, "Location");
    h->value = location;
    r->headers_out.location = h;

    ngx_http_sfu_finalize(r, ngx_http_sfu_send_json(r, NGX_HTTP_CREATED,
                                                    room));
}


ngx_int_t
ngx_http_sfu_rooms_list(ngx_http_request_t *r)
{
    ngx_int_t  limit;
    ngx_str_t  params[3], value;

    ngx_str_set(&params[0], "50");
    ngx_str_null(&params[1]);
    ngx_str_null(&params[2]);

    if (ngx_http_arg(r, (u_char *) "limit", 5, &value) == NGX_OK) {
        limit = ngx_atoi(value.data, value.len);

        if (limit < 1 || limit > 100) {
            return ngx_http_sfu_send_error(r, NGX_HTTP_BAD_REQUEST,
                                           "invalid-parameter",
                                           "\"limit\" must be 1 to 100");
        }

        params[0] = value;
    }

    if (ngx_http_arg(r, (u_char *) "cursor", 6, &value) == NGX_OK) {
        if (!ngx_http_sfu_valid_id(&value)) {
            return ngx_http_sfu_send_error(r, NGX_HTTP_BAD_REQUEST,
                                           "invalid-parameter",
                                           "\"cursor\" is not valid");
        }

        params[1] = value;
    }

    if (ngx_http_arg(r, (u_char *) "status", 6, &value) == NGX_OK) {
        if (!(value.len == 4 && ngx_strncmp(value.data, "open", 4) == 0)
            && !(value.len == 5 && ngx_strncmp(value.data, "ended", 5) == 0))
        {
            return ngx_http_sfu_send_error(r, NGX_HTTP_BAD_REQUEST,
                                           "invalid-parameter",
                                           "\"status\" must be "
                                           "\"open\" or \"ended\"");
        }

        params[2] = value;
    }

    return ngx_http_sfu_db_query(r, &ngx_http_sfu_stmt_list, 3, params,
                                 ngx_http_sfu_rooms_listed);
}


static void
ngx_http_sfu_rooms_listed(ngx_http_request_t *r, PGresult *res)
{
    int        i, n;
    json_t    *rooms, *room, *json;
    ngx_int_t  limit;
    ngx_str_t  value;

    rooms = json_array();
    json = json_pack("{s:o}", "rooms", rooms);
    if (json == NULL) {
        ngx_http_sfu_finalize(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    n = PQntuples(res);

    for (i = 0; i < n; i++) {
        room = ngx_http_sfu_room_json(r, res, i);

        if (room == NULL || json_array_append_new(rooms, room) != 0) {
            json_decref(json);
            ngx_http_sfu_finalize(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }
    }

    limit = 50;

    if (ngx_http_arg(r, (u_char *) "limit", 5, &value) == NGX_OK) {
        limit = ngx_atoi(value.data, value.len);
    }

    json_object_set_new(json, "next_cursor",
                        n == limit ? ngx_http_sfu_pg_json_str(res, n - 1, 0)
                                   : json_null());

    ngx_http_sfu_finalize(r, ngx_http_sfu_send_json(r, NGX_HTTP_OK, json));
}


ngx_int_t
ngx_http_sfu_rooms_get(ngx_http_request_t *r)
{
    return ngx_http_sfu_db_query_room(r, &ngx_http_sfu_stmt_get,
                                      ngx_http_sfu_rooms_found);
}


static void
ngx_http_sfu_rooms_found(ngx_http_request_t *r, PGresult *res)
{
    json_t  *room;

    if (ngx_http_sfu_db_room(r, res) != NGX_OK) {
        return;
    }

    room = ngx_http_sfu_room_json(r, res, 0);

    ngx_http_sfu_finalize(r, room ? ngx_http_sfu_send_json(r, NGX_HTTP_OK,
                                                           room)
                                  : NGX_HTTP_INTERNAL_SERVER_ERROR);
}


ngx_int_t
ngx_http_sfu_rooms_update(ngx_http_request_t *r)
{
    return ngx_http_sfu_read_json(r, ngx_http_sfu_room_update_fields,
                                  ngx_http_sfu_rooms_update_body);
}


static void
ngx_http_sfu_rooms_update_body(ngx_http_request_t *r)
{
    ngx_http_finalize_request(r,
        ngx_http_sfu_rooms_password(r, ngx_http_sfu_rooms_patch));
}


static ngx_int_t
ngx_http_sfu_rooms_patch(ngx_http_request_t *r)
{
    json_t                   *body, *pw;
    ngx_str_t                 params[7];
    ngx_http_sfu_ctx_t       *ctx;
    ngx_http_sfu_api_req_t   *req;
    ngx_http_sfu_room_req_t  *rr;

    static const ngx_uint_t  slots[] = { 1, 2, 5, 6 };

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    req = ngx_http_sfu_api_req(r);
    rr = ctx->data;
    body = ctx->body;

    params[0] = req->room;

    if (ngx_http_sfu_room_params(r->pool, body, params, slots) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* "password": null removes it; absent keeps it */

    pw = json_object_get(body, "password");

    if (pw == NULL) {
        ngx_str_set(&params[3], "f");

    } else {
        ngx_str_set(&params[3], "t");
    }

    params[4] = rr->password_hash;

    return ngx_http_sfu_db_query(r, &ngx_http_sfu_stmt_update, 7, params,
                                 ngx_http_sfu_rooms_updated);
}


static void
ngx_http_sfu_rooms_updated(ngx_http_request_t *r, PGresult *res)
{
    if (PQntuples(res) == 0) {

        /* not found, or ended: the room itself tells which */

        ngx_http_sfu_finalize(r,
            ngx_http_sfu_db_query_room(r, &ngx_http_sfu_stmt_get,
                                       ngx_http_sfu_rooms_not_updated));
        return;
    }

    ngx_http_sfu_rooms_found(r, res);
}


static void
ngx_http_sfu_rooms_not_updated(ngx_http_request_t *r, PGresult *res)
{
    if (PQntuples(res) == 1) {
        ngx_http_sfu_finalize(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_CONFLICT, "room-ended",
                                    "the room has ended and cannot change"));
        return;
    }

    ngx_http_sfu_rooms_found(r, res);
}


ngx_int_t
ngx_http_sfu_rooms_end(ngx_http_request_t *r)
{
    return ngx_http_sfu_db_query_room(r, &ngx_http_sfu_stmt_end,
                                      ngx_http_sfu_rooms_ended);
}


static void
ngx_http_sfu_rooms_ended(ngx_http_request_t *r, PGresult *res)
{
    int                      cols;
    ngx_http_sfu_api_req_t  *req;

    if (PQntuples(res) == 1) {
        cols = PQnfields(res);

        /* only the call that ended the room counts it */

        if (ngx_strcmp(PQgetvalue(res, 0, cols - 3), "open") == 0) {
            req = ngx_http_sfu_api_req(r);

            ngx_http_sfu_metrics_add(NGX_HTTP_SFU_METRIC_ROOMS_ENDED, 1);
            ngx_http_sfu_metrics_add(NGX_HTTP_SFU_METRIC_PARTICIPANTS_LEFT,
                ngx_atoi((u_char *) PQgetvalue(res, 0, cols - 2),
                         PQgetlength(res, 0, cols - 2)));
            ngx_http_sfu_metrics_participants(&req->room,
                -ngx_atoi((u_char *) PQgetvalue(res, 0, cols - 1),
                          PQgetlength(res, 0, cols - 1)));

            ngx_http_sfu_signal_close_room(&req->room);
        }
    }

    ngx_http_sfu_rooms_found(r, res);
}


static json_t *
ngx_http_sfu_room_json(ngx_http_request_t *r, PGresult *res, int row)
{
    json_t     *room;
    ngx_str_t   base;
    u_char     *join_url;
    size_t      len;

    if (ngx_http_sfu_public_url(r, &base) != NGX_OK) {
        return NULL;
    }

    len = base.len + sizeof("/?room=") - 1 + PQgetlength(res, row, 0);

    join_url = ngx_pnalloc(r->pool, len);
    if (join_url == NULL) {
        return NULL;
    }

    ngx_sprintf(join_url, "%V/?room=%s", &base, PQgetvalue(res, row, 0));

    room = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s%}",
                     "id", ngx_http_sfu_pg_json_str(res, row, 0),
                     "name", ngx_http_sfu_pg_json_str(res, row, 1),
                     "max_participants",
                     ngx_http_sfu_pg_json_int(res, row, 2),
                     "has_password", ngx_http_sfu_pg_json_bool(res, row, 3),
                     "waiting_room", ngx_http_sfu_pg_json_bool(res, row, 4),
                     "recording_enabled",
                     ngx_http_sfu_pg_json_bool(res, row, 5),
                     "status", ngx_http_sfu_pg_json_str(res, row, 6),
                     "created_at", ngx_http_sfu_pg_json_str(res, row, 7),
                     "updated_at", ngx_http_sfu_pg_json_str(res, row, 8),
                     "ended_at", ngx_http_sfu_pg_json_str(res, row, 9),
                     "participant_count",
                     ngx_http_sfu_pg_json_int(res, row, 10),
                     "join_url", (char *) join_url, len);

    return room;
}


/*
 * The room fields create and update share, as statement parameters at the
 * given slots, in this order: name, max_participants, waiting_room,
 * recording_enabled.  Absent fields are SQL NULL.
 */

static ngx_int_t
ngx_http_sfu_room_params(ngx_pool_t *pool, json_t *body, ngx_str_t *params,
    const ngx_uint_t *slots)
{
    ngx_uint_t  i;

    static const char  *fields[] = {
        "name", "max_participants", "waiting_room", "recording_enabled"
    };

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (ngx_http_sfu_json_param(pool, json_object_get(body, fields[i]),
                                    &params[slots[i]])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* a JSON scalar as a text parameter; absent or null gives SQL NULL */

static ngx_int_t
ngx_http_sfu_json_param(ngx_pool_t *pool, json_t *value, ngx_str_t *param)
{
    if (value == NULL || json_is_null(value)) {
        ngx_str_null(param);
        return NGX_OK;
    }

    if (json_is_string(value)) {
        param->data = (u_char *) json_string_value(value);
        param->len = json_string_length(value);
        return NGX_OK;
    }

    if (json_is_boolean(value)) {
        if (json_is_true(value)) {
            ngx_str_set(param, "t");

        } else {
            ngx_str_set(param, "f");
        }

        return NGX_OK;
    }

    if (json_is_integer(value)) {
        param->data = ngx_pnalloc(pool, NGX_INT64_LEN);
        if (param->data == NULL) {
            return NGX_ERROR;
        }

        param->len = ngx_sprintf(param->data, "%L",
                                 (int64_t) json_integer_value(value))
                     - param->data;
        return NGX_OK;
    }

    return NGX_ERROR;
}
