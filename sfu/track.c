/*
 * track: a published track, its downtracks and the forwarding hot path;
 * see track.h.
 */
#include "track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
}

struct sfu_track *
sfu_track_new(const char *participant, const struct sfu_pub_media *pm, enum sfu_track_source source)
{
    struct sfu_track *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    if (pm->kind == SFU_SDP_VIDEO && sfu_packet_cache_init(&t->cache) != 0) {
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

void
sfu_track_update(struct sfu_track *t, const struct sfu_pub_media *pm)
{
    if (pm->ssrc != t->ssrc || pm->codec.clock_rate != t->codec.clock_rate) {
        sfu_recv_stats_init(&t->stats, pm->codec.clock_rate);
        t->have_sr = false;
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
    sfu_packet_cache_free(&t->cache);
    free(t);
}

void
sfu_track_attach(struct sfu_track *t, struct sfu_downtrack *d)
{
    d->track = t;
    d->active = false;
    g_ptr_array_add(t->downtracks, d);
}

void
sfu_downtrack_start(struct sfu_downtrack *d, const struct sfu_sink *sink, int64_t now_us)
{
    d->sink = sink;
    d->active = true;
    sfu_forward_restart(&d->fwd);
    if (d->track != NULL) {
        sfu_track_request_keyframe(d->track, now_us);
    }
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
    uint16_t osn;
    uint8_t *data;

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
    sfu_rtp_set_ssrc(pkt, t->ssrc);
    sfu_rtp_set_payload_type(pkt, t->codec.pt);
    return true;
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

void
sfu_track_receive(struct sfu_track *t, const struct sfu_rtp_packet *pkt, bool retransmission, int64_t now_us)
{
    struct sfu_downtrack *d;
    bool keyframe;
    size_t len;
    guint i;
    int rc;

    sfu_recv_stats_update(&t->stats, pkt->seq, pkt->timestamp, now_us, retransmission);
    t->packets++;
    t->bytes += pkt->len;
    if (t->cache.slots != NULL) {
        sfu_packet_cache_put(&t->cache, pkt->seq, pkt->data, pkt->len);
    }
    keyframe = t->kind == SFU_SDP_VIDEO && is_keyframe(t, pkt);
    for (i = 0; i < t->downtracks->len; i++) {
        d = g_ptr_array_index(t->downtracks, i);
        if (!d->active) {
            continue;
        }
        rc = sfu_forward_packet(&d->fwd, pkt, keyframe, now_us, scratch, SCRATCH_MAX_PACKET, &len);
        if (rc == SFU_FORWARD_SEND) {
            d->sink->send_rtp(d->sink->ctx, scratch, len, sizeof(scratch));
        } else if (rc == SFU_FORWARD_NEED_KEYFRAME) {
            sfu_track_request_keyframe(t, now_us);
        }
    }
}

void
sfu_track_request_keyframe(struct sfu_track *t, int64_t now_us)
{
    if (t->kind != SFU_SDP_VIDEO) {
        return;
    }
    if (now_us - t->keyframe_sent_us < SFU_KEYFRAME_INTERVAL_US) {
        t->keyframe_pending = true;
        return;
    }
    t->keyframe_sent_us = now_us;
    t->keyframe_pending = false;
    if (t->request_keyframe != NULL) {
        t->request_keyframe(t, t->hook_ctx);
    }
}

void
sfu_track_tick(struct sfu_track *t, int64_t now_us)
{
    if (t->keyframe_pending && now_us - t->keyframe_sent_us >= SFU_KEYFRAME_INTERVAL_US) {
        sfu_track_request_keyframe(t, now_us);
    }
    if (t->rate_time_us == 0) {
        t->rate_time_us = now_us;
        t->rate_bytes = t->bytes;
    } else if (now_us - t->rate_time_us >= 1000000) {
        t->bitrate = (uint32_t)((t->bytes - t->rate_bytes) * 8 * 1000000 / (uint64_t)(now_us - t->rate_time_us));
        t->rate_time_us = now_us;
        t->rate_bytes = t->bytes;
    }
}

void
sfu_track_sender_report(struct sfu_track *t, uint64_t ntp, uint32_t rtp, int64_t now_us)
{
    sfu_recv_stats_sender_report(&t->stats, ntp, now_us);
    t->have_sr = true;
    t->sr_ntp = ntp;
    t->sr_rtp = rtp;
    t->sr_time_us = now_us;
}

void
sfu_downtrack_nack(struct sfu_downtrack *d, const uint16_t *seqs, unsigned count)
{
    struct sfu_rtp_packet cached;
    uint16_t src_seq;
    uint8_t *data;
    size_t len;
    unsigned i;

    if (d->track == NULL || !d->active || d->track->cache.slots == NULL) {
        return;
    }
    if (!d->fwd.rtx && !d->sink->resend_in_place) {
        /* Counted, not answered: the subscriber recovers as from any loss (a PLI brings a key frame). */
        d->fwd.nacks_unanswered += count;
        return;
    }
    for (i = 0; i < count; i++) {
        if (!sfu_forward_source_seq(&d->fwd, seqs[i], &src_seq)
            || (data = sfu_packet_cache_get(&d->track->cache, src_seq, &len)) == NULL
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
    int64_t elapsed;

    if (!f->started || f->clock_rate == 0) {
        return false;
    }
    memset(sr, 0, sizeof(*sr));
    sr->ssrc = f->ssrc;
    sr->packet_count = f->packets;
    sr->octet_count = f->octets;
    if (t != NULL && t->have_sr && t->ssrc == f->src_ssrc) {
        /* The publisher's clock carried forward: its audio and video reports stay consistent. */
        elapsed = now_us - t->sr_time_us;
        sr->ntp_time = t->sr_ntp + sfu_ntp_duration(elapsed);
        sr->rtp_time = sfu_forward_timestamp(f, t->sr_rtp + (uint32_t)(elapsed * f->clock_rate / 1000000));
    } else {
        elapsed = now_us - f->max_time_us;
        sr->ntp_time = sfu_ntp_from_unix_us(unix_now_us);
        sr->rtp_time = f->max_ts + (uint32_t)(elapsed * f->clock_rate / 1000000);
    }
    return true;
}
