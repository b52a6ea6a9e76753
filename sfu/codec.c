/*
 * codec: recognising the codecs the SFU forwards in SDP, choosing the one a
 * publisher's m-line is answered with, and writing a negotiated codec back
 * into SDP; see codec.h.
 */
#include "codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The room's preference among video codecs; VP8 and H264 are mandatory to implement (RFC 7742). */
static const enum sfu_codec_id video_preference[] = { SFU_CODEC_VP8, SFU_CODEC_H264, SFU_CODEC_VP9 };

static const char *const codec_names[] = {
    [SFU_CODEC_NONE] = "",
    [SFU_CODEC_OPUS] = "opus",
    [SFU_CODEC_VP8] = "VP8",
    [SFU_CODEC_H264] = "H264",
    [SFU_CODEC_VP9] = "VP9",
};

/* Feedback strings as written in a=rtcp-fb, indexed by bit. */
static const char *const feedback_names[] = { "nack", "nack pli", "ccm fir", "goog-remb" };

const char *
sfu_codec_name(enum sfu_codec_id id)
{
    return codec_names[id];
}

static bool
str_is_nocase(struct sfu_sdp_str s, const char *cstr)
{
    return s.len == strlen(cstr) && strncasecmp(s.p, cstr, s.len) == 0;
}

/* profile-level-id's first byte; 0x42 (baseline) when absent, as RFC 6184 8.1 says. */
static unsigned
h264_profile_rank(const struct sfu_sdp_codec *c)
{
    const struct sfu_sdp_str *plid = sfu_sdp_codec_param(c, "profile-level-id");
    char text[7];
    unsigned long v;

    if (plid == NULL) {
        return 1;
    }
    if (plid->len != 6) {
        return 3;
    }
    memcpy(text, plid->p, 6);
    text[6] = '\0';
    v = strtoul(text, NULL, 16);
    if (v >> 16 != 0x42) {
        return 2;
    }
    /* constraint_set1_flag makes baseline "constrained baseline", which every decoder takes. */
    return (v >> 8 & 0x40) ? 0 : 1;
}

enum sfu_codec_id
sfu_codec_identify(const struct sfu_sdp_codec *c)
{
    uint32_t v;

    if (str_is_nocase(c->name, "opus")) {
        return c->clock_rate == 48000 && c->channels == 2 ? SFU_CODEC_OPUS : SFU_CODEC_NONE;
    }
    if (c->clock_rate != 90000) {
        return SFU_CODEC_NONE;
    }
    if (str_is_nocase(c->name, "VP8")) {
        return SFU_CODEC_VP8;
    }
    if (str_is_nocase(c->name, "VP9")) {
        /* Profile 0 (8-bit 4:2:0) is the one every VP9 decoder has. */
        return !sfu_sdp_codec_param_uint(c, "profile-id", &v) || v == 0 ? SFU_CODEC_VP9 : SFU_CODEC_NONE;
    }
    if (str_is_nocase(c->name, "H264")) {
        /* Mode 0 allows no fragmentation; browsers send mode 1. */
        return sfu_sdp_codec_param_uint(c, "packetization-mode", &v) && v == 1
            && h264_profile_rank(c) < 3 ? SFU_CODEC_H264 : SFU_CODEC_NONE;
    }
    return SFU_CODEC_NONE;
}

unsigned
sfu_codec_offered(const struct sfu_sdp_media *m)
{
    unsigned mask = 0, i;

    for (i = 0; i < m->codec_count; i++) {
        mask |= SFU_CODEC_BIT(sfu_codec_identify(&m->codecs[i]));
    }
    return mask & ~SFU_CODEC_BIT(SFU_CODEC_NONE);
}

enum sfu_codec_id
sfu_codec_choose_video(unsigned offered, unsigned decodable)
{
    size_t i;

    for (i = 0; i < sizeof(video_preference) / sizeof(video_preference[0]); i++) {
        if (offered & decodable & SFU_CODEC_BIT(video_preference[i])) {
            return video_preference[i];
        }
    }
    for (i = 0; i < sizeof(video_preference) / sizeof(video_preference[0]); i++) {
        if (offered & SFU_CODEC_BIT(video_preference[i])) {
            return video_preference[i];
        }
    }
    return SFU_CODEC_NONE;
}

static const struct sfu_sdp_codec *
find_rtx(const struct sfu_sdp_media *m, uint8_t pt)
{
    uint32_t apt;
    unsigned i;

    for (i = 0; i < m->codec_count; i++) {
        if (str_is_nocase(m->codecs[i].name, "rtx") && m->codecs[i].clock_rate == 90000
            && sfu_sdp_codec_param_uint(&m->codecs[i], "apt", &apt) && apt == pt)
        {
            return &m->codecs[i];
        }
    }
    return NULL;
}

