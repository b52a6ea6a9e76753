/*
 * client_msg: checking and reading the fields of room messages; see
 * client_msg.h.
 */
#include "client_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "negotiate.h"
#include "sdp.h"

static const struct {
    const char *name;
    enum sfu_client_type type;
} client_types[] = {
    { "join", SFU_CLIENT_JOIN },
    { "offer", SFU_CLIENT_OFFER },
    { "answer", SFU_CLIENT_ANSWER },
    { "ice-candidate", SFU_CLIENT_ICE_CANDIDATE },
    { "start-screen-share", SFU_CLIENT_START_SCREEN_SHARE },
    { "stop-screen-share", SFU_CLIENT_STOP_SCREEN_SHARE },
    { "update-quality", SFU_CLIENT_UPDATE_QUALITY },
    { "toggle-audio", SFU_CLIENT_TOGGLE_AUDIO },
    { "toggle-video", SFU_CLIENT_TOGGLE_VIDEO },
    { "chat", SFU_CLIENT_CHAT },
    { "leave", SFU_CLIENT_LEAVE },
};

int
sfu_msg_refuse(struct sfu_msg_error *err, const char *code, const char *fmt, ...)
{
    va_list ap;

    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

bool
sfu_id_valid(const char *id)
{
    size_t i;

    for (i = 0; id[i] != '\0'; i++) {
        char c = id[i];

        if (i == SFU_ID_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                                 || c == '-' || c == '_' || c == '.' || c == '~'))
        {
            return false;
        }
    }
    return i > 0;
}

/* A string field of at most max bytes; NULL (with err filled) when absent, not a string, or too long. */
static const char *
string_field(json_t *obj, const char *key, size_t max, size_t *len, struct sfu_msg_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_string(v)) {
        sfu_msg_refuse(err, "bad-message", "\"%s\" must be a string", key);
        return NULL;
    }
    if (json_string_length(v) > max) {
        sfu_msg_refuse(err, "bad-message", "\"%s\" is longer than %zu bytes", key, max);
        return NULL;
    }
    /* JSON allows \u0000; C strings end there, and so would the value. */
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        sfu_msg_refuse(err, "bad-message", "\"%s\" holds a NUL character", key);
        return NULL;
    }
    if (len != NULL) {
        *len = json_string_length(v);
    }
    return json_string_value(v);
}

static int
id_field(json_t *obj, const char *key, const char **out, struct sfu_msg_error *err)
{
    *out = string_field(obj, key, SFU_ID_MAX, NULL, err);
    if (*out == NULL) {
        return -1;
    }
    if (!sfu_id_valid(*out)) {
        return sfu_msg_refuse(err, "bad-message", "\"%s\" must be 1 to %d characters of A-Z a-z 0-9 - _ . ~", key,
                      SFU_ID_MAX);
    }
    return 0;
}

int
sfu_request_ids(json_t *req, const char **room, const char **participant, struct sfu_msg_error *err)
{
    if (id_field(req, "room", room, err) < 0) {
        return -1;
    }
    return participant != NULL ? id_field(req, "participant", participant, err) : 0;
}

int
sfu_envelope_parse(json_t *env, struct sfu_envelope *out, struct sfu_msg_error *err)
{
    memset(out, 0, sizeof(*out));
    if (sfu_request_ids(env, &out->room, &out->participant, err) < 0) {
        return -1;
    }
    out->role = string_field(env, "role", 16, NULL, err);
    if (out->role == NULL) {
        return -1;
    }
    if (strcmp(out->role, "host") != 0 && strcmp(out->role, "participant") != 0) {
        return sfu_msg_refuse(err, "bad-message", "\"role\" must be \"host\" or \"participant\"");
    }
    if (json_object_get(env, "name") != NULL
        && (out->name = string_field(env, "name", SFU_NAME_MAX, NULL, err)) == NULL)
    {
        return -1;
    }
    out->msg = json_object_get(env, "msg");
    if (!json_is_object(out->msg)) {
        return sfu_msg_refuse(err, "bad-message", "\"msg\" must be an object");
    }
    return 0;
}

