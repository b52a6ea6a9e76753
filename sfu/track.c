/*
 * track: a published track, its downtracks and the forwarding hot path;
 * see track.h.
 */
#include "track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rtp_bytes.h"
#include "rtp_payload.h"
#include "transport.h"

/*
 * Every rewritten packet is built here: the sinks send (and protect) it
 * before the next one.  Any packet the transport hands up (up to its MTU)
 * fits, as its retransmission with the 2 bytes RTX adds, with room for
 * the SRTP trailer past it.
 */
#define SCRATCH_MAX_PACKET (SFU_TRANSPORT_MTU + 2)
static uint8_t scratch[SCRATCH_MAX_PACKET + SFU_TRANSPORT_TRAILER];

static const char *const source_names[] = {
    [SFU_SOURCE_MICROPHONE] = "microphone",
    [SFU_SOURCE_CAMERA] = "camera",
    [SFU_SOURCE_SCREEN] = "screen",
};

const char *
sfu_track_source_name(enum sfu_track_source source)
{
    return source_names[source];
}

const char *
sfu_track_kind_name(enum sfu_sdp_kind kind)
{
    return kind == SFU_SDP_AUDIO ? "audio" : "video";
}

static void
take_media(struct sfu_track *t, const struct sfu_pub_media *pm)
{
    t->codec = pm->codec;
    t->ssrc = pm->ssrc;
    t->rtx_ssrc = pm->rtx_ssrc;
    t->ext_mid = pm->ext_mid;
    t->ext_audio_level = pm->ext_audio_level;
    t->ext_video_orientation = pm->ext_video_orientation;
    t->sim.ext_rid = pm->ext_rid;
    t->sim.ext_repaired_rid = pm->ext_repaired_rid;
}

struct sfu_track *
sfu_track_new(const char *participant, const struct sfu_pub_media *pm, enum sfu_track_source source)
{
    struct sfu_track *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    if (pm->kind == SFU_SDP_VIDEO && pm->rid_count > 0) {
        if (sfu_simulcast_init(&t->sim, pm->rids, pm->rid_count, pm->codec.clock_rate) != 0) {
            free(t);
            return NULL;
        }
    } else if (pm->kind == SFU_SDP_VIDEO && sfu_packet_cache_init(&t->cache) != 0) {
        free(t);
        return NULL;
    }
    snprintf(t->id, sizeof(t->id), "%s:%s", participant, pm->mid);
    snprintf(t->mid, sizeof(t->mid), "%s", pm->mid);
    t->kind = pm->kind;
    t->source = source;
    take_media(t, pm);
    sfu_recv_stats_init(&t->stats, pm->codec.clock_rate);
    /* Far enough in the past that the first request goes out at once. */
    t->keyframe_sent_us = INT64_MIN / 2;
    t->downtracks = g_ptr_array_new();
    return t;
}

/* A re-offer named other rids: the layers start again, and every downtrack waits for a new one. */
static void
reset_layers(struct sfu_track *t, const struct sfu_pub_media *pm)
{
    guint i;

    sfu_simulcast_free(&t->sim);
    if (pm->rid_count > 0 && sfu_simulcast_init(&t->sim, pm->rids, pm->rid_count, pm->codec.clock_rate) != 0) {
        sfu_log_error("track %s: out of memory for its simulcast layers: it forwards nothing", t->id);
    }
    for (i = 0; i < t->downtracks->len; i++) {
        struct sfu_downtrack *d = g_ptr_array_index(t->downtracks, i);

        d->layer.current = -1;
        d->layer.target = -1;
    }
}

void
sfu_track_update(struct sfu_track *t, const struct sfu_pub_media *pm)
{
    if (pm->ssrc != t->ssrc || pm->codec.clock_rate != t->codec.clock_rate) {
        sfu_recv_stats_init(&t->stats, pm->codec.clock_rate);
        t->sr.have = false;
    }
    if (t->kind == SFU_SDP_VIDEO && !sfu_simulcast_same_rids(&t->sim, pm->rids, pm->rid_count)) {
        reset_layers(t, pm);
    }
    take_media(t, pm);
}

void
sfu_track_free(struct sfu_track *t)
{
    guint i;

    for (i = 0; i < t->downtracks->len; i++) {
        ((struct sfu_downtrack *)g_ptr_array_index(t->downtracks, i))->track = NULL;
    }
    g_ptr_array_free(t->downtracks, TRUE);
    sfu_simulcast_free(&t->sim);
    sfu_packet_cache_free(&t->cache);
    free(t);
}

