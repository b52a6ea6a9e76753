/*
 * publisher: a participant's publish peer connection, its offers and
 * tracks, screen share, and the media it sends; see publisher.h.
 */
#include "publisher.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "room.h"
#include "rtcp_session.h"

static void publisher_gathered(struct sfu_participant *p);
static void publisher_connected(struct sfu_participant *p);
static void publisher_failed(struct sfu_participant *p);
static void publisher_rtp(struct sfu_participant *p, uint8_t *pkt, size_t len);
static void publisher_rtcp(struct sfu_participant *p, uint8_t *pkt, size_t len);

static const struct sfu_peer_events publisher_events = {
    .gathered = publisher_gathered,
    .connected = publisher_connected,
    .failed = publisher_failed,
    .rtp = publisher_rtp,
    .rtcp = publisher_rtcp,
};

void
sfu_publisher_init(struct sfu_publisher *pub)
{
    memset(pub, 0, sizeof(*pub));
    pub->tracks = g_ptr_array_new();
    pub->known_mids = g_ptr_array_new_with_free_func(g_free);
    sfu_negotiate_session_id(pub->session_id, sizeof(pub->session_id));
}

static struct sfu_track *
track_by_mid(const struct sfu_publisher *pub, const char *mid)
{
    guint i;

    for (i = 0; i < pub->tracks->len; i++) {
        struct sfu_track *t = g_ptr_array_index(pub->tracks, i);

        if (strcmp(t->mid, mid) == 0) {
            return t;
        }
    }
    return NULL;
}

struct sfu_track *
sfu_publisher_screen(const struct sfu_publisher *pub)
{
    guint i;

    for (i = 0; i < pub->tracks->len; i++) {
        struct sfu_track *t = g_ptr_array_index(pub->tracks, i);

        if (t->source == SFU_SOURCE_SCREEN) {
            return t;
        }
    }
    return NULL;
}

static void
remove_track(struct sfu_participant *p, struct sfu_track *t)
{
    sfu_room_track_removed(p, t);
    g_ptr_array_remove(p->pub.tracks, t);
    sfu_track_free(t);
}

static void
drop_waiting(struct sfu_publisher *pub)
{
    g_free(pub->waiting);
    g_free(pub->waiting_sdp);
    pub->waiting = NULL;
    pub->waiting_sdp = NULL;
}

void
sfu_publisher_clear(struct sfu_participant *p)
{
    struct sfu_publisher *pub = &p->pub;

    if (pub->tracks == NULL) {
        return;
    }
    while (pub->tracks->len > 0) {
        remove_track(p, g_ptr_array_index(pub->tracks, pub->tracks->len - 1));
    }
    g_ptr_array_free(pub->tracks, TRUE);
    g_ptr_array_free(pub->known_mids, TRUE);
    drop_waiting(pub);
    if (pub->peer != NULL) {
        sfu_peer_free(pub->peer);
    }
    memset(pub, 0, sizeof(*pub));
}

static void
send_keyframe_request(struct sfu_track *t, uint32_t ssrc, void *ctx)
{
    struct sfu_participant *p = ctx;
    uint8_t buf[64 + SFU_TRANSPORT_TRAILER];
    size_t len;

    if (p->pub.peer == NULL) {
        return;
    }
    len = sfu_rtcp_keyframe_request(p->pub.peer->rtcp_ssrc, t, ssrc, &p->pub.fir_seq, buf, sizeof(buf) - SFU_TRANSPORT_TRAILER);
    if (len > 0) {
        sfu_peer_send_rtcp(p->pub.peer, buf, len, sizeof(buf));
    }
}

static bool
known_mid(const struct sfu_publisher *pub, const char *mid)
{
    guint i;

    for (i = 0; i < pub->known_mids->len; i++) {
        if (strcmp(g_ptr_array_index(pub->known_mids, i), mid) == 0) {
            return true;
        }
    }
    return false;
}

static enum sfu_track_source
classify(const struct sfu_publisher *pub, const struct sfu_pub_media *m)
{
    if (m->kind == SFU_SDP_AUDIO) {
        return SFU_SOURCE_MICROPHONE;
    }
    if (pub->screen_wanted && (pub->screen_mid[0] != '\0' ? strcmp(pub->screen_mid, m->mid) == 0
                                                          : !known_mid(pub, m->mid)))
    {
        return SFU_SOURCE_SCREEN;
    }
    return SFU_SOURCE_CAMERA;
}

