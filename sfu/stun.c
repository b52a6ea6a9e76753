/*
 * stun: parse, check and build the STUN binding messages of ICE (RFC 8489,
 * RFC 8445 7, RFC 7675).  Pure functions over caller-owned buffers.
 *
 * A message is a 20-byte header (type, length, magic cookie, transaction
 * id) and TLV attributes padded to 4 bytes.  MESSAGE-INTEGRITY is an
 * HMAC-SHA1 over the message up to the attribute, with the header's length
 * field counting up to the end of it; FINGERPRINT is the CRC-32 of the
 * message up to it, xor 0x5354554e, with the length counting it.
 */

#include "stun.h"

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define ATTR_HEADER        4
#define INTEGRITY_LEN      20
#define FINGERPRINT_XOR    0x5354554eu

/* A message is checked and built in one datagram; RFC 8489 keeps to MTU. */
#define MAX_MESSAGE        1500

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t) (v >> 16));
    put16(p + 2, (uint16_t) v);
}

static size_t
padded(size_t len)
{
    return (len + 3) & ~(size_t) 3;
}

uint32_t
sfu_stun_crc32(const uint8_t *p, size_t len)
{
    static uint32_t table[256];
    static bool ready;
    uint32_t crc = 0xFFFFFFFFu;

    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;

            for (int k = 0; k < 8; k++) {
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        ready = true;
    }
    while (len-- > 0) {
        crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    }
    return crc ^ 0xFFFFFFFFu;
}

bool
sfu_stun_looks_like(const uint8_t *buf, size_t len)
{
    return len >= SFU_STUN_HEADER && (buf[0] & 0xC0) == 0
           && get32(buf + 4) == SFU_STUN_COOKIE && (get16(buf + 2) & 3) == 0;
}

/* XOR-MAPPED-ADDRESS's value (RFC 8489 14.2); false if malformed. */
static bool
parse_xor_address(const uint8_t *v, size_t len, const uint8_t *header,
                  struct sockaddr_storage *out)
{
    uint16_t port;

    if (len < 8) {
        return false;
    }
    port = get16(v + 2) ^ (uint16_t) (SFU_STUN_COOKIE >> 16);
    memset(out, 0, sizeof(*out));
    if (v[1] == 0x01 && len == 8) {
        struct sockaddr_in *sin = (struct sockaddr_in *) out;
        uint32_t a = get32(v + 4) ^ SFU_STUN_COOKIE;

        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(a);
        return true;
    }
    if (v[1] == 0x02 && len == 20) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) out;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        /* xor with the cookie and the transaction id, which follow it */
        for (int i = 0; i < 16; i++) {
            sin6->sin6_addr.s6_addr[i] = v[4 + i] ^ header[4 + i];
        }
        return true;
    }
    return false;
}

static bool
attr_known(uint16_t type)
{
    switch (type) {
    case 0x0001:                  /* MAPPED-ADDRESS: old servers, ignored */
    case SFU_STUN_USERNAME:
    case SFU_STUN_INTEGRITY:
    case SFU_STUN_ERROR_CODE:
    case SFU_STUN_UNKNOWN_ATTRS:
    case SFU_STUN_XOR_MAPPED:
    case SFU_STUN_PRIORITY:
    case SFU_STUN_USE_CANDIDATE:
        return true;
    default:
        return type >= 0x8000;    /* comprehension-optional */
    }
}

/* One attribute before MESSAGE-INTEGRITY; false if its value is malformed. */
static bool
parse_attr(sfu_stun_msg_t *m, const uint8_t *buf, uint16_t type,
           const uint8_t *v, size_t len)
{
    switch (type) {
    case SFU_STUN_USERNAME:
        if (len > 513) {
            return false;
        }
        m->username = v;
        m->username_len = len;
        return true;
    case SFU_STUN_PRIORITY:
        if (len != 4) {
            return false;
        }
        m->has_priority = true;
        m->priority = get32(v);
        return true;
    case SFU_STUN_USE_CANDIDATE:
        m->use_candidate = true;
        return len == 0;
    case SFU_STUN_ICE_CONTROLLED:
    case SFU_STUN_ICE_CONTROLLING:
        if (len != 8) {
            return false;
        }
        if (type == SFU_STUN_ICE_CONTROLLING) {
            m->controlling = true;
        } else {
            m->controlled = true;
        }
        m->tie_breaker = (uint64_t) get32(v) << 32 | get32(v + 4);
        return true;
    case SFU_STUN_ERROR_CODE:
        if (len < 4 || v[3] > 99 || (v[2] & 7) < 3) {
            return false;
        }
        m->error_code = (v[2] & 7) * 100u + v[3];
        return true;
    case SFU_STUN_XOR_MAPPED:
        m->has_mapped = parse_xor_address(v, len, buf, &m->mapped);
        return m->has_mapped;
    default:
        if (!attr_known(type) && m->n_unknown < SFU_STUN_MAX_UNKNOWN) {
            m->unknown[m->n_unknown++] = type;
        }
        return true;
    }
}

