/*
 * signal_ngx_msg: what ngx-sfu's signaling says to a participant (one
 * JSON text message, DESIGN.md and sfu/PROTOCOL.md), turned into the
 * engine's events (signal.h).  Apart from the connection so that it can
 * be fuzzed.
 */

#ifndef SFU_LOAD_SIGNAL_NGX_MSG_H
#define SFU_LOAD_SIGNAL_NGX_MSG_H

#include "signal.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    LOAD_NGX_MSG_OK,           /* handled, or nothing the engine needs */
    LOAD_NGX_MSG_JOINED,       /* `joined`: ev->joined was called */
    LOAD_NGX_MSG_ENDED,        /* ev->failed was called: stop */
} load_ngx_msg_t;

/*
 * Dispatches one message: `joined`, `answer`, `offer`, `ice-candidate`,
 * and the ends (`error` before the join or for a failed transport,
 * `kicked`, `room-closed`, a message that is not a JSON object).  Other
 * types (participant and track news, chat) are not needed.
 */
load_ngx_msg_t load_ngx_message(const char *text, size_t len, bool joined,
                                const load_signal_events_t *ev, void *data);

#endif
