/*
 * negotiate: the publish side, reading a client's offer into decisions and
 * answering it, and what both sides share: copying the client's transport
 * out of its SDP and writing the SFU's own into the SDP it builds.
 * See negotiate.h; the subscribe side is in negotiate_subscribe.c.
 */
#include "negotiate.h"
#include "negotiate_internal.h"

#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Storage the built answer points into; the caller writes it before the next build. */
static struct sfu_sdp_codec answer_codecs[SFU_SDP_MAX_MEDIA][2];
static struct sfu_sdp_extmap answer_extmaps[SFU_SDP_MAX_MEDIA][5];
static struct sfu_sdp_candidate local_candidates[SFU_SDP_MAX_CANDIDATES];
static struct sfu_sdp_session scratch_parsed, scratch_built;
static char scratch_text[2 * SFU_SDP_MAX_SIZE];

struct sfu_sdp_session *
sfu_negotiate_parsed(void)
{
    return &scratch_parsed;
}

struct sfu_sdp_session *
sfu_negotiate_built(void)
{
    return &scratch_built;
}

const char *
sfu_negotiate_text(const struct sfu_sdp_session *s, struct sfu_sdp_error *err)
{
    size_t len;

    return sfu_sdp_write(s, scratch_text, sizeof(scratch_text), &len, err) == SFU_SDP_OK ? scratch_text : NULL;
}

void
sfu_negotiate_session_id(char *buf, size_t size)
{
    snprintf(buf, size, "%u%09u", (unsigned)g_random_int_range(1, 999999999),
             (unsigned)g_random_int_range(0, 999999999));
}

int
sfu_negotiate_fail(struct sfu_sdp_error *err, const char *fmt, const char *arg)
{
    memset(err, 0, sizeof(*err));
    err->code = SFU_SDP_EINVAL;
    snprintf(err->message, sizeof(err->message), fmt, arg);
    return -1;
}

bool
sfu_negotiate_copy(char *dst, size_t size, struct sfu_sdp_str s)
{
    if (s.len >= size) {
        return false;
    }
    memcpy(dst, s.p, s.len);
    dst[s.len] = '\0';
    return true;
}

int
sfu_negotiate_copy_remote(const struct sfu_sdp_session *s, const struct sfu_sdp_media *m,
    struct sfu_remote_transport *remote, struct sfu_sdp_error *err)
{
    struct sfu_sdp_transport t;

    sfu_sdp_media_transport(s, m, &t);
    if (t.ice_ufrag.len == 0 || t.ice_pwd.len == 0 || t.fingerprint.len == 0) {
        return sfu_negotiate_fail(err, "%s", "no ICE credentials or DTLS fingerprint");
    }
    if (!sfu_negotiate_copy(remote->ice_ufrag, sizeof(remote->ice_ufrag), t.ice_ufrag)
        || !sfu_negotiate_copy(remote->ice_pwd, sizeof(remote->ice_pwd), t.ice_pwd)
        || !sfu_negotiate_copy(remote->fingerprint_algo, sizeof(remote->fingerprint_algo), t.fingerprint_algo)
        || !sfu_negotiate_copy(remote->fingerprint, sizeof(remote->fingerprint), t.fingerprint))
    {
        return sfu_negotiate_fail(err, "%s", "ICE credentials or DTLS fingerprint too long");
    }
    remote->setup = t.setup;
    return 0;
}

static void
put_credentials(const struct sfu_local_transport *local, enum sfu_sdp_setup setup, struct sfu_sdp_media *m)
{
    m->transport.ice_ufrag = sfu_sdp_str_from(local->ice_ufrag);
    m->transport.ice_pwd = sfu_sdp_str_from(local->ice_pwd);
    m->transport.ice_options = sfu_sdp_str_from("trickle");
    m->transport.fingerprint_algo = sfu_sdp_str_from(local->fingerprint_algo);
    m->transport.fingerprint = sfu_sdp_str_from(local->fingerprint);
    m->transport.setup = setup;
}

/* Candidates go on the first m-line only: every m-line shares its transport. */
void
sfu_negotiate_put_local(const struct sfu_local_transport *local, enum sfu_sdp_setup setup, bool first,
    struct sfu_sdp_media *m)
{
    struct sfu_sdp_error err;
    unsigned i;

