/*
 * subscriber: a participant's subscribe peer connection, its slots, offers
 * and answers, and the downtracks in them; see subscriber.h.
 */
#include "subscriber.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "room.h"
#include "rtcp_session.h"

#define OPUS_PT 111

static void subscriber_gathered(struct sfu_participant *p);
static void subscriber_connected(struct sfu_participant *p);
static void subscriber_failed(struct sfu_participant *p);
static void subscriber_rtp(struct sfu_participant *p, uint8_t *pkt, size_t len);
static void subscriber_rtcp(struct sfu_participant *p, uint8_t *pkt, size_t len);

static const struct sfu_peer_events subscriber_events = {
    .gathered = subscriber_gathered,
    .connected = subscriber_connected,
    .failed = subscriber_failed,
    .rtp = subscriber_rtp,
    .rtcp = subscriber_rtcp,
};

void
sfu_subscriber_init(struct sfu_subscriber *sub)
{
    memset(sub, 0, sizeof(*sub));
    sub->slots = g_ptr_array_new_with_free_func(g_free);
    sfu_negotiate_session_id(sub->session_id, sizeof(sub->session_id));
    sub->wanted = SFU_QUALITY_HIGH;
    sfu_bwe_init(&sub->bwe, g_get_monotonic_time());
}

void
sfu_subscriber_clear(struct sfu_participant *p)
{
    struct sfu_subscriber *sub = &p->sub;
    guint i;

    for (i = 0; i < sub->slots->len; i++) {
        sfu_track_detach(&((struct sfu_sub_slot *)g_ptr_array_index(sub->slots, i))->down);
    }
    g_ptr_array_free(sub->slots, TRUE);
    g_free(sub->offered);
    if (sub->peer != NULL) {
        sfu_peer_free(sub->peer);
    }
    memset(sub, 0, sizeof(*sub));
}

static bool
pt_used(const struct sfu_subscriber *sub, unsigned pt)
{
    unsigned i;

    for (i = 0; i < sub->pt_count; i++) {
        if (sub->pts[i].pt == pt || (sub->pts[i].config.has_rtx && sub->pts[i].rtx_pt == pt)) {
            return true;
        }
    }
    return false;
}

/* A free dynamic payload type: 96-127 first, then 35-63, as browsers number theirs. */
static bool
free_pt(const struct sfu_subscriber *sub, uint8_t *pt)
{
    unsigned v;

    for (v = 96; v < 128 + 29; v++) {
        unsigned candidate = v < 128 ? v : v - 128 + 35;

        if (candidate != OPUS_PT && !pt_used(sub, candidate)) {
            *pt = (uint8_t)candidate;
            return true;
        }
    }
    return false;
}

/*
 * The subscriber's payload types for a codec configuration: one pair per
 * configuration, since one payload type of a BUNDLE group names one
 * configuration (RFC 8843 9.1).
 */
static bool
subscriber_codec(struct sfu_subscriber *sub, const struct sfu_track *t, struct sfu_codec *out)
{
    struct sfu_pt_entry *e;
    unsigned i;

    *out = t->codec;
    out->has_rtx = t->kind == SFU_SDP_VIDEO;
    out->feedback = t->kind == SFU_SDP_VIDEO ? SFU_FB_NACK | SFU_FB_PLI | SFU_FB_FIR | SFU_FB_REMB : 0;
    for (i = 0; i < sub->pt_count; i++) {
        if (sfu_codec_same_config(&sub->pts[i].config, out)) {
            out->pt = sub->pts[i].pt;
            out->rtx_pt = sub->pts[i].rtx_pt;
            return true;
        }
    }
    if (sub->pt_count == SFU_SUB_MAX_CONFIGS) {
        return false;
    }
    e = &sub->pts[sub->pt_count];
    if (out->id == SFU_CODEC_OPUS && !pt_used(sub, OPUS_PT)) {
        e->pt = OPUS_PT;
    } else if (!free_pt(sub, &e->pt)) {
        return false;
    }
    e->config = *out;
    e->config.has_rtx = false;
    /* The main payload type counts as used before its rtx partner is picked. */
    sub->pt_count++;
    if (out->has_rtx && !free_pt(sub, &e->rtx_pt)) {
        sub->pt_count--;
        return false;
    }
    e->config.has_rtx = out->has_rtx;
    out->pt = e->pt;
    out->rtx_pt = e->rtx_pt;
    return true;
}

static uint32_t
new_ssrc(const struct sfu_subscriber *sub)
{
    uint32_t ssrc;
    guint i;

    for (;;) {
        ssrc = g_random_int();
        for (i = 0; i < sub->slots->len; i++) {
            const struct sfu_sub_slot *s = g_ptr_array_index(sub->slots, i);

            if (s->media.ssrc == ssrc || s->media.rtx_ssrc == ssrc) {
                break;
            }
        }
        if (ssrc != 0 && i == sub->slots->len) {
            return ssrc;
        }
    }
}

