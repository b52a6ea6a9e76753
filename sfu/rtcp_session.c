/*
 * rtcp_session: RTCP for publishers and subscribers; see rtcp_session.h.
 */
#include "rtcp_session.h"

#include <string.h>

static void
add_cname(struct sfu_rtcp_writer *w, uint32_t ssrc, const char *cname)
{
    /* Reduced-size RTCP (rtcp-rsize) lets the CNAME go; without the room it is simply left out. */
    sfu_rtcp_write_sdes_cname(w, ssrc, cname, strlen(cname));
}

size_t
sfu_rtcp_receiver_report(uint32_t sender_ssrc, struct sfu_track *const *tracks, unsigned count, int64_t now_us,
    uint8_t *buf, size_t cap)
{
    struct sfu_rtcp_report_block blocks[SFU_RTCP_MAX_REPORTS];
    struct sfu_rtcp_writer w;
    unsigned i, k, n = 0;

    for (i = 0; i < count && n < SFU_RTCP_MAX_REPORTS; i++) {
        if (sfu_recv_stats_report(&tracks[i]->stats, tracks[i]->ssrc, now_us, &blocks[n])) {
            n++;
        }
        for (k = 0; k < tracks[i]->sim.count && n < SFU_RTCP_MAX_REPORTS; k++) {
            struct sfu_layer *l = &tracks[i]->sim.layers[k];

            if (l->ssrc != 0 && sfu_recv_stats_report(&l->stats, l->ssrc, now_us, &blocks[n])) {
                n++;
            }
        }
    }
    if (n == 0) {
        return 0;
    }
    sfu_rtcp_writer_init(&w, buf, cap);
    if (sfu_rtcp_write_rr(&w, sender_ssrc, blocks, n) != SFU_RTCP_OK) {
        return 0;
    }
    add_cname(&w, sender_ssrc, SFU_RTCP_CNAME);
    return w.len;
}

size_t
sfu_rtcp_sender_report(const struct sfu_downtrack *d, const char *cname, int64_t now_us, int64_t unix_now_us,
    uint8_t *buf, size_t cap)
{
    struct sfu_rtcp_writer w;
    struct sfu_rtcp_sr sr;

    if (!sfu_downtrack_sender_report(d, now_us, unix_now_us, &sr)) {
        return 0;
    }
    sfu_rtcp_writer_init(&w, buf, cap);
    if (sfu_rtcp_write_sr(&w, &sr, NULL, 0) != SFU_RTCP_OK) {
        return 0;
    }
    add_cname(&w, sr.ssrc, cname);
    return w.len;
}

size_t
sfu_rtcp_keyframe_request(uint32_t sender_ssrc, const struct sfu_track *t, uint32_t ssrc, uint8_t *fir_seq,
    uint8_t *buf, size_t cap)
{
    struct sfu_rtcp_writer w;
    int rc;

    if (ssrc == 0) {
        return 0;
    }
    sfu_rtcp_writer_init(&w, buf, cap);
    if ((t->codec.feedback & (SFU_FB_PLI | SFU_FB_FIR)) == SFU_FB_FIR) {
        rc = sfu_rtcp_write_fir(&w, sender_ssrc, ssrc, (*fir_seq)++);
    } else {
        rc = sfu_rtcp_write_pli(&w, sender_ssrc, ssrc);
    }
    return rc == SFU_RTCP_OK ? w.len : 0;
}

/* A publisher's sender report to the track, or the simulcast layer, sending on its SSRC. */
static void
sender_report(struct sfu_track *const *tracks, unsigned count, const struct sfu_rtcp_sr *sr, int64_t now_us)
{
    unsigned i;
    int index;

    for (i = 0; i < count && sr->ssrc != 0; i++) {
        if (tracks[i]->ssrc == sr->ssrc) {
            sfu_track_sender_report(tracks[i], sr->ntp_time, sr->rtp_time, now_us);
            return;
        }
        if ((index = sfu_simulcast_layer_by_ssrc(&tracks[i]->sim, sr->ssrc)) >= 0) {
            sfu_simulcast_sender_report(&tracks[i]->sim, (unsigned)index, sr->ntp_time, sr->rtp_time, now_us);
            return;
        }
    }
}

