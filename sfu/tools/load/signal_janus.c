/*
 * signal_janus: sfu-load's backend for Janus 1.1's VideoRoom plugin over
 * Janus's HTTP API (libsoup, on the GLib main context).
 *
 * One participant is one Janus session with two handles: a publisher
 * (join, then publish with the engine's offer) and one multistream
 * subscriber (join ptype "subscriber" with every feed known so far, then
 * "subscribe" as more publishers appear; Janus offers, the engine answers
 * through "start").  Events come from a long poll on the session;
 * keepalives go out well under Janus's session timeout.  A participant's
 * requests go out one at a time, in order, so that a trickled candidate
 * never overtakes the SDP it belongs to.  Room creation uses a short
 * session of its own.
 */

#include "signal.h"

#include "janus_http.h"
#include "janus_msg.h"
#include "log.h"

#include <glib.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JANUS_PLUGIN       "janus.plugin.videoroom"
#define KEEPALIVE_SECONDS  20      /* bench-janus sets session_timeout 60 */
#define LONG_POLL_MAXEV    32

/* {"janus": verb, ...more} */
static json_t *
janus_verb(const char *verb)
{
    return json_pack("{ss}", "janus", verb);
}

/* {"janus": "attach", "plugin": the VideoRoom}: a new handle */
static json_t *
janus_attach(void)
{
    return json_pack("{ssss}", "janus", "attach", "plugin", JANUS_PLUGIN);
}

/* {"janus": "message", "body": body, "jsep": {type, sdp}} */
static json_t *
janus_message(json_t *body, const char *jsep_type, const char *sdp)
{
    json_t *m = json_pack("{sssO}", "janus", "message", "body", body);

    json_decref(body);
    if (jsep_type != NULL)
        json_object_set_new(m, "jsep", json_pack("{ssss}", "type", jsep_type,
                                                 "sdp", sdp));
    return m;
}

/* Where a session's requests go: url/session */
static char *
session_url(const char *url, uint64_t session)
{
    return g_strdup_printf("%s/%" PRIu64, url, session);
}

/* Where a handle's requests go: url/session/handle */
static char *
handle_url(const char *url, uint64_t session, uint64_t handle)
{
    return g_strdup_printf("%s/%" PRIu64 "/%" PRIu64, url, session, handle);
}

static void
ignore_reply(json_t *batch, const char *error, void *data)
{
    (void)batch;
    (void)error;
    (void)data;
}

/* Destroys a session, which detaches its handles; nobody waits for the reply. */
static void
destroy_session(const char *url, uint64_t session)
{
    char *to = session_url(url, session);

    janus_http_request(to, janus_verb("destroy"), NULL, "destroy", ignore_reply,
            NULL);
    g_free(to);
}

/*
 * The one message a synchronous reply holds; *m is read and must be
 * cleared.  NULL, or an error line in line.
 */
static const char *
sole_reply(json_t *batch, janus_msg_t *m, char *line, size_t size)
{
    const char *why;

    if (janus_msg_read(json_array_get(batch, 0), m, &why) < 0)
        return why;
    if (m->kind == JANUS_MSG_ERROR) {
        snprintf(line, size, "Janus error %d: %s", m->error_code, m->error);
        return line;
    }
    if (m->error != NULL) {
        snprintf(line, size, "VideoRoom error %d: %s", m->error_code, m->error);
        return line;
    }
    return NULL;
}

/* --- the participant */

typedef enum {
    TO_ROOT,                   /* url */
    TO_SESSION,                /* url/session */
    TO_PUBLISHER,              /* url/session/publisher-handle */
    TO_SUBSCRIBER,             /* url/session/subscriber-handle */
} janus_path_t;

typedef enum {
    AFTER_SESSION,             /* create: data.id is the session */
    AFTER_ATTACH_PUBLISHER,    /* attach: data.id is the handle */
    AFTER_ATTACH_SUBSCRIBER,
    AFTER_ASYNC,               /* expect ack; results come as events */
} janus_step_t;

typedef struct {
    janus_path_t   path;
    janus_step_t   step;
    json_t        *body;
    char          *what;
} post_t;

struct load_signal {
    int                          refs;      /* the owner + requests out */
    bool                         closed;
    bool                         failed;
    const load_signal_events_t  *ev;
    void                        *data;

    char                        *url;
    uint64_t                     room;
    char                        *display;
    uint64_t                     session;
    uint64_t                     publisher;  /* handles */
    uint64_t                     subscriber;
    uint64_t                     feed_id;    /* ours, from "joined" */
    uint64_t                     private_id;

