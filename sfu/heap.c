/*
 * heap: the allocator policy of heap.h: glibc's mmap threshold, and
 * malloc_trim once leaves are over.
 */
#include "heap.h"

#include "log.h"

#include <glib.h>
#include <malloc.h>

static guint trim_source;
static unsigned trims;

void
sfu_heap_init(void)
{
    if (mallopt(M_MMAP_THRESHOLD, SFU_HEAP_MMAP_BYTES) != 1) {
        sfu_log_warn("heap: cannot set the mmap threshold; memory per participant will be higher");
    }
}

static gboolean
trim(gpointer data)
{
    gint64 t0 = g_get_monotonic_time();
    int released;

    (void) data;
    trim_source = 0;
    released = malloc_trim(0);
    trims++;
    sfu_log_debug("heap: malloc_trim %s memory in %" G_GINT64_FORMAT " us",
                  released ? "released" : "found no", g_get_monotonic_time() - t0);
    return G_SOURCE_REMOVE;
}

void
sfu_heap_released(void)
{
    /* One trim for a burst of leaves (a room closing, a reconnect storm):
       the first schedules it, the others find it pending. */
    if (trim_source == 0) {
        trim_source = g_timeout_add(SFU_HEAP_TRIM_DELAY_MS, trim, NULL);
    }
}

unsigned
sfu_heap_trims(void)
{
    return trims;
}

void
sfu_heap_shutdown(void)
{
    if (trim_source != 0) {
        g_source_remove(trim_source);
        trim_source = 0;
    }
}