void
sfu_rtcp_from_publisher(struct sfu_track *const *tracks, unsigned count, const uint8_t *data, size_t len,
    int64_t now_us)
{
    struct sfu_rtcp_iter it;
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_sr sr;

    sfu_rtcp_iter_init(&it, data, len);
    while (sfu_rtcp_next(&it, &pkt) > 0) {
        if (pkt.type == SFU_RTCP_SR && sfu_rtcp_parse_sr(&pkt, &sr) == SFU_RTCP_OK) {
            sender_report(tracks, count, &sr, now_us);
        }
    }
}

static void
subscriber_nack(sfu_downtrack_lookup find, void *ctx, const struct sfu_rtcp_fb *fb)
{
    struct sfu_downtrack *d = find(ctx, fb->media_ssrc);
    uint16_t lost[17], pid, blp;
    unsigned i, n;

    if (d == NULL) {
        return;
    }
    for (i = 0; i < sfu_rtcp_nack_items(fb); i++) {
        sfu_rtcp_nack_item(fb, i, &pid, &blp);
        n = sfu_rtcp_nack_expand(pid, blp, lost);
        sfu_downtrack_nack(d, lost, n);
    }
}

static void
request_keyframe(sfu_downtrack_lookup find, void *ctx, uint32_t ssrc, int64_t now_us)
{
    struct sfu_downtrack *d = find(ctx, ssrc);

    if (d != NULL) {
        sfu_downtrack_request_keyframe(d, now_us);
    }
}

/* The subscriber's loss on its video streams (in an RR, or in the blocks of its own SR). */
static void
subscriber_reports(sfu_downtrack_lookup find, void *ctx, struct sfu_bwe *bwe, const struct sfu_rtcp_reports *r,
    int64_t now_us)
{
    struct sfu_rtcp_report_block block;
    struct sfu_downtrack *d;
    unsigned i;

    for (i = 0; i < r->count; i++) {
        sfu_rtcp_report_block(r, i, &block);
        d = find(ctx, block.ssrc);
        if (d != NULL && d->fwd.video) {
            sfu_bwe_loss(bwe, block.fraction_lost, now_us);
        }
    }
}

void
sfu_rtcp_from_subscriber(sfu_downtrack_lookup find, void *ctx, struct sfu_bwe *bwe, const uint8_t *data,
    size_t len, int64_t now_us)
{
    struct sfu_rtcp_iter it;
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_remb remb;
    struct sfu_rtcp_fb fb;
    struct sfu_rtcp_rr rr;
    struct sfu_rtcp_sr sr;
    uint32_t ssrc;
    uint8_t seq_nr;
    unsigned i;

    sfu_rtcp_iter_init(&it, data, len);
    while (sfu_rtcp_next(&it, &pkt) > 0) {
        if (pkt.type == SFU_RTCP_RR && sfu_rtcp_parse_rr(&pkt, &rr) == SFU_RTCP_OK) {
            subscriber_reports(find, ctx, bwe, &rr.reports, now_us);
            continue;
        }
        if (pkt.type == SFU_RTCP_SR && sfu_rtcp_parse_sr(&pkt, &sr) == SFU_RTCP_OK) {
            subscriber_reports(find, ctx, bwe, &sr.reports, now_us);
            continue;
        }
        if ((pkt.type != SFU_RTCP_RTPFB && pkt.type != SFU_RTCP_PSFB) || sfu_rtcp_parse_fb(&pkt, &fb) != SFU_RTCP_OK) {
            continue;
        }
        if (pkt.type == SFU_RTCP_RTPFB && fb.fmt == SFU_RTCP_RTPFB_NACK) {
            subscriber_nack(find, ctx, &fb);
        } else if (pkt.type == SFU_RTCP_PSFB && fb.fmt == SFU_RTCP_PSFB_PLI) {
            request_keyframe(find, ctx, fb.media_ssrc, now_us);
        } else if (pkt.type == SFU_RTCP_PSFB && fb.fmt == SFU_RTCP_PSFB_AFB) {
            if (sfu_rtcp_parse_remb(&fb, &remb) == SFU_RTCP_OK) {
                sfu_bwe_remb(bwe, remb.bitrate, now_us);
            }
        } else if (pkt.type == SFU_RTCP_PSFB && fb.fmt == SFU_RTCP_PSFB_FIR) {
            /* FIR names its SSRCs in the entries; the media SSRC field is unused (RFC 5104 4.3.1). */
            for (i = 0; i < sfu_rtcp_fir_entries(&fb); i++) {
                sfu_rtcp_fir_entry(&fb, i, &ssrc, &seq_nr);
                request_keyframe(find, ctx, ssrc, now_us);
            }
        }
    }
}