static void
publish(struct sfu_participant *p, const struct sfu_pub_media *m)
{
    struct sfu_publisher *pub = &p->pub;
    enum sfu_track_source source = classify(pub, m);
    struct sfu_track *t = sfu_track_new(p->id, m, source);

    if (t == NULL) {
        sfu_log_error("participant %s: out of memory for track %s", p->id, m->mid);
        return;
    }
    t->request_keyframe = send_keyframe_request;
    t->hook_ctx = p;
    g_ptr_array_add(pub->tracks, t);
    if (source == SFU_SOURCE_SCREEN) {
        pub->screen_wanted = false;
        snprintf(pub->screen_mid, sizeof(pub->screen_mid), "%s", m->mid);
    }
    sfu_log_info("participant %s: publishes %s %s (%s, mid %s)", p->id, sfu_track_source_name(source),
                 t->id, sfu_codec_name(t->codec.id), m->mid);
    sfu_room_track_added(p, t);
}

/* Tracks follow the offer: an m-line that starts sending publishes, one that stops unpublishes. */
static void
apply_offer(struct sfu_participant *p, const struct sfu_pub_offer *decided)
{
    struct sfu_publisher *pub = &p->pub;
    const struct sfu_pub_media *m;
    struct sfu_track *t;
    unsigned i;
    guint k;

    for (k = pub->tracks->len; k > 0; k--) {
        t = g_ptr_array_index(pub->tracks, k - 1);
        for (i = 0; i < decided->media_count && strcmp(decided->media[i].mid, t->mid) != 0; i++) {
        }
        if (i == decided->media_count) {
            remove_track(p, t);
        }
    }
    for (i = 0; i < decided->media_count; i++) {
        m = &decided->media[i];
        t = track_by_mid(pub, m->mid);
        if (t != NULL && (!m->sending || t->kind != m->kind)) {
            remove_track(p, t);
            t = NULL;
        }
        if (!m->sending) {
            if (strcmp(pub->screen_stopped, m->mid) == 0) {
                pub->screen_stopped[0] = '\0';
            }
        } else if (t != NULL) {
            sfu_track_update(t, m);
        } else if (strcmp(pub->screen_stopped, m->mid) != 0) {
            publish(p, m);
        }
        if (!known_mid(pub, m->mid)) {
            g_ptr_array_add(pub->known_mids, g_strdup(m->mid));
        }
    }
}

static void
report_refused(struct sfu_participant *p, const struct sfu_pub_offer *decided)
{
    char message[160];
    unsigned i;

    for (i = 0; i < decided->media_count; i++) {
        if (decided->media[i].verdict == SFU_PUB_NO_CODEC) {
            snprintf(message, sizeof(message), "m-line %s offers no codec the room can use (%s%s)",
                     decided->media[i].mid, decided->media[i].kind == SFU_SDP_AUDIO ? "audio is Opus" : "video is ",
                     decided->media[i].kind == SFU_SDP_AUDIO ? "" :
                     p->room->video_codec != SFU_CODEC_NONE ? sfu_codec_name(p->room->video_codec) : "VP8, H264 or VP9");
            sfu_room_error(p, "codec-unsupported", message);
        } else if (decided->media[i].verdict == SFU_PUB_TOO_MANY) {
            snprintf(message, sizeof(message), "m-line %s: at most %d tracks are published per participant",
                     decided->media[i].mid, SFU_PUBLISH_MAX_TRACKS);
            sfu_room_error(p, "too-many-tracks", message);
        }
    }
}

static void
send_answer(struct sfu_participant *p, const struct sfu_sdp_session *offer, const struct sfu_pub_offer *decided)
{
    struct sfu_publisher *pub = &p->pub;
    struct sfu_sdp_session *answer = sfu_negotiate_built();
    struct sfu_local_transport local;
    struct sfu_sdp_error err;
    const char *text;
    unsigned i;

    memset(&local, 0, sizeof(local));
    if (pub->peer != NULL) {
        sfu_peer_local(pub->peer, &local);
    }
    sfu_negotiate_publish_answer(offer, decided, &local, pub->session_id, ++pub->version, answer);
    text = sfu_negotiate_text(answer, &err);
    if (text == NULL) {
        sfu_log_error("participant %s: answer not written: %s", p->id, err.message);
        sfu_room_error(p, "internal", "the answer could not be written");
        return;
    }
    sfu_room_deliver(p, json_pack("{s:s, s:s}", "type", "answer", "sdp", text));
    for (i = 0; pub->peer != NULL && i < decided->media_count; i++) {
        if (decided->media[i].verdict == SFU_PUB_ACCEPTED) {
            sfu_peer_sdp_sent(pub->peer, decided->media[i].mid, i);
            break;
        }
    }
}

static bool
accepts_any(const struct sfu_pub_offer *decided)
{
    unsigned i;

    for (i = 0; i < decided->media_count; i++) {
        if (decided->media[i].verdict == SFU_PUB_ACCEPTED) {
            return true;
        }
    }
    return false;
}

/* Makes the transport on the first offer that needs one and gives it the client's side. */
static int
connect_peer(struct sfu_participant *p, const struct sfu_sdp_session *offer, const struct sfu_pub_offer *decided,
    struct sfu_msg_error *err)
{
    struct sfu_publisher *pub = &p->pub;
    bool made = false;