void
sfu_track_attach(struct sfu_track *t, struct sfu_downtrack *d)
{
    d->track = t;
    d->active = false;
    d->layer.current = -1;
    d->layer.target = sfu_simulcast_choose(&t->sim, SFU_QUALITY_HIGH);
    g_ptr_array_add(t->downtracks, d);
}

void
sfu_downtrack_start(struct sfu_downtrack *d, const struct sfu_sink *sink, int64_t now_us)
{
    d->sink = sink;
    d->active = true;
    sfu_forward_restart(&d->fwd);
    d->layer.current = -1;
    sfu_downtrack_request_keyframe(d, now_us);
}

void
sfu_track_detach(struct sfu_downtrack *d)
{
    if (d->track != NULL) {
        g_ptr_array_remove_fast(d->track->downtracks, d);
        d->track = NULL;
    }
}

bool
sfu_track_unwrap_rtx(struct sfu_track *t, struct sfu_rtp_packet *pkt)
{
    size_t header_len = (size_t)(pkt->payload - pkt->data);
    uint32_t media_ssrc = t->ssrc;
    uint16_t osn;
    uint8_t *data;
    unsigned i;

    for (i = 0; i < t->sim.count; i++) {
        if (t->sim.layers[i].rtx_ssrc == pkt->ssrc) {
            media_ssrc = t->sim.layers[i].ssrc;
        }
    }
    if (pkt->payload_len < 2) {
        return false;
    }
    osn = sfu_get_be16(pkt->payload);
    /* Slide the header over the original sequence number: the payload then follows it as sent. */
    memmove(pkt->data + 2, pkt->data, header_len);
    data = pkt->data + 2;
    if (sfu_rtp_parse(pkt, data, pkt->len - 2) != SFU_RTP_OK) {
        return false;
    }
    sfu_rtp_set_seq(pkt, osn);
    sfu_rtp_set_ssrc(pkt, media_ssrc);
    sfu_rtp_set_payload_type(pkt, t->codec.pt);
    return true;
}

/* The picture size a key frame's first packet gives, for ranking simulcast layers; 0 when unknown. */
static uint32_t
keyframe_pixels(const struct sfu_track *t, const struct sfu_rtp_packet *pkt)
{
    struct sfu_vp8_descriptor vp8;
    unsigned width, height;

    if (t->codec.id != SFU_CODEC_VP8 || sfu_vp8_parse(&vp8, pkt->payload, pkt->payload_len) != SFU_PAYLOAD_OK
        || !sfu_vp8_keyframe_size(&vp8, pkt->payload, pkt->payload_len, &width, &height))
    {
        return 0;
    }
    return width * height;
}

static bool
is_keyframe(const struct sfu_track *t, const struct sfu_rtp_packet *pkt)
{
    struct sfu_vp8_descriptor vp8;
    struct sfu_vp9_descriptor vp9;

    switch (t->codec.id) {
    case SFU_CODEC_VP8:
        return sfu_vp8_parse(&vp8, pkt->payload, pkt->payload_len) == SFU_PAYLOAD_OK && vp8.keyframe;
    case SFU_CODEC_VP9:
        return sfu_vp9_parse(&vp9, pkt->payload, pkt->payload_len) == SFU_PAYLOAD_OK && vp9.keyframe;
    case SFU_CODEC_H264:
        return sfu_h264_is_keyframe(pkt->payload, pkt->payload_len) == 1;
    default:
        return false;
    }
}

/* One packet to one downtrack; a stream it cannot start without a key frame asks for one. */
static void
forward_to(struct sfu_downtrack *d, const struct sfu_rtp_packet *pkt, bool keyframe, int64_t now_us)
{
    size_t len;
    int rc;

    rc = sfu_forward_packet(&d->fwd, pkt, keyframe, now_us, scratch, SCRATCH_MAX_PACKET, &len);
    if (rc == SFU_FORWARD_SEND) {
        d->sink->send_rtp(d->sink->ctx, scratch, len, sizeof(scratch));
    } else if (rc == SFU_FORWARD_NEED_KEYFRAME) {
        sfu_downtrack_request_keyframe(d, now_us);
    }
}

