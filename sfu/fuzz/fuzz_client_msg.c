/*
 * fuzz_client_msg: arbitrary JSON text as a module request, a `client`
 * envelope and a client message.  Whatever is accepted must hold what the
 * reader promises (valid ids, bounded strings); whatever is refused must
 * say why with a code.
 */

#include "client_msg.h"
#include "negotiate.h"
#include "sdp.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_refusal(int rc, const struct sfu_msg_error *err)
{
    if (rc != 0 && (err->code == NULL || memchr(err->message, '\0', sizeof(err->message)) == NULL)) {
        abort();
    }
}

static void
check_message(json_t *msg)
{
    struct sfu_client_msg m;
    struct sfu_msg_error err;
    int rc = sfu_client_msg_parse(msg, &m, &err);

    check_refusal(rc, &err);
    if (rc != 0) {
        return;
    }
    switch (m.type) {
    case SFU_CLIENT_OFFER:
    case SFU_CLIENT_ANSWER:
        if (m.sdp == NULL || m.sdp_len > SFU_SDP_MAX_SIZE || strlen(m.sdp) != m.sdp_len) {
            abort();
        }
        break;
    case SFU_CLIENT_ICE_CANDIDATE:
        if (m.candidate == NULL || strlen(m.candidate) > SFU_SDP_MAX_LINE) {
            abort();
        }
        break;
    case SFU_CLIENT_START_SCREEN_SHARE:
        if (m.mid != NULL && (m.mid[0] == '\0' || strlen(m.mid) > SFU_MID_MAX)) {
            abort();
        }
        break;
    case SFU_CLIENT_CHAT:
        if (m.text == NULL || m.text[0] == '\0' || strlen(m.text) > SFU_CHAT_MAX) {
            abort();
        }
        break;
    case SFU_CLIENT_UPDATE_QUALITY:
        if (m.quality == NULL) {
            abort();
        }
        break;
    default:
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sfu_envelope env;
    struct sfu_msg_error err;
    const char *room, *participant;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    int rc;

    if (!json_is_object(j)) {
        json_decref(j);
        return 0;
    }
    rc = sfu_request_ids(j, &room, &participant, &err);
    check_refusal(rc, &err);
    if (rc == 0 && (!sfu_id_valid(room) || !sfu_id_valid(participant))) {
        abort();
    }
    rc = sfu_envelope_parse(j, &env, &err);
    check_refusal(rc, &err);
    if (rc == 0) {
        if (!json_is_object(env.msg) || (strcmp(env.role, "host") != 0 && strcmp(env.role, "participant") != 0)) {
            abort();
        }
        check_message(env.msg);
    }
    check_message(j);
    json_decref(j);
    return 0;
}
