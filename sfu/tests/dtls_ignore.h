/*
 * dtls_ignore.h: DTLS callbacks that ignore what they are told, for tests
 * and fuzzers that only care about what a session sends.
 */

#ifndef SFU_TEST_DTLS_IGNORE_H
#define SFU_TEST_DTLS_IGNORE_H

#include "dtls.h"

__attribute__((unused))
static void
dtls_ignore_keys(void *data, const sfu_srtp_keys_t *keys)
{
    (void) data;
    (void) keys;
}

__attribute__((unused))
static void
dtls_ignore(void *data)
{
    (void) data;
}

#endif
