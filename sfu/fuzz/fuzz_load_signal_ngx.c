/*
 * fuzz_load_signal_ngx: arbitrary text as a message from ngx-sfu's
 * signaling to sfu-load, before and after the join.  At most one event
 * per message, with its strings present; an end always says why.
 */

#include "signal_ngx_msg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned events;

static void
count(void)
{
    if (++events > 1) {
        abort();
    }
}

static void
on_joined(void *data)
{
    (void) data;
    count();
}

static void
on_sdp(const char *sdp, void *data)
{
    (void) data;
    count();
    if (sdp == NULL) {
        abort();
    }
}

static void
on_candidate(load_pc_t pc, const char *candidate, void *data)
{
    (void) data;
    count();
    if (pc != LOAD_PC_PUBLISH && pc != LOAD_PC_SUBSCRIBE) {
        abort();
    }
    if (candidate != NULL && candidate[0] == '\0') {
        abort();        /* "" is the end, given as NULL */
    }
}

static void
on_failed(const char *why, void *data)
{
    (void) data;
    count();
    if (why == NULL || why[0] == '\0') {
        abort();
    }
}

static const load_signal_events_t ev = {
    on_joined, on_sdp, on_sdp, on_candidate, on_failed,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int joined = 0; joined < 2; joined++) {
        load_ngx_msg_t r;

        events = 0;
        r = load_ngx_message((const char *) data, size, joined, &ev, NULL);
        if ((r == LOAD_NGX_MSG_JOINED && (joined || events != 1))
            || (r == LOAD_NGX_MSG_ENDED && events != 1))
        {
            abort();
        }
    }
    return 0;
}
