/*
 * signaling: a client's messages, as the module forwards them in `client`
 * envelopes: join, offer, answer, ice-candidate, screen share, quality,
 * toggles, chat and leave.  A message that cannot be taken is answered
 * with an error to its sender alone, and changes nothing else.
 */
#include "signaling.h"

#include <stdio.h>
#include <string.h>

#include "client_msg.h"
#include "log.h"
#include "proto.h"
#include "room.h"

/* An error for a client that is not (or not yet) in the room: delivered through the connection it used. */
static void
error_to(sfu_conn_t *c, const struct sfu_envelope *env, const char *code, const char *message)
{
    json_t *msg = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "type", "deliver", "room", env->room,
                            "participant", env->participant, "msg", "type", "error", "code", code,
                            "message", message);

    sfu_log_info("room %s: %s: error %s: %s", env->room, env->participant, code, message);
    if (msg != NULL) {
        sfu_conn_send(c, msg);
        json_decref(msg);
    }
}

static void
join(sfu_conn_t *c, const struct sfu_envelope *env, const struct sfu_client_msg *m)
{
    sfu_room_t *r = sfu_room_find(env->room);
    sfu_participant_t *p, *q;
    json_t *others;
    guint i, k;

    if (sfu_room_participant(r, env->participant) != NULL) {
        error_to(c, env, "already-joined", "this participant is already in the room");
        return;
    }
    p = sfu_room_join(env->room, env->participant, env->role, env->name, c);
    if (p == NULL) {
        error_to(c, env, "room-full", "the room has as many participants as a worker takes");
        return;
    }
    p->audio = m->audio;
    p->video = m->video;
    r = p->room;
    /* The joiner subscribes to everything already published; the mids go into joined. */
    for (i = 0; i < r->participants->len; i++) {
        q = g_ptr_array_index(r->participants, i);
        for (k = 0; q != p && k < q->pub.tracks->len; k++) {
            sfu_subscriber_add(p, g_ptr_array_index(q->pub.tracks, k));
        }
    }
    others = json_array();
    for (i = 0; others != NULL && i < r->participants->len; i++) {
        q = g_ptr_array_index(r->participants, i);
        if (q != p) {
            json_array_append_new(others, sfu_room_participant_json(q, p));
        }
    }
    /* simulcast: publish offers may send layers (a=simulcast); the SDK sends them only then. */
    sfu_room_deliver(p, json_pack("{s:s, s:s, s:o*, s:b}", "type", "joined", "participant_id", p->id,
                                  "participants", others, "simulcast", 1));
    sfu_room_broadcast(r, p, json_pack("{s:s, s:s, s:s*, s:s, s:b, s:b}", "type", "participant-joined",
                                       "participant_id", p->id, "name", p->name, "role", p->role,
                                       "audio", p->audio, "video", p->video));
    sfu_subscriber_negotiate(p);
}

static void
ice_candidate(sfu_participant_t *p, const struct sfu_client_msg *m)
{
    struct sfu_peer *peer = m->pc == SFU_PC_PUBLISH ? p->pub.peer : p->sub.peer;
    struct sfu_sdp_candidate cand;
    struct sfu_sdp_error err;
    char message[300];

    if (m->candidate[0] != '\0'
        && sfu_sdp_parse_candidate(&cand, m->candidate, strlen(m->candidate), &err) != SFU_SDP_OK)
    {
        snprintf(message, sizeof(message), "candidate: %s", err.message);
        sfu_room_error(p, "bad-candidate", message);
        return;
    }
    if (peer == NULL) {
        sfu_room_error(p, "wrong-state", m->pc == SFU_PC_PUBLISH ? "no publish connection: send an offer first"
                                                                 : "no subscribe connection yet");
        return;
    }
    /* A well-formed candidate the transport will not use (an mDNS name) is not the client's fault. */
    if (sfu_peer_add_candidate(peer, m->candidate) != 0) {
        sfu_log_debug("room %s: %s: candidate not used: %s", p->room->id, p->id, m->candidate);
    }
}

static void
toggle(sfu_participant_t *p, bool *state, bool enabled)
{
    *state = enabled;
    sfu_room_broadcast(p->room, p, json_pack("{s:s, s:s, s:b, s:b}", "type", "media-state", "participant_id",
                                             p->id, "audio", p->audio, "video", p->video));
}

static void
chat(sfu_participant_t *p, const char *text)
{
    sfu_room_broadcast(p->room, p, json_pack("{s:s, s:s, s:s, s:I}", "type", "chat", "participant_id", p->id,
                                             "text", text, "ts", (json_int_t)(g_get_real_time() / 1000)));
}

static void
dispatch(sfu_participant_t *p, const struct sfu_client_msg *m)
{
    struct sfu_msg_error err = { NULL, "" };
    int rc = 0;

    switch (m->type) {
    case SFU_CLIENT_OFFER:
        rc = sfu_publisher_offer(p, m->sdp, m->sdp_len, &err);
        break;
    case SFU_CLIENT_ANSWER:
        rc = sfu_subscriber_answer(p, m->sdp, m->sdp_len, &err);
        break;
    case SFU_CLIENT_ICE_CANDIDATE:
        ice_candidate(p, m);
        break;
    case SFU_CLIENT_START_SCREEN_SHARE:
        rc = sfu_publisher_start_screen(p, m->mid, &err);
        break;
    case SFU_CLIENT_STOP_SCREEN_SHARE:
        rc = sfu_publisher_stop_screen(p, &err);
        break;
    case SFU_CLIENT_UPDATE_QUALITY:
        g_strlcpy(p->quality, m->quality, sizeof(p->quality));
        sfu_subscriber_set_quality(p, m->quality_level);
        break;
    case SFU_CLIENT_TOGGLE_AUDIO:
        toggle(p, &p->audio, m->enabled);
        break;
    case SFU_CLIENT_TOGGLE_VIDEO:
        toggle(p, &p->video, m->enabled);
        break;
    case SFU_CLIENT_CHAT:
        chat(p, m->text);
        break;
    case SFU_CLIENT_LEAVE:
        sfu_room_leave(p, NULL, true);
        break;
    case SFU_CLIENT_JOIN:
        break;
    }
    if (rc != 0) {
        sfu_room_error(p, err.code, err.message);
    }
}

void
sfu_signaling_client(sfu_conn_t *c, json_t *msg)
{
    struct sfu_envelope env;
    struct sfu_client_msg m;
    struct sfu_msg_error err;
    sfu_participant_t *p;

    if (sfu_envelope_parse(msg, &env, &err) != 0) {
        sfu_log_info("conn %u: client message refused: %s", sfu_conn_id(c), err.message);
        sfu_proto_error(c, msg, err.code, err.message);
        return;
    }
    p = sfu_room_participant(sfu_room_find(env.room), env.participant);
    if (sfu_client_msg_parse(env.msg, &m, &err) != 0) {
        if (p != NULL) {
            sfu_room_error(p, err.code, err.message);
        } else {
            error_to(c, &env, err.code, err.message);
        }
        return;
    }
    if (m.type == SFU_CLIENT_JOIN) {
        join(c, &env, &m);
    } else if (p == NULL) {
        error_to(c, &env, "not-joined", "join the room first");
    } else {
        dispatch(p, &m);
    }
}