void
sfu_track_receive(struct sfu_track *t, const struct sfu_rtp_packet *pkt, bool retransmission, int64_t now_us)
{
    struct sfu_downtrack *d;
    bool keyframe;
    guint i;

    sfu_recv_stats_update(&t->stats, pkt->seq, pkt->timestamp, now_us, retransmission);
    t->packets++;
    t->bytes += pkt->len;
    if (t->cache.slots != NULL) {
        sfu_packet_cache_put(&t->cache, pkt->seq, pkt->data, pkt->len, now_us);
    }
    keyframe = t->kind == SFU_SDP_VIDEO && is_keyframe(t, pkt);
    for (i = 0; i < t->downtracks->len; i++) {
        d = g_ptr_array_index(t->downtracks, i);
        if (d->active) {
            forward_to(d, pkt, keyframe, now_us);
        }
    }
}

void
sfu_track_receive_layer(struct sfu_track *t, unsigned index, const struct sfu_rtp_packet *pkt,
    bool retransmission, int64_t now_us)
{
    enum sfu_layer_verdict verdict;
    struct sfu_downtrack *d;
    bool keyframe = is_keyframe(t, pkt);
    guint i;

    sfu_simulcast_packet(&t->sim, index, pkt, keyframe, keyframe ? keyframe_pixels(t, pkt) : 0, retransmission,
                         now_us);
    t->packets++;
    t->bytes += pkt->len;
    for (i = 0; i < t->downtracks->len; i++) {
        d = g_ptr_array_index(t->downtracks, i);
        if (!d->active) {
            continue;
        }
        verdict = sfu_layer_choice_accept(&d->layer, (int)index, keyframe);
        if (verdict == SFU_LAYER_SWITCH) {
            /* A new mapping, even back to a layer left before (whose late packets forward.c would drop). */
            sfu_forward_restart(&d->fwd);
        }
        if (verdict != SFU_LAYER_DROP) {
            forward_to(d, pkt, keyframe, now_us);
        } else if (d->layer.target >= 0 && d->layer.target != d->layer.current) {
            /* Waiting for the target's key frame: the request repeats, throttled, until it comes. */
            sfu_track_request_layer_keyframe(t, (unsigned)d->layer.target, now_us);
        }
    }
}

/* Sends a request for ssrc unless one went less than a second ago; then it waits in *pending. */
static void
throttled_request(struct sfu_track *t, uint32_t ssrc, int64_t *sent_us, bool *pending, int64_t now_us)
{
    if (now_us - *sent_us < SFU_KEYFRAME_INTERVAL_US) {
        *pending = true;
        return;
    }
    *sent_us = now_us;
    *pending = false;
    if (t->request_keyframe != NULL && ssrc != 0) {
        t->request_keyframe(t, ssrc, t->hook_ctx);
    }
}

void
sfu_track_request_layer_keyframe(struct sfu_track *t, unsigned index, int64_t now_us)
{
    struct sfu_layer *l = &t->sim.layers[index];

    throttled_request(t, l->ssrc, &l->keyframe_sent_us, &l->keyframe_pending, now_us);
}

void
sfu_track_request_keyframe(struct sfu_track *t, int64_t now_us)
{
    unsigned i;

    if (t->kind != SFU_SDP_VIDEO) {
        return;
    }
    if (t->sim.count == 0) {
        throttled_request(t, t->ssrc, &t->keyframe_sent_us, &t->keyframe_pending, now_us);
    }
    for (i = 0; i < t->sim.count; i++) {
        sfu_track_request_layer_keyframe(t, i, now_us);
    }
}

void
sfu_downtrack_request_keyframe(struct sfu_downtrack *d, int64_t now_us)
{
    struct sfu_track *t = d->track;
    int index;

    if (t == NULL) {
        return;
    }
    if (t->sim.count == 0) {
        sfu_track_request_keyframe(t, now_us);
        return;
    }
    index = d->layer.target >= 0 ? d->layer.target : d->layer.current;
    if (index >= 0) {
        sfu_track_request_layer_keyframe(t, (unsigned)index, now_us);
    }
}

void
sfu_downtrack_select(struct sfu_downtrack *d, enum sfu_quality quality, int64_t now_us)
{
    int index;

    if (d->track == NULL || d->track->sim.count == 0) {
        return;
    }
    index = sfu_simulcast_choose(&d->track->sim, quality);
    if (index < 0 && quality != SFU_QUALITY_OFF) {
        return;                         /* nothing arrives: keep what was chosen until layers come */
    }
    d->layer.target = index;
    if (index < 0) {
        d->layer.current = -1;
    } else if (index != d->layer.current && d->active) {
        sfu_track_request_layer_keyframe(d->track, (unsigned)index, now_us);
    }
}

