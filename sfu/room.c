/*
 * room: rooms by id, membership, deliveries and the RTCP timer; see room.h.
 */
#include "room.h"

#include <string.h>

#include "heap.h"
#include "log.h"

/*
 * Each participant's timed work (bitrate and layer choices, sender
 * reports when due) comes round every ROOM_TICK_MS.  The timer fires
 * ROOM_TICK_SLICES times in that period and does one slice of the
 * participants each time: in a room of hundreds, one pass over everyone
 * would hold up the media arriving meanwhile for a millisecond or more.
 */
#define ROOM_TICK_MS 200
#define ROOM_TICK_SLICES 10

static GHashTable *rooms;               /* id -> sfu_room_t * */
static guint tick_source;
static unsigned tick_slice;             /* the slice the timer does next */
static unsigned next_slice;             /* the next joiner's */

static gboolean
rooms_tick(gpointer data)
{
    int64_t now = g_get_monotonic_time();
    GHashTableIter it;
    gpointer key, value;
    guint i;

    (void)data;
    g_hash_table_iter_init(&it, rooms);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        sfu_room_t *r = value;

        for (i = 0; i < r->participants->len; i++) {
            sfu_participant_t *p = g_ptr_array_index(r->participants, i);

            if (p->tick_slice == tick_slice) {
                sfu_publisher_tick(p, now);
                sfu_subscriber_tick(p, now);
            }
        }
    }
    tick_slice = (tick_slice + 1) % ROOM_TICK_SLICES;
    return G_SOURCE_CONTINUE;
}

sfu_room_t *
sfu_room_find(const char *id)
{
    return rooms != NULL ? g_hash_table_lookup(rooms, id) : NULL;
}

unsigned
sfu_rooms_count(void)
{
    return rooms != NULL ? g_hash_table_size(rooms) : 0;
}

unsigned
sfu_rooms_participants(void)
{
    GHashTableIter it;
    gpointer key, value;
    unsigned n = 0;

    if (rooms == NULL) {
        return 0;
    }
    g_hash_table_iter_init(&it, rooms);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        n += ((sfu_room_t *) value)->participants->len;
    }
    return n;
}

