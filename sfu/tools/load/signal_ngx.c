/*
 * signal_ngx: the ngx-sfu backend of signal.h.  A room is made through
 * the REST API with the API key; a participant joins through the REST API
 * (token, signaling_url), then speaks the WebSocket signaling of
 * DESIGN.md: `join` with the token, the publish `offer`, `answer`s to the
 * server's subscribe offers, `ice-candidate`s with their pc, `leave`.
 *
 * A signal holds a reference for every request or connection in flight,
 * so that close can drop the engine's side at once while libsoup still
 * finishes; nothing reaches the engine after close.
 */

#include "guard.h"
#include "http.h"
#include "log.h"
#include "signal.h"
#include "signal_ngx_msg.h"

#include <string.h>

struct load_signal {
    unsigned                    refs;
    bool                        closed;     /* by the engine: no more events */
    bool                        ended;      /* failed was called */
    bool                        joined;
    const load_signal_events_t *ev;
    void                       *data;
    GCancellable               *cancel;
    SoupWebsocketConnection    *ws;
    char                       *token;
};

/*
 * Why a REST request failed, for the report: libsoup's error when no
 * usable reply came, else the field of the reply's "error" object the
 * caller names ("" when there is none).
 */
static const char *
rest_failure(const char *error, json_t *body, const char *field)
{
    const char *text;

    if (error != NULL) {
        return error;
    }
    text = json_string_value(json_object_get(json_object_get(body, "error"), field));
    return text != NULL ? text : "";
}

/* --- rooms */

typedef struct {
    load_signal_room_done_t  done;
    void                    *data;
} room_request_t;

static void
room_created(unsigned status, json_t *body, const char *error, void *data)
{
    room_request_t *r = data;
    const char     *id = json_string_value(json_object_get(body, "id"));
    char            why[256];

    if (status == 201 && id != NULL) {
        r->done(id, NULL, r->data);
    } else {
        snprintf(why, sizeof(why), "room creation: HTTP %u %s", status,
                 rest_failure(error, body, "message"));
        r->done(NULL, why, r->data);
    }
    g_free(r);
}

static gboolean
room_failed_later(gpointer data)
{
    room_created(0, NULL, "the target URL is not valid", data);
    return G_SOURCE_REMOVE;
}

static void
ngx_create_room(const load_signal_target_t *target, const char *name,
                unsigned capacity, load_signal_room_done_t done, void *data)
{
    room_request_t *r = g_new0(room_request_t, 1);
    char           *url = g_strdup_printf("%s/api/v1/rooms", target->url);
    /* the API takes 1 to 1000; the worker's own limit is lower anyway */
    json_t         *body = json_pack("{s:s, s:I}", "name", name,
                                     "max_participants",
                                     (json_int_t) (capacity > 1000 ? 1000 : capacity));

    r->done = done;
    r->data = data;
    if (load_http_json("POST", url, target->api_key, body, NULL, room_created,
                       r) != 0)
    {
        /* done must run later, never inside this call */
        g_idle_add(room_failed_later, r);
    }
    json_decref(body);
    g_free(url);
}

/* --- a participant */

static load_signal_t *
hold(load_signal_t *s)
{
    s->refs++;
    return s;
}

static void
release(load_signal_t *s)
{
    if (--s->refs > 0) {
        return;
    }
    if (s->ws != NULL) {
        g_signal_handlers_disconnect_by_data(s->ws, s);
        g_object_unref(s->ws);
    }
    g_object_unref(s->cancel);
    g_free(s->token);
    g_free(s);
}

static void
fail(load_signal_t *s, const char *why)
{
    if (s->closed || s->ended) {
        return;
    }
    s->ended = true;
    s->ev->failed(why, s->data);
}