/* The fmtp text of c, rebuilt from its parameters; false when it does not fit. */
static bool
copy_fmtp(const struct sfu_sdp_codec *c, char *out, size_t size)
{
    size_t len = 0;
    unsigned i;
    int n;

    out[0] = '\0';
    for (i = 0; i < c->param_count; i++) {
        const struct sfu_sdp_param *p = &c->params[i];

        n = snprintf(out + len, size - len, "%s%.*s%s%.*s", i ? ";" : "", (int)p->key.len, p->key.p,
            p->key.len ? "=" : "", (int)p->value.len, p->value.p);
        if (n < 0 || (size_t)n >= size - len) {
            return false;
        }
        len += (size_t)n;
    }
    return true;
}

unsigned
sfu_codec_feedback(const struct sfu_sdp_codec *c)
{
    unsigned fb = 0, i;

    for (i = 0; i < sizeof(feedback_names) / sizeof(feedback_names[0]); i++) {
        if (sfu_sdp_codec_has_rtcp_fb(c, feedback_names[i])) {
            fb |= 1u << i;
        }
    }
    return fb;
}

bool
sfu_codec_select(const struct sfu_sdp_media *m, enum sfu_codec_id id, struct sfu_codec *out)
{
    const struct sfu_sdp_codec *best = NULL, *rtx;
    unsigned i;

    for (i = 0; i < m->codec_count; i++) {
        const struct sfu_sdp_codec *c = &m->codecs[i];

        if (sfu_codec_identify(c) != id) {
            continue;
        }
        if (best == NULL || (id == SFU_CODEC_H264 && h264_profile_rank(c) < h264_profile_rank(best))) {
            best = c;
        }
    }
    if (best == NULL) {
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->id = id;
    out->pt = best->payload_type;
    out->clock_rate = best->clock_rate;
    out->channels = best->channels;
    if (!copy_fmtp(best, out->fmtp, sizeof(out->fmtp))) {
        return false;
    }
    /* Audio gets no feedback: Opus conceals loss better than a retransmission arrives. */
    /* The SFU estimates no publisher's uplink: it sends publishers no REMB. */
    out->feedback = id == SFU_CODEC_OPUS ? 0 : sfu_codec_feedback(best) & ~(unsigned)SFU_FB_REMB;
    rtx = (out->feedback & SFU_FB_NACK) ? find_rtx(m, best->payload_type) : NULL;
    if (rtx != NULL) {
        out->has_rtx = true;
        out->rtx_pt = rtx->payload_type;
    }
    return true;
}

/* Decimal text of every payload type, for the apt= views of rtx codecs. */
static const char *
pt_text(uint8_t pt)
{
    static char text[128][4];

    if (text[pt][0] == '\0') {
        snprintf(text[pt], sizeof(text[pt]), "%u", pt);
    }
    return text[pt];
}

static void
split_fmtp(const char *fmtp, struct sfu_sdp_codec *out)
{
    struct sfu_sdp_str rest = sfu_sdp_str_from(fmtp), item;
    const char *semi, *eq;

    while (rest.len > 0 && out->param_count < SFU_SDP_MAX_FMTP_PARAMS) {
        semi = memchr(rest.p, ';', rest.len);
        item.p = rest.p;
        item.len = semi ? (size_t)(semi - rest.p) : rest.len;
        rest.p += item.len + (semi ? 1 : 0);
        rest.len -= item.len + (semi ? 1 : 0);
        eq = memchr(item.p, '=', item.len);
        if (eq == NULL) {
            out->params[out->param_count].key = (struct sfu_sdp_str){ NULL, 0 };
            out->params[out->param_count++].value = item;
        } else {
            out->params[out->param_count].key = (struct sfu_sdp_str){ item.p, (size_t)(eq - item.p) };
            out->params[out->param_count++].value =
                (struct sfu_sdp_str){ eq + 1, item.len - (size_t)(eq - item.p) - 1 };
        }
    }
}

unsigned
sfu_codec_to_sdp(const struct sfu_codec *c, struct sfu_sdp_codec *media, struct sfu_sdp_codec *rtx)
{
    unsigned i;

    memset(media, 0, sizeof(*media));
    media->payload_type = c->pt;
    media->name = sfu_sdp_str_from(codec_names[c->id]);
    media->clock_rate = c->clock_rate;
    media->channels = c->channels;
    split_fmtp(c->fmtp, media);
    for (i = 0; i < sizeof(feedback_names) / sizeof(feedback_names[0]); i++) {
        if (c->feedback & (1u << i)) {
            media->rtcp_fb[media->rtcp_fb_count++] = sfu_sdp_str_from(feedback_names[i]);
        }
    }
    if (!c->has_rtx) {
        return 1;
    }
    memset(rtx, 0, sizeof(*rtx));
    rtx->payload_type = c->rtx_pt;
    rtx->name = sfu_sdp_str_from("rtx");
    rtx->clock_rate = c->clock_rate;
    rtx->param_count = 1;
    rtx->params[0].key = sfu_sdp_str_from("apt");
    rtx->params[0].value = sfu_sdp_str_from(pt_text(c->pt));
    return 2;
}

bool
sfu_codec_same_config(const struct sfu_codec *a, const struct sfu_codec *b)
{
    return a->id == b->id && a->clock_rate == b->clock_rate && a->channels == b->channels
        && strcmp(a->fmtp, b->fmtp) == 0;
}
