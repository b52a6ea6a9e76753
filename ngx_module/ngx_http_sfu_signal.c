
/*
 * The signaling relay, client side: a session per WebSocket.
 *
 * The first message must be "join" with a join token.  The token is
 * verified, then the participant is claimed in PostgreSQL (sfu_connect():
 * the row exists, has not left, its room is open, and no other connection
 * has it; the row names this process as its holder, for
 * ngx_http_sfu_orphans.c) while the WebSocket is paused; the join goes to
 * the worker that owns the room, and the session is in this process's
 * participant map and in its link's list.  Every later message is
 * validated against its type's table (ngx_http_sfu_signal_msg.c) and
 * forwarded under "msg" of a "client" envelope stamped with the token's
 * room, participant and role.
 *
 * A session ends once: its WebSocket closes (the worker is told with
 * "disconnect"), the client leaves, the worker says it is over (kicked,
 * room closed, left), or the worker is gone.  Ending marks the participant
 * left in PostgreSQL.  The worker's side -- deliveries, events, the loss
 * of a link -- is in ngx_http_sfu_signal_worker.c.
 */

#include "ngx_http_sfu_signal_session.h"
#include "ngx_http_sfu_signal_msg.h"
#include "ngx_http_sfu_json.h"
#include "ngx_http_sfu_metrics.h"
#include "ngx_http_sfu_link.h"
#include "ngx_http_sfu_orphans.h"


struct ngx_http_sfu_signal_claim_s {
    ngx_http_sfu_signal_t     *session;     /* NULL once it has ended */
    ngx_str_t                  room;
    ngx_str_t                  participant;
};


static void ngx_http_sfu_signal_open(ngx_http_sfu_ws_t *ws, void *data);
static void ngx_http_sfu_signal_message(ngx_http_sfu_ws_t *ws, u_char *data,
    size_t len);
static void ngx_http_sfu_signal_closed(ngx_http_sfu_ws_t *ws,
    ngx_uint_t code);
static ngx_uint_t ngx_http_sfu_signal_rate(ngx_http_sfu_signal_t *s);
static void ngx_http_sfu_signal_join(ngx_http_sfu_signal_t *s, json_t *msg);
static void ngx_http_sfu_signal_claimed(void *data,
    ngx_http_sfu_pg_status_e status, PGresult *res);
static void ngx_http_sfu_signal_joined(ngx_http_sfu_signal_t *s);
static void ngx_http_sfu_signal_forward(ngx_http_sfu_signal_t *s,
    json_t *msg);
static ngx_int_t ngx_http_sfu_signal_relay(ngx_http_sfu_signal_t *s,
    json_t *msg, ngx_uint_t name);
static void ngx_http_sfu_signal_join_timeout(ngx_event_t *ev);
static void ngx_http_sfu_signal_left(void *data,
    ngx_http_sfu_pg_status_e status, PGresult *res);


static const ngx_http_sfu_ws_handler_t  ngx_http_sfu_signal_ws = {
    ngx_http_sfu_signal_open,
    ngx_http_sfu_signal_message,
    ngx_http_sfu_signal_closed
};


static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_connect = {
    NGX_HTTP_SFU_STMT_CONNECT, "sfu_connect",
    "SELECT sfu_connect($1, $2, " NGX_HTTP_SFU_HOLD ", $3, $4, $5)"
};


/* the state before: only a connected participant was counted as joined */

ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_leave = {
    NGX_HTTP_SFU_STMT_LEAVE, "sfu_leave",
    "UPDATE sfu_participants p SET state = 'left', left_at = now(),"
    " left_reason = $3"
    " FROM (SELECT id, state FROM sfu_participants"
    "       WHERE id = $2 AND room_id = $1 AND left_at IS NULL FOR UPDATE) old"
    " WHERE p.id = old.id RETURNING old.state, p.room_id"
};


ngx_int_t
ngx_http_sfu_signal_handler(ngx_http_request_t *r)
{
    ngx_http_sfu_ctx_t     *ctx;
    ngx_http_sfu_signal_t  *s;

    ctx = ngx_http_sfu_get_ctx(r);
    s = ngx_pcalloc(r->pool, sizeof(ngx_http_sfu_signal_t));

    if (ctx == NULL || s == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&ctx->endpoint, "signaling");

    return ngx_http_sfu_ws_accept(r, &ngx_http_sfu_signal_ws, s);
}


