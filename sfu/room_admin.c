/*
 * room_admin: the module's requests about rooms; see room_admin.h.  A
 * request with an id is answered with a message of its own type carrying
 * that id; a malformed one gets an error (bad-message) instead.
 */
#include "room_admin.h"

#include "client_msg.h"
#include "log.h"
#include "proto.h"
#include "room.h"

/* The reply to a request with an id: its own type, room, participant (if any) and found (if given). */
static void
reply_done(sfu_conn_t *c, json_t *msg, const char *room, json_t *found)
{
    if (json_object_get(msg, "id") == NULL) {
        json_decref(found);
        return;
    }
    sfu_proto_reply(c, msg, json_pack("{s:s, s:s, s:O*, s:o*}", "type", json_string_value(json_object_get(msg, "type")),
                                      "room", room, "participant", json_object_get(msg, "participant"),
                                      "found", found));
}

/* disconnect and kick: the participant leaves, with or without hearing why first. */
static void
remove_participant(sfu_conn_t *c, json_t *msg, const char *reason, const char *told)
{
    struct sfu_msg_error err;
    const char *room, *participant;
    sfu_participant_t *p;

    if (sfu_request_ids(msg, &room, &participant, &err) != 0) {
        sfu_proto_error(c, msg, err.code, err.message);
        return;
    }
    p = sfu_room_participant(sfu_room_find(room), participant);
    if (p != NULL) {
        if (told != NULL) {
            sfu_room_deliver(p, json_pack("{s:s}", "type", told));
        }
        sfu_room_leave(p, reason, true);
    }
    reply_done(c, msg, room, json_boolean(p != NULL));
}

void
sfu_admin_disconnect(sfu_conn_t *c, json_t *msg)
{
    remove_participant(c, msg, "disconnected", NULL);
}

void
sfu_admin_kick(sfu_conn_t *c, json_t *msg)
{
    remove_participant(c, msg, "kicked", "kicked");
}

void
sfu_admin_close_room(sfu_conn_t *c, json_t *msg)
{
    struct sfu_msg_error err;
    const char *room;
    sfu_room_t *r;

    if (sfu_request_ids(msg, &room, NULL, &err) != 0) {
        sfu_proto_error(c, msg, err.code, err.message);
        return;
    }
    r = sfu_room_find(room);
    if (r != NULL) {
        sfu_room_broadcast(r, NULL, json_pack("{s:s}", "type", "room-closed"));
        sfu_room_close(r);
    }
    reply_done(c, msg, room, NULL);
}

/*
 * Answers a request about one room with a list built from each of its
 * participants: {type, room, participants: [...]}, or with wrap, {type,
 * room, <wrap>: {participants: [...]}} ({} for a room not held here).
 */
static void
reply_list(sfu_conn_t *c, json_t *msg, const char *type, const char *wrap, json_t *(*each)(sfu_participant_t *p))
{
    struct sfu_msg_error err;
    const char *room;
    sfu_room_t *r;
    json_t *list;
    guint i;

    if (sfu_request_ids(msg, &room, NULL, &err) != 0) {
        sfu_proto_error(c, msg, err.code, err.message);
        return;
    }
    r = sfu_room_find(room);
    list = json_array();
    for (i = 0; list != NULL && r != NULL && i < r->participants->len; i++) {
        json_array_append_new(list, each(g_ptr_array_index(r->participants, i)));
    }
    if (wrap == NULL) {
        sfu_proto_reply(c, msg, json_pack("{s:s, s:s, s:o*}", "type", type, "room", room, "participants", list));
        return;
    }
    if (r == NULL) {
        json_decref(list);
        list = NULL;
    }
    sfu_proto_reply(c, msg, json_pack("{s:s, s:s, s:o}", "type", type, "room", room, wrap,
                                      list != NULL ? json_pack("{s:o}", "participants", list) : json_object()));
}

/*
 * Where one of a participant's peer connections stands: "none" while it has
 * none (publish: before the client's offer; subscribe: before the first
 * offer, or after one failed), else "connecting", "connected" or "failed".
 */
static const char *
peer_state(const struct sfu_peer *peer)
{
    if (peer == NULL) {
        return "none";
    }
    return peer->failed ? "failed" : peer->connected ? "connected" : "connecting";
}

static json_t *
participant_entry(sfu_participant_t *p)
{
    json_t *e = sfu_room_participant_json(p, NULL);

    if (e != NULL) {
        json_object_set_new(e, "joined_at", json_integer((json_int_t)p->joined_at_ms));
        json_object_set_new(e, "connection", json_pack("{s:s, s:s}", "publish", peer_state(p->pub.peer),
                                                       "subscribe", peer_state(p->sub.peer)));
    }
    return e;
}

void
sfu_admin_participants(sfu_conn_t *c, json_t *msg)
{
    reply_list(c, msg, "participants", NULL, participant_entry);
}

static const char *
profile_name(sfu_srtp_profile_t profile)
{
    switch (profile) {
    case SFU_SRTP_AES128_CM_SHA1_80:
        return "AES_CM_128_HMAC_SHA1_80";
    case SFU_SRTP_AEAD_AES_128_GCM:
        return "AEAD_AES_128_GCM";
    default:
        return "";
    }
}

