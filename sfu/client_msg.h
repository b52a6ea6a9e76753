/*
 * client_msg: the fields of the messages that reach the worker's rooms,
 * checked and read into C: the module's `client` envelope (room,
 * participant, role, msg) and each client message type of DESIGN.md
 * inside it, and the room and participant ids of the module's own
 * requests.  Strings point into the JSON, which must outlive the result.
 * Every refusal comes with a signaling error code and a message.
 */
#ifndef SFU_CLIENT_MSG_H
#define SFU_CLIENT_MSG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "simulcast.h"

#define SFU_CHAT_MAX 4096               /* bytes of a chat message's text */
#define SFU_NAME_MAX 1024               /* bytes of a display name */

enum sfu_client_type {
    SFU_CLIENT_JOIN,
    SFU_CLIENT_OFFER,
    SFU_CLIENT_ANSWER,
    SFU_CLIENT_ICE_CANDIDATE,
    SFU_CLIENT_START_SCREEN_SHARE,
    SFU_CLIENT_STOP_SCREEN_SHARE,
    SFU_CLIENT_UPDATE_QUALITY,
    SFU_CLIENT_TOGGLE_AUDIO,
    SFU_CLIENT_TOGGLE_VIDEO,
    SFU_CLIENT_CHAT,
    SFU_CLIENT_LEAVE,
};

enum sfu_pc {
    SFU_PC_PUBLISH,
    SFU_PC_SUBSCRIBE,
};

struct sfu_client_msg {
    enum sfu_client_type type;
    const char *sdp;                    /* offer, answer */
    size_t sdp_len;
    enum sfu_pc pc;                     /* ice-candidate */
    const char *candidate;              /* "" ends the candidates */
    const char *mid;                    /* start-screen-share; NULL when not given */
    bool enabled;                       /* toggle-audio, toggle-video */
    bool audio;                         /* join: the initial media state, true unless given */
    bool video;
    const char *quality;                /* update-quality */
    enum sfu_quality quality_level;     /* it read: "auto" is SFU_QUALITY_HIGH */
    const char *text;                   /* chat */
};

/* What the module stamped on a client's message. */
struct sfu_envelope {
    const char *room;
    const char *participant;
    const char *role;                   /* "host" or "participant" */
    const char *name;                   /* the display name from the token; NULL when not given */
    json_t *msg;
};

/* A refusal: code is for programs (PROTOCOL.md lists them), message for people. */
struct sfu_msg_error {
    const char *code;
    char message[160];
};

/* Fills err (printf-style message) and returns -1. */
int sfu_msg_refuse(struct sfu_msg_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Room and participant ids: 1 to 64 characters of A-Z a-z 0-9 - _ . ~ */
bool sfu_id_valid(const char *id);

/* Reads the envelope of a `client` message; -1 with err filled when it is not one. */
int sfu_envelope_parse(json_t *env, struct sfu_envelope *out, struct sfu_msg_error *err);

/* Reads a client message; -1 with err filled for an unknown type or a bad field. */
int sfu_client_msg_parse(json_t *msg, struct sfu_client_msg *out, struct sfu_msg_error *err);

/*
 * Reads the room (and, if participant is not NULL, the participant) of a
 * module request such as `kick` or `stats`; -1 with err filled.
 */
int sfu_request_ids(json_t *req, const char **room, const char **participant, struct sfu_msg_error *err);

#endif
