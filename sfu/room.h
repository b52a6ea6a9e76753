/*
 * room: the rooms a worker holds, by id, and their participants: who is
 * in which room, through which module connection each one's messages go,
 * and how messages reach them (one `deliver` per recipient, on the
 * connection its join came through), lifecycle events for the module, the
 * room's video codec, and the timer that drives RTCP.  A room exists while
 * it has participants.
 */
#ifndef SFU_ROOM_H
#define SFU_ROOM_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

#include "codec.h"
#include "conn.h"
#include "negotiate.h"
#include "publisher.h"
#include "subscriber.h"

#define SFU_ROOM_MAX_PARTICIPANTS 1000  /* as many as the module lets a room hold */

typedef struct sfu_room sfu_room_t;
typedef struct sfu_participant sfu_participant_t;

struct sfu_participant {
    char id[SFU_ID_MAX + 1];
    char role[16];
    char *name;                         /* display name, or NULL */
    sfu_room_t *room;
    sfu_conn_t *conn;                   /* deliveries go here */
    bool audio;                         /* the last toggle-audio / toggle-video */
    bool video;
    char quality[8];                    /* the last update-quality */
    int64_t joined_at_ms;               /* its join, ms since the Unix epoch (worker's clock) */
    unsigned video_decodable;           /* video codecs its offers showed; 0 before any */
    unsigned tick_slice;                /* which of the room timer's slices does its timed work */
    struct sfu_publisher pub;
    struct sfu_subscriber sub;
};

struct sfu_room {
    char id[SFU_ID_MAX + 1];
    GPtrArray *participants;            /* sfu_participant_t *, in join order */
    enum sfu_codec_id video_codec;      /* while a video track is published; NONE otherwise */
};

/* The room with this id, or NULL. */
sfu_room_t *sfu_room_find(const char *id);

/*
 * Adds a participant (name may be NULL) to the room, made if it does not
 * exist, and reports the event to the module on conn.  NULL when the room
 * is full.
 */
sfu_participant_t *sfu_room_join(const char *room, const char *participant, const char *role, const char *name,
    sfu_conn_t *conn);

sfu_participant_t *sfu_room_participant(sfu_room_t *r, const char *id);

/*
 * Takes p out of its room: its media stops, others get participant-left
 * (with reason, when not NULL), the module gets the event (unless notify
 * is false: the connection is gone), and the room goes when empty.  Frees p.
 */
void sfu_room_leave(sfu_participant_t *p, const char *reason, bool notify);

/* Every participant of r leaves without messages to the others (close-room). */
void sfu_room_close(sfu_room_t *r);

/* A module connection closed: everyone who came through it leaves. */
void sfu_rooms_conn_closed(sfu_conn_t *c);

/* Frees every room at shutdown, without messages. */
void sfu_rooms_shutdown(void);

/* Sends p one message: {type:"deliver", room, participant, msg}; takes msg. */
void sfu_room_deliver(sfu_participant_t *p, json_t *msg);

/* Delivers msg to every participant of r but except (may be NULL); takes msg. */
void sfu_room_broadcast(sfu_room_t *r, const sfu_participant_t *except, json_t *msg);

/* {type:"error", code, message} to p. */
void sfu_room_error(sfu_participant_t *p, const char *code, const char *message);

/*
 * The participant as others see it: {participant_id, name?, role, audio,
 * video, screen, tracks:[...]}; with viewer, each track carries viewer's
 * subscribe-side mid.  NULL when out of memory.
 */
json_t *sfu_room_participant_json(sfu_participant_t *p, sfu_participant_t *viewer);

/* The video codecs every participant but except can decode (of those who have shown theirs). */
unsigned sfu_room_decodable(const sfu_room_t *r, const sfu_participant_t *except);

/* A track was published: every other participant subscribes and hears of it. */
void sfu_room_track_added(sfu_participant_t *publisher, struct sfu_track *t);

/* A track is about to be unpublished (and freed): everyone stops receiving it and hears of it. */
void sfu_room_track_removed(sfu_participant_t *publisher, struct sfu_track *t);

/* The number of rooms and of participants in them, for logs and the module's gauges. */
unsigned sfu_rooms_count(void);
unsigned sfu_rooms_participants(void);

#endif
