/*
 * janus_msg: one message of Janus's HTTP API into janus_msg_t (see the
 * header).  Janus's ids are JSON integers (below 2^53); a field that is
 * present with the wrong type is an error, an absent one is not.
 */

#include "janus_msg.h"

#include <stdlib.h>
#include <string.h>

/* An optional non-negative integer field; -1 if present and not one. */
static int
read_id(const json_t *obj, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

/* An optional string field; -1 if present and not a string. */
static int
read_str(const json_t *obj, const char *key, const char **out)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

/* "ok" flags of videoroom events: "configured": "ok", "started": "ok" */
static bool
is_ok(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s != NULL && strcmp(s, "ok") == 0;
}

/* publishers[]: each an object with an integer id */
static int
read_feeds(const json_t *data, janus_msg_t *m, const char **why)
{
    const json_t *list = json_object_get(data, "publishers");
    const json_t *p;
    size_t i;

    if (list == NULL)
        return 0;
    if (!json_is_array(list)) {
        *why = "\"publishers\" is not an array";
        return -1;
    }
    if (json_array_size(list) == 0)
        return 0;
    m->feeds = calloc(json_array_size(list), sizeof(*m->feeds));
    if (m->feeds == NULL) {
        *why = "out of memory";
        return -1;
    }
    json_array_foreach(list, i, p) {
        uint64_t id = 0;

        if (!json_is_object(p) || json_object_get(p, "id") == NULL
            || read_id(p, "id", &id) < 0) {
            *why = "a publisher without an integer \"id\"";
            return -1;
        }
        m->feeds[m->n_feeds++] = id;
    }
    return 0;
}

static int
read_plugindata(const json_t *obj, janus_msg_t *m, const char **why)
{
    const json_t *pd = json_object_get(obj, "plugindata");
    const json_t *data;
    uint64_t code = 0;

    if (pd == NULL)
        return 0;
    data = json_object_get(pd, "data");
    if (!json_is_object(pd) || !json_is_object(data)) {
        *why = "\"plugindata\" without a \"data\" object";
        return -1;
    }
    if (read_str(data, "videoroom", &m->videoroom) < 0
        || read_id(data, "room", &m->room) < 0
        || read_id(data, "id", &m->id) < 0
        || read_id(data, "private_id", &m->private_id) < 0
        || read_str(data, "error", &m->error) < 0
        || read_id(data, "error_code", &code) < 0) {
        *why = "a videoroom field of the wrong type";
        return -1;
    }
    m->error_code = code > 100000 ? 100000 : (int)code;
    if (m->error_code != 0 && m->error == NULL)
        m->error = "(no reason given)";
    m->configured = is_ok(data, "configured");
    m->started = is_ok(data, "started");
    return read_feeds(data, m, why);
}

static int
read_jsep(const json_t *obj, janus_msg_t *m, const char **why)
{
    const json_t *jsep = json_object_get(obj, "jsep");

    if (jsep == NULL)
        return 0;
    if (!json_is_object(jsep) || read_str(jsep, "type", &m->jsep_type) < 0
        || read_str(jsep, "sdp", &m->jsep_sdp) < 0
        || m->jsep_type == NULL || m->jsep_sdp == NULL) {
        *why = "\"jsep\" without string \"type\" and \"sdp\"";
        m->jsep_type = m->jsep_sdp = NULL;
        return -1;
    }
    return 0;
}

static int
read_trickle(const json_t *obj, janus_msg_t *m, const char **why)
{
    const json_t *c = json_object_get(obj, "candidate");

    if (!json_is_object(c)) {
        *why = "\"trickle\" without a \"candidate\" object";
        return -1;
    }
    if (json_is_true(json_object_get(c, "completed"))) {
        m->completed = true;
        return 0;
    }
    if (read_str(c, "candidate", &m->candidate) < 0 || m->candidate == NULL
        || strncmp(m->candidate, "candidate:", 10) != 0) {
        *why = "a trickled candidate that is not \"candidate:...\"";
        m->candidate = NULL;
        return -1;
    }
    return 0;
}

static int
read_error(const json_t *obj, janus_msg_t *m, const char **why)
{
    const json_t *e = json_object_get(obj, "error");
    uint64_t code = 0;

    if (!json_is_object(e) || read_id(e, "code", &code) < 0
        || read_str(e, "reason", &m->error) < 0) {
        *why = "\"error\" without an \"error\" object";
        return -1;
    }
    m->error_code = code > 100000 ? 100000 : (int)code;
    if (m->error == NULL)
        m->error = "(no reason given)";
    return 0;
}

static const struct {
    const char        *name;
    janus_msg_kind_t   kind;
} kinds[] = {
    { "success",  JANUS_MSG_SUCCESS },
    { "ack",      JANUS_MSG_ACK },
    { "error",    JANUS_MSG_ERROR },
    { "event",    JANUS_MSG_EVENT },
    { "trickle",  JANUS_MSG_TRICKLE },
    { "hangup",   JANUS_MSG_HANGUP },
    { "detached", JANUS_MSG_DETACHED },
    { "timeout",  JANUS_MSG_TIMEOUT },
};

int
janus_msg_read(const json_t *obj, janus_msg_t *m, const char **why)
{
    const char *type;
    const json_t *data;
    size_t i;

    memset(m, 0, sizeof(*m));
    if (!json_is_object(obj)) {
        *why = "a Janus message that is not a JSON object";
        return -1;
    }
    type = json_string_value(json_object_get(obj, "janus"));
    if (type == NULL) {
        *why = "a Janus message without a string \"janus\"";
        return -1;
    }
    m->kind = JANUS_MSG_IGNORED;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(type, kinds[i].name) == 0)
            m->kind = kinds[i].kind;
    }
    if (read_id(obj, "sender", &m->sender) < 0) {
        *why = "a Janus message whose \"sender\" is not an integer";
        return -1;
    }
    switch (m->kind) {
    case JANUS_MSG_SUCCESS:
        data = json_object_get(obj, "data");
        if (data != NULL && (!json_is_object(data)
                             || read_id(data, "id", &m->data_id) < 0)) {
            *why = "a \"success\" whose \"data\" has no integer \"id\"";
            return -1;
        }
        return read_plugindata(obj, m, why);
    case JANUS_MSG_ERROR:
        return read_error(obj, m, why);
    case JANUS_MSG_EVENT:
        if (read_plugindata(obj, m, why) < 0)
            return -1;
        return read_jsep(obj, m, why);
    case JANUS_MSG_TRICKLE:
        return read_trickle(obj, m, why);
    case JANUS_MSG_HANGUP:
        if (read_str(obj, "reason", &m->reason) < 0) {
            *why = "a \"hangup\" whose \"reason\" is not a string";
            return -1;
        }
        return 0;
    default:
        return 0;
    }
}

void
janus_msg_clear(janus_msg_t *m)
{
    free(m->feeds);
    m->feeds = NULL;
    m->n_feeds = 0;
}

json_t *
janus_msg_batch(const char *body, size_t len, const char **why)
{
    json_error_t err;
    json_t *v, *batch;

    /* without JSON_DECODE_ANY, only an object or an array loads */
    v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (v == NULL) {
        *why = "a Janus reply that is not a JSON object or array";
        return NULL;
    }
    if (json_is_array(v))
        return v;
    batch = json_array();
    /* json_array_append_new drops v if it fails */
    if (batch == NULL || json_array_append_new(batch, v) < 0) {
        if (batch == NULL)
            json_decref(v);
        json_decref(batch);
        *why = "out of memory";
        return NULL;
    }
    return batch;
}
