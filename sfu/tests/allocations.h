/*
 * allocations.h: counts the heap allocations a test or benchmark makes, by
 * standing in for malloc, calloc and realloc in the program that includes
 * it (once).  That also catches those made inside GLib, libnice and the
 * crypto libraries.
 */

#ifndef SFU_TEST_ALLOCATIONS_H
#define SFU_TEST_ALLOCATIONS_H

#include <stddef.h>

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
