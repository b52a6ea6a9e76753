
/*
 * The signaling relay, worker side: what this nginx worker process hears
 * on its links to the SFU workers (sfu/PROTOCOL.md).
 *
 * Every session that has joined is in a map keyed by participant id and
 * in the list of the link its join went out on.  A worker answers a
 * participant on the connection that participant's join arrived on, so a
 * "deliver" names a participant of this process or one that has just
 * gone; nginx processes never pass messages among themselves.  A lost
 * link takes its sessions with it: "worker-gone", 1011, marked left.
 */

#include "ngx_http_sfu_signal_session.h"
#include "ngx_http_sfu_link.h"
#include "ngx_http_sfu_turn.h"


static void ngx_http_sfu_signal_worker_handler(ngx_uint_t link, json_t *msg,
    void *data);
static void ngx_http_sfu_signal_worker_gone(ngx_uint_t link);
static void ngx_http_sfu_signal_deliver(ngx_uint_t link, json_t *msg);
static void ngx_http_sfu_signal_event(ngx_uint_t link, json_t *msg);
static ngx_http_sfu_signal_t *ngx_http_sfu_signal_addressee(ngx_uint_t link,
    json_t *msg, const char *what);
static void ngx_http_sfu_signal_malformed(ngx_uint_t link, const char *what);


static ngx_rbtree_t        ngx_http_sfu_signal_tree;
static ngx_rbtree_node_t   ngx_http_sfu_signal_sentinel;
static ngx_queue_t        *ngx_http_sfu_signal_links;    /* one per link */


ngx_int_t
ngx_http_sfu_signal_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t  i, n;

    ngx_rbtree_init(&ngx_http_sfu_signal_tree, &ngx_http_sfu_signal_sentinel,
                    ngx_str_rbtree_insert_value);

    n = ngx_http_sfu_link_count();

    if (n == 0) {
        return NGX_OK;
    }

    ngx_http_sfu_signal_links = ngx_palloc(cycle->pool,
                                           n * sizeof(ngx_queue_t));
    if (ngx_http_sfu_signal_links == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        ngx_queue_init(&ngx_http_sfu_signal_links[i]);
    }

    ngx_http_sfu_link_set_handler(ngx_http_sfu_signal_worker_handler, NULL);

    return NGX_OK;
}


ngx_http_sfu_signal_t *
ngx_http_sfu_signal_find(ngx_str_t *participant)
{
    ngx_str_node_t  *node;

    node = ngx_str_rbtree_lookup(&ngx_http_sfu_signal_tree, participant,
                                 ngx_crc32_short(participant->data,
                                                 participant->len));
    if (node == NULL) {
        return NULL;
    }

    return (ngx_http_sfu_signal_t *)
               ((u_char *) node - offsetof(ngx_http_sfu_signal_t, node));
}


void
ngx_http_sfu_signal_attach(ngx_http_sfu_signal_t *s)
{
    s->node.str = s->claims.participant;
    s->node.node.key = ngx_crc32_short(s->node.str.data, s->node.str.len);

    ngx_rbtree_insert(&ngx_http_sfu_signal_tree, &s->node.node);
    ngx_queue_insert_tail(&ngx_http_sfu_signal_links[s->link], &s->queue);

    s->attached = 1;
}


void
ngx_http_sfu_signal_detach(ngx_http_sfu_signal_t *s)
{
    if (!s->attached) {
        return;
    }

    ngx_rbtree_delete(&ngx_http_sfu_signal_tree, &s->node.node);
    ngx_queue_remove(&s->queue);

    s->attached = 0;
}


void
ngx_http_sfu_signal_close_room(ngx_str_t *room)
{
    json_t      *msg;
    ngx_uint_t   link;

    link = ngx_http_sfu_link_for_room(room);

    if (link == (ngx_uint_t) NGX_ERROR) {
        return;
    }

    msg = json_pack("{s:s, s:s%}", "type", "close-room",
                    "room", room->data, room->len);

    if (msg != NULL) {
        (void) ngx_http_sfu_link_send(link, msg);
        json_decref(msg);
    }
}


static void
ngx_http_sfu_signal_worker_handler(ngx_uint_t link, json_t *msg, void *data)
{
    const char  *type, *code, *text;
    ngx_str_t    path;
    ngx_msec_t   rtt;

    if (msg == NULL) {
        ngx_http_sfu_signal_worker_gone(link);
        return;
    }

    type = json_string_value(json_object_get(msg, "type"));

    if (type == NULL) {
        ngx_http_sfu_signal_malformed(link, "a message without a type");

    } else if (ngx_strcmp(type, "deliver") == 0) {
        ngx_http_sfu_signal_deliver(link, msg);

    } else if (ngx_strcmp(type, "event") == 0) {
        ngx_http_sfu_signal_event(link, msg);

    } else if (ngx_strcmp(type, "error") == 0) {
        code = json_string_value(json_object_get(msg, "code"));
        text = json_string_value(json_object_get(msg, "message"));
        (void) ngx_http_sfu_link_status(link, &path, &rtt);

        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "sfu worker \"%V\" reports an error: %s: %s", &path,
                      code ? code : "-", text ? text : "-");

    } else {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                       "sfu signal: worker message \"%s\" ignored", type);
    }
}


