/*
 * fuzz_janus_msg: anything Janus's HTTP API could send sfu-load (a reply
 * or a long poll's batch of events) through janus_msg_batch and
 * janus_msg_read, as signal_janus reads them.
 */

#include "janus_msg.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    json_t *batch, *item;
    size_t i;

    batch = janus_msg_batch((const char *)data, size, &why);
    if (batch == NULL) {
        if (why == NULL)
            __builtin_trap();
        return 0;
    }
    json_array_foreach(batch, i, item) {
        janus_msg_t m;
        size_t f;

        why = NULL;
        if (janus_msg_read(item, &m, &why) < 0) {
            if (why == NULL)
                __builtin_trap();
        } else {
            /* what signal_janus reads must be there, whole strings */
            if ((m.jsep_type == NULL) != (m.jsep_sdp == NULL))
                __builtin_trap();
            if (m.jsep_sdp != NULL)
                (void)strlen(m.jsep_sdp);
            if (m.error != NULL)
                (void)strlen(m.error);
            if (m.candidate != NULL
                && strncmp(m.candidate, "candidate:", 10) != 0)
                __builtin_trap();
            for (f = 0; f < m.n_feeds; f++)
                (void)m.feeds[f];
        }
        janus_msg_clear(&m);
    }
    json_decref(batch);
    return 0;
}