sfu_stun_result_t
sfu_stun_parse(sfu_stun_msg_t *m, const uint8_t *buf, size_t len)
{
    size_t at = SFU_STUN_HEADER;

    memset(m, 0, sizeof(*m));
    if (!sfu_stun_looks_like(buf, len)
        || (size_t) get16(buf + 2) + SFU_STUN_HEADER != len)
    {
        return SFU_STUN_NOT_STUN;
    }
    m->type = get16(buf);
    m->tid = buf + 8;

    while (at < len) {
        uint16_t type, alen;

        if (len - at < ATTR_HEADER) {
            return SFU_STUN_MALFORMED;
        }
        type = get16(buf + at);
        alen = get16(buf + at + 2);
        if (padded(alen) > len - at - ATTR_HEADER) {
            return SFU_STUN_MALFORMED;
        }

        if (type == SFU_STUN_FINGERPRINT) {
            if (alen != 4 || at + ATTR_HEADER + 4 != len) {
                return SFU_STUN_MALFORMED;
            }
            if ((sfu_stun_crc32(buf, at) ^ FINGERPRINT_XOR)
                != get32(buf + at + ATTR_HEADER))
            {
                return SFU_STUN_BAD_FINGERPRINT;
            }
            m->fingerprint = true;
        } else if (m->integrity_at != 0) {
            /* RFC 8489 14.5: only FINGERPRINT counts after integrity */
        } else if (type == SFU_STUN_INTEGRITY) {
            if (alen != INTEGRITY_LEN) {
                return SFU_STUN_MALFORMED;
            }
            m->integrity_at = at;
        } else if (!parse_attr(m, buf, type, buf + at + ATTR_HEADER, alen)) {
            return SFU_STUN_MALFORMED;
        }
        at += ATTR_HEADER + padded(alen);
    }
    return SFU_STUN_OK;
}

/* HMAC-SHA1 of buf[0, at) with the header's length as if the message
   ended right after a MESSAGE-INTEGRITY at offset at. */
static bool
integrity_of(const uint8_t *buf, size_t at, const char *key, size_t key_len,
             uint8_t out[INTEGRITY_LEN])
{
    uint8_t copy[MAX_MESSAGE];
    unsigned int n = INTEGRITY_LEN;

    if (at > sizeof(copy) || key_len > INT32_MAX) {
        return false;
    }
    memcpy(copy, buf, at);
    put16(copy + 2, (uint16_t) (at + ATTR_HEADER + INTEGRITY_LEN
                                - SFU_STUN_HEADER));
    return HMAC(EVP_sha1(), key, (int) key_len, copy, at, out, &n) != NULL
           && n == INTEGRITY_LEN;
}

bool
sfu_stun_check_integrity(const sfu_stun_msg_t *m, const uint8_t *buf,
                         const char *key, size_t key_len)
{
    uint8_t mac[INTEGRITY_LEN];
    uint8_t diff = 0;

    if (m->integrity_at == 0
        || !integrity_of(buf, m->integrity_at, key, key_len, mac))
    {
        return false;
    }
    for (int i = 0; i < INTEGRITY_LEN; i++) {
        diff |= mac[i] ^ buf[m->integrity_at + ATTR_HEADER + i];
    }
    return diff == 0;
}