    GCancellable                *cancel;
    GQueue                       posts;      /* post_t, one out at a time */
    bool                         posting;
    guint                        keepalive;

    /*
     * Feeds to subscribe to: wanted ones not asked for yet, and every
     * one asked for (Janus repeats publishers in its events).
     */
    GArray                      *wanted;
    GHashTable                  *asked;
    bool                         sub_attaching;
    bool                         sub_joined;
    bool                         sub_busy;   /* an offer or answer is out */
};

static void post_next(load_signal_t *s);
static void poll_events(load_signal_t *s);

static void
unref(load_signal_t *s)
{
    post_t *p;

    if (--s->refs > 0)
        return;
    while ((p = g_queue_pop_head(&s->posts)) != NULL) {
        json_decref(p->body);
        g_free(p->what);
        g_free(p);
    }
    g_object_unref(s->cancel);
    g_array_free(s->wanted, TRUE);
    g_hash_table_destroy(s->asked);
    g_free(s->url);
    g_free(s->display);
    g_free(s);
}

/* Ends the participant's signaling: one failed(), then silence. */
static void
fail(load_signal_t *s, const char *why)
{
    if (s->closed || s->failed)
        return;
    s->failed = true;
    g_cancellable_cancel(s->cancel);
    if (s->keepalive != 0) {
        g_source_remove(s->keepalive);
        s->keepalive = 0;
    }
    s->ev->failed(why, s->data);
}

static bool
live(load_signal_t *s)
{
    return !s->closed && !s->failed;
}

static char *
url_of(load_signal_t *s, janus_path_t path)
{
    switch (path) {
    case TO_SESSION:
        return session_url(s->url, s->session);
    case TO_PUBLISHER:
        return handle_url(s->url, s->session, s->publisher);
    case TO_SUBSCRIBER:
        return handle_url(s->url, s->session, s->subscriber);
    default:
        return g_strdup(s->url);
    }
}

/* Queues a request (body stolen); it goes out after those before it. */
static void
post(load_signal_t *s, janus_path_t path, janus_step_t step, json_t *body,
     const char *what)
{
    post_t *p = g_new0(post_t, 1);

    p->path = path;
    p->step = step;
    p->body = body;
    p->what = g_strdup(what);
    g_queue_push_tail(&s->posts, p);
    post_next(s);
}

static void subscribe_more(load_signal_t *s);

static void
posted(json_t *batch, const char *error, void *data)
{
    load_signal_t *s = data;
    post_t *p = g_queue_pop_head(&s->posts);
    janus_msg_t m;
    char line[256];
    const char *why;

    s->posting = false;
    if (!live(s))
        goto out;
    if (error != NULL) {
        fail(s, error);
        goto out;
    }
    why = sole_reply(batch, &m, line, sizeof(line));
    if (why != NULL) {
        snprintf(line, sizeof(line), "%s: %s", p->what, why);
        janus_msg_clear(&m);
        fail(s, line);
        goto out;
    }
    switch (p->step) {
    case AFTER_SESSION:
        s->session = m.data_id;
        poll_events(s);
        post(s, TO_SESSION, AFTER_ATTACH_PUBLISHER, janus_attach(),
             "attach (publisher)");
        post(s, TO_PUBLISHER, AFTER_ASYNC, janus_message(
                 json_pack("{sssssIss}", "request", "join", "ptype",
                           "publisher", "room", (json_int_t)s->room,
                           "display", s->display), NULL, NULL),
             "join (publisher)");
        break;
    case AFTER_ATTACH_PUBLISHER:
        s->publisher = m.data_id;
        break;
    case AFTER_ATTACH_SUBSCRIBER:
        s->subscriber = m.data_id;
        s->sub_attaching = false;
        subscribe_more(s);
        break;
    case AFTER_ASYNC:
        break;
    }
    janus_msg_clear(&m);
out:
    json_decref(p->body);
    g_free(p->what);
    g_free(p);
    post_next(s);
    unref(s);
}

static void
post_next(load_signal_t *s)
{
    post_t *p = g_queue_peek_head(&s->posts);
    char *url;

    if (p == NULL || s->posting || !live(s))
        return;
    s->posting = true;
    s->refs++;
    url = url_of(s, p->path);
    janus_http_request(url, json_incref(p->body), s->cancel, p->what, posted, s);
    g_free(url);
}

