/*
 * fuzz_negotiate: arbitrary text as a client's publish offer and as a
 * client's answer to a subscribe offer.  An offer that parses and passes
 * the checks must be read without fault, and the answer built to it must
 * itself parse and pass the checks; an answer is read against a fixed
 * offer of one audio and one video m-line.
 */

#include "negotiate.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sfu_sdp_session parsed, built, again;
static struct sfu_pub_offer decided;
static char text[4 * SFU_SDP_MAX_SIZE];

static const char *const candidates[] = { "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host" };

static const struct sfu_local_transport local = {
    .ice_ufrag = "fuzz",
    .ice_pwd = "fuzzpasswordfuzzpassword",
    .fingerprint_algo = "sha-256",
    .fingerprint = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF",
    .candidates = candidates,
    .candidate_count = 1,
    .end_of_candidates = true,
};

static void
answer_offer(enum sfu_codec_id room_video)
{
    struct sfu_sdp_error err;
    size_t len;

    if (sfu_negotiate_read_offer(&parsed, room_video, SFU_CODEC_VIDEO_MASK, &decided, &err) != 0) {
        return;
    }
    sfu_negotiate_publish_answer(&parsed, &decided, &local, "1", 1, &built);
    if (sfu_sdp_write(&built, text, sizeof(text), &len, &err) != SFU_SDP_OK
        || sfu_sdp_parse(&again, text, len, &err) != SFU_SDP_OK || sfu_sdp_check(&again, &err) != SFU_SDP_OK)
    {
        abort();
    }
}

static void
read_answer(void)
{
    struct sfu_sub_media offered[2];
    struct sfu_sub_accepted acc[2];
    struct sfu_remote_transport remote;
    struct sfu_sdp_error err;

    memset(offered, 0, sizeof(offered));
    strcpy(offered[0].mid, "0");
    offered[0].kind = SFU_SDP_AUDIO;
    offered[0].codec = (struct sfu_codec){ .id = SFU_CODEC_OPUS, .pt = 111, .clock_rate = 48000, .channels = 2 };
    strcpy(offered[1].mid, "1");
    offered[1].kind = SFU_SDP_VIDEO;
    offered[1].codec = (struct sfu_codec){ .id = SFU_CODEC_VP8, .pt = 96, .has_rtx = true, .rtx_pt = 97,
                                           .clock_rate = 90000, .feedback = SFU_FB_NACK | SFU_FB_PLI };
    sfu_negotiate_read_answer(&parsed, offered, 2, acc, &remote, &err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sfu_sdp_error err;

    if (sfu_sdp_parse(&parsed, (const char *)data, size, &err) != SFU_SDP_OK
        || sfu_sdp_check(&parsed, &err) != SFU_SDP_OK)
    {
        return 0;
    }
    answer_offer(SFU_CODEC_NONE);
    answer_offer(SFU_CODEC_H264);
    read_answer();
    return 0;
}
