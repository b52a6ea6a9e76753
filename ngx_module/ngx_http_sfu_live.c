
/*
 * REST calls only the SFU worker of a room can answer, asked over its link
 * (ngx_http_sfu_link_request.c): who is in the call
 * (GET /api/v1/rooms/{id}/participants), the room's live media stats
 * (GET /api/v1/rooms/{id}/stats) and kicking a participant out of the call
 * (DELETE /api/v1/rooms/{id}/participants/{pid}).  A room PostgreSQL does
 * not know is 404; a worker that is not linked is 503, one that does not
 * answer within sfu_worker_timeout 504, one that answers with an error or
 * with something malformed 502.
 */

#include "ngx_http_sfu_api.h"
#include "ngx_http_sfu_link.h"
#include "ngx_http_sfu_signal.h"


static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_room_status = {
    NGX_HTTP_SFU_STMT_ROOM_STATUS, "sfu_room_status",
    "SELECT status FROM sfu_rooms WHERE id = $1"
};


/* a question about a whole room: what the worker is asked, who reads the answer */

typedef struct {
    const char                   *type;
    ngx_http_sfu_link_reply_pt    answer;
} ngx_http_sfu_live_room_call_t;


static ngx_int_t ngx_http_sfu_live_room(ngx_http_request_t *r,
    ngx_http_sfu_live_room_call_t *call);
static void ngx_http_sfu_live_room_found(ngx_http_request_t *r,
    PGresult *res);
static void ngx_http_sfu_live_stats_answer(void *data, ngx_int_t rc,
    json_t *reply);
static void ngx_http_sfu_live_participants_answer(void *data, ngx_int_t rc,
    json_t *reply);
static json_t *ngx_http_sfu_live_participant(json_t *entry);
static json_t *ngx_http_sfu_live_track(json_t *entry);
static void ngx_http_sfu_live_kick_answer(void *data, ngx_int_t rc,
    json_t *reply);
static void ngx_http_sfu_live_kick_recorded(ngx_http_request_t *r,
    PGresult *res);
static ngx_int_t ngx_http_sfu_live_ask(ngx_http_request_t *r, json_t *msg,
    ngx_http_sfu_link_reply_pt handler);
static json_t *ngx_http_sfu_live_answer(ngx_http_request_t *r, ngx_int_t rc,
    json_t *reply, const char *type, ngx_int_t *status);
static ngx_int_t ngx_http_sfu_live_malformed(ngx_http_request_t *r,
    const char *type);


static ngx_http_sfu_live_room_call_t  ngx_http_sfu_live_stats_call = {
    "stats", ngx_http_sfu_live_stats_answer
};

static ngx_http_sfu_live_room_call_t  ngx_http_sfu_live_participants_call = {
    "participants", ngx_http_sfu_live_participants_answer
};


ngx_int_t
ngx_http_sfu_live_stats(ngx_http_request_t *r)
{
    return ngx_http_sfu_live_room(r, &ngx_http_sfu_live_stats_call);
}


ngx_int_t
ngx_http_sfu_live_participants(ngx_http_request_t *r)
{
    return ngx_http_sfu_live_room(r, &ngx_http_sfu_live_participants_call);
}


/* PostgreSQL first, for a 404 on a room that does not exist; then the worker */

static ngx_int_t
ngx_http_sfu_live_room(ngx_http_request_t *r,
    ngx_http_sfu_live_room_call_t *call)
{
    ngx_http_sfu_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    ctx->data = call;

    ngx_http_discard_request_body(r);

    return ngx_http_sfu_db_query_room(r, &ngx_http_sfu_stmt_room_status,
                                      ngx_http_sfu_live_room_found);
}


static void
ngx_http_sfu_live_room_found(ngx_http_request_t *r, PGresult *res)
{
    json_t                         *msg;
    ngx_http_sfu_ctx_t             *ctx;
    ngx_http_sfu_api_req_t         *req;
    ngx_http_sfu_live_room_call_t  *call;

    req = ngx_http_sfu_api_req(r);
    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);
    call = ctx->data;

    if (ngx_http_sfu_db_room(r, res) != NGX_OK) {
        return;
    }

    msg = json_pack("{s:s, s:s%}", "type", call->type,
                    "room", req->room.data, req->room.len);

    ngx_http_sfu_finalize(r, ngx_http_sfu_live_ask(r, msg, call->answer));
    json_decref(msg);
}


/* {"type":"stats","id":N,"room":R,"stats":{...}} */

static void
ngx_http_sfu_live_stats_answer(void *data, ngx_int_t rc, json_t *reply)
{
    ngx_http_request_t *r = data;

    json_t                  *stats;
    ngx_int_t                status;
    ngx_http_sfu_api_req_t  *req;

    req = ngx_http_sfu_api_req(r);

    reply = ngx_http_sfu_live_answer(r, rc, reply, "stats", &status);
    if (reply == NULL) {
        ngx_http_sfu_finalize(r, status);
        return;
    }

    stats = json_object_get(reply, "stats");

    if (!json_is_object(stats)) {
        ngx_http_sfu_finalize(r, ngx_http_sfu_live_malformed(r, "stats"));
        return;
    }

    ngx_http_sfu_finalize(r,
        ngx_http_sfu_send_json(r, NGX_HTTP_OK,
                               json_pack("{s:s%, s:O}", "room",
                                         req->room.data, req->room.len,
                                         "stats", stats)));
}


