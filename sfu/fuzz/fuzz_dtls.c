/*
 * What a peer controls on the way into the transport: the fingerprint from
 * its SDP, the DTLS datagrams it sends, and SRTP/SRTCP packets.  The first
 * byte picks which:
 *   0  "algo fingerprint": sfu_dtls_new's parser, both roles
 *   1  datagrams (each a 2-byte big-endian length, then the bytes) into a
 *      fresh DTLS server session, then into a client that has started
 *   2  the rest unprotected as RTP and as RTCP under both profiles
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtls.h"
#include "log.h"
#include "srtp.h"
#include "tests/dtls_ignore.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
ignore_send(void *data, const uint8_t *datagram, size_t len)
{
    (void) data;
    (void) datagram;
    (void) len;
}

static const sfu_dtls_callbacks_t callbacks = {
    ignore_send, dtls_ignore_keys, dtls_ignore, dtls_ignore,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    sfu_log_init(SFU_LOG_ERROR, 0);
    if (sfu_srtp_global_init() != 0
        || sfu_dtls_global_init(SFU_SRTP_NONE) != 0)
    {
        abort();
    }
    return 0;
}

static void
fuzz_fingerprint(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *space;

    memcpy(text, data, size);
    text[size] = '\0';
    space = strchr(text, ' ');
    if (space != NULL) {
        *space = '\0';
        for (int client = 0; client < 2; client++) {
            sfu_dtls_t *d = sfu_dtls_new(client, text, space + 1, &callbacks,
                                         NULL);

            if (d != NULL) {
                sfu_dtls_same_peer(d, !client, text, space + 1);
                sfu_dtls_free(d);
            }
        }
    }
    free(text);
}

static void
feed_datagrams(sfu_dtls_t *d, const uint8_t *data, size_t size)
{
    while (size >= 2) {
        size_t len = (size_t) data[0] << 8 | data[1];

        data += 2;
        size -= 2;
        len = len < size ? len : size;
        sfu_dtls_handle(d, data, len);
        data += len;
        size -= len;
    }
}

static void
fuzz_records(const uint8_t *data, size_t size)
{
    const char *fp = sfu_dtls_fingerprint();
    sfu_dtls_t *server = sfu_dtls_new(false, "sha-256", fp, &callbacks, NULL);
    sfu_dtls_t *client = sfu_dtls_new(true, "sha-256", fp, &callbacks, NULL);

    feed_datagrams(server, data, size);
    sfu_dtls_start(client);
    feed_datagrams(client, data, size);
    sfu_dtls_free(server);
    sfu_dtls_free(client);
}

static void
fuzz_srtp(const uint8_t *data, size_t size)
{
    static const sfu_srtp_profile_t profiles[] = {
        SFU_SRTP_AES128_CM_SHA1_80, SFU_SRTP_AEAD_AES_128_GCM,
    };
    uint8_t *buf = malloc(size + 1);

    for (size_t i = 0; i < 2; i++) {
        sfu_srtp_keys_t keys = { .profile = profiles[i] };
        sfu_srtp_t s = { NULL, NULL };

        memset(keys.local, 1, sizeof(keys.local));
        memset(keys.remote, 2, sizeof(keys.remote));
        if (sfu_srtp_start(&s, &keys) != 0) {
            abort();
        }
        for (int rtcp = 0; rtcp < 2; rtcp++) {
            size_t len = size;

            memcpy(buf, data, size);
            sfu_srtp_unprotect(&s, rtcp, buf, &len);
        }
        sfu_srtp_stop(&s);
    }
    free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    switch (data[0]) {
    case 0:
        fuzz_fingerprint(data + 1, size - 1);
        break;
    case 1:
        fuzz_records(data + 1, size - 1);
        break;
    case 2:
        fuzz_srtp(data + 1, size - 1);
        break;
    default:
        break;
    }
    return 0;
}
