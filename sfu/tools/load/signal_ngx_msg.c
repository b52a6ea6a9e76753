/*
 * signal_ngx_msg: one server message of ngx-sfu's signaling to engine
 * events.
 */

#include "signal_ngx_msg.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *
string_field(json_t *msg, const char *key)
{
    return json_string_value(json_object_get(msg, key));
}

static load_ngx_msg_t
ended(const load_signal_events_t *ev, void *data, const char *why)
{
    ev->failed(why, data);
    return LOAD_NGX_MSG_ENDED;
}

static load_ngx_msg_t
on_error(json_t *msg, bool joined, const load_signal_events_t *ev, void *data)
{
    const char *code = string_field(msg, "code");
    const char *text = string_field(msg, "message");
    char        why[256];

    /* after the join, only a failed transport ends the participant; the
       others (rate-limited, a refused candidate) leave it as it is */
    if (joined && (code == NULL || (strcmp(code, "transport-failed") != 0
                                    && strcmp(code, "internal") != 0)))
    {
        return LOAD_NGX_MSG_OK;
    }
    snprintf(why, sizeof(why), "signaling error %s: %s",
             code != NULL ? code : "(no code)", text != NULL ? text : "");
    return ended(ev, data, why);
}

static load_ngx_msg_t
dispatch(json_t *msg, bool joined, const load_signal_events_t *ev, void *data)
{
    const char *type = string_field(msg, "type");
    const char *sdp, *pc, *candidate;

    if (type == NULL) {
        return ended(ev, data, "a server message without a type");
    }
    if (strcmp(type, "error") == 0) {
        return on_error(msg, joined, ev, data);
    }
    if (strcmp(type, "kicked") == 0 || strcmp(type, "room-closed") == 0) {
        return ended(ev, data, type);
    }
    if (!joined) {
        if (strcmp(type, "joined") != 0) {
            return LOAD_NGX_MSG_OK;
        }
        ev->joined(data);
        return LOAD_NGX_MSG_JOINED;
    }
    if (strcmp(type, "answer") == 0 || strcmp(type, "offer") == 0) {
        sdp = string_field(msg, "sdp");
        if (sdp == NULL) {
            return ended(ev, data, "an answer or offer without sdp");
        }
        if (type[0] == 'a') {
            ev->publish_answer(sdp, data);
        } else {
            ev->subscribe_offer(sdp, data);
        }
    } else if (strcmp(type, "ice-candidate") == 0) {
        pc = string_field(msg, "pc");
        candidate = string_field(msg, "candidate");
        if (pc == NULL || candidate == NULL
            || (strcmp(pc, "publish") != 0 && strcmp(pc, "subscribe") != 0))
        {
            return LOAD_NGX_MSG_OK;
        }
        ev->remote_candidate(pc[0] == 'p' ? LOAD_PC_PUBLISH : LOAD_PC_SUBSCRIBE,
                             candidate[0] != '\0' ? candidate : NULL, data);
    }
    return LOAD_NGX_MSG_OK;
}

load_ngx_msg_t
load_ngx_message(const char *text, size_t len, bool joined,
                 const load_signal_events_t *ev, void *data)
{
    json_error_t   jerr;
    json_t        *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    load_ngx_msg_t r;

    if (msg == NULL || !json_is_object(msg)) {
        json_decref(msg);
        return ended(ev, data, "a server message that is not a JSON object");
    }
    r = dispatch(msg, joined, ev, data);
    json_decref(msg);
    return r;
}
