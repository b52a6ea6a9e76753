/*
 * stun: the STUN messages ICE needs (RFC 8489 binding requests and
 * responses with the RFC 8445 and RFC 7675 attributes), as pure functions
 * on caller-owned buffers: parse and check (MESSAGE-INTEGRITY keyed with
 * an ICE password, FINGERPRINT), and build.  Nothing here allocates or
 * keeps state.
 */

#ifndef SFU_STUN_H
#define SFU_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SFU_STUN_HEADER          20
#define SFU_STUN_COOKIE          0x2112A442u
#define SFU_STUN_TID_LEN         12

/* message types: the binding method in each class */
#define SFU_STUN_BINDING_REQUEST  0x0001
#define SFU_STUN_BINDING_SUCCESS  0x0101
#define SFU_STUN_BINDING_ERROR    0x0111
#define SFU_STUN_BINDING_INDICATION 0x0011

/* attributes */
#define SFU_STUN_USERNAME         0x0006
#define SFU_STUN_INTEGRITY        0x0008
#define SFU_STUN_ERROR_CODE       0x0009
#define SFU_STUN_UNKNOWN_ATTRS    0x000A
#define SFU_STUN_XOR_MAPPED       0x0020
#define SFU_STUN_PRIORITY         0x0024
#define SFU_STUN_USE_CANDIDATE    0x0025
#define SFU_STUN_SOFTWARE         0x8022
#define SFU_STUN_FINGERPRINT      0x8028
#define SFU_STUN_ICE_CONTROLLED   0x8029
#define SFU_STUN_ICE_CONTROLLING  0x802A

/* error codes this side sends or acts on */
#define SFU_STUN_ERR_BAD_REQUEST      400
#define SFU_STUN_ERR_UNAUTHORIZED     401
#define SFU_STUN_ERR_UNKNOWN_ATTR     420
#define SFU_STUN_ERR_ROLE_CONFLICT    487

/* Largest message this side builds (a response with every attribute). */
#define SFU_STUN_MAX_BUILD        256

/* Comprehension-required attributes of one message this side did not know,
   as many as an error 420 lists. */
#define SFU_STUN_MAX_UNKNOWN      8

typedef enum {
    SFU_STUN_OK,
    SFU_STUN_NOT_STUN,          /* first bits, cookie or length say no */
    SFU_STUN_MALFORMED,         /* an attribute runs past the end, ... */
    SFU_STUN_BAD_FINGERPRINT,
} sfu_stun_result_t;

typedef struct {
    uint16_t        type;
    const uint8_t  *tid;                  /* SFU_STUN_TID_LEN bytes */

    const uint8_t  *username;             /* NULL if absent */
    size_t          username_len;
    size_t          integrity_at;         /* offset of the attribute; 0 =
                                             absent */
    bool            fingerprint;          /* present (and right) */

    bool            has_priority;
    uint32_t        priority;
    bool            use_candidate;
    bool            controlling, controlled;
    uint64_t        tie_breaker;

    unsigned        error_code;           /* 0 if absent */
    bool            has_mapped;
    struct sockaddr_storage mapped;       /* XOR-MAPPED-ADDRESS */

    uint16_t        unknown[SFU_STUN_MAX_UNKNOWN];
    unsigned        n_unknown;            /* comprehension-required ones */
} sfu_stun_msg_t;

/* Cheap test on the first bytes (RFC 7983 demultiplexing plus cookie). */
bool sfu_stun_looks_like(const uint8_t *buf, size_t len);

/*
 * Parses a whole datagram.  Attributes after MESSAGE-INTEGRITY other than
 * FINGERPRINT are ignored (RFC 8489 14.5); FINGERPRINT, if present, must
 * be last and right.
 */
sfu_stun_result_t sfu_stun_parse(sfu_stun_msg_t *m, const uint8_t *buf,
                                 size_t len);

/* MESSAGE-INTEGRITY (HMAC-SHA1 over the message up to it) with key. */
bool sfu_stun_check_integrity(const sfu_stun_msg_t *m, const uint8_t *buf,
                              const char *key, size_t key_len);

/* The CRC-32 (ISO HDLC, as zlib's) STUN fingerprints use. */
uint32_t sfu_stun_crc32(const uint8_t *p, size_t len);

/*
 * Building: start, add attributes, finish.  A builder that ran out of
 * room stays failed and finish gives 0.
 */
typedef struct {
    uint8_t *buf;
    size_t   cap, len;
    bool     overflow;
} sfu_stun_builder_t;

void sfu_stun_start(sfu_stun_builder_t *b, uint8_t *buf, size_t cap,
                    uint16_t type, const uint8_t tid[SFU_STUN_TID_LEN]);
void sfu_stun_add(sfu_stun_builder_t *b, uint16_t attr, const void *value,
                  size_t len);
void sfu_stun_add_u32(sfu_stun_builder_t *b, uint16_t attr, uint32_t v);
void sfu_stun_add_u64(sfu_stun_builder_t *b, uint16_t attr, uint64_t v);
void sfu_stun_add_xor_address(sfu_stun_builder_t *b, uint16_t attr,
                              const struct sockaddr *addr);
void sfu_stun_add_error(sfu_stun_builder_t *b, unsigned code,
                        const char *reason);

/* Appends MESSAGE-INTEGRITY (if key) and FINGERPRINT; the length, or 0. */
size_t sfu_stun_finish(sfu_stun_builder_t *b, const char *key,
                       size_t key_len);

#endif