    put_credentials(local, setup, m);
    m->rtcp_mux = true;
    if (!first) {
        return;
    }
    m->candidates = local_candidates;
    m->candidate_count = 0;
    for (i = 0; i < local->candidate_count && i < SFU_SDP_MAX_CANDIDATES; i++) {
        /* The transport wrote them; one it cannot have written is left out rather than sent broken. */
        if (sfu_sdp_parse_candidate(&local_candidates[m->candidate_count], local->candidates[i],
                strlen(local->candidates[i]), &err) == SFU_SDP_OK)
        {
            m->candidate_count++;
        }
    }
    m->end_of_candidates = local->end_of_candidates;
}

void
sfu_negotiate_put_origin(struct sfu_sdp_session *s, const char *session_id, uint64_t version)
{
    memset(s, 0, offsetof(struct sfu_sdp_session, codec_pool));
    s->origin.session_id = sfu_sdp_str_from(session_id);
    s->origin.session_version = version;
    s->origin.address = sfu_sdp_str_from("127.0.0.1");
}

static bool
is_rtp_media(const struct sfu_sdp_media *m)
{
    return (m->kind == SFU_SDP_AUDIO || m->kind == SFU_SDP_VIDEO) && m->proto.len >= 9
        && memcmp(m->proto.p + m->proto.len - 9, "RTP/SAVPF", 9) == 0;
}

static bool
mid_is_token(struct sfu_sdp_str mid)
{
    size_t i;

    for (i = 0; i < mid.len; i++) {
        if (mid.p[i] <= 0x20 || mid.p[i] >= 0x7F || mid.p[i] == '"' || mid.p[i] == '\\') {
            return false;
        }
    }
    return mid.len > 0;
}

uint8_t
sfu_negotiate_ext_id(const struct sfu_sdp_media *m, const char *uri)
{
    const struct sfu_sdp_extmap *e = sfu_sdp_extmap_by_uri(m, uri);

    return e != NULL && e->direction != SFU_SDP_EXT_INACTIVE && e->direction != SFU_SDP_EXT_RECVONLY ? e->id : 0;
}

/* The media SSRC and its retransmission SSRC: from a FID group when there is one. */
static void
read_ssrcs(const struct sfu_sdp_media *m, struct sfu_pub_media *pm)
{
    unsigned i;

    for (i = 0; i < m->ssrc_group_count; i++) {
        if (sfu_sdp_str_is(m->ssrc_groups[i].semantics, "FID") && m->ssrc_groups[i].ssrc_count == 2) {
            pm->ssrc = m->ssrc_groups[i].ssrcs[0];
            pm->rtx_ssrc = pm->codec.has_rtx ? m->ssrc_groups[i].ssrcs[1] : 0;
            return;
        }
    }
    /* Simulcast (SIM) lists its lowest layer first; without FID the first a=ssrc is the media. */
    for (i = 0; i < m->ssrc_group_count; i++) {
        if (sfu_sdp_str_is(m->ssrc_groups[i].semantics, "SIM") && m->ssrc_groups[i].ssrc_count > 0) {
            pm->ssrc = m->ssrc_groups[i].ssrcs[0];
            return;
        }
    }
    if (m->ssrc_count > 0) {
        pm->ssrc = m->ssrcs[0].ssrc;
    }
}

/* The codec of a video m-line: the room's, or the one this offer gives the room. */
static bool
pick_video(const struct sfu_sdp_media *m, enum sfu_codec_id room_video, unsigned decodable,
    struct sfu_pub_offer *out, struct sfu_pub_media *pm)
{
    enum sfu_codec_id id = room_video != SFU_CODEC_NONE ? room_video : out->video_codec;

    if (id == SFU_CODEC_NONE) {
        id = sfu_codec_choose_video(sfu_codec_offered(m), decodable);
        if (id != SFU_CODEC_NONE && pm->sending) {
            out->video_codec = id;
        }
    }
    return id != SFU_CODEC_NONE && sfu_codec_select(m, id, &pm->codec);
}

static const struct sfu_sdp_group *
first_bundle(const struct sfu_sdp_session *s)
{
    unsigned i;

    for (i = 0; i < s->group_count; i++) {
        if (sfu_sdp_str_is(s->groups[i].semantics, "BUNDLE")) {
            return &s->groups[i];
        }
    }
    return NULL;
}