static int
bool_field(json_t *obj, const char *key, bool optional, bool *out, struct sfu_msg_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL && optional) {
        return 0;
    }
    if (!json_is_boolean(v)) {
        return sfu_msg_refuse(err, "bad-message", "\"%s\" must be true or false", key);
    }
    *out = json_is_true(v);
    return 0;
}

static int
parse_candidate(json_t *msg, struct sfu_client_msg *out, struct sfu_msg_error *err)
{
    const char *pc = string_field(msg, "pc", 16, NULL, err);

    if (pc == NULL) {
        return -1;
    }
    if (strcmp(pc, "publish") == 0) {
        out->pc = SFU_PC_PUBLISH;
    } else if (strcmp(pc, "subscribe") == 0) {
        out->pc = SFU_PC_SUBSCRIBE;
    } else {
        return sfu_msg_refuse(err, "bad-message", "\"pc\" must be \"publish\" or \"subscribe\"");
    }
    /* sdpMid and sdpMLineIndex name the m-line; every m-line shares one transport, so they are not needed. */
    out->candidate = string_field(msg, "candidate", SFU_SDP_MAX_LINE, NULL, err);
    return out->candidate != NULL ? 0 : -1;
}

static int
parse_fields(json_t *msg, struct sfu_client_msg *out, struct sfu_msg_error *err)
{
    json_t *mid;

    switch (out->type) {
    case SFU_CLIENT_JOIN:
        out->audio = true;
        out->video = true;
        return bool_field(msg, "audio", true, &out->audio, err) < 0
            || bool_field(msg, "video", true, &out->video, err) < 0 ? -1 : 0;
    case SFU_CLIENT_OFFER:
    case SFU_CLIENT_ANSWER:
        out->sdp = string_field(msg, "sdp", SFU_SDP_MAX_SIZE, &out->sdp_len, err);
        return out->sdp != NULL ? 0 : -1;
    case SFU_CLIENT_ICE_CANDIDATE:
        return parse_candidate(msg, out, err);
    case SFU_CLIENT_START_SCREEN_SHARE:
        mid = json_object_get(msg, "mid");
        if (mid == NULL || json_is_null(mid)) {
            return 0;
        }
        out->mid = string_field(msg, "mid", SFU_MID_MAX, NULL, err);
        if (out->mid == NULL) {
            return -1;
        }
        return out->mid[0] != '\0' ? 0 : sfu_msg_refuse(err, "bad-message", "\"mid\" must not be empty");
    case SFU_CLIENT_UPDATE_QUALITY:
        out->quality = string_field(msg, "quality", 16, NULL, err);
        if (out->quality == NULL) {
            return -1;
        }
        if (!sfu_quality_parse(out->quality, &out->quality_level)) {
            return sfu_msg_refuse(err, "bad-message", "\"quality\" must be low, medium, high, auto or off");
        }
        return 0;
    case SFU_CLIENT_TOGGLE_AUDIO:
    case SFU_CLIENT_TOGGLE_VIDEO:
        return bool_field(msg, "enabled", false, &out->enabled, err);
    case SFU_CLIENT_CHAT:
        out->text = string_field(msg, "text", SFU_CHAT_MAX, NULL, err);
        if (out->text == NULL) {
            return -1;
        }
        return out->text[0] != '\0' ? 0 : sfu_msg_refuse(err, "bad-message", "\"text\" must not be empty");
    case SFU_CLIENT_STOP_SCREEN_SHARE:
    case SFU_CLIENT_LEAVE:
        return 0;
    }
    return 0;
}

int
sfu_client_msg_parse(json_t *msg, struct sfu_client_msg *out, struct sfu_msg_error *err)
{
    const char *type = json_string_value(json_object_get(msg, "type"));
    size_t i;

    memset(out, 0, sizeof(*out));
    if (type == NULL) {
        return sfu_msg_refuse(err, "bad-message", "a message needs a string \"type\"");
    }
    for (i = 0; i < sizeof(client_types) / sizeof(client_types[0]); i++) {
        if (strcmp(type, client_types[i].name) == 0) {
            out->type = client_types[i].type;
            return parse_fields(msg, out, err);
        }
    }
    sfu_msg_refuse(err, "unknown-type", "unknown message type \"%.64s\"", type);
    /* The type is echoed back to a client and logged: keep it printable. */
    sfu_log_printable(err->message);
    return -1;
}
