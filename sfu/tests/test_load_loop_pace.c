/* sfu-load's main loop pacing (loop_pace.h): how long a poll waits before
 * it looks, and the timeout it keeps. */
#include "tap.h"
#include "loop_pace.h"

#define MS 1000000ull

static void
test_first_and_due(void)
{
    load_loop_pace_t p;
    uint64_t         sleep_ns = 99;

    load_loop_pace_init(&p, MS);
    is_int(load_loop_pace_before_poll(&p, 5 * MS, -1, &sleep_ns), -1, "the first poll keeps its timeout");
    is_int((int) sleep_ns, 0, "and does not wait");
    load_loop_pace_looked(&p, 5 * MS);
    is_int(load_loop_pace_before_poll(&p, 5 * MS + 100, 0, &sleep_ns), 0,
           "a poll that may not block (something is due) is not delayed");
    is_int((int) sleep_ns, 0, "no wait for it");
    is_int(load_loop_pace_before_poll(&p, 6 * MS, -1, &sleep_ns), -1, "an interval later: no wait");
    is_int((int) sleep_ns, 0, "none");
}

static void
test_waits_out_the_interval(void)
{
    load_loop_pace_t p;
    uint64_t         sleep_ns;

    load_loop_pace_init(&p, MS);
    load_loop_pace_looked(&p, 10 * MS);
    is_int(load_loop_pace_before_poll(&p, 10 * MS + 300000, -1, &sleep_ns), -1,
           "woken early with nothing due: it still blocks after the wait");
    is_int((int) sleep_ns, 700000, "having waited out the rest of the interval");
    is_int(load_loop_pace_before_poll(&p, 10 * MS + 300000, 5, &sleep_ns), 4,
           "a timer 5 ms away: 4 whole ms left after the wait (rounded so it is not late)");
    is_int((int) sleep_ns, 700000, "the same wait");
    is_int(load_loop_pace_before_poll(&p, 10 * MS + 300000, 1, &sleep_ns), 0,
           "a timer 1 ms away, just past the 0.7 ms wait: no whole ms left, the poll only looks");
    is_int((int) sleep_ns, 700000, "after the interval's rest");
}

static void
test_timer_inside_wait(void)
{
    load_loop_pace_t p;
    uint64_t         sleep_ns;

    load_loop_pace_init(&p, 4 * MS);
    load_loop_pace_looked(&p, 0);
    is_int(load_loop_pace_before_poll(&p, 100, 2, &sleep_ns), 0,
           "a timer 2 ms away inside a 4 ms interval: look without blocking");
    is_int((int) (sleep_ns / 1000), 2000, "after sleeping just until the timer");
}

int
main(void)
{
    test_first_and_due();
    test_waits_out_the_interval();
    test_timer_inside_wait();
    return tap_done();
}
