/*
 * The allocator policy: blocks from SFU_HEAP_MMAP_BYTES up that the heap
 * cannot hold get pages of their own even after a larger one was freed
 * (glibc's own threshold would have risen past them), and a burst of leaves gives the freed heap back
 * with one malloc_trim.  Under AddressSanitizer only the trim's timing
 * is checked: what glibc's heap does is not there to observe.
 */
#include "tap.h"
#include "heap.h"
#include "sanitizer.h"

#include <glib.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t
mmapped_blocks(void)
{
    return mallinfo2().hblks;
}

static void
test_mmap_threshold(void)
{
    /* volatile: the compiler may drop a malloc whose block is only freed */
    void *volatile freed, *volatile ring;
    size_t before;

    sfu_heap_init();
    /* glibc alone: freeing an mmap'd block of 512 kB raises its threshold
       to 512 kB, and a 256 kB ring would then come from the heap */
    freed = malloc(512 * 1024);
    free(freed);
    before = mmapped_blocks();
    ring = malloc(256 * 1024);
    is_int((int) (mmapped_blocks() - before), 1, "a 256 kB ring is mmap'd after a larger block was freed");
    free(ring);
    is_int((int) (mmapped_blocks() - before), 0, "its pages go back when it is freed");
}

static long
rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) {
            resident = 0;
        }
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static gboolean
quit_when_trimmed(gpointer loop)
{
    if (sfu_heap_trims() > 0) {
        g_main_loop_quit(loop);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean
give_up(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

#define SMALL_BLOCKS 20000              /* 1 kB each: 20 MB of heap */

static void
test_trim_after_leaves(void)
{
    static char *blocks[SMALL_BLOCKS];
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    long full, freed, trimmed;

    /* what participants leave behind: the heap's middle free, its top held */
    for (int i = 0; i < SMALL_BLOCKS; i++) {
        blocks[i] = malloc(1024);
        memset(blocks[i], 1, 1024);
    }
    full = rss_kb();
    for (int i = 0; i < SMALL_BLOCKS - 1; i++) {
        free(blocks[i]);
    }
    freed = rss_kb();
    if (UNDER_ASAN) {
        skip(1, ASAN_ALLOCATOR);
    } else {
        ok(freed > full - 5 * 1024, "freed, the heap's middle stays resident (%ld of %ld kB)", freed, full);
    }

    sfu_heap_released();
    sfu_heap_released();
    sfu_heap_released();
    is_int((int) sfu_heap_trims(), 0, "no trim at once");
    g_timeout_add(50, quit_when_trimmed, loop);
    g_timeout_add(SFU_HEAP_TRIM_DELAY_MS * 5, give_up, loop);
    g_main_loop_run(loop);
    is_int((int) sfu_heap_trims(), 1, "one trim for the burst of three");
    trimmed = rss_kb();
    if (UNDER_ASAN) {
        skip(1, ASAN_ALLOCATOR);
    } else {
        ok(trimmed < freed - 10 * 1024, "the trim gave the freed pages back (%ld -> %ld kB)", freed, trimmed);
    }

    free(blocks[SMALL_BLOCKS - 1]);
    sfu_heap_released();
    sfu_heap_shutdown();
    is_int((int) sfu_heap_trims(), 1, "a trim pending at shutdown is cancelled");
    g_main_loop_unref(loop);
}

int
main(void)
{
    if (UNDER_ASAN) {
        skip(2, ASAN_ALLOCATOR);
    } else {
        test_mmap_threshold();
    }
    test_trim_after_leaves();
    return tap_done();
}