/*
 * Asks Janus for the wanted feeds: attaches the subscriber handle the
 * first time, joins with them, or subscribes to more, one negotiation
 * at a time.
 */
static void
subscribe_more(load_signal_t *s)
{
    json_t *streams;
    guint i;

    if (s->wanted->len == 0 || s->sub_busy || s->sub_attaching || !live(s))
        return;
    if (s->subscriber == 0) {
        s->sub_attaching = true;
        post(s, TO_SESSION, AFTER_ATTACH_SUBSCRIBER, janus_attach(),
             "attach (subscriber)");
        return;
    }
    streams = json_array();
    for (i = 0; i < s->wanted->len; i++) {
        uint64_t feed = g_array_index(s->wanted, uint64_t, i);

        json_array_append_new(streams, json_pack("{sI}", "feed",
                                                 (json_int_t)feed));
    }
    g_array_set_size(s->wanted, 0);
    s->sub_busy = true;
    if (!s->sub_joined) {
        s->sub_joined = true;
        post(s, TO_SUBSCRIBER, AFTER_ASYNC, janus_message(
                 json_pack("{sssssIsIso}", "request", "join", "ptype",
                           "subscriber", "room", (json_int_t)s->room,
                           "private_id", (json_int_t)s->private_id,
                           "streams", streams), NULL, NULL),
             "join (subscriber)");
    } else {
        post(s, TO_SUBSCRIBER, AFTER_ASYNC, janus_message(
                 json_pack("{ssso}", "request", "subscribe", "streams",
                           streams), NULL, NULL),
             "subscribe");
    }
}

static void
want_feeds(load_signal_t *s, const janus_msg_t *m)
{
    size_t i;

    for (i = 0; i < m->n_feeds; i++) {
        uint64_t feed = m->feeds[i];
        gint64 key = (gint64)feed;

        if (feed == s->feed_id || g_hash_table_contains(s->asked, &key))
            continue;
        g_hash_table_add(s->asked, g_memdup2(&key, sizeof(key)));
        g_array_append_val(s->wanted, feed);
    }
    subscribe_more(s);
}

static void
on_publisher_event(load_signal_t *s, const janus_msg_t *m)
{
    if (m->videoroom != NULL && strcmp(m->videoroom, "joined") == 0) {
        s->feed_id = m->id;
        s->private_id = m->private_id;
        s->ev->joined(s->data);
    }
    if (!live(s))
        return;
    if (m->jsep_type != NULL && strcmp(m->jsep_type, "answer") == 0)
        s->ev->publish_answer(m->jsep_sdp, s->data);
    if (live(s))
        want_feeds(s, m);
}

static void
on_subscriber_event(load_signal_t *s, const janus_msg_t *m)
{
    if (m->jsep_type != NULL && strcmp(m->jsep_type, "offer") == 0) {
        s->ev->subscribe_offer(m->jsep_sdp, s->data);
        return;
    }
    /*
     * Negotiated ("started"), or nothing to negotiate (an "updated"
     * without an offer): the next feeds may be asked for.
     */
    if (m->started || (m->videoroom != NULL
                       && strcmp(m->videoroom, "updated") == 0)) {
        s->sub_busy = false;
        subscribe_more(s);
    }
}

/* No such feed: a publisher left before we subscribed; not fatal. */
#define VIDEOROOM_ERROR_NO_SUCH_FEED  428

static void
on_message(load_signal_t *s, const janus_msg_t *m)
{
    load_pc_t pc = m->sender == s->subscriber && m->sender != 0
                   ? LOAD_PC_SUBSCRIBE : LOAD_PC_PUBLISH;
    const char *session = pc == LOAD_PC_SUBSCRIBE ? "subscribe" : "publish";
    char line[256];

    switch (m->kind) {
    case JANUS_MSG_EVENT:
        if (m->error != NULL) {
            if (pc == LOAD_PC_SUBSCRIBE
                && m->error_code == VIDEOROOM_ERROR_NO_SUCH_FEED) {
                s->sub_busy = false;
                subscribe_more(s);
                return;
            }
            snprintf(line, sizeof(line), "VideoRoom error %d on the %s "
                     "handle: %s", m->error_code, session, m->error);
            fail(s, line);
        } else if (m->videoroom != NULL
                   && strcmp(m->videoroom, "destroyed") == 0) {
            fail(s, "the Janus room was destroyed");
        } else if (pc == LOAD_PC_SUBSCRIBE) {
            on_subscriber_event(s, m);
        } else {
            on_publisher_event(s, m);
        }
        break;
    case JANUS_MSG_TRICKLE:
        s->ev->remote_candidate(pc, m->completed ? NULL : m->candidate,
                                s->data);
        break;
    case JANUS_MSG_HANGUP:
        snprintf(line, sizeof(line), "Janus hung up the %s session: %s",
                 session, m->reason ? m->reason : "(no reason given)");
        fail(s, line);
        break;
    case JANUS_MSG_DETACHED:
        snprintf(line, sizeof(line), "Janus detached the %s handle", session);
        fail(s, line);
        break;
    case JANUS_MSG_TIMEOUT:
        fail(s, "the Janus session timed out");
        break;
    case JANUS_MSG_ERROR:
        snprintf(line, sizeof(line), "Janus error %d: %s", m->error_code,
                 m->error);
        fail(s, line);
        break;
    default:
        break;
    }
}