static void
decide_media(const struct sfu_sdp_session *s, const struct sfu_sdp_media *m, enum sfu_codec_id room_video,
    unsigned decodable, unsigned *accepted, unsigned *tracks, struct sfu_pub_offer *out, struct sfu_pub_media *pm)
{
    const struct sfu_sdp_group *bundle = first_bundle(s);

    pm->kind = m->kind;
    pm->sending = m->direction == SFU_SDP_SENDRECV || m->direction == SFU_SDP_SENDONLY;
    if (sfu_sdp_media_rejected(m)) {
        pm->verdict = SFU_PUB_REJECTED_BY_CLIENT;
    } else if (!is_rtp_media(m)) {
        pm->verdict = SFU_PUB_NOT_MEDIA;
    } else if (!m->rtcp_mux || (bundle != NULL ? sfu_sdp_bundle_group(s, m->mid) != bundle : *accepted > 0)) {
        /* One ICE component for everything: unbundled m-lines would need transports of their own. */
        pm->verdict = SFU_PUB_NOT_BUNDLED;
    } else if (m->kind == SFU_SDP_AUDIO ? !sfu_codec_select(m, SFU_CODEC_OPUS, &pm->codec)
                                        : !pick_video(m, room_video, decodable, out, pm)) {
        pm->verdict = SFU_PUB_NO_CODEC;
    } else if (pm->sending && *tracks >= SFU_PUBLISH_MAX_TRACKS) {
        pm->verdict = SFU_PUB_TOO_MANY;
    } else {
        pm->verdict = SFU_PUB_ACCEPTED;
    }
    if (pm->verdict != SFU_PUB_ACCEPTED) {
        pm->sending = false;
        return;
    }
    (*accepted)++;
    if (pm->sending) {
        (*tracks)++;
    }
    read_ssrcs(m, pm);
    pm->ext_mid = sfu_negotiate_ext_id(m, SFU_EXT_MID);
    if (m->kind == SFU_SDP_AUDIO) {
        pm->ext_audio_level = sfu_negotiate_ext_id(m, SFU_EXT_AUDIO_LEVEL);
    } else {
        pm->ext_video_orientation = sfu_negotiate_ext_id(m, SFU_EXT_VIDEO_ORIENTATION);
        sfu_negotiate_read_simulcast(m, pm);
    }
}

int
sfu_negotiate_read_offer(const struct sfu_sdp_session *offer, enum sfu_codec_id room_video, unsigned decodable,
    struct sfu_pub_offer *out, struct sfu_sdp_error *err)
{
    const struct sfu_sdp_media *m, *owner = NULL;
    const struct sfu_sdp_group *g;
    unsigned i, accepted = 0, tracks = 0;

    memset(out, 0, sizeof(*out));
    out->media_count = offer->media_count;
    for (i = 0; i < offer->media_count; i++) {
        m = &offer->media[i];
        if (!mid_is_token(m->mid) || !sfu_negotiate_copy(out->media[i].mid, sizeof(out->media[i].mid), m->mid)) {
            char which[16];

            snprintf(which, sizeof(which), "%u", i);
            return sfu_negotiate_fail(err, "m-line %s needs an a=mid of 1 to 32 printable characters", which);
        }
        if (m->kind == SFU_SDP_VIDEO) {
            out->video_decodable |= sfu_codec_offered(m);
        }
    }
    for (i = 0; i < offer->media_count; i++) {
        decide_media(offer, &offer->media[i], room_video, decodable, &accepted, &tracks, out, &out->media[i]);
        if (owner == NULL && out->media[i].verdict == SFU_PUB_ACCEPTED) {
            g = sfu_sdp_bundle_group(offer, offer->media[i].mid);
            /* The offerer-tagged m-line carries the BUNDLE transport, even when the SFU rejects it. */
            owner = g != NULL ? sfu_sdp_media_by_mid(offer, g->mids[0]) : &offer->media[i];
        }
    }
    if (owner == NULL) {
        return 0;
    }
    if (sfu_negotiate_copy_remote(offer, owner, &out->remote, err) < 0) {
        return -1;
    }
    /* RFC 8842: the answerer takes the active role unless the offerer did. */
    out->remote.dtls_client = out->remote.setup != SFU_SDP_SETUP_ACTIVE;
    return 0;
}

