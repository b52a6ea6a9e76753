
/*
 * Joining a room (POST /api/v1/rooms/{id}/join) and fresh ICE servers for
 * a joined participant (GET /api/v1/turn-credentials).
 *
 * A join is one call of the sfu_join() SQL function, which locks the
 * room row, checks the places it holds (sfu_rooms.held, kept by a
 * trigger; the live participants are counted only when that says full)
 * and inserts the new one only if the room is open, has a place and the
 * password is settled, so that concurrent joins can never overfill a room.  A room with a password
 * costs a second call: its hash comes back, is checked off the event
 * loop, and the join is repeated as verified.
 */

#include "ngx_http_sfu_api.h"
#include "ngx_http_sfu_password.h"
#include "ngx_http_sfu_token.h"
#include "ngx_http_sfu_turn.h"
#include "ngx_http_sfu_metrics.h"


static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_join = {
    NGX_HTTP_SFU_STMT_JOIN, "sfu_join",
    "SELECT status, max_participants, live, password_hash, joined"
    " FROM sfu_join($1, $2, $3, $4, $5, $6::boolean, " NGX_HTTP_SFU_HOLD ")"
};


typedef struct {
    ngx_str_t                  participant;
    ngx_str_t                  name;
    ngx_str_t                  role;
    ngx_str_t                  password;
    ngx_uint_t                 verified;
} ngx_http_sfu_join_t;


static void ngx_http_sfu_join_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_sfu_join_rated(ngx_http_request_t *r);
static void ngx_http_sfu_join_done(ngx_http_request_t *r, PGresult *res);
static void ngx_http_sfu_join_verified(ngx_http_request_t *r, ngx_int_t rc,
    ngx_str_t *hash);
static ngx_int_t ngx_http_sfu_join_answer(ngx_http_request_t *r);
static ngx_int_t ngx_http_sfu_ice_error(ngx_http_request_t *r, ngx_int_t rc);
static u_char *ngx_http_sfu_iso_time(u_char *p, time_t t);


#define NGX_HTTP_SFU_ISO_TIME_LEN  (sizeof("\"1970-01-01T00:00:00Z\"") - 1)


ngx_int_t
ngx_http_sfu_join(ngx_http_request_t *r)
{
    return ngx_http_sfu_read_json(r, ngx_http_sfu_join_fields,
                                  ngx_http_sfu_join_body);
}


static void
ngx_http_sfu_join_body(ngx_http_request_t *r)
{
    json_t                    *value;
    ngx_str_t                  key;
    ngx_http_sfu_ctx_t        *ctx;
    ngx_http_sfu_join_t       *join;
    ngx_http_sfu_api_req_t    *req;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    req = ngx_http_sfu_api_req(r);

    join = ngx_pcalloc(r->pool, sizeof(ngx_http_sfu_join_t));
    if (join == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->data = join;

    value = json_object_get(ctx->body, "name");
    join->name.data = (u_char *) json_string_value(value);
    join->name.len = json_string_length(value);

    value = json_object_get(ctx->body, "password");
    if (value) {
        join->password.data = (u_char *) json_string_value(value);
        join->password.len = json_string_length(value);
    }

    /* API key holders are hosts unless they ask otherwise */

    value = json_object_get(ctx->body, "role");

    if (value == NULL) {
        if (req->key) {
            ngx_str_set(&join->role, "host");

        } else {
            ngx_str_set(&join->role, "participant");
        }

    } else if (ngx_strcmp(json_string_value(value), "participant") == 0) {
        ngx_str_set(&join->role, "participant");

    } else if (ngx_strcmp(json_string_value(value), "host") == 0) {
        if (req->key == NULL) {
            ngx_http_finalize_request(r,
                ngx_http_sfu_send_error(r, NGX_HTTP_FORBIDDEN, "forbidden",
                                        "joining as host needs an API key"));
            return;
        }

        ngx_str_set(&join->role, "host");

    } else {
        ngx_http_finalize_request(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_BAD_REQUEST, "invalid-field",
                                    "\"role\" must be \"host\" or "
                                    "\"participant\""));
        return;
    }

    /* key holders are counted per key, everybody else per address */

    join->verified = (req->key != NULL);
    key = req->key ? req->key->name : r->connection->addr_text;

    ngx_http_finalize_request(r,
        ngx_http_sfu_api_rate(r, &smcf->join_rate, "join", &key,
                              ngx_http_sfu_join_rated));
}


