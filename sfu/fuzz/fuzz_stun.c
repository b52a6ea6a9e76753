/*
 * Parses arbitrary bytes as STUN, checks their integrity with a fixed
 * password, and builds the responses the ICE mux would send to what
 * parsed (success with XOR-MAPPED-ADDRESS, 420 listing the unknown
 * attributes), reading each back.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char pwd[] = "VOkJxbRl1RmTxUk/WvJxBt";

static void
build_and_read(const sfu_stun_msg_t *m)
{
    uint8_t buf[SFU_STUN_MAX_BUILD];
    struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(4242) };
    sfu_stun_builder_t b;
    sfu_stun_msg_t back;
    uint16_t unknown[SFU_STUN_MAX_UNKNOWN];
    size_t len;

    sfu_stun_start(&b, buf, sizeof(buf), SFU_STUN_BINDING_SUCCESS, m->tid);
    sfu_stun_add_xor_address(&b, SFU_STUN_XOR_MAPPED,
                             m->has_mapped
                             ? (const struct sockaddr *) &m->mapped
                             : (const struct sockaddr *) &from);
    len = sfu_stun_finish(&b, pwd, strlen(pwd));
    if (len == 0 || sfu_stun_parse(&back, buf, len) != SFU_STUN_OK
        || !sfu_stun_check_integrity(&back, buf, pwd, strlen(pwd)))
    {
        abort();
    }

    for (unsigned i = 0; i < m->n_unknown; i++) {
        unknown[i] = (uint16_t) (m->unknown[i] >> 8 | m->unknown[i] << 8);
    }
    sfu_stun_start(&b, buf, sizeof(buf), SFU_STUN_BINDING_ERROR, m->tid);
    sfu_stun_add_error(&b, SFU_STUN_ERR_UNKNOWN_ATTR, "Unknown Attribute");
    sfu_stun_add(&b, SFU_STUN_UNKNOWN_ATTRS, unknown, 2 * m->n_unknown);
    len = sfu_stun_finish(&b, NULL, 0);
    if (len == 0 || sfu_stun_parse(&back, buf, len) != SFU_STUN_OK
        || back.error_code != SFU_STUN_ERR_UNKNOWN_ATTR)
    {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sfu_stun_msg_t m;

    if (sfu_stun_parse(&m, data, size) != SFU_STUN_OK) {
        return 0;
    }
    if (m.username != NULL && m.username_len > 0) {
        volatile uint8_t last = m.username[m.username_len - 1];
        (void) last;
    }
    sfu_stun_check_integrity(&m, data, pwd, strlen(pwd));
    build_and_read(&m);
    return 0;
}
