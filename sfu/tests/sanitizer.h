/*
 * sanitizer.h: UNDER_ASAN is 1 in a program built with AddressSanitizer
 * (make unit-asan), 0 otherwise.  ASan's allocator replaces glibc's malloc,
 * so what a test observes of glibc's heap, or counts by standing in for
 * malloc, is not there to observe: those assertions skip, saying why.
 */
#ifndef SFU_TEST_SANITIZER_H
#define SFU_TEST_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)       /* gcc */
#define UNDER_ASAN 1
#elif defined(__has_feature)            /* clang */
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define ASAN_ALLOCATOR "AddressSanitizer's allocator replaces glibc's malloc"

#endif