static sfu_room_t *
room_create(const char *id)
{
    sfu_room_t *r = g_new0(sfu_room_t, 1);

    if (rooms == NULL) {
        rooms = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_strlcpy(r->id, id, sizeof(r->id));
    r->participants = g_ptr_array_new();
    g_hash_table_insert(rooms, r->id, r);
    if (tick_source == 0) {
        tick_source = g_timeout_add(ROOM_TICK_MS / ROOM_TICK_SLICES, rooms_tick, NULL);
    }
    sfu_log_info("room %s: created, %u rooms", id, g_hash_table_size(rooms));
    return r;
}

static void
room_destroy(sfu_room_t *r)
{
    g_hash_table_remove(rooms, r->id);
    sfu_log_info("room %s: closed, %u rooms", r->id, g_hash_table_size(rooms));
    g_ptr_array_free(r->participants, TRUE);
    g_free(r);
    if (g_hash_table_size(rooms) == 0 && tick_source != 0) {
        g_source_remove(tick_source);
        tick_source = 0;
    }
}

static void
send_event(sfu_conn_t *c, const char *event, const char *room, const char *participant)
{
    json_t *msg = json_pack("{s:s, s:s, s:s, s:s}", "type", "event", "event", event, "room", room,
                            "participant", participant);

    if (msg != NULL) {
        sfu_conn_send(c, msg);
        json_decref(msg);
    }
}

sfu_participant_t *
sfu_room_join(const char *room, const char *participant, const char *role, const char *name, sfu_conn_t *conn)
{
    sfu_room_t *r = sfu_room_find(room);
    sfu_participant_t *p;

    if (r != NULL && r->participants->len >= SFU_ROOM_MAX_PARTICIPANTS) {
        return NULL;
    }
    if (r == NULL) {
        r = room_create(room);
    }
    p = g_new0(sfu_participant_t, 1);
    g_strlcpy(p->id, participant, sizeof(p->id));
    g_strlcpy(p->role, role, sizeof(p->role));
    p->name = g_strdup(name);
    g_strlcpy(p->quality, "auto", sizeof(p->quality));
    p->joined_at_ms = g_get_real_time() / 1000;
    p->tick_slice = next_slice++ % ROOM_TICK_SLICES;
    p->room = r;
    p->conn = conn;
    sfu_publisher_init(&p->pub);
    sfu_subscriber_init(&p->sub);
    g_ptr_array_add(r->participants, p);
    sfu_log_info("room %s: %s joins as %s (conn %u), %u in the room", room, participant, role,
                 sfu_conn_id(conn), r->participants->len);
    send_event(conn, "participant-joined", room, participant);
    return p;
}

sfu_participant_t *
sfu_room_participant(sfu_room_t *r, const char *id)
{
    guint i;

    for (i = 0; r != NULL && i < r->participants->len; i++) {
        sfu_participant_t *p = g_ptr_array_index(r->participants, i);

        if (strcmp(p->id, id) == 0) {
            return p;
        }
    }
    return NULL;
}

static void
participant_free(sfu_participant_t *p)
{
    sfu_publisher_clear(p);
    sfu_subscriber_clear(p);
    g_free(p->name);
    g_free(p);
    sfu_heap_released();
}

void
sfu_room_leave(sfu_participant_t *p, const char *reason, bool notify)
{
    sfu_room_t *r = p->room;
    json_t *left;

    sfu_log_info("room %s: %s leaves (%s), %u left", r->id, p->id, reason != NULL ? reason : "left",
                 r->participants->len - 1);
    /* Out of the room first: its tracks' unpublishing and the farewell reach only the others. */
    g_ptr_array_remove(r->participants, p);
    sfu_publisher_clear(p);
    left = json_pack("{s:s, s:s}", "type", "participant-left", "participant_id", p->id);
    if (left != NULL && reason != NULL) {
        json_object_set_new(left, "reason", json_string(reason));
    }
    sfu_room_broadcast(r, NULL, left);
    if (notify) {
        send_event(p->conn, "participant-left", r->id, p->id);
    }
    participant_free(p);
    if (r->participants->len == 0) {
        room_destroy(r);
    }
}

void
sfu_room_close(sfu_room_t *r)
{
    GPtrArray *all = r->participants;
    guint i;

    /* An empty room while they go: nobody is told about anybody else, all heard the room close. */
    r->participants = g_ptr_array_new();
    for (i = 0; i < all->len; i++) {
        participant_free(g_ptr_array_index(all, i));
    }
    g_ptr_array_free(all, TRUE);
    room_destroy(r);
}

void
sfu_rooms_conn_closed(sfu_conn_t *c)
{
    GHashTableIter it;
    gpointer key, value;
    sfu_participant_t *p;
    gboolean again = TRUE;
    guint i;

    /* Leaving can destroy the room under the iterator: start over after each one. */
    while (again && rooms != NULL) {
        again = FALSE;
        g_hash_table_iter_init(&it, rooms);
        while (!again && g_hash_table_iter_next(&it, &key, &value)) {
            sfu_room_t *r = value;

            for (i = 0; i < r->participants->len; i++) {
                p = g_ptr_array_index(r->participants, i);
                if (p->conn == c) {
                    sfu_room_leave(p, "disconnected", false);
                    again = TRUE;
                    break;
                }
            }
        }
    }
}

void
sfu_rooms_shutdown(void)
{
    GHashTableIter it;
    gpointer key, value;

    while (rooms != NULL && g_hash_table_size(rooms) > 0) {
        g_hash_table_iter_init(&it, rooms);
        g_hash_table_iter_next(&it, &key, &value);
        sfu_room_close(value);
    }
    if (rooms != NULL) {
        g_hash_table_destroy(rooms);
        rooms = NULL;
    }
}

void
sfu_room_deliver(sfu_participant_t *p, json_t *msg)
{
    json_t *env;

    if (msg == NULL) {
        sfu_log_error("participant %s: out of memory building a message", p->id);
        return;
    }
    env = json_pack("{s:s, s:s, s:s, s:o}", "type", "deliver", "room", p->room->id, "participant", p->id,
                    "msg", msg);
    if (env != NULL) {
        sfu_conn_send(p->conn, env);
        json_decref(env);
    }
}

void
sfu_room_broadcast(sfu_room_t *r, const sfu_participant_t *except, json_t *msg)
{
    guint i;

    if (msg == NULL) {
        sfu_log_error("room %s: out of memory building a message", r->id);
        return;
    }
    for (i = 0; i < r->participants->len; i++) {
        sfu_participant_t *p = g_ptr_array_index(r->participants, i);

        if (p != except) {
            sfu_room_deliver(p, json_copy(msg));
        }
    }
    json_decref(msg);
}

void
sfu_room_error(sfu_participant_t *p, const char *code, const char *message)
{
    sfu_log_info("room %s: %s: error %s: %s", p->room->id, p->id, code, message);
    sfu_room_deliver(p, json_pack("{s:s, s:s, s:s}", "type", "error", "code", code, "message", message));
}

static json_t *
track_json(const struct sfu_track *t, const char *mid)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "track_id", t->id, "kind", sfu_track_kind_name(t->kind),
                          "source", sfu_track_source_name(t->source));

    if (j != NULL && mid != NULL) {
        json_object_set_new(j, "mid", json_string(mid));
    }
    return j;
}

