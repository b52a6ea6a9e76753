/* STUN codec: the RFC 5769 test vectors, building and reading back, and bad input. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "tap.h"
#include "stun.h"

/* RFC 5769 2.1: a binding request with ICE attributes and short-term
   credentials (the password below). */
static const uint8_t rfc_request[] = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42,
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
    0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
    0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
    0x59, 0x20, 0x20, 0x20,
    0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56,
    0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2,
    0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 2.2: the IPv4 response, 192.0.2.1 port 32853 */
static const uint8_t rfc_response4[] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20,
    0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
    0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
    0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 2.3: the IPv6 response, 2001:db8:1234:5678:11:2233:4455:6677
   port 32853 */
static const uint8_t rfc_response6[] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42,
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20,
    0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
    0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
    0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
    0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

static const char rfc_pwd[] = "VOkJxbRl1RmTxUk/WvJxBt";

static void
test_rfc5769_request(void)
{
    sfu_stun_msg_t m;

    is_int(sfu_stun_parse(&m, rfc_request, sizeof(rfc_request)), SFU_STUN_OK,
           "RFC 5769 request parses, fingerprint right");
    is_int(m.type, SFU_STUN_BINDING_REQUEST, "... a binding request");
    ok(m.username_len == 9 && memcmp(m.username, "evtj:h6vY", 9) == 0,
       "... USERNAME evtj:h6vY");
    ok(m.has_priority && m.priority == 0x6e0001ffu, "... PRIORITY");
    ok(m.controlled && !m.controlling
       && m.tie_breaker == 0x932ff9b151263b36ull, "... ICE-CONTROLLED");
    ok(m.fingerprint && m.integrity_at == 76, "... integrity at 76");
    ok(sfu_stun_check_integrity(&m, rfc_request, rfc_pwd, strlen(rfc_pwd)),
       "... MESSAGE-INTEGRITY right with the RFC's password");
    ok(!sfu_stun_check_integrity(&m, rfc_request, "VOkJxbRl1RmTxUk/WvJxBu",
                                 22),
       "... and wrong with another");
    is_int(m.n_unknown, 0, "... no unknown attribute (SOFTWARE is optional)");
}

static void
test_rfc5769_responses(void)
{
    char ip[INET6_ADDRSTRLEN];
    sfu_stun_msg_t m;
    const struct sockaddr_in *sin = (const struct sockaddr_in *) &m.mapped;
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) &m.mapped;

    is_int(sfu_stun_parse(&m, rfc_response4, sizeof(rfc_response4)),
           SFU_STUN_OK, "RFC 5769 IPv4 response parses");
    ok(m.type == SFU_STUN_BINDING_SUCCESS && m.has_mapped
       && m.mapped.ss_family == AF_INET && ntohs(sin->sin_port) == 32853
       && strcmp(inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)),
                 "192.0.2.1") == 0,
       "... XOR-MAPPED-ADDRESS 192.0.2.1:32853");
    ok(sfu_stun_check_integrity(&m, rfc_response4, rfc_pwd, strlen(rfc_pwd)),
       "... MESSAGE-INTEGRITY right");

    is_int(sfu_stun_parse(&m, rfc_response6, sizeof(rfc_response6)),
           SFU_STUN_OK, "RFC 5769 IPv6 response parses");
    ok(m.has_mapped && m.mapped.ss_family == AF_INET6
       && ntohs(sin6->sin6_port) == 32853
       && strcmp(inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip)),
                 "2001:db8:1234:5678:11:2233:4455:6677") == 0,
       "... XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853");
    ok(sfu_stun_check_integrity(&m, rfc_response6, rfc_pwd, strlen(rfc_pwd)),
       "... MESSAGE-INTEGRITY right");
}

static void
test_build_roundtrip(void)
{
    static const uint8_t tid[SFU_STUN_TID_LEN] = "0123456789a";
    uint8_t buf[SFU_STUN_MAX_BUILD], tiny[40];
    struct sockaddr_in6 to = { .sin6_family = AF_INET6,
                               .sin6_port = htons(4242) };
    struct sockaddr_in6 *got = NULL;
    sfu_stun_builder_t b;
    sfu_stun_msg_t m;
    size_t len;

    inet_pton(AF_INET6, "2001:db8::7", &to.sin6_addr);
    sfu_stun_start(&b, buf, sizeof(buf), SFU_STUN_BINDING_REQUEST, tid);
    sfu_stun_add(&b, SFU_STUN_USERNAME, "abcd:xyz", 8);
    sfu_stun_add_u32(&b, SFU_STUN_PRIORITY, 1234567);
    sfu_stun_add_u64(&b, SFU_STUN_ICE_CONTROLLING, 0x0102030405060708ull);
    sfu_stun_add(&b, SFU_STUN_USE_CANDIDATE, NULL, 0);
    sfu_stun_add_xor_address(&b, SFU_STUN_XOR_MAPPED,
                             (const struct sockaddr *) &to);
    len = sfu_stun_finish(&b, "secretsecretsecretsecret", 24);
    ok(len > 0 && len % 4 == 0, "request built (%zu bytes)", len);
    is_int(sfu_stun_parse(&m, buf, len), SFU_STUN_OK, "... and parses");
    got = (struct sockaddr_in6 *) &m.mapped;
    ok(m.type == SFU_STUN_BINDING_REQUEST && memcmp(m.tid, tid, 12) == 0
       && m.username_len == 8 && memcmp(m.username, "abcd:xyz", 8) == 0
       && m.priority == 1234567 && m.controlling && m.use_candidate
       && m.tie_breaker == 0x0102030405060708ull && m.fingerprint
       && m.has_mapped && ntohs(got->sin6_port) == 4242
       && memcmp(&got->sin6_addr, &to.sin6_addr, 16) == 0,
       "... with every attribute read back");
    ok(sfu_stun_check_integrity(&m, buf, "secretsecretsecretsecret", 24),
       "... and its integrity checks");

    sfu_stun_start(&b, buf, sizeof(buf), SFU_STUN_BINDING_ERROR, tid);
    sfu_stun_add_error(&b, SFU_STUN_ERR_ROLE_CONFLICT, "Role Conflict");
    len = sfu_stun_finish(&b, NULL, 0);
    ok(len > 0 && sfu_stun_parse(&m, buf, len) == SFU_STUN_OK
       && m.error_code == 487 && m.integrity_at == 0 && m.fingerprint,
       "error 487 built without integrity, read back");

    sfu_stun_start(&b, tiny, sizeof(tiny), SFU_STUN_BINDING_REQUEST, tid);
    sfu_stun_add(&b, SFU_STUN_USERNAME, "a-rather-long-username:x", 24);
    is_int(sfu_stun_finish(&b, "k", 1), 0, "a message past its buffer is 0");
}