    if (pub->peer == NULL) {
        pub->peer = sfu_peer_new(p, SFU_PC_PUBLISH, &publisher_events);
        if (pub->peer == NULL) {
            return sfu_msg_refuse(err, "internal", "no transport for the publish connection");
        }
        made = true;
    }
    if (sfu_peer_set_remote(pub->peer, &decided->remote, offer) == 0) {
        return 0;
    }
    if (made) {
        sfu_peer_free(pub->peer);
        pub->peer = NULL;
    }
    return sfu_msg_refuse(err, "bad-sdp", "the DTLS fingerprint (%s) cannot be used, or it changed",
                  decided->remote.fingerprint_algo);
}

int
sfu_publisher_offer(struct sfu_participant *p, const char *sdp, size_t len, struct sfu_msg_error *err)
{
    struct sfu_publisher *pub = &p->pub;
    struct sfu_sdp_session *offer = sfu_negotiate_parsed();
    struct sfu_pub_offer *decided;
    struct sfu_sdp_error serr;

    if (pub->waiting != NULL) {
        return sfu_msg_refuse(err, "wrong-state", "the previous offer is still being answered");
    }
    if (sfu_sdp_parse(offer, sdp, len, &serr) != SFU_SDP_OK || sfu_sdp_check(offer, &serr) != SFU_SDP_OK) {
        return sfu_msg_refuse(err, "bad-sdp", "%s", serr.message);
    }
    decided = g_new(struct sfu_pub_offer, 1);
    if (sfu_negotiate_read_offer(offer, p->room->video_codec, sfu_room_decodable(p->room, p), decided, &serr) != 0) {
        g_free(decided);
        return sfu_msg_refuse(err, "bad-sdp", "%s", serr.message);
    }
    if (accepts_any(decided) && connect_peer(p, offer, decided, err) != 0) {
        g_free(decided);
        return -1;
    }
    if (decided->video_decodable != 0) {
        p->video_decodable = decided->video_decodable;
    }
    apply_offer(p, decided);
    report_refused(p, decided);
    if (pub->peer == NULL || !accepts_any(decided) || pub->peer->gathered) {
        /* apply_offer only built subscribe offers: the parsed offer is still here. */
        send_answer(p, offer, decided);
        g_free(decided);
        return 0;
    }
    pub->waiting = decided;
    pub->waiting_sdp = g_strndup(sdp, len);
    pub->waiting_len = len;
    return 0;
}

static void
publisher_gathered(struct sfu_participant *p)
{
    struct sfu_publisher *pub = &p->pub;
    struct sfu_sdp_session *offer = sfu_negotiate_parsed();
    struct sfu_sdp_error err;

    if (pub->waiting == NULL) {
        return;
    }
    /* It parsed before; the decisions made then still stand. */
    if (sfu_sdp_parse(offer, pub->waiting_sdp, pub->waiting_len, &err) == SFU_SDP_OK) {
        send_answer(p, offer, pub->waiting);
    }
    drop_waiting(pub);
}

static void
publisher_connected(struct sfu_participant *p)
{
    guint i;

    /* Subscribers that started before the publisher was connected asked in vain. */
    for (i = 0; i < p->pub.tracks->len; i++) {
        sfu_track_request_keyframe(g_ptr_array_index(p->pub.tracks, i), g_get_monotonic_time());
    }
}

static void
publisher_failed(struct sfu_participant *p)
{
    struct sfu_publisher *pub = &p->pub;

    sfu_room_error(p, "transport-failed", "the publish connection failed: its tracks are unpublished");
    while (pub->tracks->len > 0) {
        remove_track(p, g_ptr_array_index(pub->tracks, pub->tracks->len - 1));
    }
    drop_waiting(pub);
    sfu_peer_free(pub->peer);
    pub->peer = NULL;
}

int
sfu_publisher_start_screen(struct sfu_participant *p, const char *mid, struct sfu_msg_error *err)
{
    struct sfu_publisher *pub = &p->pub;
    struct sfu_track *t;

    if (pub->screen_wanted || sfu_publisher_screen(pub) != NULL) {
        return sfu_msg_refuse(err, "already-sharing", "a screen share is already started");
    }
    if (mid != NULL && (t = track_by_mid(pub, mid)) != NULL) {
        return sfu_msg_refuse(err, "wrong-state", "mid %s is already published as %s; name the screen's m-line "
                      "before the offer that adds it", mid, sfu_track_source_name(t->source));
    }
    pub->screen_wanted = true;
    snprintf(pub->screen_mid, sizeof(pub->screen_mid), "%s", mid != NULL ? mid : "");
    if (mid != NULL && strcmp(pub->screen_stopped, mid) == 0) {
        pub->screen_stopped[0] = '\0';
    }
    return 0;
}

