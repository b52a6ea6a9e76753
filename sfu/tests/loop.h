/*
 * loop.h: runs the GLib main loop of a test until a condition holds or
 * time runs out, so tests poll for outcomes instead of sleeping.
 */

#ifndef SFU_TEST_LOOP_H
#define SFU_TEST_LOOP_H

#include <glib.h>
#include <stdbool.h>

__attribute__((unused))
static bool
run_until(bool (*cond)(void *), void *arg, double seconds)
{
    gint64 end = g_get_monotonic_time() + (gint64) (seconds * 1e6);

    while (!cond(arg) && g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(NULL, FALSE)) {
            g_usleep(500);
        }
    }
    return cond(arg);
}

#endif
