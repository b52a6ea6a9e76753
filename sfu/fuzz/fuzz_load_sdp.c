/*
 * fuzz_load_sdp: arbitrary text as the SDP an SFU sends sfu-load: as a
 * subscribe offer to answer and as the answer to its publish offer.  An
 * answer it writes must parse and pass the worker's own checks; what it
 * reads for the transport must be there.
 */

#include "log.h"
#include "sdp.h"
#include "sdp_local.h"
#include "transport.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sfu_transport_config_t cfg = { .udp = true };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    sfu_log_init(SFU_LOG_ERROR, 0);
    if (sfu_transport_global_init(&cfg) != 0) {
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char                   answer[SFU_SDP_MAX_SIZE + 8192];
    static struct sfu_sdp_session check;
    load_sdp_remote_t             remote;
    load_sdp_ice_t                ice = { "fuzzufrag", "fuzzpassword0123456789" };
    struct sfu_sdp_error          e;
    char                          err[256];
    char                         *text;

    if (size > SFU_SDP_MAX_SIZE) {
        return 0;
    }
    text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';

    if (load_sdp_subscribe_answer(text, &ice, &remote, answer, sizeof(answer),
                                  err, sizeof(err)) == 0)
    {
        if (remote.ufrag[0] == '\0' || remote.fingerprint[0] == '\0'
            || sfu_sdp_parse(&check, answer, strlen(answer), &e) != SFU_SDP_OK
            || sfu_sdp_check(&check, &e) != SFU_SDP_OK)
        {
            abort();
        }
    } else if (err[0] == '\0') {
        abort();
    }
    if (load_sdp_read_answer(text, &remote, err, sizeof(err)) == 0
        && (remote.pwd[0] == '\0' || remote.accepted == 0))
    {
        abort();
    }
    free(text);
    return 0;
}