/*
 * An m-line for a track with this codec: an inactive one that carried the
 * same payload type, else a new one.  An m-line keeps its payload types for
 * the session (RFC 3264 8.3.2): clients bind them once (aiortc drops a
 * reused m-line's packets under a new payload type).
 */
static struct sfu_sub_slot *
free_slot(struct sfu_subscriber *sub, enum sfu_sdp_kind kind, const struct sfu_codec *codec)
{
    struct sfu_sub_slot *s;
    guint i;

    for (i = 0; i < sub->slots->len; i++) {
        s = g_ptr_array_index(sub->slots, i);
        if (s->reusable && s->media.kind == kind && s->media.codec.pt == codec->pt) {
            return s;
        }
    }
    if (sub->slots->len == SFU_SDP_MAX_MEDIA) {
        return NULL;
    }
    s = g_new0(struct sfu_sub_slot, 1);
    snprintf(s->media.mid, sizeof(s->media.mid), "%u", sub->slots->len);
    s->media.kind = kind;
    g_ptr_array_add(sub->slots, s);
    return s;
}

const char *
sfu_subscriber_add(struct sfu_participant *p, struct sfu_track *t)
{
    struct sfu_subscriber *sub = &p->sub;
    struct sfu_codec codec;
    struct sfu_sub_slot *s;
    struct sfu_sub_media *m;

    if (sub->broken || !subscriber_codec(sub, t, &codec) || (s = free_slot(sub, t->kind, &codec)) == NULL) {
        sfu_log_warn("participant %s: no m-line left for track %s", p->id, t->id);
        return NULL;
    }
    m = &s->media;
    m->active = true;
    m->codec = codec;
    m->ssrc = new_ssrc(sub);
    m->rtx_ssrc = codec.has_rtx ? new_ssrc(sub) : 0;
    snprintf(m->stream_id, sizeof(m->stream_id), "%.*s%s", (int)(strchr(t->id, ':') - t->id), t->id,
             t->source == SFU_SOURCE_SCREEN ? "-screen" : "");
    snprintf(m->track_id, sizeof(m->track_id), "%s", t->id);
    snprintf(m->cname, sizeof(m->cname), "%.*s", (int)(strchr(t->id, ':') - t->id), t->id);
    s->reusable = false;
    s->answered_ssrc = 0;
    memset(&s->down, 0, sizeof(s->down));
    sfu_forward_init(&s->down.fwd, m->ssrc, codec.pt, codec.clock_rate, t->kind == SFU_SDP_VIDEO,
                     (uint16_t)g_random_int(), g_random_int());
    s->down.fwd.vp8 = codec.id == SFU_CODEC_VP8;
    sfu_track_attach(t, &s->down);
    sub->changed = true;
    return m->mid;
}

void
sfu_subscriber_remove(struct sfu_participant *p, struct sfu_track *t)
{
    struct sfu_subscriber *sub = &p->sub;
    guint i;

    for (i = 0; i < sub->slots->len; i++) {
        struct sfu_sub_slot *s = g_ptr_array_index(sub->slots, i);

        if (s->down.track == t) {
            sfu_track_detach(&s->down);
            s->down.active = false;
            s->media.active = false;
            sub->changed = true;
        }
    }
}

const char *
sfu_subscriber_mid(const struct sfu_subscriber *sub, const struct sfu_track *t)
{
    guint i;

    for (i = 0; i < sub->slots->len; i++) {
        const struct sfu_sub_slot *s = g_ptr_array_index(sub->slots, i);

        if (s->down.track == t) {
            return s->media.mid;
        }
    }
    return NULL;
}

void
sfu_subscriber_negotiate(struct sfu_participant *p)
{
    struct sfu_subscriber *sub = &p->sub;
    struct sfu_sdp_session *offer = sfu_negotiate_built();
    struct sfu_local_transport local;
    struct sfu_sdp_error err;
    const char *text;
    json_t *msg;
    guint i;

    if (sub->offering || !sub->changed || sub->broken || sub->slots->len == 0) {
        return;
    }
    if (sub->peer == NULL && (sub->peer = sfu_peer_new(p, SFU_PC_SUBSCRIBE, &subscriber_events)) == NULL) {
        sub->broken = true;
        sfu_room_error(p, "internal", "no transport for the subscribe connection");
        return;
    }
    if (!sub->peer->gathered) {
        return;                         /* subscriber_gathered comes back here */
    }
    sub->offered = g_renew(struct sfu_sub_media, sub->offered, sub->slots->len);
    sub->offered_count = sub->slots->len;
    for (i = 0; i < sub->slots->len; i++) {
        sub->offered[i] = ((struct sfu_sub_slot *)g_ptr_array_index(sub->slots, i))->media;
    }
    sfu_peer_local(sub->peer, &local);
    sfu_negotiate_subscribe_offer(sub->offered, sub->offered_count, &local, sub->session_id, ++sub->version, offer);
    text = sfu_negotiate_text(offer, &err);
    if (text == NULL) {
        sfu_log_error("participant %s: subscribe offer not written: %s", p->id, err.message);
        return;
    }
    msg = json_pack("{s:s, s:s}", "type", "offer", "sdp", text);
    if (msg != NULL && sub->renew) {
        json_object_set_new(msg, "new_connection", json_true());
    }
    sfu_room_deliver(p, msg);
    sfu_peer_sdp_sent(sub->peer, sub->offered[0].mid, 0);
    sub->offering = true;
    sub->changed = false;
    sub->renew = false;
}