/*
 * {"type":"participants","id":N,"room":R,"participants":[...]}, each entry
 * as sfu/PROTOCOL.md has it, answered as the REST API's participants.
 */

static void
ngx_http_sfu_live_participants_answer(void *data, ngx_int_t rc, json_t *reply)
{
    ngx_http_request_t *r = data;

    size_t                   i;
    json_t                  *list, *entry, *out, *p;
    ngx_int_t                status;
    ngx_http_sfu_api_req_t  *req;

    req = ngx_http_sfu_api_req(r);

    reply = ngx_http_sfu_live_answer(r, rc, reply, "participants", &status);
    if (reply == NULL) {
        ngx_http_sfu_finalize(r, status);
        return;
    }

    list = json_object_get(reply, "participants");

    if (!json_is_array(list)) {
        ngx_http_sfu_finalize(r,
                              ngx_http_sfu_live_malformed(r, "participants"));
        return;
    }

    out = json_array();
    if (out == NULL) {
        ngx_http_sfu_finalize(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    json_array_foreach(list, i, entry) {
        p = ngx_http_sfu_live_participant(entry);

        if (p == NULL || json_array_append_new(out, p) != 0) {
            json_decref(out);
            ngx_http_sfu_finalize(r,
                              ngx_http_sfu_live_malformed(r, "participants"));
            return;
        }
    }

    ngx_http_sfu_finalize(r,
        ngx_http_sfu_send_json(r, NGX_HTTP_OK,
                               json_pack("{s:s%, s:o}", "room",
                                         req->room.data, req->room.len,
                                         "participants", out)));
}


/* one participant of the worker's answer, as the API shows it; NULL if malformed */

static json_t *
ngx_http_sfu_live_participant(json_t *entry)
{
    int          audio, video, screen;
    size_t       i;
    json_t      *tracks, *track, *list, *t;
    u_char       joined[sizeof("1970-01-01T00:00:00.000Z")], *last;
    ngx_tm_t     tm;
    json_int_t   joined_ms;
    const char  *id, *name, *role, *publish, *subscribe;

    name = NULL;

    if (json_unpack(entry, "{s:s, s?:s, s:s, s:b, s:b, s:b, s:o, s:I,"
                    " s:{s:s, s:s}}",
                    "participant_id", &id, "name", &name, "role", &role,
                    "audio", &audio, "video", &video, "screen", &screen,
                    "tracks", &tracks, "joined_at", &joined_ms,
                    "connection", "publish", &publish,
                    "subscribe", &subscribe)
        != 0
        || !json_is_array(tracks) || joined_ms < 0)
    {
        return NULL;
    }

    ngx_gmtime((time_t) (joined_ms / 1000), &tm);

    last = ngx_sprintf(joined, "%4d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec,
                       (int) (joined_ms % 1000));

    list = json_array();
    if (list == NULL) {
        return NULL;
    }

    json_array_foreach(tracks, i, track) {
        t = ngx_http_sfu_live_track(track);

        if (t == NULL || json_array_append_new(list, t) != 0) {
            json_decref(list);
            return NULL;
        }
    }

    return json_pack("{s:s, s:s*, s:s, s:s%, s:b, s:b, s:b, s:o,"
                     " s:{s:s, s:s}}",
                     "id", id, "name", name, "role", role,
                     "joined_at", joined, (size_t) (last - joined),
                     "audio", audio, "video", video, "screen", screen,
                     "tracks", list,
                     "connection", "publish", publish,
                     "subscribe", subscribe);
}


static json_t *
ngx_http_sfu_live_track(json_t *entry)
{
    const char  *id, *kind, *source;

    if (json_unpack(entry, "{s:s, s:s, s:s}", "track_id", &id, "kind", &kind,
                    "source", &source)
        != 0)
    {
        return NULL;
    }

    return json_pack("{s:s, s:s, s:s}", "id", id, "kind", kind,
                     "source", source);
}


/*
 * The worker first: it sends the participant "kicked" (on the connection
 * of its join, so the nginx process holding the WebSocket closes it) and
 * drops it from the call.  Then PostgreSQL: left, for good, whether or not
 * the participant was in the call yet.
 */

ngx_int_t
ngx_http_sfu_live_kick(ngx_http_request_t *r)
{
    json_t                  *msg;
    ngx_int_t                rc;
    ngx_http_sfu_api_req_t  *req;

    req = ngx_http_sfu_api_req(r);

    ngx_http_discard_request_body(r);

    msg = json_pack("{s:s, s:s%, s:s%}", "type", "kick",
                    "room", req->room.data, req->room.len,
                    "participant", req->participant.data,
                    req->participant.len);

    rc = ngx_http_sfu_live_ask(r, msg, ngx_http_sfu_live_kick_answer);
    json_decref(msg);

    return rc;
}


/* {"type":"kick","id":N,"room":R,"participant":P,"found":true|false} */

static void
ngx_http_sfu_live_kick_answer(void *data, ngx_int_t rc, json_t *reply)
{
    ngx_http_request_t *r = data;

    ngx_int_t                status;
    ngx_str_t                params[3];
    ngx_http_sfu_ctx_t      *ctx;
    ngx_http_sfu_api_req_t  *req;

    req = ngx_http_sfu_api_req(r);
    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    reply = ngx_http_sfu_live_answer(r, rc, reply, "kick", &status);
    if (reply == NULL) {
        ngx_http_sfu_finalize(r, status);
        return;
    }

    /* whether the participant was in the call: the answer is 204 then */
    ctx->data = json_is_true(json_object_get(reply, "found")) ? r : NULL;

    params[0] = req->room;
    params[1] = req->participant;
    ngx_str_set(&params[2], "kicked");

    ngx_http_sfu_finalize(r,
        ngx_http_sfu_db_query(r, &ngx_http_sfu_stmt_leave, 3, params,
                              ngx_http_sfu_live_kick_recorded));
}


static void
ngx_http_sfu_live_kick_recorded(ngx_http_request_t *r, PGresult *res)
{
    ngx_http_sfu_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    ngx_http_sfu_signal_count_left(res);

    if (PQntuples(res) == 0 && ctx->data == NULL) {
        ngx_http_sfu_finalize(r,
            ngx_http_sfu_send_error(r, NGX_HTTP_NOT_FOUND,
                                    "participant-not-found",
                                    "no such participant in the room, or "
                                    "it has left"));
        return;
    }

    ngx_http_sfu_finalize(r, NGX_HTTP_NO_CONTENT);
}


/* sends msg to the room's worker; handler gets the answer */

static ngx_int_t
ngx_http_sfu_live_ask(ngx_http_request_t *r, json_t *msg,
    ngx_http_sfu_link_reply_pt handler)
{
    ngx_int_t                  rc;
    ngx_uint_t                 link;
    ngx_http_sfu_api_req_t    *req;
    ngx_http_sfu_main_conf_t  *smcf;

    if (msg == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    req = ngx_http_sfu_api_req(r);
    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    link = ngx_http_sfu_link_for_room(&req->room);

    rc = (link == (ngx_uint_t) NGX_ERROR)
         ? NGX_DECLINED
         : ngx_http_sfu_link_request(link, msg, smcf->worker_timeout, r->pool,
                                     handler, r);

    if (rc == NGX_DECLINED) {
        return ngx_http_sfu_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "worker-unavailable",
                                       "the room's media worker is "
                                       "unavailable");
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the handler finalizes the request; NGX_DONE balances this */

    r->main->count++;

    return NGX_DONE;
}


/*
 * The worker's answer if it is one of type; else NULL, and *status is what
 * the error response that says so returned.
 */

static json_t *
ngx_http_sfu_live_answer(ngx_http_request_t *r, ngx_int_t rc, json_t *reply,
    const char *type, ngx_int_t *status)
{
    const char                *t, *code;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    if (rc == NGX_AGAIN) {
        *status = ngx_http_sfu_send_error(r, NGX_HTTP_GATEWAY_TIME_OUT,
                                          "worker-timeout",
                                          "the room's media worker did not "
                                          "answer within %M ms",
                                          smcf->worker_timeout);
        return NULL;
    }

    if (rc != NGX_OK) {
        *status = ngx_http_sfu_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                          "worker-unavailable",
                                          "the room's media worker went "
                                          "away before answering");
        return NULL;
    }

    t = json_string_value(json_object_get(reply, "type"));

    if (t != NULL && ngx_strcmp(t, type) == 0) {
        return reply;
    }

    code = json_string_value(json_object_get(reply, "code"));

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "sfu: the media worker answered \"%s\" with \"%s\" (%s)",
                  type, t ? t : "-", code ? code : "-");

    if (code == NULL) {
        code = "unexpected answer";
    }

    /* the worker's words, cut to a whole character */

    *status = ngx_http_sfu_send_error(r, NGX_HTTP_BAD_GATEWAY,
                                      "worker-error",
                                      "the room's media worker could not "
                                      "answer: %*s",
                                      (size_t) ngx_http_sfu_utf8_prefix(code,
                                                                        64),
                                      code);
    return NULL;
}


static ngx_int_t
ngx_http_sfu_live_malformed(ngx_http_request_t *r, const char *type)
{
    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "sfu: the media worker answered \"%s\" malformed", type);

    return ngx_http_sfu_send_error(r, NGX_HTTP_BAD_GATEWAY, "worker-error",
                                   "the room's media worker answered %s "
                                   "malformed", type);
}
