/*
 * janus_msg: reads one message of Janus's HTTP API (a POST's reply or an
 * event from the long poll) into the few fields sfu-load's Janus backend
 * acts on.  Pure parsing, no I/O, so that a fuzzer can feed it anything.
 * Strings point into the json_t the caller keeps.
 */

#ifndef SFU_LOAD_JANUS_MSG_H
#define SFU_LOAD_JANUS_MSG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    JANUS_MSG_SUCCESS,         /* a synchronous reply: data.id or plugindata */
    JANUS_MSG_ACK,             /* an asynchronous request was taken */
    JANUS_MSG_ERROR,           /* the core refused: error_code, reason */
    JANUS_MSG_EVENT,           /* a plugin event (may carry jsep) */
    JANUS_MSG_TRICKLE,         /* a remote candidate, or completed */
    JANUS_MSG_HANGUP,          /* a handle's PeerConnection went away */
    JANUS_MSG_DETACHED,        /* a handle is gone */
    JANUS_MSG_TIMEOUT,         /* the session timed out */
    JANUS_MSG_IGNORED,         /* keepalive, webrtcup, media, slowlink... */
} janus_msg_kind_t;

typedef struct {
    janus_msg_kind_t  kind;
    uint64_t          sender;          /* the handle, 0 if none */
    uint64_t          data_id;         /* SUCCESS: data.id (session/handle) */

    /* a core error, or a plugin error (plugindata.data.error) */
    int               error_code;
    const char       *error;           /* NULL: no error */

    /* plugindata.data of a videoroom reply or event */
    const char       *videoroom;       /* "joined", "event", "created"... */
    uint64_t          room;
    uint64_t          id;              /* joined: our publisher id */
    uint64_t          private_id;      /* joined */
    bool              configured;      /* "configured": "ok" */
    bool              started;         /* "started": "ok" */
    uint64_t         *feeds;           /* publishers[].id, owned */
    size_t            n_feeds;

    /* jsep */
    const char       *jsep_type;       /* "offer" / "answer", or NULL */
    const char       *jsep_sdp;

    /* trickle */
    const char       *candidate;       /* "candidate:..." or NULL */
    bool              completed;

    const char       *reason;          /* hangup's reason, or NULL */
} janus_msg_t;

/*
 * Reads one message object.  0, or -1 with *why set to a static line
 * (not an object, no "janus", a field of the wrong type...).  Unknown
 * fields and unknown message types (IGNORED) are not errors.  Call
 * janus_msg_clear afterwards in both cases.
 */
int janus_msg_read(const json_t *obj, janus_msg_t *m, const char **why);
void janus_msg_clear(janus_msg_t *m);

/*
 * A long poll's body: one message object, or an array of them.  Returns
 * a new reference to an array (one element per message), or NULL with
 * *why set.
 */
json_t *janus_msg_batch(const char *body, size_t len, const char **why);

#endif