static void
send_json(load_signal_t *s, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);

    if (text != NULL && s->ws != NULL
        && soup_websocket_connection_get_state(s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    {
        soup_websocket_connection_send_text(s->ws, text);
    }
    free(text);
    json_decref(msg);
}

static void
ws_message(SoupWebsocketConnection *ws, gint type, GBytes *message,
           gpointer data)
{
    load_signal_t *s = data;
    gsize          len;
    const char    *text = g_bytes_get_data(message, &len);

    (void) ws;
    if (s->closed || s->ended || type != SOUP_WEBSOCKET_DATA_TEXT) {
        return;
    }
    hold(s);
    switch (load_ngx_message(text, len, s->joined, s->ev, s->data)) {
    case LOAD_NGX_MSG_JOINED:
        s->joined = true;
        break;
    case LOAD_NGX_MSG_ENDED:
        s->ended = true;
        break;
    case LOAD_NGX_MSG_OK:
        break;
    }
    release(s);
}

static void
ws_closed(SoupWebsocketConnection *ws, gpointer data)
{
    load_signal_t *s = data;
    char           why[160];

    snprintf(why, sizeof(why), "signaling closed: %u %s",
             soup_websocket_connection_get_close_code(ws),
             soup_websocket_connection_get_close_data(ws) != NULL
             ? soup_websocket_connection_get_close_data(ws) : "");
    fail(s, why);
}

static void
ws_connected(GObject *source, GAsyncResult *res, gpointer data)
{
    load_signal_t *s = data;
    GError        *error = NULL;
    char           why[256];

    s->ws = soup_session_websocket_connect_finish(SOUP_SESSION(source), res,
                                                  &error);
    if (s->ws == NULL) {
        snprintf(why, sizeof(why), "signaling connection: %s", error->message);
        g_error_free(error);
        fail(s, why);
        release(s);
        return;
    }
    /* SDP offers are up to 64 KiB; ngx-sfu's limit is its own */
    soup_websocket_connection_set_max_incoming_payload_size(s->ws, 1 << 20);
    g_signal_connect(s->ws, "message", G_CALLBACK(ws_message), s);
    g_signal_connect(s->ws, "closed", G_CALLBACK(ws_closed), s);
    if (!s->closed) {
        send_json(s, json_pack("{s:s, s:s}", "type", "join", "token", s->token));
    }
    release(s);
}

static void
rest_joined(unsigned status, json_t *body, const char *error, void *data)
{
    load_signal_t *s = data;
    const char    *token = json_string_value(json_object_get(body, "token"));
    const char    *url = json_string_value(json_object_get(body, "signaling_url"));
    char           why[512], host[64];
    SoupMessage   *msg;

    if (s->closed) {
        release(s);
        return;
    }
    if (status != 200 || token == NULL || url == NULL) {
        snprintf(why, sizeof(why), "join: HTTP %u %s", status,
                 rest_failure(error, body, "code"));
        fail(s, why);
        release(s);
        return;
    }
    if (!load_guard_url(url, host, sizeof(host), why, sizeof(why))) {
        fail(s, why);
        release(s);
        return;
    }
    msg = soup_message_new("GET", url);
    if (msg == NULL) {
        fail(s, "join: the signaling_url is not a URL");
        release(s);
        return;
    }
    s->token = g_strdup(token);
    /* the reference of the REST request passes to the connection */
    soup_session_websocket_connect_async(load_http_session(), msg, NULL, NULL,
                                         G_PRIORITY_DEFAULT, s->cancel,
                                         ws_connected, s);
    g_object_unref(msg);
}

static gboolean
fail_later(gpointer data)
{
    load_signal_t *s = data;

    fail(s, "join: the room URL is not valid");
    release(s);
    return G_SOURCE_REMOVE;
}

static load_signal_t *
ngx_open(const load_signal_target_t *target, const char *room_id,
         const char *display, const load_signal_events_t *ev, void *data)
{
    load_signal_t *s = g_new0(load_signal_t, 1);
    char          *url;
    json_t        *body;

    s->refs = 1;
    s->ev = ev;
    s->data = data;
    s->cancel = g_cancellable_new();
    url = g_strdup_printf("%s/api/v1/rooms/%s/join", target->url, room_id);
    body = json_pack("{s:s}", "name", display);
    hold(s);
    if (load_http_json("POST", url, target->api_key, body, s->cancel,
                       rest_joined, s) != 0)
    {
        g_idle_add(fail_later, s);
    }
    json_decref(body);
    g_free(url);
    return s;
}

static int
ngx_send_sdp(load_signal_t *s, load_pc_t pc, const char *sdp)
{
    const char *type = pc == LOAD_PC_PUBLISH ? "offer" : "answer";

    if (s->ws == NULL || !s->joined || s->ended) {
        sfu_log_warn("sfu-load: %s before the participant is joined", type);
        return -1;
    }
    send_json(s, json_pack("{s:s, s:s}", "type", type, "sdp", sdp));
    return 0;
}

static void
ngx_local_candidate(load_signal_t *s, load_pc_t pc, const char *mid,
                    const char *candidate)
{
    if (s->ws == NULL || !s->joined || s->ended) {
        return;
    }
    send_json(s, json_pack("{s:s, s:s, s:s, s:s, s:i}", "type", "ice-candidate",
                           "pc", pc == LOAD_PC_PUBLISH ? "publish" : "subscribe",
                           "candidate", candidate != NULL ? candidate : "",
                           "sdpMid", mid, "sdpMLineIndex", 0));
}

/* After `leave` the server closes with 1000; the connection keeps itself
   until then (or until the session is aborted at exit). */
static void
drop_connection(SoupWebsocketConnection *ws, gpointer data)
{
    (void) data;
    g_object_unref(ws);
}

static void
ngx_close(load_signal_t *s)
{
    s->closed = true;
    g_cancellable_cancel(s->cancel);
    if (s->ws != NULL) {
        g_signal_handlers_disconnect_by_data(s->ws, s);
        if (soup_websocket_connection_get_state(s->ws) == SOUP_WEBSOCKET_STATE_OPEN) {
            if (s->joined) {
                send_json(s, json_pack("{s:s}", "type", "leave"));
            }
            g_signal_connect(s->ws, "closed", G_CALLBACK(drop_connection), NULL);
            soup_websocket_connection_close(s->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
                                            NULL);
            s->ws = NULL;
        }
    }
    release(s);
}

const load_signal_backend_t load_signal_ngx = {
    .name = "ngx-sfu",
    .create_room = ngx_create_room,
    .open = ngx_open,
    .send_sdp = ngx_send_sdp,
    .local_candidate = ngx_local_candidate,
    .close = ngx_close,
};
