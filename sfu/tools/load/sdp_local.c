/*
 * sdp_local: sfu-load's SDP (see sdp_local.h).  One session struct serves
 * every call (sfu-load is single-threaded and the struct is large).
 */

#include "sdp_local.h"

#include "sdp.h"
#include "transport.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static struct sfu_sdp_session scratch;

static void
copy_str(char *dst, size_t size, struct sfu_sdp_str s)
{
    size_t n = s.len < size - 1 ? s.len : size - 1;

    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static void
set_local_transport(struct sfu_sdp_transport *t, const load_sdp_ice_t *ice,
                    enum sfu_sdp_setup setup)
{
    memset(t, 0, sizeof(*t));
    t->ice_ufrag = sfu_sdp_str_from(ice->ufrag);
    t->ice_pwd = sfu_sdp_str_from(ice->pwd);
    t->ice_options = sfu_sdp_str_from("trickle");
    t->fingerprint_algo = sfu_sdp_str_from(sfu_transport_fingerprint_algo());
    t->fingerprint = sfu_sdp_str_from(sfu_transport_fingerprint());
    t->setup = setup;
}

static int
write_session(const struct sfu_sdp_session *s, char *buf, size_t size,
              char *err, size_t err_size)
{
    struct sfu_sdp_error e;
    size_t               len;

    if (sfu_sdp_write(s, buf, size, &len, &e) != SFU_SDP_OK) {
        snprintf(err, err_size, "writing SDP: %s", e.message);
        return -1;
    }
    return 0;
}

/* --- the publish offer */

static struct sfu_sdp_codec offer_opus = {
    .payload_type = LOAD_PT_OPUS, .clock_rate = 48000, .channels = 2,
    .param_count = 2,
};
static struct sfu_sdp_codec offer_vp8 = {
    .payload_type = LOAD_PT_VP8, .clock_rate = 90000, .rtcp_fb_count = 2,
};
static struct sfu_sdp_extmap offer_exts[2];

static void
init_offer_codecs(void)
{
    offer_opus.name = sfu_sdp_str_from("opus");
    offer_opus.params[0].key = sfu_sdp_str_from("minptime");
    offer_opus.params[0].value = sfu_sdp_str_from("10");
    offer_opus.params[1].key = sfu_sdp_str_from("useinbandfec");
    offer_opus.params[1].value = sfu_sdp_str_from("1");
    offer_vp8.name = sfu_sdp_str_from("VP8");
    offer_vp8.rtcp_fb[0] = sfu_sdp_str_from("nack pli");
    offer_vp8.rtcp_fb[1] = sfu_sdp_str_from("ccm fir");
    offer_exts[0].id = LOAD_EXT_MID;
    offer_exts[0].uri = sfu_sdp_str_from("urn:ietf:params:rtp-hdrext:sdes:mid");
    offer_exts[1].id = LOAD_EXT_RID;
    offer_exts[1].uri = sfu_sdp_str_from("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
}

static void
offer_media(struct sfu_sdp_media *media, enum sfu_sdp_kind kind,
            const char *mid, struct sfu_sdp_codec *codec,
            struct sfu_sdp_ssrc *ssrc, bool simulcast,
            const load_sdp_ice_t *ice)
{
    media->kind = kind;
    media->port = 9;
    media->proto = sfu_sdp_str_from("UDP/TLS/RTP/SAVPF");
    media->mid = sfu_sdp_str_from(mid);
    media->direction = SFU_SDP_SENDONLY;
    media->rtcp_mux = true;
    media->rtcp_rsize = true;
    media->codecs = codec;
    media->codec_count = 1;
    set_local_transport(&media->transport, ice, SFU_SDP_SETUP_ACTPASS);
    if (simulcast) {
        media->extmaps = offer_exts;
        media->extmap_count = 2;
    }
    if (ssrc != NULL) {
        media->ssrcs = ssrc;
        media->ssrc_count = 1;
        media->msid_stream = ssrc->msid_stream;
        media->msid_track = ssrc->msid_track;
    }
}

int
load_sdp_publish_offer(const load_media_t *m, const char *cname,
                       const load_sdp_ice_t *ice, char *buf, size_t size,
                       char *err, size_t err_size)
{
    static const char *const rids[LOAD_MEDIA_MAX_LAYERS] = { "h", "m", "l" };
    struct sfu_sdp_session  *s = &scratch;
    struct sfu_sdp_ssrc      ssrcs[2];
    struct sfu_sdp_media    *video;
    bool                     simulcast = m->layers > 1;

    if (offer_opus.name.len == 0) {
        init_offer_codecs();
    }
    memset(s, 0, sizeof(*s));
    memset(ssrcs, 0, sizeof(ssrcs));
    s->origin.session_id = sfu_sdp_str_from("1");
    s->origin.session_version = 1;
    s->msid_semantic = sfu_sdp_str_from("WMS *");
    s->group_count = 1;
    s->groups[0].semantics = sfu_sdp_str_from("BUNDLE");

    for (unsigned i = 0; i < 2; i++) {
        ssrcs[i].cname = sfu_sdp_str_from(cname);
        ssrcs[i].msid_stream = sfu_sdp_str_from(cname);
        ssrcs[i].msid_track = sfu_sdp_str_from(i == 0 ? "audio" : "video");
    }
    ssrcs[0].ssrc = m->audio.ssrc;
    ssrcs[1].ssrc = m->video[0].ssrc;

    offer_media(&s->media[0], SFU_SDP_AUDIO, "0", &offer_opus, &ssrcs[0],
                simulcast, ice);
    s->groups[0].mids[0] = s->media[0].mid;
    s->media_count = 1;
    if (m->layers > 0) {
        video = &s->media[1];
        offer_media(video, SFU_SDP_VIDEO, "1", &offer_vp8,
                    simulcast ? NULL : &ssrcs[1], simulcast, ice);
        if (simulcast) {
            /* RFC 8853: the layers by rid, the SSRCs learnt from packets */
            video->msid_stream = ssrcs[1].msid_stream;
            video->msid_track = ssrcs[1].msid_track;
            for (unsigned i = 0; i < m->layers; i++) {
                video->rids[i].id = sfu_sdp_str_from(rids[i]);
                video->rids[i].direction = SFU_SDP_RID_SEND;
                video->simulcast_send[i].rid = video->rids[i].id;
            }
            video->rid_count = m->layers;
            video->simulcast_send_count = m->layers;
        }
        s->groups[0].mids[1] = video->mid;
        s->media_count = 2;
    }
    s->groups[0].mid_count = s->media_count;
    return write_session(s, buf, size, err, err_size);
}

/* --- reading the SFU's SDP */

static int
parse(const char *sdp, char *err, size_t err_size)
{
    struct sfu_sdp_error e;

    if (sfu_sdp_parse(&scratch, sdp, strlen(sdp), &e) != SFU_SDP_OK
        || sfu_sdp_check(&scratch, &e) != SFU_SDP_OK)
    {
        snprintf(err, err_size, "the SFU's SDP: line %u: %s", e.line,
                 e.message);
        return -1;
    }
    return 0;
}

static int
read_remote(load_sdp_remote_t *out, char *err, size_t err_size)
{
    const struct sfu_sdp_session *s = &scratch;
    struct sfu_sdp_transport      t;
    bool                          found = false;

    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < s->media_count; i++) {
        const struct sfu_sdp_media *m = &s->media[i];

        for (unsigned k = 0; k < m->candidate_count
                             && out->candidate_count < LOAD_SDP_MAX_CANDIDATES; k++)
        {
            size_t len;

            if (sfu_sdp_write_candidate(&m->candidates[k],
                                        out->candidates[out->candidate_count],
                                        LOAD_SDP_TEXT_MAX, &len) == SFU_SDP_OK)
            {
                out->candidate_count++;
            }
        }
        out->end_of_candidates |= m->end_of_candidates;
        if (sfu_sdp_media_rejected(m)) {
            continue;
        }
        out->accepted++;
        if (m->kind == SFU_SDP_VIDEO) {
            out->video_accepted = true;
            out->simulcast_accepted |= m->simulcast_recv_count > 0;
        }
        if (found) {
            continue;
        }
        found = true;
        sfu_sdp_media_transport(s, m, &t);
        copy_str(out->ufrag, sizeof(out->ufrag), t.ice_ufrag);
        copy_str(out->pwd, sizeof(out->pwd), t.ice_pwd);
        copy_str(out->fingerprint_algo, sizeof(out->fingerprint_algo),
                 t.fingerprint_algo);
        copy_str(out->fingerprint, sizeof(out->fingerprint), t.fingerprint);
        copy_str(out->mid, sizeof(out->mid), m->mid);
        /* RFC 8842: actpass or passive lets us be the client */
        out->we_are_dtls_client = t.setup == SFU_SDP_SETUP_ACTPASS
                                  || t.setup == SFU_SDP_SETUP_PASSIVE;
    }
    if (!found) {
        snprintf(err, err_size, "the SFU's SDP has no m-line it accepts");
        return -1;
    }
    if (out->ufrag[0] == '\0' || out->pwd[0] == '\0'
        || out->fingerprint[0] == '\0')
    {
        snprintf(err, err_size,
                 "the SFU's SDP lacks ICE credentials or a fingerprint");
        return -1;
    }
    return 0;
}

int
load_sdp_read_answer(const char *sdp, load_sdp_remote_t *out, char *err,
                     size_t err_size)
{
    if (parse(sdp, err, err_size) != 0) {
        return -1;
    }
    return read_remote(out, err, err_size);
}

/* --- the subscribe answer */

static bool
receivable(const struct sfu_sdp_codec *c)
{
    return sfu_sdp_str_is(c->name, "opus") || sfu_sdp_str_is(c->name, "VP8")
           || sfu_sdp_str_is(c->name, "vp8");
}

static void
reject(struct sfu_sdp_media *m)
{
    m->port = 0;
    m->bundle_only = false;
    m->direction = SFU_SDP_INACTIVE;
    if (m->codec_count > 1) {
        m->codec_count = 1;
    }
    memset(&m->transport, 0, sizeof(m->transport));
}

static void
answer_media(struct sfu_sdp_media *m, const load_sdp_ice_t *ice)
{
    unsigned k;

    m->extmap_count = 0;
    m->ssrc_count = 0;
    m->ssrc_group_count = 0;
    m->candidate_count = 0;
    m->end_of_candidates = false;
    m->rid_count = 0;
    m->simulcast_send_count = 0;
    m->simulcast_recv_count = 0;
    m->msid_stream.len = 0;
    m->msid_track.len = 0;
    m->extmap_allow_mixed = false;

    if (sfu_sdp_media_rejected(m) || m->kind == SFU_SDP_APPLICATION
        || m->kind == SFU_SDP_OTHER_KIND)
    {
        reject(m);
        return;
    }
    for (k = 0; k < m->codec_count && !receivable(&m->codecs[k]); k++) {
        /* the first codec we take */
    }
    if (k == m->codec_count) {
        reject(m);
        return;
    }
    m->codecs[0] = m->codecs[k];
    m->codec_count = 1;
    m->port = 9;
    m->bundle_only = false;
    m->direction = m->direction == SFU_SDP_SENDONLY
                   || m->direction == SFU_SDP_SENDRECV
                   ? SFU_SDP_RECVONLY : SFU_SDP_INACTIVE;
    set_local_transport(&m->transport, ice, SFU_SDP_SETUP_ACTIVE);
}

int
load_sdp_subscribe_answer(const char *offer, const load_sdp_ice_t *ice,
                          load_sdp_remote_t *remote, char *buf, size_t size,
                          char *err, size_t err_size)
{
    struct sfu_sdp_session *s = &scratch;
    struct sfu_sdp_group    bundle;

    if (parse(offer, err, err_size) != 0
        || read_remote(remote, err, err_size) != 0)
    {
        return -1;
    }
    memset(&bundle, 0, sizeof(bundle));
    bundle.semantics = sfu_sdp_str_from("BUNDLE");
    for (unsigned i = 0; i < s->media_count; i++) {
        answer_media(&s->media[i], ice);
        if (!sfu_sdp_media_rejected(&s->media[i])) {
            bundle.mids[bundle.mid_count++] = s->media[i].mid;
        }
    }
    memset(&s->origin, 0, sizeof(s->origin));
    s->origin.session_id = sfu_sdp_str_from("2");
    s->origin.session_version = 1;
    memset(&s->transport, 0, sizeof(s->transport));
    s->ice_lite = false;
    s->extmap_allow_mixed = false;
    s->msid_semantic.len = 0;
    s->groups[0] = bundle;
    s->group_count = bundle.mid_count > 0 ? 1 : 0;
    return write_session(s, buf, size, err, err_size);
}