/* Media flows to a slot while the client has accepted its current track and the transport is up. */
static void
update_activity(struct sfu_participant *p, int64_t now_us)
{
    struct sfu_subscriber *sub = &p->sub;
    bool connected = sub->peer != NULL && sub->peer->connected;
    guint i;

    for (i = 0; i < sub->slots->len; i++) {
        struct sfu_sub_slot *s = g_ptr_array_index(sub->slots, i);
        bool want = connected && s->down.track != NULL && s->media.active && s->answered_ssrc == s->media.ssrc;

        if (want && !s->down.active) {
            sfu_downtrack_start(&s->down, &sub->peer->sink, now_us);
        } else if (!want) {
            s->down.active = false;
        }
    }
}

static void
apply_answer(struct sfu_sub_slot *s, const struct sfu_sub_media *offered, const struct sfu_sub_accepted *acc)
{
    struct sfu_forward *f = &s->down.fwd;
    const struct sfu_track *t = s->down.track;

    if (!offered->active) {
        s->reusable = t == NULL && !s->media.active;
        return;
    }
    s->answered_ssrc = acc->accepted && acc->receiving && offered->ssrc == s->media.ssrc ? offered->ssrc : 0;
    if (s->answered_ssrc == 0 || t == NULL) {
        return;
    }
    memset(f->ext_map, 0, sizeof(f->ext_map));
    sfu_forward_map_ext(f, t->ext_audio_level, acc->ext_audio_level);
    sfu_forward_map_ext(f, t->ext_video_orientation, acc->ext_video_orientation);
    f->rtx = false;
    if (acc->rtx) {
        sfu_forward_set_rtx(f, offered->rtx_ssrc, offered->codec.rtx_pt);
    }
}

int
sfu_subscriber_answer(struct sfu_participant *p, const char *sdp, size_t len, struct sfu_msg_error *err)
{
    struct sfu_subscriber *sub = &p->sub;
    struct sfu_sdp_session *answer = sfu_negotiate_parsed();
    struct sfu_remote_transport remote;
    struct sfu_sub_accepted *acc;
    struct sfu_sdp_error serr;
    unsigned i;

    if (!sub->offering) {
        return sfu_msg_refuse(err, "wrong-state", "no subscribe offer is waiting for an answer");
    }
    if (sfu_sdp_parse(answer, sdp, len, &serr) != SFU_SDP_OK || sfu_sdp_check(answer, &serr) != SFU_SDP_OK) {
        return sfu_msg_refuse(err, "bad-sdp", "%s", serr.message);
    }
    acc = g_new0(struct sfu_sub_accepted, sub->offered_count);
    if (sfu_negotiate_read_answer(answer, sub->offered, sub->offered_count, acc, &remote, &serr) != 0) {
        g_free(acc);
        return sfu_msg_refuse(err, "bad-sdp", "%s", serr.message);
    }
    if (remote.ice_ufrag[0] != '\0' && sfu_peer_set_remote(sub->peer, &remote, answer) != 0) {
        g_free(acc);
        return sfu_msg_refuse(err, "bad-sdp", "the DTLS fingerprint (%s) cannot be used, or it changed",
                              remote.fingerprint_algo);
    }
    for (i = 0; i < sub->offered_count; i++) {
        apply_answer(g_ptr_array_index(sub->slots, i), &sub->offered[i], &acc[i]);
    }
    g_free(acc);
    sub->offering = false;
    update_activity(p, g_get_monotonic_time());
    sfu_subscriber_negotiate(p);
    return 0;
}

static void
subscriber_gathered(struct sfu_participant *p)
{
    sfu_subscriber_negotiate(p);
}

static void
subscriber_connected(struct sfu_participant *p)
{
    p->sub.renewals = 0;
    update_activity(p, g_get_monotonic_time());
}

