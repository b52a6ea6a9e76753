/*
 * forward: one track's packets rewritten for one subscriber; see forward.h.
 */
#include "forward.h"

#include <string.h>

#include "rtp_bytes.h"

/* A same-SSRC jump larger than this is a restarted sender, not loss or reordering. */
#define FORWARD_MAX_JUMP 3000

void
sfu_forward_init(struct sfu_forward *f, uint32_t ssrc, uint8_t pt, uint32_t clock_rate, bool video,
    uint16_t first_seq, uint32_t first_ts)
{
    memset(f, 0, sizeof(*f));
    f->ssrc = ssrc;
    f->pt = pt;
    f->clock_rate = clock_rate;
    f->video = video;
    /* Not started: the first mapping puts first_seq and first_ts on the first packet. */
    f->max_seq = (uint16_t)(first_seq - 1);
    f->max_ts = first_ts;
    f->rtx_seq = (uint16_t)(first_seq * 7 + 1);
}

void
sfu_forward_set_rtx(struct sfu_forward *f, uint32_t rtx_ssrc, uint8_t rtx_pt)
{
    f->rtx = true;
    f->rtx_ssrc = rtx_ssrc;
    f->rtx_pt = rtx_pt;
}

void
sfu_forward_map_ext(struct sfu_forward *f, uint8_t publisher_id, uint8_t subscriber_id)
{
    if (publisher_id != 0) {
        f->ext_map[publisher_id] = subscriber_id;
    }
}

void
sfu_forward_restart(struct sfu_forward *f)
{
    f->restart = true;
}

/* Does src begin a new mapping? */
static bool
source_changed(const struct sfu_forward *f, const struct sfu_rtp_packet *src)
{
    int diff;

    if (!f->started || f->restart || src->ssrc != f->src_ssrc) {
        return true;
    }
    diff = sfu_seq_diff(src->seq, f->src_max_seq);
    return diff > FORWARD_MAX_JUMP || diff < -FORWARD_MAX_JUMP;
}

/* Numbers the new stream on from what the subscriber last got, as if nothing had happened. */
static void
start_mapping(struct sfu_forward *f, const struct sfu_rtp_packet *src, int64_t now_us)
{
    uint32_t gap = 1;

    if (f->started) {
        if (now_us > f->max_time_us) {
            gap = (uint32_t)((now_us - f->max_time_us) * (int64_t)f->clock_rate / 1000000);
        }
        if (gap == 0) {
            gap = 1;
        }
        if (src->ssrc != f->src_ssrc) {
            f->old_src_ssrc = f->src_ssrc;
        }
    } else {
        gap = 0;
    }
    f->seq_delta = (uint16_t)(f->max_seq + 1 - src->seq);
    f->ts_delta = f->max_ts + gap - src->timestamp;
    f->first_seq = (uint16_t)(f->max_seq + 1);
    f->src_ssrc = src->ssrc;
    f->src_max_seq = src->seq;
    f->started = true;
    f->restart = false;
    sfu_vp8_numbering_restart(&f->vp8_numbering);
}

/* Copies src into out with the view rebased there, then applies the extension map. */
static int
copy_packet(const struct sfu_forward *f, const struct sfu_rtp_packet *src, uint8_t *out, size_t max_len,
    struct sfu_rtp_packet *pkt)
{
    if (src->len > max_len) {
        return SFU_FORWARD_ERROR;
    }
    memcpy(out, src->data, src->len);
    *pkt = *src;
    pkt->data = out;
    pkt->payload = out + (src->payload - src->data);
    if (src->ext != NULL) {
        pkt->ext = out + (src->ext - src->data);
        if (sfu_rtp_ext_remap(pkt, f->ext_map) != SFU_RTP_OK) {
            return SFU_FORWARD_ERROR;
        }
    }
    return SFU_FORWARD_SEND;
}

