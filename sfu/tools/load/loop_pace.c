/*
 * loop_pace: the arithmetic of loop_pace.h.
 */

#include "loop_pace.h"

#define NS_PER_MS 1000000u

void
load_loop_pace_init(load_loop_pace_t *p, uint64_t interval_ns)
{
    p->interval_ns = interval_ns;
    p->next_ns = 0;
}

int
load_loop_pace_before_poll(const load_loop_pace_t *p, uint64_t now_ns,
                           int timeout_ms, uint64_t *sleep_ns)
{
    uint64_t wait_ns, wait_ms;

    *sleep_ns = 0;
    if (timeout_ms == 0 || now_ns >= p->next_ns) {
        return timeout_ms;
    }
    wait_ns = p->next_ns - now_ns;
    if (timeout_ms > 0 && (uint64_t) timeout_ms * NS_PER_MS <= wait_ns) {
        /* GLib's next timer falls inside the wait: sleep until it */
        *sleep_ns = (uint64_t) timeout_ms * NS_PER_MS;
        return 0;
    }
    *sleep_ns = wait_ns;
    if (timeout_ms < 0) {
        return timeout_ms;
    }
    /* whole milliseconds left, rounded down: a timer is not made late */
    wait_ms = (wait_ns + NS_PER_MS - 1) / NS_PER_MS;
    return timeout_ms - (int) wait_ms;
}

void
load_loop_pace_looked(load_loop_pace_t *p, uint64_t now_ns)
{
    p->next_ns = now_ns + p->interval_ns;
}