void
sfu_track_tick(struct sfu_track *t, int64_t now_us)
{
    unsigned i;

    if (t->keyframe_pending && now_us - t->keyframe_sent_us >= SFU_KEYFRAME_INTERVAL_US) {
        sfu_track_request_keyframe(t, now_us);
    }
    for (i = 0; i < t->sim.count; i++) {
        if (t->sim.layers[i].keyframe_pending) {
            sfu_track_request_layer_keyframe(t, i, now_us);
        }
    }
    sfu_simulcast_tick(&t->sim, now_us);
    sfu_bitrate_tick(&t->rate, t->bytes, now_us);
}

void
sfu_track_sender_report(struct sfu_track *t, uint64_t ntp, uint32_t rtp, int64_t now_us)
{
    sfu_recv_stats_sender_report(&t->stats, ntp, now_us);
    t->sr = (struct sfu_last_sr){ true, ntp, rtp, now_us };
}

/* The cache holding what d's current mapping forwards: the track's, or that of the layer it came from. */
static struct sfu_packet_cache *
downtrack_cache(struct sfu_downtrack *d)
{
    int index;

    if (d->track->sim.count == 0) {
        return &d->track->cache;
    }
    index = sfu_simulcast_layer_by_ssrc(&d->track->sim, d->fwd.src_ssrc);
    return index >= 0 ? &d->track->sim.layers[index].cache : NULL;
}

void
sfu_downtrack_nack(struct sfu_downtrack *d, const uint16_t *seqs, unsigned count)
{
    struct sfu_packet_cache *cache;
    struct sfu_rtp_packet cached;
    uint16_t src_seq;
    uint8_t *data;
    size_t len;
    unsigned i;

    if (d->track == NULL || !d->active || (cache = downtrack_cache(d)) == NULL || cache->slots == NULL) {
        return;
    }
    if (!d->fwd.rtx && !d->sink->resend_in_place) {
        /* Counted, not answered: the subscriber recovers as from any loss (a PLI brings a key frame). */
        d->fwd.nacks_unanswered += count;
        return;
    }
    for (i = 0; i < count; i++) {
        if (!sfu_forward_source_seq(&d->fwd, seqs[i], &src_seq)
            || (data = sfu_packet_cache_get(cache, src_seq, &len)) == NULL
            || sfu_rtp_parse(&cached, data, len) != SFU_RTP_OK
            || sfu_forward_resend(&d->fwd, &cached, seqs[i], scratch, SCRATCH_MAX_PACKET, &len) != SFU_FORWARD_SEND)
        {
            continue;
        }
        d->sink->send_rtp(d->sink->ctx, scratch, len, sizeof(scratch));
    }
}

bool
sfu_downtrack_sender_report(const struct sfu_downtrack *d, int64_t now_us, int64_t unix_now_us,
    struct sfu_rtcp_sr *sr)
{
    const struct sfu_forward *f = &d->fwd;
    const struct sfu_track *t = d->track;
    const struct sfu_last_sr *last = NULL;
    int64_t elapsed;
    int index;

    if (!f->started || f->clock_rate == 0) {
        return false;
    }
    memset(sr, 0, sizeof(*sr));
    sr->ssrc = f->ssrc;
    sr->packet_count = f->packets;
    sr->octet_count = f->octets;
    if (t != NULL && (index = sfu_simulcast_layer_by_ssrc(&t->sim, f->src_ssrc)) >= 0) {
        last = &t->sim.layers[index].sr;
    } else if (t != NULL && t->ssrc == f->src_ssrc) {
        last = &t->sr;
    }
    if (last != NULL && last->have) {
        /* The publisher's clock carried forward: its audio and video reports stay consistent. */
        elapsed = now_us - last->time_us;
        sr->ntp_time = last->ntp + sfu_ntp_duration(elapsed);
        sr->rtp_time = sfu_forward_timestamp(f, last->rtp + (uint32_t)(elapsed * f->clock_rate / 1000000));
    } else {
        elapsed = now_us - f->max_time_us;
        sr->ntp_time = sfu_ntp_from_unix_us(unix_now_us);
        sr->rtp_time = f->max_ts + (uint32_t)(elapsed * f->clock_rate / 1000000);
    }
    return true;
}