int
sfu_publisher_stop_screen(struct sfu_participant *p, struct sfu_msg_error *err)
{
    struct sfu_publisher *pub = &p->pub;
    struct sfu_track *t = sfu_publisher_screen(pub);

    if (t == NULL && !pub->screen_wanted) {
        return sfu_msg_refuse(err, "not-sharing", "no screen share to stop");
    }
    pub->screen_wanted = false;
    pub->screen_mid[0] = '\0';
    if (t != NULL) {
        snprintf(pub->screen_stopped, sizeof(pub->screen_stopped), "%s", t->mid);
        remove_track(p, t);
    }
    return 0;
}

/*
 * The track an RTP packet belongs to (and its simulcast layer, or -1); an
 * SSRC the offer did not name is learnt from the mid extension, and for
 * simulcast from the rid extensions.
 */
static struct sfu_track *
track_for_packet(struct sfu_publisher *pub, const struct sfu_rtp_packet *pkt, bool *rtx, int *layer)
{
    struct sfu_rtp_ext ext;
    struct sfu_track *t;
    guint i;

    for (i = 0; i < pub->tracks->len; i++) {
        t = g_ptr_array_index(pub->tracks, i);
        if (t->sim.count > 0) {
            /* Its layers have the SSRCs: the track's own stays 0 and names nothing. */
            if ((*layer = sfu_simulcast_classify(&t->sim, pkt, rtx)) >= 0) {
                return t;
            }
            continue;
        }
        if (pkt->ssrc == t->ssrc || (pkt->ssrc == t->rtx_ssrc && t->rtx_ssrc != 0)) {
            *rtx = pkt->ssrc != t->ssrc;
            return t;
        }
    }
    for (i = 0; i < pub->tracks->len; i++) {
        t = g_ptr_array_index(pub->tracks, i);
        if (t->ext_mid == 0 || sfu_rtp_ext_find(pkt, t->ext_mid, &ext) != SFU_RTP_OK
            || ext.len != strlen(t->mid) || memcmp(ext.value, t->mid, ext.len) != 0)
        {
            continue;
        }
        if (t->sim.count > 0) {
            *layer = sfu_simulcast_learn(&t->sim, pkt, rtx);
            return *layer >= 0 ? t : NULL;
        }
        if (pkt->payload_type == t->codec.pt && t->ssrc == 0) {
            t->ssrc = pkt->ssrc;
        } else if (t->codec.has_rtx && pkt->payload_type == t->codec.rtx_pt && t->rtx_ssrc == 0) {
            t->rtx_ssrc = pkt->ssrc;
        } else {
            return NULL;
        }
        *rtx = pkt->ssrc == t->rtx_ssrc;
        return t;
    }
    return NULL;
}

static void
publisher_rtp(struct sfu_participant *p, uint8_t *data, size_t len)
{
    struct sfu_rtp_packet pkt;
    struct sfu_track *t;
    bool rtx = false;
    int layer = -1;

    if (sfu_rtp_parse(&pkt, data, len) != SFU_RTP_OK || (t = track_for_packet(&p->pub, &pkt, &rtx, &layer)) == NULL) {
        return;
    }
    if (rtx && !sfu_track_unwrap_rtx(t, &pkt)) {
        return;
    }
    if (layer >= 0) {
        sfu_track_receive_layer(t, (unsigned)layer, &pkt, rtx, g_get_monotonic_time());
    } else {
        sfu_track_receive(t, &pkt, rtx, g_get_monotonic_time());
    }
}

static void
publisher_rtcp(struct sfu_participant *p, uint8_t *data, size_t len)
{
    sfu_rtcp_from_publisher((struct sfu_track *const *)p->pub.tracks->pdata, p->pub.tracks->len, data, len,
                            g_get_monotonic_time());
}

void
sfu_publisher_tick(struct sfu_participant *p, int64_t now_us)
{
    struct sfu_publisher *pub = &p->pub;
    uint8_t buf[1200 + SFU_TRANSPORT_TRAILER];
    size_t len;
    guint i;

    for (i = 0; i < pub->tracks->len; i++) {
        sfu_track_tick(g_ptr_array_index(pub->tracks, i), now_us);
    }
    if (pub->peer == NULL || !pub->peer->connected || now_us < pub->report_due_us) {
        return;
    }
    pub->report_due_us = now_us + SFU_RTCP_INTERVAL_US;
    len = sfu_rtcp_receiver_report(pub->peer->rtcp_ssrc, (struct sfu_track *const *)pub->tracks->pdata,
                                   pub->tracks->len, now_us, buf, sizeof(buf) - SFU_TRANSPORT_TRAILER);
    if (len > 0) {
        sfu_peer_send_rtcp(pub->peer, buf, len, sizeof(buf));
    }
}