static void
ngx_http_sfu_signal_open(ngx_http_sfu_ws_t *ws, void *data)
{
    ngx_http_sfu_signal_t *s = data;

    ngx_http_request_t       *r;
    ngx_http_sfu_loc_conf_t  *slcf;

    r = ngx_http_sfu_ws_request(ws);
    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sfu_module);

    s->ws = ws;
    s->log = r->connection->log;
    s->conf = slcf;
    s->tokens = slcf->ws_message_rate.burst * 1000;
    s->refilled = ngx_current_msec;

    s->join_timer.handler = ngx_http_sfu_signal_join_timeout;
    s->join_timer.data = s;
    s->join_timer.log = s->log;
    ngx_add_timer(&s->join_timer, slcf->ws_join_timeout);
}


static void
ngx_http_sfu_signal_message(ngx_http_sfu_ws_t *ws, u_char *data, size_t len)
{
    json_t                            *msg;
    const char                        *name;
    ngx_http_sfu_signal_t             *s;
    ngx_http_sfu_invalid_t             invalid;
    const ngx_http_sfu_signal_type_t  *type;

    s = ngx_http_sfu_ws_data(ws);

    if (s->state == NGX_HTTP_SFU_SIGNAL_OVER
        || !ngx_http_sfu_signal_rate(s))
    {
        return;
    }

    msg = ngx_http_sfu_json_parse((char *) data, len, &invalid);

    if (msg == NULL) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "sfu: signaling client sent a bad message: %s",
                      invalid.message);
        ngx_http_sfu_ws_close(ws, NGX_HTTP_SFU_WS_BAD_DATA,
                              "not a JSON object");
        return;
    }

    type = ngx_http_sfu_signal_validate(msg, &invalid);
    name = json_string_value(json_object_get(msg, "type"));

    if (s->state == NGX_HTTP_SFU_SIGNAL_WAITING) {

        if (name == NULL || ngx_strcmp(name, "join") != 0) {
            ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY,
                                       "join-first",
                                       "the first message must be join");

        } else if (type == NULL) {
            ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY,
                                       "bad-message", "%s", invalid.message);

        } else {
            ngx_http_sfu_signal_join(s, msg);
        }

    } else if (type == NULL) {
        ngx_http_sfu_signal_error(s, invalid.code, "%s", invalid.message);

    } else if (ngx_strcmp(type->type, "join") == 0) {
        ngx_http_sfu_signal_error(s, "already-joined",
                                  "this connection has joined already");

    } else {
        ngx_http_sfu_signal_forward(s, msg);
    }

    json_decref(msg);
}


/*
 * A token bucket of ws_message_rate.burst messages, refilled at its rate.
 * A message over the limit is dropped, and the first of a run of them
 * earns one "rate-limited" error; more than a burst of drops in a row
 * and the client is not listening: 1008.
 */

static ngx_uint_t
ngx_http_sfu_signal_rate(ngx_http_sfu_signal_t *s)
{
    uint64_t                     add;
    ngx_msec_t                   elapsed;
    ngx_http_sfu_bucket_conf_t  *bucket;

    bucket = &s->conf->ws_message_rate;

    if (bucket->rate.window == -1) {
        return 1;
    }

    /* milli-messages: count per window seconds is count / window per ms */

    elapsed = ngx_current_msec - s->refilled;
    add = (uint64_t) elapsed * bucket->rate.count / bucket->rate.window;

    if (add) {
        s->tokens = (ngx_uint_t) ngx_min(s->tokens + add,
                                         (uint64_t) bucket->burst * 1000);
        s->refilled = ngx_current_msec;
    }

    if (s->tokens >= 1000) {
        s->tokens -= 1000;
        s->dropped = 0;
        return 1;
    }

    if (s->dropped++ == 0) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "sfu: signaling client is over its message rate");

        ngx_http_sfu_signal_error(s, "rate-limited",
                                  "more than %ui messages per %T s: "
                                  "messages are dropped",
                                  bucket->rate.count, bucket->rate.window);

    } else if (s->dropped > bucket->burst) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY, "rate-limited",
                                   "the message rate is still exceeded");
    }

    return 0;
}