static void
polled(json_t *batch, const char *error, void *data)
{
    load_signal_t *s = data;
    json_t *item;
    size_t i;

    if (live(s) && error != NULL)
        fail(s, error);
    json_array_foreach(batch, i, item) {
        janus_msg_t m;
        const char *why;

        if (!live(s))
            break;
        if (janus_msg_read(item, &m, &why) < 0) {
            char line[256];

            snprintf(line, sizeof(line), "Janus event: %s", why);
            fail(s, line);
        } else {
            on_message(s, &m);
        }
        janus_msg_clear(&m);
    }
    if (live(s))
        poll_events(s);
    unref(s);
}

static void
poll_events(load_signal_t *s)
{
    char *url = g_strdup_printf("%s/%" PRIu64 "?maxev=%d", s->url, s->session,
                                LONG_POLL_MAXEV);

    s->refs++;
    janus_http_request(url, NULL, s->cancel, "long poll", polled, s);
    g_free(url);
}

static void
keepalive_sent(json_t *batch, const char *error, void *data)
{
    load_signal_t *s = data;

    (void)batch;
    if (live(s) && error != NULL)
        fail(s, error);
    unref(s);
}

static gboolean
send_keepalive(gpointer data)
{
    load_signal_t *s = data;
    char *url;

    if (s->session == 0)
        return G_SOURCE_CONTINUE;
    url = url_of(s, TO_SESSION);
    s->refs++;
    janus_http_request(url, janus_verb("keepalive"), s->cancel, "keepalive",
            keepalive_sent, s);
    g_free(url);
    return G_SOURCE_CONTINUE;
}

static load_signal_t *
janus_open(const load_signal_target_t *target, const char *room_id,
           const char *display, const load_signal_events_t *ev, void *data)
{
    load_signal_t *s = g_new0(load_signal_t, 1);

    s->refs = 1;
    s->ev = ev;
    s->data = data;
    s->url = g_strdup(target->url);
    s->room = g_ascii_strtoull(room_id, NULL, 10);
    s->display = g_strdup(display);
    s->cancel = g_cancellable_new();
    g_queue_init(&s->posts);
    s->wanted = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    s->asked = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                     NULL);
    s->keepalive = g_timeout_add_seconds(KEEPALIVE_SECONDS, send_keepalive, s);
    post(s, TO_ROOT, AFTER_SESSION, janus_verb("create"), "create session");
    return s;
}

/*
 * Each peer connection's handle, and what the engine's SDP is on it: the
 * publisher's offer to "publish", or the subscriber's answer to Janus's
 * offer, in "start".
 */
static const struct {
    janus_path_t   path;
    const char    *sdp_request;
    const char    *sdp_type;
    const char    *too_early;
} pc_handle[] = {
    [LOAD_PC_PUBLISH] = { TO_PUBLISHER, "publish", "offer",
                          "a publish offer before joining" },
    [LOAD_PC_SUBSCRIBE] = { TO_SUBSCRIBER, "start", "answer",
                            "a subscribe answer without an offer" },
};

static uint64_t
handle_of(load_signal_t *s, load_pc_t pc)
{
    return pc == LOAD_PC_SUBSCRIBE ? s->subscriber : s->publisher;
}

static int
janus_send_sdp(load_signal_t *s, load_pc_t pc, const char *sdp)
{
    if (!live(s) || handle_of(s, pc) == 0) {
        sfu_log_warn("sfu-load: janus: %s", pc_handle[pc].too_early);
        return -1;
    }
    post(s, pc_handle[pc].path, AFTER_ASYNC, janus_message(
             json_pack("{ss}", "request", pc_handle[pc].sdp_request),
             pc_handle[pc].sdp_type, sdp),
         pc_handle[pc].sdp_request);
    return 0;
}