static void
test_bad_input(void)
{
    uint8_t copy[sizeof(rfc_request) + 16];
    static const uint8_t unknown_attr[] = {
        0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
        0x00, 0x2f, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef,
    };
    sfu_stun_msg_t m;

    is_int(sfu_stun_parse(&m, rfc_request, sizeof(rfc_request) - 4),
           SFU_STUN_NOT_STUN, "truncated: not STUN (length disagrees)");
    is_int(sfu_stun_parse(&m, rfc_request, 12), SFU_STUN_NOT_STUN,
           "shorter than a header");

    memcpy(copy, rfc_request, sizeof(rfc_request));
    copy[3] = 0x5c;
    memset(copy + sizeof(rfc_request), 0, 4);
    is_int(sfu_stun_parse(&m, copy, sizeof(rfc_request) + 4),
           SFU_STUN_MALFORMED, "FINGERPRINT not last: malformed");

    memcpy(copy, rfc_request, sizeof(rfc_request));
    copy[sizeof(rfc_request) - 1] ^= 1;
    is_int(sfu_stun_parse(&m, copy, sizeof(rfc_request)),
           SFU_STUN_BAD_FINGERPRINT, "flipped fingerprint refused");

    memcpy(copy, rfc_request, sizeof(rfc_request));
    copy[30] ^= 1;                             /* inside SOFTWARE */
    is_int(sfu_stun_parse(&m, copy, sizeof(rfc_request)),
           SFU_STUN_BAD_FINGERPRINT, "changed body: fingerprint refuses it");

    memcpy(copy, rfc_request, sizeof(rfc_request));
    copy[22] = 0x00;
    copy[23] = 0x90;                           /* SOFTWARE length 144 */
    is_int(sfu_stun_parse(&m, copy, sizeof(rfc_request)),
           SFU_STUN_MALFORMED, "attribute past the end: malformed");

    memcpy(copy, rfc_request, sizeof(rfc_request));
    copy[0] = 0x40;
    is_int(sfu_stun_parse(&m, copy, sizeof(rfc_request)), SFU_STUN_NOT_STUN,
           "first two bits set: not STUN");
    memcpy(copy, rfc_request, sizeof(rfc_request));
    copy[5] ^= 1;
    ok(!sfu_stun_looks_like(copy, sizeof(rfc_request)),
       "wrong magic cookie: not STUN");

    memcpy(copy, rfc_request, sizeof(rfc_request));
    copy[sizeof(rfc_request) - 20] ^= 1;       /* inside the HMAC */
    {
        /* a correct fingerprint over a changed integrity: only the HMAC
           can tell */
        uint32_t crc = sfu_stun_crc32(copy, sizeof(rfc_request) - 8)
                       ^ 0x5354554eu;

        copy[sizeof(rfc_request) - 4] = (uint8_t) (crc >> 24);
        copy[sizeof(rfc_request) - 3] = (uint8_t) (crc >> 16);
        copy[sizeof(rfc_request) - 2] = (uint8_t) (crc >> 8);
        copy[sizeof(rfc_request) - 1] = (uint8_t) crc;
    }
    ok(sfu_stun_parse(&m, copy, sizeof(rfc_request)) == SFU_STUN_OK
       && !sfu_stun_check_integrity(&m, copy, rfc_pwd, strlen(rfc_pwd)),
       "bad MESSAGE-INTEGRITY with a good fingerprint: integrity refuses");

    ok(sfu_stun_parse(&m, unknown_attr, sizeof(unknown_attr)) == SFU_STUN_OK
       && m.n_unknown == 1 && m.unknown[0] == 0x002f,
       "unknown comprehension-required attribute listed (for a 420)");
    ok(sfu_stun_parse(&m, rfc_response4, sizeof(rfc_response4)) == SFU_STUN_OK
       && !sfu_stun_check_integrity(&m, rfc_response4, "", 0),
       "integrity with an empty key refused");
}

int
main(void)
{
    ok(sfu_stun_crc32((const uint8_t *) "123456789", 9) == 0xCBF43926u,
       "CRC-32 check value");
    test_rfc5769_request();
    test_rfc5769_responses();
    test_build_roundtrip();
    test_bad_input();
    return tap_done();
}