void
sfu_stun_start(sfu_stun_builder_t *b, uint8_t *buf, size_t cap,
               uint16_t type, const uint8_t tid[SFU_STUN_TID_LEN])
{
    b->buf = buf;
    b->cap = cap < MAX_MESSAGE ? cap : MAX_MESSAGE;
    b->len = SFU_STUN_HEADER;
    b->overflow = b->cap < SFU_STUN_HEADER;
    if (b->overflow) {
        return;
    }
    put16(buf, type);
    put16(buf + 2, 0);
    put32(buf + 4, SFU_STUN_COOKIE);
    memcpy(buf + 8, tid, SFU_STUN_TID_LEN);
}

/* Room for an attribute of len; its value's address, or NULL. */
static uint8_t *
add_attr(sfu_stun_builder_t *b, uint16_t attr, size_t len)
{
    uint8_t *p;

    if (b->overflow || len > 0xFFFF
        || b->cap - b->len < ATTR_HEADER + padded(len))
    {
        b->overflow = true;
        return NULL;
    }
    p = b->buf + b->len;
    put16(p, attr);
    put16(p + 2, (uint16_t) len);
    memset(p + ATTR_HEADER + len, 0, padded(len) - len);
    b->len += ATTR_HEADER + padded(len);
    put16(b->buf + 2, (uint16_t) (b->len - SFU_STUN_HEADER));
    return p + ATTR_HEADER;
}

void
sfu_stun_add(sfu_stun_builder_t *b, uint16_t attr, const void *value,
             size_t len)
{
    uint8_t *p = add_attr(b, attr, len);

    if (p != NULL && len > 0) {
        memcpy(p, value, len);
    }
}

void
sfu_stun_add_u32(sfu_stun_builder_t *b, uint16_t attr, uint32_t v)
{
    uint8_t *p = add_attr(b, attr, 4);

    if (p != NULL) {
        put32(p, v);
    }
}

void
sfu_stun_add_u64(sfu_stun_builder_t *b, uint16_t attr, uint64_t v)
{
    uint8_t *p = add_attr(b, attr, 8);

    if (p != NULL) {
        put32(p, (uint32_t) (v >> 32));
        put32(p + 4, (uint32_t) v);
    }
}

void
sfu_stun_add_xor_address(sfu_stun_builder_t *b, uint16_t attr,
                         const struct sockaddr *addr)
{
    uint8_t *p;

    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) addr;

        p = add_attr(b, attr, 8);
        if (p == NULL) {
            return;
        }
        p[0] = 0;
        p[1] = 0x01;
        put16(p + 2, ntohs(sin->sin_port) ^ (uint16_t) (SFU_STUN_COOKIE >> 16));
        put32(p + 4, ntohl(sin->sin_addr.s_addr) ^ SFU_STUN_COOKIE);
    } else if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) addr;

        p = add_attr(b, attr, 20);
        if (p == NULL) {
            return;
        }
        p[0] = 0;
        p[1] = 0x02;
        put16(p + 2,
              ntohs(sin6->sin6_port) ^ (uint16_t) (SFU_STUN_COOKIE >> 16));
        for (int i = 0; i < 16; i++) {
            p[4 + i] = sin6->sin6_addr.s6_addr[i] ^ b->buf[4 + i];
        }
    } else {
        b->overflow = true;
    }
}

void
sfu_stun_add_error(sfu_stun_builder_t *b, unsigned code, const char *reason)
{
    size_t rlen = strlen(reason);
    uint8_t *p = add_attr(b, SFU_STUN_ERROR_CODE, 4 + rlen);

    if (p != NULL) {
        put16(p, 0);
        p[2] = (uint8_t) (code / 100);
        p[3] = (uint8_t) (code % 100);
        memcpy(p + 4, reason, rlen);
    }
}

size_t
sfu_stun_finish(sfu_stun_builder_t *b, const char *key, size_t key_len)
{
    uint8_t *p;

    if (key != NULL) {
        size_t at = b->len;

        p = add_attr(b, SFU_STUN_INTEGRITY, INTEGRITY_LEN);
        if (p != NULL && !integrity_of(b->buf, at, key, key_len, p)) {
            b->overflow = true;
        }
    }
    p = add_attr(b, SFU_STUN_FINGERPRINT, 4);
    if (p != NULL) {
        put32(p, sfu_stun_crc32(b->buf, b->len - ATTR_HEADER - 4)
                 ^ FINGERPRINT_XOR);
    }
    return b->overflow ? 0 : b->len;
}
