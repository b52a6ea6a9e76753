/*
 * srtp: the two libsrtp2 sessions of one transport, keyed from DTLS
 * (RFC 5764): outbound with our master key, inbound with the peer's, each
 * for any SSRC, RTP and RTCP alike.  Replay protection is on for inbound
 * packets; protect and unprotect work in place and allocate nothing once
 * an SSRC has been seen.
 */

#ifndef SFU_SRTP_H
#define SFU_SRTP_H

#include "transport.h"

#include <srtp2/srtp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Master key and salt of the largest profile (AES-CM: 16 + 14 bytes). */
#define SFU_SRTP_MASTER_MAX 30

/* Master keys, each the key followed by the salt, as DTLS exported them. */
typedef struct {
    sfu_srtp_profile_t profile;
    uint8_t            local[SFU_SRTP_MASTER_MAX];
    uint8_t            remote[SFU_SRTP_MASTER_MAX];
} sfu_srtp_keys_t;

typedef struct {
    srtp_t in;
    srtp_t out;
} sfu_srtp_t;

/* libsrtp2, once per process; 0 or -1 (logged). */
int sfu_srtp_global_init(void);
void sfu_srtp_global_cleanup(void);

/* Key and salt lengths of a profile (0 for SFU_SRTP_NONE). */
size_t sfu_srtp_key_len(sfu_srtp_profile_t profile);
size_t sfu_srtp_salt_len(sfu_srtp_profile_t profile);

/* Both sessions from the keys; 0, or -1 (logged) with nothing to stop. */
int sfu_srtp_start(sfu_srtp_t *s, const sfu_srtp_keys_t *keys);
void sfu_srtp_stop(sfu_srtp_t *s);

/*
 * In place; *len is updated.  protect needs cap >= *len +
 * SFU_TRANSPORT_TRAILER.  0, or -1 (not logged: the caller counts).
 */
int sfu_srtp_protect(sfu_srtp_t *s, bool rtcp, uint8_t *pkt, size_t *len,
                     size_t cap);
int sfu_srtp_unprotect(sfu_srtp_t *s, bool rtcp, uint8_t *pkt, size_t *len);

#endif