static void
ngx_http_sfu_signal_join(ngx_http_sfu_signal_t *s, json_t *msg)
{
    u_char                       *p;
    json_t                       *token;
    ngx_str_t                     jwt;
    ngx_str_t                     params[2 + NGX_HTTP_SFU_HOLDER_PARAMS];
    ngx_int_t                     rc;
    ngx_str_t                     path;
    ngx_msec_t                    rtt;
    const char                   *reason;
    ngx_http_request_t           *r;
    ngx_http_sfu_main_conf_t     *smcf;
    ngx_http_sfu_signal_claim_t  *claim;

    r = ngx_http_sfu_ws_request(s->ws);
    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    token = json_object_get(msg, "token");
    jwt.data = (u_char *) json_string_value(token);
    jwt.len = json_string_length(token);

    rc = ngx_http_sfu_token_verify(r->pool, smcf, &jwt, &s->claims, &reason);

    if (rc == NGX_DECLINED) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY, "invalid-token",
                                   "the join token is not valid: %s",
                                   reason);
        return;
    }

    if (rc != NGX_OK) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_INTERNAL,
                                   "internal-error", "out of memory");
        return;
    }

    if (ngx_http_sfu_signal_find(&s->claims.participant) != NULL) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY,
                                   "already-connected",
                                   "this participant is connected already");
        return;
    }

    /* no worker, no call: say so before taking a place */

    s->link = ngx_http_sfu_link_for_room(&s->claims.room);

    if (s->link == (ngx_uint_t) NGX_ERROR
        || ngx_http_sfu_link_status(s->link, &path, &rtt) != NGX_OK)
    {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_INTERNAL,
                                   "worker-unavailable",
                                   "the room's media worker is unavailable");
        return;
    }

    claim = ngx_alloc(sizeof(ngx_http_sfu_signal_claim_t)
                      + s->claims.room.len + s->claims.participant.len,
                      r->connection->log);
    if (claim == NULL) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_INTERNAL,
                                   "internal-error", "out of memory");
        return;
    }

    p = (u_char *) (claim + 1);

    claim->session = s;
    claim->room.data = p;
    claim->room.len = s->claims.room.len;
    p = ngx_cpymem(p, s->claims.room.data, s->claims.room.len);
    claim->participant.data = p;
    claim->participant.len = s->claims.participant.len;
    ngx_memcpy(p, s->claims.participant.data, s->claims.participant.len);

    params[0] = claim->room;
    params[1] = claim->participant;
    ngx_http_sfu_orphans_holder(&params[2]);

    /* its own pool: the answer must be heard even if the client goes */

    rc = ngx_http_sfu_pg_query(NULL, ngx_cycle->log,
                               &ngx_http_sfu_stmt_connect,
                               2 + NGX_HTTP_SFU_HOLDER_PARAMS, params,
                               ngx_http_sfu_signal_claimed, claim);
    if (rc != NGX_OK) {
        ngx_free(claim);
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_INTERNAL,
                                   "database-unavailable",
                                   "the database is unavailable");
        return;
    }

    s->claim = claim;
    s->state = NGX_HTTP_SFU_SIGNAL_CLAIMING;

    /* what the client sends meanwhile waits for the answer */
    ngx_http_sfu_ws_pause(s->ws);
}