int
sfu_forward_packet(struct sfu_forward *f, const struct sfu_rtp_packet *src, bool keyframe, int64_t now_us,
    uint8_t *out, size_t max_len, size_t *len)
{
    struct sfu_rtp_packet pkt;
    uint16_t seq;
    int rc;

    /* Unless a restart asked for a new mapping: a simulcast switch may go back to the stream before. */
    if (f->started && !f->restart && src->ssrc == f->old_src_ssrc && src->ssrc != f->src_ssrc) {
        return SFU_FORWARD_DROP;
    }
    if (source_changed(f, src)) {
        if (f->video && !keyframe) {
            return SFU_FORWARD_NEED_KEYFRAME;
        }
        start_mapping(f, src, now_us);
    }
    seq = (uint16_t)(src->seq + f->seq_delta);
    /* Reordered packets from before this mapping began would reach the subscriber as very old or very new. */
    if (sfu_seq_diff(seq, f->first_seq) < 0) {
        return SFU_FORWARD_DROP;
    }
    if ((rc = copy_packet(f, src, out, max_len, &pkt)) != SFU_FORWARD_SEND) {
        return rc;
    }
    sfu_rtp_set_ssrc(&pkt, f->ssrc);
    sfu_rtp_set_payload_type(&pkt, f->pt);
    sfu_rtp_set_seq(&pkt, seq);
    sfu_rtp_set_timestamp(&pkt, sfu_forward_timestamp(f, src->timestamp));
    if (f->vp8) {
        sfu_vp8_numbering_apply(&f->vp8_numbering, pkt.payload, pkt.payload_len, true);
    }
    if (sfu_seq_newer(seq, f->max_seq)) {
        f->max_seq = seq;
        f->max_ts = pkt.timestamp;
        f->max_time_us = now_us;
        f->src_max_seq = src->seq;
    }
    f->packets++;
    f->octets += (uint32_t)src->payload_len;
    f->bytes += src->len;
    *len = src->len;
    return SFU_FORWARD_SEND;
}

bool
sfu_forward_source_seq(const struct sfu_forward *f, uint16_t out_seq, uint16_t *src_seq)
{
    if (!f->started || sfu_seq_diff(out_seq, f->first_seq) < 0 || sfu_seq_diff(out_seq, f->max_seq) > 0) {
        return false;
    }
    *src_seq = (uint16_t)(out_seq - f->seq_delta);
    return true;
}

int
sfu_forward_resend(struct sfu_forward *f, const struct sfu_rtp_packet *cached, uint16_t out_seq,
    uint8_t *out, size_t max_len, size_t *len)
{
    struct sfu_rtp_packet pkt;
    size_t header_len = (size_t)(cached->payload - cached->data);
    int rc;

    if (cached->ssrc != f->src_ssrc) {
        return SFU_FORWARD_DROP;
    }
    if ((rc = copy_packet(f, cached, out, max_len, &pkt)) != SFU_FORWARD_SEND) {
        return rc;
    }
    sfu_rtp_set_timestamp(&pkt, sfu_forward_timestamp(f, cached->timestamp));
    *len = cached->len;
    if (!f->rtx) {
        sfu_rtp_set_ssrc(&pkt, f->ssrc);
        sfu_rtp_set_payload_type(&pkt, f->pt);
        sfu_rtp_set_seq(&pkt, out_seq);
        if (f->vp8) {
            sfu_vp8_numbering_apply(&f->vp8_numbering, pkt.payload, pkt.payload_len, false);
        }
    } else {
        /* RFC 4588: the original sequence number, then the original payload, without its padding. */
        if (header_len + 2 + cached->payload_len > max_len) {
            return SFU_FORWARD_ERROR;
        }
        memcpy(out + header_len + 2, cached->payload, cached->payload_len);
        if (f->vp8) {
            sfu_vp8_numbering_apply(&f->vp8_numbering, out + header_len + 2, cached->payload_len, false);
        }
        sfu_put_be16(out + header_len, out_seq);
        out[0] &= (uint8_t)~0x20;
        sfu_rtp_set_ssrc(&pkt, f->rtx_ssrc);
        sfu_rtp_set_payload_type(&pkt, f->rtx_pt);
        sfu_rtp_set_seq(&pkt, f->rtx_seq++);
        *len = header_len + 2 + cached->payload_len;
    }
    f->retransmitted++;
    f->bytes += *len;
    return SFU_FORWARD_SEND;
}