/*
 * A failed transport is final (transport.h), and the client's peer
 * connection has failed too or will: both start over.  A new session (the
 * SDP's o= line) of the same slots goes out on a new transport, and every
 * slot waits for the new answer.  An answer to the failed connection's
 * outstanding offer is refused (wrong-state).
 */
static void
subscriber_failed(struct sfu_participant *p)
{
    struct sfu_subscriber *sub = &p->sub;
    guint i;

    for (i = 0; i < sub->slots->len; i++) {
        struct sfu_sub_slot *s = g_ptr_array_index(sub->slots, i);

        s->down.active = false;
        s->answered_ssrc = 0;
    }
    sfu_peer_free(sub->peer);
    sub->peer = NULL;
    sub->offering = false;
    if (++sub->renewals > SFU_SUB_MAX_RENEWALS) {
        sub->broken = true;
        sfu_room_error(p, "transport-failed", "the subscribe connection failed again and again: join again to "
                       "receive media");
        return;
    }
    sfu_log_info("participant %s: subscribe transport failed, offering a new connection (%u of %u)", p->id,
                 sub->renewals, SFU_SUB_MAX_RENEWALS);
    sub->renew = true;
    sub->changed = true;
    sfu_negotiate_session_id(sub->session_id, sizeof(sub->session_id));
    sub->version = 0;
    sfu_subscriber_negotiate(p);
}

static void
subscriber_rtp(struct sfu_participant *p, uint8_t *pkt, size_t len)
{
    /* The subscribe connection is sendonly from the SFU: whatever RTP comes is not forwarded. */
    (void)p;
    (void)pkt;
    (void)len;
}

static struct sfu_downtrack *
downtrack_by_ssrc(void *ctx, uint32_t ssrc)
{
    struct sfu_participant *p = ctx;
    guint i;

    for (i = 0; i < p->sub.slots->len; i++) {
        struct sfu_sub_slot *s = g_ptr_array_index(p->sub.slots, i);

        if (s->down.active && s->media.ssrc == ssrc) {
            return &s->down;
        }
    }
    return NULL;
}

static void
subscriber_rtcp(struct sfu_participant *p, uint8_t *pkt, size_t len)
{
    sfu_rtcp_from_subscriber(downtrack_by_ssrc, p, &p->sub.bwe, pkt, len, g_get_monotonic_time());
}

enum sfu_quality
sfu_subscriber_quality(const struct sfu_subscriber *sub)
{
    return sub->wanted < sub->bwe.level ? sub->wanted : sub->bwe.level;
}

/* Every simulcast subscription to the layer its quality allows now. */
static void
select_layers(struct sfu_subscriber *sub, int64_t now_us)
{
    enum sfu_quality quality = sfu_subscriber_quality(sub);
    guint i;

    for (i = 0; i < sub->slots->len; i++) {
        struct sfu_sub_slot *s = g_ptr_array_index(sub->slots, i);

        if (s->down.active) {
            sfu_downtrack_select(&s->down, quality, now_us);
        }
    }
}

/* What goes to the subscriber, held against its REMB. */
static void
measure_sent(struct sfu_subscriber *sub, int64_t now_us)
{
    uint64_t bytes = 0;
    guint i;

    for (i = 0; i < sub->slots->len; i++) {
        bytes += ((struct sfu_sub_slot *)g_ptr_array_index(sub->slots, i))->down.fwd.bytes;
    }
    sfu_bitrate_tick(&sub->sent, bytes, now_us);
    sfu_bwe_sending(&sub->bwe, sub->sent.bps, now_us);
}

void
sfu_subscriber_set_quality(struct sfu_participant *p, enum sfu_quality quality)
{
    p->sub.wanted = quality;
    if (p->sub.slots != NULL) {
        select_layers(&p->sub, g_get_monotonic_time());
    }
}

void
sfu_subscriber_tick(struct sfu_participant *p, int64_t now_us)
{
    struct sfu_subscriber *sub = &p->sub;
    uint8_t buf[256 + SFU_TRANSPORT_TRAILER];
    int64_t unix_now = g_get_real_time();
    size_t len;
    guint i;

    if (sub->slots != NULL) {
        measure_sent(sub, now_us);
        select_layers(sub, now_us);
    }
    if (sub->peer == NULL || !sub->peer->connected || now_us < sub->report_due_us) {
        return;
    }
    sub->report_due_us = now_us + SFU_RTCP_INTERVAL_US;
    for (i = 0; i < sub->slots->len; i++) {
        struct sfu_sub_slot *s = g_ptr_array_index(sub->slots, i);

        if (!s->down.active) {
            continue;
        }
        len = sfu_rtcp_sender_report(&s->down, s->media.cname, now_us, unix_now, buf, sizeof(buf) - SFU_TRANSPORT_TRAILER);
        if (len > 0) {
            sfu_peer_send_rtcp(sub->peer, buf, len, sizeof(buf));
        }
    }
}
