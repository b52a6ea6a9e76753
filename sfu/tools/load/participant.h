/*
 * participant: one simulated participant.  Its signaling (a backend of
 * signal.h), a publish transport that offers and sends its media
 * (media.h) once connected, a subscribe transport that answers the SFU's
 * offers and measures every stream it receives (rx_stats.h), keyed by the
 * SSRC the SFU gave it and named by the stamp in the payload.
 */

#ifndef SFU_LOAD_PARTICIPANT_H
#define SFU_LOAD_PARTICIPANT_H

#include "media.h"
#include "rx_stats.h"
#include "signal.h"
#include "transport.h"

#include <stdbool.h>
#include <stdint.h>

#define LOAD_RX_SLOTS       256      /* SSRCs per subscriber (open addressing) */
#define LOAD_PC_CANDIDATES  8

typedef struct load_run load_run_t;
typedef struct load_participant load_participant_t;

/* One peer connection's ICE/DTLS side and its SDP exchange state. */
typedef struct {
    load_participant_t *p;
    load_pc_t           which;
    sfu_transport_t    *t;
    bool                gathered;
    bool                sdp_sent;      /* our offer/answer went out */
    bool                connected;
    char                mid[33];       /* its BUNDLE tag, for candidates */
    char                candidates[LOAD_PC_CANDIDATES][256];
    unsigned            candidate_count;
    char               *pending_offer; /* subscribe: waiting for gathering */
} load_pc_state_t;

typedef struct {
    bool              used;
    uint32_t          ssrc;
    load_rx_stream_t  rx;
} load_rx_slot_t;

typedef enum {
    LOAD_P_IDLE,
    LOAD_P_JOINING,      /* opened, not joined yet */
    LOAD_P_JOINED,       /* in the room */
    LOAD_P_FAILED,
} load_p_state_t;

struct load_participant {
    load_run_t          *run;
    unsigned             index;          /* over the run */
    unsigned             room;
    unsigned             publisher_no;   /* over the run, if it publishes */
    bool                 publisher;
    unsigned             expected_streams;
    char                 name[48];
    load_p_state_t       state;
    load_signal_t       *sig;
    char                 why[200];       /* why it failed */

    uint64_t             open_ns;
    uint64_t             join_ns;        /* first media in (or publish up) */
    uint64_t             ready_ns;       /* every expected stream flows */
    bool                 simulcast_refused;

    load_pc_state_t      pub;
    load_pc_state_t      sub;
    load_media_t         media;

    load_rx_slot_t       rx[LOAD_RX_SLOTS];
    unsigned             streams;        /* distinct stream ids received */
    uint64_t             drops_at_window; /* socket_drops when it began */
};

/* Starts joining room_id; the run hears back through load_run_*. */
void load_participant_open(load_participant_t *p, const char *room_id);

/* Sends its due media (a tick of the run's pacing timer). */
void load_participant_tick(load_participant_t *p, uint64_t now_ns,
                           uint8_t *buf);

/* Starts the measured window of every stream it receives. */
void load_participant_window_start(load_participant_t *p);

/*
 * Datagrams the kernel dropped at its transports' sockets, their receive
 * buffers full because sfu-load read too late: the generator's own loss.
 */
uint64_t load_participant_socket_drops(load_participant_t *p);

/* Leaves and frees its transports and signaling. */
void load_participant_close(load_participant_t *p);

/* Frees what is left after close: its measures. */
void load_participant_free(load_participant_t *p);

#endif