static json_t *
peer_json(const struct sfu_peer *peer)
{
    sfu_transport_stats_t s;

    if (peer == NULL) {
        return NULL;
    }
    sfu_peer_stats(peer, &s);
    return json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "connected", peer->connected,
                     "srtp", profile_name(s.profile), "local", s.local, "remote", s.remote,
                     "packets_in", (json_int_t)s.packets_in, "bytes_in", (json_int_t)s.bytes_in,
                     "packets_out", (json_int_t)s.packets_out, "bytes_out", (json_int_t)s.bytes_out,
                     "srtp_errors", (json_int_t)s.srtp_errors);
}

static double
jitter_ms(const struct sfu_recv_stats *stats)
{
    return stats->clock_rate ? (stats->jitter >> 4) * 1000.0 / stats->clock_rate : 0.0;
}

/* A simulcast track's layers, in offer order; NULL (the key left out) for a plain track. */
static json_t *
layers_json(const struct sfu_simulcast *sim)
{
    json_t *list;
    unsigned i;

    if (sim->count == 0 || (list = json_array()) == NULL) {
        return NULL;
    }
    for (i = 0; i < sim->count; i++) {
        const struct sfu_layer *l = &sim->layers[i];
        unsigned rank = 0;

        while (sim->rank[rank] != i) {
            rank++;
        }
        json_array_append_new(list, json_pack("{s:s, s:i, s:I, s:b, s:I, s:I, s:I, s:I, s:f}", "rid", l->rid,
            "rank", (int)rank, "pixels", (json_int_t)l->pixels,
            "active", l->active, "packets", (json_int_t)l->packets, "bytes", (json_int_t)l->bytes,
            "bitrate", (json_int_t)l->rate.bps, "packets_lost", (json_int_t)sfu_recv_stats_lost(&l->stats),
            "jitter_ms", jitter_ms(&l->stats)));
    }
    return list;
}

static json_t *
tracks_json(const sfu_participant_t *p)
{
    json_t *list = json_array();
    guint i;

    for (i = 0; list != NULL && i < p->pub.tracks->len; i++) {
        const struct sfu_track *t = g_ptr_array_index(p->pub.tracks, i);

        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:o*}",
            "track_id", t->id, "kind", sfu_track_kind_name(t->kind), "source", sfu_track_source_name(t->source),
            "codec", sfu_codec_name(t->codec.id), "packets", (json_int_t)t->packets, "bytes", (json_int_t)t->bytes,
            "bitrate", (json_int_t)t->rate.bps, "packets_lost", (json_int_t)sfu_recv_stats_lost(&t->stats),
            "jitter_ms", jitter_ms(&t->stats), "layers", layers_json(&t->sim)));
    }
    return list;
}

/* The rid of layer index of t, or NULL (JSON null) for none. */
static const char *
layer_rid(const struct sfu_track *t, int index)
{
    return index >= 0 && (unsigned)index < t->sim.count ? t->sim.layers[index].rid : NULL;
}

static json_t *
subscriptions_json(const sfu_participant_t *p)
{
    json_t *list = json_array();
    guint i;

    for (i = 0; list != NULL && i < p->sub.slots->len; i++) {
        const struct sfu_sub_slot *s = g_ptr_array_index(p->sub.slots, i);

        if (s->down.track == NULL) {
            continue;
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:o*}", "track_id", s->down.track->id,
            "mid", s->media.mid, "active", s->down.active, "packets", (json_int_t)s->down.fwd.packets,
            "bytes", (json_int_t)s->down.fwd.bytes, "retransmitted", (json_int_t)s->down.fwd.retransmitted,
            "nacks_unanswered", (json_int_t)s->down.fwd.nacks_unanswered,
            "layer", s->down.track->sim.count == 0 ? NULL
                : json_pack("{s:s?, s:s?}", "current", layer_rid(s->down.track, s->down.layer.current),
                            "target", layer_rid(s->down.track, s->down.layer.target))));
    }
    return list;
}

static json_t *
downlink_json(const struct sfu_subscriber *sub)
{
    return json_pack("{s:s, s:s, s:s, s:I}", "wanted", sfu_quality_name(sub->wanted),
                     "estimate", sfu_quality_name(sub->bwe.level), "quality", sfu_quality_name(sfu_subscriber_quality(sub)),
                     "remb", (json_int_t)sfu_bwe_last_remb(&sub->bwe, g_get_monotonic_time()));
}

static json_t *
stats_entry(sfu_participant_t *p)
{
    return json_pack("{s:s, s:o*, s:o*, s:o*, s:o*, s:o*}", "participant_id", p->id, "publish", peer_json(p->pub.peer),
                     "subscribe", peer_json(p->sub.peer), "tracks", tracks_json(p),
                     "subscriptions", subscriptions_json(p), "downlink", downlink_json(&p->sub));
}

void
sfu_admin_stats(sfu_conn_t *c, json_t *msg)
{
    reply_list(c, msg, "stats", "stats", stats_entry);
}