static void
ngx_http_sfu_signal_claimed(void *data, ngx_http_sfu_pg_status_e status,
    PGresult *res)
{
    ngx_http_sfu_signal_claim_t *claim = data;

    char                   *result;
    ngx_http_sfu_signal_t  *s;

    s = claim->session;
    result = (status == NGX_HTTP_SFU_PG_OK && PQntuples(res) == 1)
             ? PQgetvalue(res, 0, 0) : NULL;

    if (result != NULL && ngx_strcmp(result, "ok") == 0) {
        ngx_http_sfu_metrics_participants(&claim->room, 1);

        if (s == NULL) {
            /* the client went meanwhile: give the place back */
            ngx_http_sfu_signal_mark_left(&claim->room, &claim->participant,
                                          "disconnected");
            ngx_free(claim);
            return;
        }

        s->claimed = 1;
    }

    ngx_free(claim);

    if (s == NULL) {
        return;
    }

    s->claim = NULL;

    if (result == NULL) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_INTERNAL,
                                   "database-unavailable",
                                   "the database is unavailable");

    } else if (s->claimed) {
        ngx_http_sfu_signal_joined(s);

    } else if (ngx_strcmp(result, "connected") == 0) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY,
                                   "already-connected",
                                   "this participant is connected already");

    } else if (ngx_strcmp(result, "left") == 0) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY,
                                   "invalid-token",
                                   "this participant has left: "
                                   "join the room again");

    } else if (ngx_strcmp(result, "room-ended") == 0) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY, "room-ended",
                                   "the room has ended");

    } else if (ngx_strcmp(result, "room-full") == 0) {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY, "room-full",
                                   "the room is full");

    } else {
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY,
                                   "invalid-token",
                                   "the join token names no participant "
                                   "of its room");
    }
}


/* claimed: the join goes to the room's worker */

static void
ngx_http_sfu_signal_joined(ngx_http_sfu_signal_t *s)
{
    json_t     *join;
    ngx_int_t   rc;

    join = json_pack("{s:s}", "type", "join");

    rc = ngx_http_sfu_signal_relay(s, join, 1);
    json_decref(join);

    if (rc != NGX_OK) {
        return;
    }

    if (s->join_timer.timer_set) {
        ngx_del_timer(&s->join_timer);
    }

    ngx_http_sfu_signal_attach(s);
    s->state = NGX_HTTP_SFU_SIGNAL_JOINED;

    ngx_http_sfu_ws_resume(s->ws);
}


static void
ngx_http_sfu_signal_forward(ngx_http_sfu_signal_t *s, json_t *msg)
{
    if (ngx_http_sfu_signal_relay(s, msg, 0) != NGX_OK) {
        return;
    }

    if (ngx_strcmp(json_string_value(json_object_get(msg, "type")), "leave")
        == 0)
    {
        /* the worker has been told */
        ngx_http_sfu_signal_end(s, "left", 0);
        ngx_http_sfu_ws_close(s->ws, NGX_HTTP_SFU_WS_NORMAL, "left");
    }
}


/*
 * msg to the room's worker, in a "client" envelope stamped with the
 * verified room, participant and role, and the display name if name.  If
 * it cannot go, the session is over: worker-unavailable and 1011.
 */

static ngx_int_t
ngx_http_sfu_signal_relay(ngx_http_sfu_signal_t *s, json_t *msg,
    ngx_uint_t name)
{
    json_t     *env;
    ngx_int_t   rc;

    env = json_pack("{s:s, s:s%, s:s%, s:s%, s:O}",
                    "type", "client",
                    "room", s->claims.room.data, s->claims.room.len,
                    "participant", s->claims.participant.data,
                    s->claims.participant.len,
                    "role", s->claims.role.data, s->claims.role.len,
                    "msg", msg);

    if (env != NULL && name
        && json_object_set_new(env, "name",
                               json_stringn((char *) s->claims.name.data,
                                            s->claims.name.len))
           != 0)
    {
        json_decref(env);
        env = NULL;
    }

    rc = (env != NULL) ? ngx_http_sfu_link_send(s->link, env) : NGX_ERROR;
    json_decref(env);

    if (rc != NGX_OK) {
        ngx_http_sfu_signal_end(s, "worker-gone", 0);
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_INTERNAL,
                                   "worker-unavailable",
                                   "the room's media worker is unavailable");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_sfu_signal_join_timeout(ngx_event_t *ev)
{
    ngx_http_sfu_signal_t *s = ev->data;

    ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                  "sfu: signaling client did not join within %M ms",
                  s->conf->ws_join_timeout);

    ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_POLICY, "join-timeout",
                               "no join within %M ms",
                               s->conf->ws_join_timeout);
}


static void
ngx_http_sfu_signal_closed(ngx_http_sfu_ws_t *ws, ngx_uint_t code)
{
    ngx_http_sfu_signal_end(ngx_http_sfu_ws_data(ws),
                            ngx_exiting ? "shutdown" : "disconnected", 1);
}


