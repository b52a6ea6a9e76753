/*
 * signal: how one simulated participant of sfu-load talks to an SFU's
 * signaling.  The engine owns the media: it writes the publish offer and
 * the subscribe answer, runs ICE, DTLS and SRTP (the worker's transport),
 * and measures.  A backend only carries SDP and ICE candidates between the
 * engine and one SFU's API, asynchronously on the GLib main context:
 *
 *   signal_ngx.c    ngx-sfu: the REST API (create a room, join) and the
 *                   WebSocket signaling of DESIGN.md and sfu/PROTOCOL.md
 *   signal_janus.c  Janus's VideoRoom plugin over Janus's HTTP API
 *
 * The model both SFUs fit: a participant has a publish session (it
 * offers, the SFU answers) and a subscribe session (the SFU offers, the
 * participant answers, and the SFU offers again as publishers come and
 * go).  A backend subscribes its participant to every other publisher of
 * the room by itself (ngx-sfu does so on its own; Janus is asked to).
 *
 * This header is the contract between the engine and the backends.
 */

#ifndef SFU_LOAD_SIGNAL_H
#define SFU_LOAD_SIGNAL_H

#include <stdbool.h>

typedef struct load_signal load_signal_t;

typedef enum {
    LOAD_PC_PUBLISH,
    LOAD_PC_SUBSCRIBE,
} load_pc_t;

/* Which SFU, from sfu-load's command line. */
typedef struct {
    const char  *url;          /* the SFU's HTTP base: "http://host:port" for
                                  ngx-sfu, "http://host:port/janus" for
                                  Janus */
    const char  *api_key;      /* ngx-sfu's management key; NULL for Janus */
} load_signal_target_t;

/*
 * Once a room is made: its id (the backend's own form, e.g. a UUID for
 * ngx-sfu, a number for Janus), or NULL and a one-line error.
 */
typedef void (*load_signal_room_done_t)(const char *room_id,
                                        const char *error, void *data);

typedef struct {
    /* Joined: the engine may send its publish offer now. */
    void (*joined)(void *data);
    /* The SFU's answer to the publish offer. */
    void (*publish_answer)(const char *sdp, void *data);
    /*
     * An offer for the subscribe session, the first one or a
     * renegotiation; the engine answers through send_sdp.
     */
    void (*subscribe_offer)(const char *sdp, void *data);
    /*
     * A remote ICE candidate ("candidate:...", no "a=") for one of the
     * sessions, or NULL: the SFU has no more.  An SFU that puts its
     * candidates in the SDP may never call this.
     */
    void (*remote_candidate)(load_pc_t pc, const char *candidate,
                             void *data);
    /*
     * Signaling failed or the SFU ended the participant (refused join,
     * lost connection, kicked, room ended).  why is one line for the
     * report.  Nothing is called after it; the engine still calls close.
     */
    void (*failed)(const char *why, void *data);
} load_signal_events_t;

typedef struct {
    const char *name;          /* the --target value: "ngx-sfu", "janus" */

    /*
     * Makes a room that admits `capacity` participants, all of them
     * publishers; done runs later on the main context, exactly once.
     */
    void (*create_room)(const load_signal_target_t *target,
                        const char *name, unsigned capacity,
                        load_signal_room_done_t done, void *data);

    /*
     * Starts joining room_id as `display`; events arrive through ev (which
     * must outlive the signal), never inside this call.  NULL only when
     * out of memory.
     */
    load_signal_t *(*open)(const load_signal_target_t *target,
                           const char *room_id, const char *display,
                           const load_signal_events_t *ev, void *data);

    /*
     * The engine's SDP for a session: the publish offer (after joined,
     * sent once), or the answer to the latest subscribe_offer.  0, or -1
     * (logged).
     */
    int (*send_sdp)(load_signal_t *s, load_pc_t pc, const char *sdp);
    /*
     * A local candidate for a session, or NULL for end-of-candidates.
     * mid: the mid of the session's first m-line (its BUNDLE tag).
     */
    void (*local_candidate)(load_signal_t *s, load_pc_t pc, const char *mid,
                            const char *candidate);

    /* Leaves politely if still joined and frees; no event after it. */
    void (*close)(load_signal_t *s);
} load_signal_backend_t;

extern const load_signal_backend_t load_signal_ngx;
extern const load_signal_backend_t load_signal_janus;

#endif
