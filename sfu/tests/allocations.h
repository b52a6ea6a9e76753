/*
 * allocations.h: counts the heap allocations a test or benchmark makes, by
 * standing in for malloc, calloc and realloc in the program that includes
 * it (once).  That also catches those made inside GLib, libnice and the
 * crypto libraries.  Under AddressSanitizer (sanitizer.h) it counts
 * nothing: the program skips what it would assert about them.
 */

#ifndef SFU_TEST_ALLOCATIONS_H
#define SFU_TEST_ALLOCATIONS_H

#include <stddef.h>

#include "sanitizer.h"

#if UNDER_ASAN
/* ASan must see every block malloc hands out, and its start-up allocates
   before glibc's malloc could be called from here: nothing is counted. */
static unsigned long
allocations_now(void)
{
    return 0;
}
#else
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

static unsigned long allocations;

void *
malloc(size_t size)
{
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t size)
{
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return __libc_realloc(p, size);
}

/* Allocations so far, by any thread. */
static unsigned long
allocations_now(void)
{
    return __atomic_load_n(&allocations, __ATOMIC_RELAXED);
}
#endif

#endif