static ngx_int_t
ngx_http_sfu_join_rated(ngx_http_request_t *r)
{
    ngx_str_t                 params[6];
    ngx_http_sfu_ctx_t       *ctx;
    ngx_http_sfu_join_t      *join;
    ngx_http_sfu_api_req_t   *req;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    join = ctx->data;
    req = ngx_http_sfu_api_req(r);

    if (join->participant.len == 0
        && ngx_http_sfu_random_id(r->pool, &join->participant) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    params[0] = req->room;
    params[1] = join->participant;
    params[2] = join->name;
    params[3] = join->role;
    params[4] = r->connection->addr_text;

    if (join->verified) {
        ngx_str_set(&params[5], "t");

    } else {
        ngx_str_set(&params[5], "f");
    }

    return ngx_http_sfu_db_query(r, &ngx_http_sfu_stmt_join, 6, params,
                                 ngx_http_sfu_join_done);
}


static void
ngx_http_sfu_join_done(ngx_http_request_t *r, PGresult *res)
{
    ngx_int_t             rc;
    ngx_str_t             hash;
    ngx_http_sfu_ctx_t   *ctx;
    ngx_http_sfu_join_t  *join;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    join = ctx->data;

    if (ngx_http_sfu_db_room(r, res) != NGX_OK) {
        return;
    }

    if (PQgetvalue(res, 0, 4)[0] == 't') {
        ngx_http_sfu_metrics_add(NGX_HTTP_SFU_METRIC_PARTICIPANTS_JOINED, 1);
        ngx_http_sfu_finalize(r, ngx_http_sfu_join_answer(r));
        return;
    }

    if (ngx_strcmp(PQgetvalue(res, 0, 0), "open") != 0) {
        ngx_http_sfu_finalize(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_SFU_GONE, "room-ended",
                                    "the room has ended"));
        return;
    }

    if (!PQgetisnull(res, 0, 3) && !join->verified) {

        if (join->password.len == 0) {
            ngx_http_sfu_finalize(r,
                ngx_http_sfu_send_error(r, NGX_HTTP_UNAUTHORIZED,
                                        "password-required",
                                        "the room needs a password"));
            return;
        }

        hash.len = PQgetlength(res, 0, 3);
        hash.data = ngx_pnalloc(r->pool, hash.len);
        if (hash.data == NULL) {
            ngx_http_sfu_finalize(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        ngx_memcpy(hash.data, PQgetvalue(res, 0, 3), hash.len);

        rc = ngx_http_sfu_password_verify_async(r, &join->password, &hash,
                                                ngx_http_sfu_join_verified);

        ngx_http_sfu_finalize(r, rc == NGX_AGAIN
                                 ? NGX_DONE : NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_sfu_finalize(r,
        ngx_http_sfu_send_error(r, NGX_HTTP_CONFLICT, "room-full",
                                "the room is full (%s of %s places taken)",
                                PQgetvalue(res, 0, 2),
                                PQgetvalue(res, 0, 1)));
}


static void
ngx_http_sfu_join_verified(ngx_http_request_t *r, ngx_int_t rc,
    ngx_str_t *hash)
{
    ngx_http_sfu_ctx_t   *ctx;
    ngx_http_sfu_join_t  *join;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    join = ctx->data;

    if (rc == NGX_DECLINED) {
        ngx_http_sfu_finalize(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_FORBIDDEN, "wrong-password",
                                    "the password is not right"));
        return;
    }

    if (rc != NGX_OK) {
        ngx_http_sfu_finalize(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    join->verified = 1;

    ngx_http_sfu_finalize(r, ngx_http_sfu_join_rated(r));
}


/*
 * The answers below are written as JSON text: they are the API's hot
 * paths, and every part of them is either ours (ids, the token, times,
 * the ICE servers' text) or quoted.
 */

static ngx_int_t
ngx_http_sfu_join_answer(ngx_http_request_t *r)
{
    u_char                    *p;
    ngx_int_t                  rc;
    ngx_buf_t                 *b;
    ngx_str_t                  jwt, base, signaling, ice;
    ngx_http_sfu_ctx_t        *ctx;
    ngx_http_sfu_join_t       *join;
    ngx_http_sfu_token_t       claims;
    ngx_http_sfu_api_req_t    *req;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    join = ctx->data;
    req = ngx_http_sfu_api_req(r);

    claims.room = req->room;
    claims.participant = join->participant;
    claims.role = join->role;
    claims.name = join->name;
    claims.exp = ngx_time() + smcf->token_ttl;

    if (ngx_http_sfu_token_mint(r->pool, smcf, &claims, &jwt) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_sfu_turn_ice_servers(r, &join->participant, &ice);
    if (rc != NGX_OK) {
        return ngx_http_sfu_ice_error(r, rc);
    }

    /* ws:// or wss:// on the public URL's authority */

    if (ngx_http_sfu_public_url(r, &base) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    signaling.data = ngx_pnalloc(r->pool, base.len + smcf->signaling_path.len);
    if (signaling.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (base.len > 4 && ngx_strncmp(base.data, "http", 4) == 0) {
        p = ngx_sprintf(signaling.data, "ws%*s%V", base.len - 4,
                        base.data + 4, &smcf->signaling_path);

    } else {
        p = ngx_sprintf(signaling.data, "%V%V", &base, &smcf->signaling_path);
    }

    signaling.len = p - signaling.data;

    b = ngx_create_temp_buf(r->pool,
            sizeof("{\"token\":\"\",\"participant_id\":\"\",\"room_id\":\"\","
                   "\"role\":\"\",\"name\":,\"expires_at\":,"
                   "\"signaling_url\":,\"ice_servers\":}\n")
            + jwt.len + join->participant.len + req->room.len
            + join->role.len + ngx_http_sfu_json_quoted_len(&join->name)
            + NGX_HTTP_SFU_ISO_TIME_LEN
            + ngx_http_sfu_json_quoted_len(&signaling) + ice.len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the participant and room ids, and the role, need no quoting */

    p = ngx_sprintf(b->last, "{\"token\":\"%V\",\"participant_id\":\"%V\","
                    "\"room_id\":\"%V\",\"role\":\"%V\",\"name\":",
                    &jwt, &join->participant, &req->room, &join->role);
    p = ngx_http_sfu_json_quote(p, &join->name);
    p = ngx_cpymem(p, ",\"expires_at\":", sizeof(",\"expires_at\":") - 1);
    p = ngx_http_sfu_iso_time(p, claims.exp);
    p = ngx_cpymem(p, ",\"signaling_url\":", sizeof(",\"signaling_url\":") - 1);
    p = ngx_http_sfu_json_quote(p, &signaling);
    b->last = ngx_sprintf(p, ",\"ice_servers\":%V}\n", &ice);

    return ngx_http_sfu_send_buf(r, NGX_HTTP_OK, b);
}


ngx_int_t
ngx_http_sfu_turn_credentials(ngx_http_request_t *r)
{
    u_char                    *p;
    time_t                     expires;
    ngx_int_t                  rc;
    ngx_buf_t                 *b;
    ngx_str_t                  jwt, ice;
    const char                *reason;
    ngx_http_sfu_token_t       claims;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    ngx_http_discard_request_body(r);

    if (ngx_http_sfu_api_bearer(r, &jwt) != NGX_OK) {
        return ngx_http_sfu_send_error(r, NGX_HTTP_UNAUTHORIZED,
                                       "unauthorized",
                                       "a join token is required");
    }

    rc = ngx_http_sfu_token_verify(r->pool, smcf, &jwt, &claims, &reason);

    if (rc == NGX_DECLINED) {
        return ngx_http_sfu_send_error(r, NGX_HTTP_UNAUTHORIZED,
                                       "invalid-token",
                                       "the join token is not valid: %s",
                                       reason);
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_sfu_turn_ice_servers(r, &claims.participant, &ice);
    if (rc != NGX_OK) {
        return ngx_http_sfu_ice_error(r, rc);
    }

    b = ngx_create_temp_buf(r->pool,
            sizeof("{\"ice_servers\":,\"ttl\":,\"expires_at\":}\n")
            + ice.len + NGX_TIME_T_LEN + NGX_HTTP_SFU_ISO_TIME_LEN);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    expires = ngx_time() + smcf->turn_ttl;

    p = ngx_cpymem(b->last, "{\"ice_servers\":",
                   sizeof("{\"ice_servers\":") - 1);
    p = ngx_cpymem(p, ice.data, ice.len);
    p = ngx_sprintf(p, ",\"ttl\":%T,\"expires_at\":", smcf->turn_ttl);
    p = ngx_http_sfu_iso_time(p, expires);
    b->last = ngx_cpymem(p, "}\n", 2);

    return ngx_http_sfu_send_buf(r, NGX_HTTP_OK, b);
}


/* the answer when ngx_http_sfu_turn_ice_servers() returned rc */

static ngx_int_t
ngx_http_sfu_ice_error(ngx_http_request_t *r, ngx_int_t rc)
{
    return (rc == NGX_DECLINED)
           ? ngx_http_sfu_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                     "turn-unavailable",
                                     "no TURN secret is configured")
           : NGX_HTTP_INTERNAL_SERVER_ERROR;
}


/* a quoted ISO 8601 UTC time */

static u_char *
ngx_http_sfu_iso_time(u_char *p, time_t t)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    return ngx_sprintf(p, "\"%4d-%02d-%02dT%02d:%02d:%02dZ\"",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
}