json_t *
sfu_room_participant_json(sfu_participant_t *p, sfu_participant_t *viewer)
{
    json_t *tracks = json_array();
    guint i;

    for (i = 0; tracks != NULL && i < p->pub.tracks->len; i++) {
        const struct sfu_track *t = g_ptr_array_index(p->pub.tracks, i);

        json_array_append_new(tracks, track_json(t, viewer != NULL ? sfu_subscriber_mid(&viewer->sub, t) : NULL));
    }
    return json_pack("{s:s, s:s*, s:s, s:b, s:b, s:b, s:o*}", "participant_id", p->id, "name", p->name,
                     "role", p->role, "audio", p->audio, "video", p->video,
                     "screen", sfu_publisher_screen(&p->pub) != NULL, "tracks", tracks);
}

unsigned
sfu_room_decodable(const sfu_room_t *r, const sfu_participant_t *except)
{
    unsigned mask = SFU_CODEC_VIDEO_MASK;
    guint i;

    for (i = 0; i < r->participants->len; i++) {
        const sfu_participant_t *p = g_ptr_array_index(r->participants, i);

        if (p != except && p->video_decodable != 0) {
            mask &= p->video_decodable;
        }
    }
    return mask;
}

static json_t *
track_event(const char *type, const sfu_participant_t *publisher, const struct sfu_track *t, const char *mid)
{
    json_t *msg = track_json(t, mid);

    if (msg != NULL) {
        json_object_set_new(msg, "type", json_string(type));
        json_object_set_new(msg, "participant_id", json_string(publisher->id));
    }
    return msg;
}

void
sfu_room_track_added(sfu_participant_t *publisher, struct sfu_track *t)
{
    sfu_room_t *r = publisher->room;
    guint i;

    if (t->kind == SFU_SDP_VIDEO && r->video_codec == SFU_CODEC_NONE) {
        r->video_codec = t->codec.id;
        sfu_log_info("room %s: video codec %s", r->id, sfu_codec_name(t->codec.id));
    }
    for (i = 0; i < r->participants->len; i++) {
        sfu_participant_t *q = g_ptr_array_index(r->participants, i);

        if (q != publisher) {
            sfu_room_deliver(q, track_event("track-published", publisher, t, sfu_subscriber_add(q, t)));
            sfu_subscriber_negotiate(q);
        }
    }
}

static bool
room_has_video(const sfu_room_t *r, const struct sfu_track *except)
{
    guint i, k;

    for (i = 0; i < r->participants->len; i++) {
        const sfu_participant_t *p = g_ptr_array_index(r->participants, i);

        for (k = 0; k < p->pub.tracks->len; k++) {
            const struct sfu_track *t = g_ptr_array_index(p->pub.tracks, k);

            if (t != except && t->kind == SFU_SDP_VIDEO) {
                return true;
            }
        }
    }
    return false;
}

void
sfu_room_track_removed(sfu_participant_t *publisher, struct sfu_track *t)
{
    sfu_room_t *r = publisher->room;
    const char *mid;
    guint i;

    for (i = 0; i < r->participants->len; i++) {
        sfu_participant_t *q = g_ptr_array_index(r->participants, i);

        if (q == publisher) {
            continue;
        }
        mid = sfu_subscriber_mid(&q->sub, t);
        sfu_room_deliver(q, track_event("track-unpublished", publisher, t, mid));
        sfu_subscriber_remove(q, t);
        sfu_subscriber_negotiate(q);
    }
    if (t->kind == SFU_SDP_VIDEO && !room_has_video(r, t) && r->video_codec != SFU_CODEC_NONE) {
        sfu_log_info("room %s: no video left; the next video track chooses the codec", r->id);
        r->video_codec = SFU_CODEC_NONE;
    }
}