static void
ngx_http_sfu_signal_worker_gone(ngx_uint_t link)
{
    ngx_queue_t            *q;
    ngx_http_sfu_signal_t  *s;

    q = &ngx_http_sfu_signal_links[link];

    while (!ngx_queue_empty(q)) {
        s = ngx_queue_data(ngx_queue_head(q), ngx_http_sfu_signal_t, queue);

        ngx_http_sfu_signal_end(s, "worker-gone", 0);
        ngx_http_sfu_signal_refuse(s, NGX_HTTP_SFU_WS_INTERNAL, "worker-gone",
                                   "the room's media worker is gone: "
                                   "join again");
    }
}


/*
 * {"type":"deliver","room":R,"participant":P,"msg":{...}}: msg goes to P
 * as it is, "joined" with the ICE servers the join endpoint would give,
 * and "kicked" or "room-closed" end the session.
 */

static void
ngx_http_sfu_signal_deliver(ngx_uint_t link, json_t *msg)
{
    json_t                 *inner, *ice;
    ngx_int_t               rc;
    ngx_str_t               text;
    const char             *type;
    ngx_http_sfu_signal_t  *s;

    inner = json_object_get(msg, "msg");
    type = json_string_value(json_object_get(inner, "type"));

    if (!json_is_object(inner) || type == NULL) {
        ngx_http_sfu_signal_malformed(link, "a deliver without a msg object "
                                      "with a type");
        return;
    }

    s = ngx_http_sfu_signal_addressee(link, msg, "deliver");
    if (s == NULL) {
        return;
    }

    if (ngx_strcmp(type, "joined") == 0) {
        rc = ngx_http_sfu_turn_ice_servers(ngx_http_sfu_ws_request(s->ws),
                                           &s->claims.participant, &text);

        ice = (rc == NGX_OK) ? json_loadb((char *) text.data, text.len, 0, NULL)
                             : NULL;

        if (ice == NULL) {
            /* no TURN secret (logged); STUN-less, relay-less, still a call */
            ice = json_array();
        }

        json_object_set_new(inner, "ice_servers", ice);
    }

    ngx_http_sfu_signal_send(s, json_incref(inner));

    if (ngx_strcmp(type, "kicked") == 0
        || ngx_strcmp(type, "room-closed") == 0)
    {
        ngx_http_sfu_signal_end(s, type, 0);
        ngx_http_sfu_ws_close(s->ws, NGX_HTTP_SFU_WS_NORMAL, type);
    }
}


/*
 * {"type":"event","event":E,"room":R,"participant":P}: the place was
 * recorded when the join was claimed, so "participant-joined" needs no
 * write; "participant-left" ends the session if it is still here, and is
 * recorded either way.
 */

static void
ngx_http_sfu_signal_event(ngx_uint_t link, json_t *msg)
{
    json_t                 *room, *participant;
    ngx_str_t               r, p;
    const char             *event;
    ngx_http_sfu_signal_t  *s;

    event = json_string_value(json_object_get(msg, "event"));
    room = json_object_get(msg, "room");
    participant = json_object_get(msg, "participant");

    if (event == NULL || !json_is_string(room)
        || !json_is_string(participant))
    {
        ngx_http_sfu_signal_malformed(link, "an event without event, room "
                                      "and participant");
        return;
    }

    if (ngx_strcmp(event, "participant-left") != 0) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                       "sfu signal: event \"%s\"", event);
        return;
    }

    s = ngx_http_sfu_signal_addressee(link, msg, "event");

    if (s != NULL) {
        ngx_http_sfu_signal_end(s, "left", 0);
        ngx_http_sfu_ws_close(s->ws, NGX_HTTP_SFU_WS_NORMAL, "left");
        return;
    }

    r.data = (u_char *) json_string_value(room);
    r.len = json_string_length(room);
    p.data = (u_char *) json_string_value(participant);
    p.len = json_string_length(participant);

    ngx_http_sfu_signal_mark_left(&r, &p, "left");
}


/* the joined session msg's room and participant name, if it is here */

static ngx_http_sfu_signal_t *
ngx_http_sfu_signal_addressee(ngx_uint_t link, json_t *msg, const char *what)
{
    json_t                 *room, *participant;
    ngx_str_t               p;
    ngx_http_sfu_signal_t  *s;

    room = json_object_get(msg, "room");
    participant = json_object_get(msg, "participant");

    if (!json_is_string(room) || !json_is_string(participant)) {
        ngx_http_sfu_signal_malformed(link, "a message without room and "
                                      "participant");
        return NULL;
    }

    p.data = (u_char *) json_string_value(participant);
    p.len = json_string_length(participant);

    s = ngx_http_sfu_signal_find(&p);

    if (s == NULL || s->link != link
        || s->claims.room.len != json_string_length(room)
        || ngx_strncmp(s->claims.room.data, json_string_value(room),
                       s->claims.room.len) != 0)
    {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                       "sfu signal: %s for \"%V\", not here", what, &p);
        return NULL;
    }

    return s;
}


static void
ngx_http_sfu_signal_malformed(ngx_uint_t link, const char *what)
{
    ngx_str_t   path;
    ngx_msec_t  rtt;

    (void) ngx_http_sfu_link_status(link, &path, &rtt);

    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "sfu worker \"%V\" sent %s; ignored", &path, what);
}
