/*
 * pacer: the schedule of pacer.h.
 */

#include "pacer.h"

#include <string.h>

void
load_pacer_init(load_pacer_t *p, unsigned kbps, double factor)
{
    memset(p, 0, sizeof(*p));
    if (factor > 0 && kbps > 0) {
        /* bytes/s = factor * kbps * 1000 / 8 */
        p->ns_per_byte = 8e6 / (factor * (double) kbps);
    }
}

bool
load_pacer_push(load_pacer_t *p, const load_frame_t *f)
{
    if (p->len == LOAD_PACER_FRAMES) {
        p->dropped++;
        return false;
    }
    p->q[(p->head + p->len) % LOAD_PACER_FRAMES] = *f;
    p->len++;
    return true;
}

load_frame_t *
load_pacer_due(load_pacer_t *p, uint64_t now_ns, uint64_t *due_ns)
{
    load_frame_t *f;
    uint64_t      due;

    if (p->len == 0) {
        return NULL;
    }
    f = &p->q[p->head];
    due = f->capture_ns;
    if (p->ns_per_byte > 0 && p->next_ns > due) {
        due = p->next_ns;
    }
    if (due > now_ns) {
        return NULL;
    }
    *due_ns = due;
    return f;
}

void
load_pacer_sent(load_pacer_t *p, size_t bytes, uint64_t due_ns,
                uint64_t now_ns)
{
    load_frame_t *f = &p->q[p->head];
    uint64_t      from = due_ns;

    if (++f->sent == f->packets) {
        p->head = (p->head + 1) % LOAD_PACER_FRAMES;
        p->len--;
    }
    if (p->ns_per_byte == 0) {
        return;
    }
    if (now_ns > due_ns + LOAD_PACER_SLACK_NS) {
        /* too late to catch up without a burst: start again from now */
        from = now_ns;
        p->restarts++;
    }
    p->next_ns = from + (uint64_t) ((double) bytes * p->ns_per_byte);
}
