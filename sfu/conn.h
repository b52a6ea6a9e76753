/*
 * conn: one module connection on the GLib main loop.  Owns the socket,
 * the frame reassembly of what it reads and the queue of what it writes,
 * with backpressure: reading pauses while too much output is queued, and
 * a peer that stops reading altogether is disconnected.
 */

#ifndef SFU_CONN_H
#define SFU_CONN_H

#include <glib.h>
#include <jansson.h>

#include "frame.h"

#define SFU_CONN_QUEUE_HIGH   (4u * 1024 * 1024)    /* pause reading above */
#define SFU_CONN_QUEUE_LOW    (1u * 1024 * 1024)    /* resume below */
#define SFU_CONN_QUEUE_MAX    (64u * 1024 * 1024)   /* disconnect above */
#define SFU_CONN_LINGER_MS    2000                  /* flush before close */

/*
 * The module's connections (and accepting them) outrank media on the main
 * loop: when a loop iteration finds both ready it serves only the module,
 * so a ping is answered within the dispatch in progress however many media
 * sockets are busy, and the module does not take a busy worker for a dead
 * one.  Control traffic is small; media waits one short dispatch.
 */
#define SFU_CONN_PRIORITY     (G_PRIORITY_DEFAULT - 10)

typedef struct sfu_conn sfu_conn_t;

typedef struct {
    /* a decoded message; the connection keeps its reference */
    void (*message)(sfu_conn_t *c, json_t *msg, void *data);
    /* the byte stream broke; decoder->error and ->detail say how */
    void (*bad_frame)(sfu_conn_t *c, const sfu_frame_decoder_t *decoder,
                      void *data);
    /* the connection is closed and about to be freed */
    void (*closed)(sfu_conn_t *c, void *data);
} sfu_conn_handlers_t;

/* Takes over a connected non-blocking socket and starts reading it. */
sfu_conn_t *sfu_conn_new(int fd, unsigned id,
                         const sfu_conn_handlers_t *handlers, void *data);

unsigned sfu_conn_id(const sfu_conn_t *c);

/*
 * Queues msg as one frame; the main loop writes it.  Returns 0, or -1 if
 * the connection is closing, msg does not fit in a frame, or the peer has
 * stopped reading (the connection is then closed).
 */
int sfu_conn_send(sfu_conn_t *c, const json_t *msg);

/*
 * Stops reading, writes what is queued (for at most SFU_CONN_LINGER_MS),
 * then closes.  handlers->closed runs when it is closed.
 */
void sfu_conn_close_after_flush(sfu_conn_t *c);

/* Closes at once, without calling handlers->closed (shutdown). */
void sfu_conn_free(sfu_conn_t *c);

#endif
