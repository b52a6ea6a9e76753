/*
 * negotiate: the subscribe side, the SFU's offer of the room's tracks to one
 * participant and the reading of that participant's answer; see negotiate.h.
 */
#include "negotiate.h"
#include "negotiate_internal.h"

#include <string.h>

/* Storage the built offer points into; the caller writes it before the next build. */
static struct sfu_sdp_codec offer_codecs[SFU_SDP_MAX_MEDIA][2];
static struct sfu_sdp_extmap offer_extmaps[SFU_SDP_MAX_MEDIA];
static struct sfu_sdp_ssrc offer_ssrcs[SFU_SDP_MAX_MEDIA][2];
static struct sfu_sdp_ssrc_group offer_fid[SFU_SDP_MAX_MEDIA];

static void
put_ssrcs(const struct sfu_sub_media *sm, unsigned i, struct sfu_sdp_media *o)
{
    struct sfu_sdp_ssrc *s = offer_ssrcs[i];

    memset(s, 0, sizeof(offer_ssrcs[i]));
    o->ssrcs = s;
    o->ssrc_count = 1;
    s[0].ssrc = sm->ssrc;
    s[0].cname = sfu_sdp_str_from(sm->cname);
    s[0].msid_stream = o->msid_stream;
    s[0].msid_track = o->msid_track;
    if (sm->rtx_ssrc == 0) {
        return;
    }
    s[1] = s[0];
    s[1].ssrc = sm->rtx_ssrc;
    o->ssrc_count = 2;
    memset(&offer_fid[i], 0, sizeof(offer_fid[i]));
    offer_fid[i].semantics = sfu_sdp_str_from("FID");
    offer_fid[i].ssrcs[0] = sm->ssrc;
    offer_fid[i].ssrcs[1] = sm->rtx_ssrc;
    offer_fid[i].ssrc_count = 2;
    o->ssrc_groups = &offer_fid[i];
    o->ssrc_group_count = 1;
}

void
sfu_negotiate_subscribe_offer(const struct sfu_sub_media *media, unsigned count,
    const struct sfu_local_transport *local, const char *session_id, uint64_t version,
    struct sfu_sdp_session *out)
{
    struct sfu_sdp_group *bundle;
    struct sfu_sdp_extmap *ext;
    struct sfu_sdp_media *o;
    unsigned i;

    sfu_negotiate_put_origin(out, session_id, version);
    out->msid_semantic = sfu_sdp_str_from("WMS *");
    bundle = &out->groups[out->group_count++];
    bundle->semantics = sfu_sdp_str_from("BUNDLE");
    out->media_count = count;
    for (i = 0; i < count; i++) {
        const struct sfu_sub_media *sm = &media[i];

        o = &out->media[i];
        bundle->mids[bundle->mid_count++] = sfu_sdp_str_from(sm->mid);
        o->kind = sm->kind;
        o->port = 9;
        o->proto = sfu_sdp_str_from("UDP/TLS/RTP/SAVPF");
        o->mid = sfu_sdp_str_from(sm->mid);
        o->rtcp_rsize = true;
        o->codecs = offer_codecs[i];
        o->codec_count = sfu_codec_to_sdp(&sm->codec, &offer_codecs[i][0], &offer_codecs[i][1]);
        ext = &offer_extmaps[i];
        memset(ext, 0, sizeof(*ext));
        ext->id = sm->kind == SFU_SDP_AUDIO ? SFU_SUB_EXT_AUDIO_LEVEL : SFU_SUB_EXT_VIDEO_ORIENTATION;
        ext->uri = sfu_sdp_str_from(sm->kind == SFU_SDP_AUDIO ? SFU_EXT_AUDIO_LEVEL : SFU_EXT_VIDEO_ORIENTATION);
        o->extmaps = ext;
        o->extmap_count = 1;
        sfu_negotiate_put_local(local, SFU_SDP_SETUP_ACTPASS, i == 0, o);
        if (!sm->active) {
            o->direction = SFU_SDP_INACTIVE;
            continue;
        }
        o->direction = SFU_SDP_SENDONLY;
        o->msid_stream = sfu_sdp_str_from(sm->stream_id);
        o->msid_track = sfu_sdp_str_from(sm->track_id);
        put_ssrcs(sm, i, o);
    }
}

static void
read_media(const struct sfu_sdp_media *m, const struct sfu_sub_media *sm, struct sfu_sub_accepted *acc)
{
    const struct sfu_sdp_codec *c = sfu_sdp_codec_by_pt(m, sm->codec.pt);
    const struct sfu_sdp_extmap *e;

    memset(acc, 0, sizeof(*acc));
    /* An answer that drops our payload type, or maps it to another codec, cannot decode the track. */
    if (sfu_sdp_media_rejected(m) || c == NULL || sfu_codec_identify(c) != sm->codec.id) {
        return;
    }
    acc->accepted = true;
    acc->receiving = m->direction == SFU_SDP_RECVONLY || m->direction == SFU_SDP_SENDRECV;
    acc->rtx = sm->codec.has_rtx && sfu_sdp_codec_by_pt(m, sm->codec.rtx_pt) != NULL;
    acc->feedback = sfu_codec_feedback(c) & sm->codec.feedback;
    e = sfu_sdp_extmap_by_uri(m, SFU_EXT_AUDIO_LEVEL);
    acc->ext_audio_level = e != NULL && sm->kind == SFU_SDP_AUDIO ? e->id : 0;
    e = sfu_sdp_extmap_by_uri(m, SFU_EXT_VIDEO_ORIENTATION);
    acc->ext_video_orientation = e != NULL && sm->kind == SFU_SDP_VIDEO ? e->id : 0;
}

int
sfu_negotiate_read_answer(const struct sfu_sdp_session *answer, const struct sfu_sub_media *offered,
    unsigned count, struct sfu_sub_accepted *out, struct sfu_remote_transport *remote,
    struct sfu_sdp_error *err)
{
    const struct sfu_sdp_media *m, *owner = NULL;
    const struct sfu_sdp_group *g;
    unsigned i;

    if (answer->media_count != count) {
        return sfu_negotiate_fail(err, "%s", "the answer does not have the offer's m-lines");
    }
    for (i = 0; i < count; i++) {
        m = &answer->media[i];
        if (!sfu_sdp_str_is(m->mid, offered[i].mid) || m->kind != offered[i].kind) {
            return sfu_negotiate_fail(err, "the answer's m-lines do not match the offer's (mid %s)", offered[i].mid);
        }
        read_media(m, &offered[i], &out[i]);
        if (owner == NULL && out[i].accepted) {
            g = sfu_sdp_bundle_group(answer, m->mid);
            owner = g != NULL ? sfu_sdp_media_by_mid(answer, g->mids[0]) : m;
        }
    }
    memset(remote, 0, sizeof(*remote));
    if (owner == NULL) {
        return 0;
    }
    if (sfu_negotiate_copy_remote(answer, owner, remote, err) < 0) {
        return -1;
    }
    if (remote->setup == SFU_SDP_SETUP_ACTPASS || remote->setup == SFU_SDP_SETUP_HOLDCONN) {
        return sfu_negotiate_fail(err, "%s", "an answer's a=setup must be active or passive");
    }
    /* RFC 4145: no a=setup means active. */
    remote->dtls_client = remote->setup == SFU_SDP_SETUP_PASSIVE;
    return 0;
}
