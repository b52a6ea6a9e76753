/*
 * heap: how the worker uses glibc's allocator, from measurements (README.md,
 * "Memory per participant").
 *
 * Blocks of SFU_HEAP_MMAP_BYTES and more that no free space of the heap
 * holds get pages of their own (mmap): packet cache rings (96 kB and up,
 * grown by doubling) and libnice's two 64 kB buffers per ICE component.
 * glibc's default threshold starts at 128 kB and rises to the size of
 * each mmap'd block freed, so once the first large ring is freed the
 * rings extend the heap instead, where each growth leaves the old ring
 * behind as a hole, and the buffers, written a packet at a time, share
 * their pages with small allocations that make them resident.  mmap'd, a
 * ring's old pages go back to the kernel when it grows, and a buffer's
 * unused pages stay untouched.  None of these is allocated per packet.
 * Fixing the threshold also fixes the trim threshold at its default:
 * free space at the heap's top over 128 kB still goes back at once.
 *
 * After participants leave, what they held is free but resident, in the
 * heap's middle: once leaves have been quiet for SFU_HEAP_TRIM_DELAY_MS,
 * malloc_trim gives those pages back.
 */
#ifndef SFU_HEAP_H
#define SFU_HEAP_H

#define SFU_HEAP_MMAP_BYTES (64 * 1024)
#define SFU_HEAP_TRIM_DELAY_MS 2000

/* Sets the mmap threshold; before the worker allocates much. */
void sfu_heap_init(void);

/* A participant's memory was freed: a trim runs SFU_HEAP_TRIM_DELAY_MS after the first of a burst. */
void sfu_heap_released(void);

/* Trims run so far (for tests and the debug log). */
unsigned sfu_heap_trims(void);

/* Cancels a pending trim (at shutdown). */
void sfu_heap_shutdown(void);

#endif