void
ngx_http_sfu_signal_end(ngx_http_sfu_signal_t *s, const char *reason,
    ngx_uint_t tell_worker)
{
    json_t      *msg;
    ngx_uint_t   joined;

    if (s->state == NGX_HTTP_SFU_SIGNAL_OVER) {
        return;
    }

    joined = (s->state == NGX_HTTP_SFU_SIGNAL_JOINED);
    s->state = NGX_HTTP_SFU_SIGNAL_OVER;

    if (s->join_timer.timer_set) {
        ngx_del_timer(&s->join_timer);
    }

    if (s->claim) {
        /* its answer gives the place back if it was taken */
        s->claim->session = NULL;
        s->claim = NULL;
    }

    ngx_http_sfu_signal_detach(s);

    if (joined && tell_worker) {
        msg = json_pack("{s:s, s:s%, s:s%}", "type", "disconnect",
                        "room", s->claims.room.data, s->claims.room.len,
                        "participant", s->claims.participant.data,
                        s->claims.participant.len);

        if (msg != NULL) {
            (void) ngx_http_sfu_link_send(s->link, msg);
            json_decref(msg);
        }
    }

    if (s->claimed) {
        ngx_http_sfu_signal_mark_left(&s->claims.room, &s->claims.participant,
                                      reason);
    }
}


void
ngx_http_sfu_signal_mark_left(ngx_str_t *room, ngx_str_t *participant,
    const char *reason)
{
    ngx_str_t  params[3];

    params[0] = *room;
    params[1] = *participant;
    params[2].data = (u_char *) reason;
    params[2].len = ngx_strlen(reason);

    if (ngx_http_sfu_pg_query(NULL, ngx_cycle->log, &ngx_http_sfu_stmt_leave,
                              3, params, ngx_http_sfu_signal_left, NULL)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "sfu: participant \"%V\" left, but PostgreSQL is "
                      "unavailable to record it", participant);
    }
}


static void
ngx_http_sfu_signal_left(void *data, ngx_http_sfu_pg_status_e status,
    PGresult *res)
{
    if (status == NGX_HTTP_SFU_PG_OK) {
        ngx_http_sfu_signal_count_left(res);
    }
}


void
ngx_http_sfu_signal_count_left(PGresult *res)
{
    ngx_str_t  room;

    if (PQntuples(res) != 1) {
        return;
    }

    ngx_http_sfu_metrics_add(NGX_HTTP_SFU_METRIC_PARTICIPANTS_LEFT, 1);

    if (ngx_strcmp(PQgetvalue(res, 0, 0), "connected") == 0) {
        room.data = (u_char *) PQgetvalue(res, 0, 1);
        room.len = PQgetlength(res, 0, 1);
        ngx_http_sfu_metrics_participants(&room, -1);
    }
}


void
ngx_http_sfu_signal_error(ngx_http_sfu_signal_t *s, const char *code,
    const char *fmt, ...)
{
    u_char   *p;
    json_t   *msg;
    va_list   args;
    u_char    text[256];

    va_start(args, fmt);
    p = ngx_vslprintf(text, text + sizeof(text), fmt, args);
    va_end(args);

    msg = json_pack("{s:s, s:s, s:s%}", "type", "error", "code", code,
                    "message", (char *) text, (size_t) (p - text));

    ngx_http_sfu_signal_send(s, msg);
}


void
ngx_http_sfu_signal_refuse(ngx_http_sfu_signal_t *s, ngx_uint_t close,
    const char *code, const char *fmt, ...)
{
    u_char   *p;
    va_list   args;
    u_char    text[256];

    va_start(args, fmt);
    p = ngx_vslprintf(text, text + sizeof(text), fmt, args);
    va_end(args);

    ngx_http_sfu_signal_error(s, code, "%*s", p - text, text);
    ngx_http_sfu_ws_close(s->ws, close, code);
}


/* sends msg (consumed) as a text message */

void
ngx_http_sfu_signal_send(ngx_http_sfu_signal_t *s, json_t *msg)
{
    char  *text;

    if (msg == NULL) {
        return;
    }

    text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);

    if (text == NULL) {
        return;
    }

    (void) ngx_http_sfu_ws_send(s->ws, (u_char *) text, ngx_strlen(text));

    free(text);
}