/* A rejected m-line keeps its kind, protocol, mid and one format, as JSEP asks. */
static void
put_rejected(const struct sfu_sdp_media *m, struct sfu_sdp_codec *codec, struct sfu_sdp_media *a)
{
    a->kind = m->kind;
    a->kind_name = m->kind_name;
    a->proto = m->proto;
    a->mid = m->mid;
    a->direction = SFU_SDP_INACTIVE;
    if (m->codec_count == 0) {
        a->fmt = m->fmt.len > 0 ? m->fmt : sfu_sdp_str_from("0");
        return;
    }
    memset(codec, 0, sizeof(*codec));
    codec->payload_type = m->codecs[0].payload_type;
    codec->name = m->codecs[0].name;
    codec->clock_rate = m->codecs[0].clock_rate;
    codec->channels = m->codecs[0].channels;
    a->codecs = codec;
    a->codec_count = 1;
}

static void
put_extmaps(const struct sfu_pub_media *pm, struct sfu_sdp_extmap *ext, struct sfu_sdp_media *a)
{
    const struct { uint8_t id; const char *uri; } want[] = {
        { pm->ext_mid, SFU_EXT_MID },
        { pm->ext_audio_level, SFU_EXT_AUDIO_LEVEL },
        { pm->ext_video_orientation, SFU_EXT_VIDEO_ORIENTATION },
        { pm->ext_rid, SFU_EXT_RID },
        { pm->ext_repaired_rid, SFU_EXT_REPAIRED_RID },
    };
    size_t i;

    a->extmaps = ext;
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (want[i].id != 0) {
            memset(&ext[a->extmap_count], 0, sizeof(*ext));
            ext[a->extmap_count].id = want[i].id;
            ext[a->extmap_count++].uri = sfu_sdp_str_from(want[i].uri);
        }
    }
}

void
sfu_negotiate_publish_answer(const struct sfu_sdp_session *offer, const struct sfu_pub_offer *decided,
    const struct sfu_local_transport *local, const char *session_id, uint64_t version,
    struct sfu_sdp_session *answer)
{
    enum sfu_sdp_setup setup = decided->remote.dtls_client ? SFU_SDP_SETUP_ACTIVE : SFU_SDP_SETUP_PASSIVE;
    const struct sfu_pub_media *pm;
    const struct sfu_sdp_media *m;
    struct sfu_sdp_media *a;
    struct sfu_sdp_group *bundle = NULL;
    unsigned i;
    bool first = true;

    sfu_negotiate_put_origin(answer, session_id, version);
    answer->media_count = decided->media_count;
    for (i = 0; i < decided->media_count; i++) {
        m = &offer->media[i];
        pm = &decided->media[i];
        a = &answer->media[i];
        if (pm->verdict != SFU_PUB_ACCEPTED) {
            put_rejected(m, &answer_codecs[i][0], a);
            /*
             * As browsers write them: GStreamer's webrtcbin refuses an
             * answer with any m-line, rejected or not, lacking ICE
             * credentials or a fingerprint.
             */
            if (local->ice_ufrag != NULL) {
                put_credentials(local, setup, a);
            }
            continue;
        }
        if (bundle == NULL) {
            bundle = &answer->groups[answer->group_count++];
            bundle->semantics = sfu_sdp_str_from("BUNDLE");
        }
        bundle->mids[bundle->mid_count++] = m->mid;
        a->kind = m->kind;
        a->port = 9;
        a->proto = m->proto;
        a->mid = m->mid;
        a->direction = pm->sending ? SFU_SDP_RECVONLY : SFU_SDP_INACTIVE;
        a->rtcp_rsize = m->rtcp_rsize;
        a->codecs = answer_codecs[i];
        a->codec_count = sfu_codec_to_sdp(&pm->codec, &answer_codecs[i][0], &answer_codecs[i][1]);
        put_extmaps(pm, answer_extmaps[i], a);
        sfu_negotiate_put_simulcast(pm, a);
        sfu_negotiate_put_local(local, setup, first, a);
        first = false;
    }
}