static void
janus_local_candidate(load_signal_t *s, load_pc_t pc, const char *mid,
                      const char *candidate)
{
    json_t *c;

    if (!live(s))
        return;
    if (handle_of(s, pc) == 0) {
        sfu_log_warn("sfu-load: janus: a local candidate before its handle");
        return;
    }
    if (candidate == NULL)
        c = json_pack("{sb}", "completed", 1);
    else
        c = json_pack("{sssssi}", "candidate", candidate, "sdpMid",
                      mid ? mid : "0", "sdpMLineIndex", 0);
    post(s, pc_handle[pc].path, AFTER_ASYNC,
         json_pack("{ssso}", "janus", "trickle", "candidate", c), "trickle");
}

static void
janus_close(load_signal_t *s)
{
    s->closed = true;
    g_cancellable_cancel(s->cancel);
    if (s->keepalive != 0)
        g_source_remove(s->keepalive);
    s->keepalive = 0;
    /* destroying the session leaves the room and hangs up both handles */
    if (s->session != 0)
        destroy_session(s->url, s->session);
    unref(s);
}

/* --- rooms: create session, attach, create, destroy session */

typedef struct {
    char                    *url;
    char                    *name;
    unsigned                 capacity;
    uint64_t                 session;
    uint64_t                 handle;
    load_signal_room_done_t  done;
    void                    *data;
} room_job_t;

static void room_step(json_t *batch, const char *error, void *data);

static void
room_finish(room_job_t *job, const char *room_id, const char *error)
{
    if (job->session != 0)
        destroy_session(job->url, job->session);
    job->done(room_id, error, job->data);
    g_free(job->url);
    g_free(job->name);
    g_free(job);
}

static void
room_step(json_t *batch, const char *error, void *data)
{
    room_job_t *job = data;
    janus_msg_t m;
    char line[256], id[24], *url;
    const char *why = error;

    if (why == NULL)
        why = sole_reply(batch, &m, line, sizeof(line));
    else
        memset(&m, 0, sizeof(m));
    if (why != NULL) {
        char msg[300];

        snprintf(msg, sizeof(msg), "creating a Janus room: %s", why);
        janus_msg_clear(&m);
        room_finish(job, NULL, msg);
        return;
    }
    if (job->session == 0) {
        job->session = m.data_id;
        url = session_url(job->url, job->session);
        janus_http_request(url, janus_attach(), NULL, "attach", room_step, job);
    } else if (job->handle == 0) {
        job->handle = m.data_id;
        url = handle_url(job->url, job->session, job->handle);
        /*
         * Every participant publishes; Opus and VP8 as sfu-load sends;
         * nothing on disk; the bitrate cap high enough not to throttle
         * the synthetic streams through REMB.
         */
        janus_http_request(url, janus_message(
                    json_pack("{sssssisssssbsbsisb}", "request", "create",
                              "description", job->name,
                              "publishers", (int)job->capacity,
                              "audiocodec", "opus", "videocodec", "vp8",
                              "record", 0, "permanent", 0,
                              "bitrate", 8000000, "notify_joining", 0),
                    NULL, NULL),
                NULL, "create room", room_step, job);
    } else if (m.videoroom == NULL || strcmp(m.videoroom, "created") != 0
               || m.room == 0) {
        janus_msg_clear(&m);
        room_finish(job, NULL, "creating a Janus room: no \"created\" reply");
        return;
    } else {
        snprintf(id, sizeof(id), "%" PRIu64, m.room);
        janus_msg_clear(&m);
        room_finish(job, id, NULL);
        return;
    }
    g_free(url);
    janus_msg_clear(&m);
}

static void
janus_create_room(const load_signal_target_t *target, const char *name,
                  unsigned capacity, load_signal_room_done_t done, void *data)
{
    room_job_t *job = g_new0(room_job_t, 1);

    job->url = g_strdup(target->url);
    job->name = g_strdup(name);
    job->capacity = capacity;
    job->done = done;
    job->data = data;
    janus_http_request(job->url, janus_verb("create"), NULL, "create session",
            room_step, job);
}

const load_signal_backend_t load_signal_janus = {
    .name = "janus",
    .create_room = janus_create_room,
    .open = janus_open,
    .send_sdp = janus_send_sdp,
    .local_candidate = janus_local_candidate,
    .close = janus_close,
};
