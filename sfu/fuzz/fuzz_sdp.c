/*
 * Parses arbitrary text as SDP and as a trickled candidate. Whatever parses
 * must pass through the checks, be written, parse again, and be written
 * again to the same bytes: the writer loses nothing the parser keeps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sfu_sdp_session first, second;
static char out1[2 * SFU_SDP_MAX_SIZE], out2[2 * SFU_SDP_MAX_SIZE];

static void
fuzz_candidate(const char *text, size_t size)
{
    struct sfu_sdp_candidate c;
    struct sfu_sdp_error err;
    char buf[SFU_SDP_MAX_LINE + 64];
    size_t len;

    if (sfu_sdp_parse_candidate(&c, text, size, &err) != SFU_SDP_OK) {
        return;
    }
    if (sfu_sdp_write_candidate(&c, buf, sizeof(buf), &len) != SFU_SDP_OK
        || sfu_sdp_parse_candidate(&c, buf, len, &err) != SFU_SDP_OK) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct sfu_sdp_error err;
    struct sfu_sdp_transport t;
    uint8_t fp[64];
    size_t len1, len2, fp_len;
    unsigned i;

    fuzz_candidate(text, size);
    if (sfu_sdp_parse(&first, text, size, &err) != SFU_SDP_OK) {
        return 0;
    }
    sfu_sdp_check(&first, &err);
    for (i = 0; i < first.media_count; i++) {
        sfu_sdp_media_transport(&first, &first.media[i], &t);
        sfu_sdp_fingerprint_bytes(&t, fp, sizeof(fp), &fp_len);
    }
    /* Output may outgrow the input (defaults, rtcp-fb * written per payload type) past what a parse accepts. */
    if (sfu_sdp_write(&first, out1, sizeof(out1), &len1, &err) != SFU_SDP_OK || len1 > SFU_SDP_MAX_SIZE) {
        return 0;
    }
    if (sfu_sdp_parse(&second, out1, len1, &err) != SFU_SDP_OK) {
        abort();
    }
    if (sfu_sdp_write(&second, out2, sizeof(out2), &len2, &err) != SFU_SDP_OK
        || len1 != len2 || memcmp(out1, out2, len1) != 0) {
        abort();
    }
    return 0;
}
