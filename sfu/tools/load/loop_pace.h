/*
 * loop_pace: how often sfu-load's main loop looks at its sockets.  A pass
 * of GLib's loop costs in proportion to its sources (every participant's
 * sockets and timers: hundreds), not to the packets that are ready; woken
 * for every arriving packet, sfu-load spent about half its core on passes
 * (perf: GLib's prepare/check and poll over all descriptors) and fell
 * behind its send schedule, sending in bursts that then queued in the SFU.
 * Paced, a pass waits out the rest of the interval since the one before,
 * and reads everything that arrived meanwhile.  That wait adds nothing to
 * the latency, which ends at the kernel's arrival stamp (it shows in
 * recv_lateness instead), and the 1 ms send tick is a timer of the same
 * loop, so it keeps its time.
 */

#ifndef SFU_LOAD_LOOP_PACE_H
#define SFU_LOAD_LOOP_PACE_H

#include <stdint.h>

typedef struct {
    uint64_t interval_ns;
    uint64_t next_ns;        /* the earliest the next look may be */
} load_loop_pace_t;

void load_loop_pace_init(load_loop_pace_t *p, uint64_t interval_ns);

/*
 * Before a poll at now_ns that GLib would let block for timeout_ms (-1:
 * until something is ready; 0: not at all, something is due): how long to
 * sleep first (*sleep_ns) and the timeout left for the poll after it.  A
 * poll that may not block is never delayed, nor is one past a sleep longer
 * than its timeout.
 */
int load_loop_pace_before_poll(const load_loop_pace_t *p, uint64_t now_ns,
                               int timeout_ms, uint64_t *sleep_ns);

/* The poll looked at now_ns: the next may look one interval later. */
void load_loop_pace_looked(load_loop_pace_t *p, uint64_t now_ns);

#endif
