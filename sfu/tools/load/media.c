/*
 * media: the synthetic publisher of media.h.
 */

#include "media.h"

#include "rtp_bytes.h"
#include "stamp.h"

#include <glib.h>
#include <string.h>

#define FRAME_NS        (1000000000u / LOAD_MEDIA_FPS)
#define STALL_NS        200000000u
#define VP8_FIRST_LEN   (1 + 3)        /* descriptor + frame tag */
#define VP8_KEY_LEN     (VP8_FIRST_LEN + 7)
#define VIDEO_WIDTH     640
#define VIDEO_HEIGHT    360

static const char *const layer_rids[LOAD_MEDIA_MAX_LAYERS] = { "h", "m", "l" };
static const unsigned layer_divisor[LOAD_MEDIA_MAX_LAYERS] = { 1, 3, 10 };

static void
stream_init(load_tx_stream_t *s, uint32_t stream_id, uint8_t pt)
{
    memset(s, 0, sizeof(*s));
    s->stream_id = stream_id;
    s->pt = pt;
    s->ssrc = g_random_int();
    s->seq = (uint16_t) g_random_int();
    s->ts_base = g_random_int();
}

void
load_media_init(load_media_t *m, unsigned publisher, unsigned layers,
                unsigned kbps, double pacing, uint64_t now_ns)
{
    memset(m, 0, sizeof(*m));
    m->pacing = pacing;
    stream_init(&m->audio, LOAD_STREAM_ID(publisher, LOAD_STREAM_AUDIO),
                LOAD_PT_OPUS);
    m->layers = layers;
    m->sending_layers = layers;
    for (unsigned i = 0; i < layers; i++) {
        load_tx_stream_t *v = &m->video[i];

        stream_init(v, LOAD_STREAM_ID(publisher, LOAD_STREAM_VIDEO + i),
                    LOAD_PT_VP8);
        v->kbps = kbps / layer_divisor[i];
        if (layers > 1) {
            v->mid = "1";
            v->rid = layer_rids[i];
        }
    }
    if (layers > 1) {
        m->audio.mid = "0";
    }
    load_media_start(m, now_ns);
}

void
load_media_start(load_media_t *m, uint64_t now_ns)
{
    unsigned kbps = 0;

    for (unsigned i = 0; i < m->sending_layers; i++) {
        kbps += m->video[i].kbps;
    }
    load_pacer_init(&m->pacer, kbps, m->pacing);
    m->start_ns = now_ns;
    m->audio_n = 0;
    m->frame_n = 0;
    m->key_wanted = true;
}

/* The header, with a one-byte extension block (RFC 8285) for mid/rid. */
static size_t
put_header(uint8_t *buf, load_tx_stream_t *s, bool marker, uint32_t ts)
{
    size_t off = 12, start;

    buf[0] = 0x80;
    buf[1] = (uint8_t) ((marker ? 0x80 : 0) | s->pt);
    sfu_put_be16(buf + 2, s->seq++);
    sfu_put_be32(buf + 4, s->ts_base + ts);
    sfu_put_be32(buf + 8, s->ssrc);
    if (s->mid == NULL && s->rid == NULL) {
        return off;
    }
    buf[0] |= 0x10;
    buf[off++] = 0xBE;
    buf[off++] = 0xDE;
    off += 2;
    start = off;
    for (unsigned i = 0; i < 2; i++) {
        const char *v = i == 0 ? s->mid : s->rid;
        size_t      len;

        if (v == NULL) {
            continue;
        }
        len = strlen(v);
        buf[off++] = (uint8_t) ((i == 0 ? LOAD_EXT_MID : LOAD_EXT_RID) << 4
                                | (len - 1));
        memcpy(buf + off, v, len);
        off += len;
    }
    while ((off - start) % 4 != 0) {
        buf[off++] = 0;
    }
    sfu_put_be16(buf + start - 2, (uint16_t) ((off - start) / 4));
    return off;
}

size_t
load_media_audio_packet(uint8_t *buf, load_tx_stream_t *s, uint32_t ts,
                        uint64_t now_ns)
{
    size_t off = put_header(buf, s, false, ts);

    /* TOC: CELT-only fullband 20 ms, mono, one frame (RFC 6716 3.1) */
    buf[off] = 0xF8;
    load_stamp_write(buf + off, LOAD_MEDIA_OPUS_BYTES, s->stream_id, now_ns);
    return off + LOAD_MEDIA_OPUS_BYTES;
}

size_t
load_media_vp8_packet(uint8_t *buf, load_tx_stream_t *s, uint32_t ts,
                      bool key, bool first, bool last, size_t payload_len,
                      uint64_t now_ns)
{
    size_t   off = put_header(buf, s, last, ts);
    uint8_t *p = buf + off;
    uint32_t tag;

    /* payload descriptor (RFC 7741 4.2): S on a frame's first packet, PID 0 */
    p[0] = first ? 0x10 : 0x00;
    if (first) {
        /* frame tag (RFC 6386 9.1): P inverted key bit, version 0,
           show_frame, first partition size */
        tag = (key ? 0u : 1u) | 1u << 4 | (uint32_t) (payload_len / 2) << 5;
        p[1] = (uint8_t) tag;
        p[2] = (uint8_t) (tag >> 8);
        p[3] = (uint8_t) (tag >> 16);
        if (key) {
            p[4] = 0x9D;
            p[5] = 0x01;
            p[6] = 0x2A;
            p[7] = (uint8_t) VIDEO_WIDTH;
            p[8] = (uint8_t) (VIDEO_WIDTH >> 8);
            p[9] = (uint8_t) VIDEO_HEIGHT;
            p[10] = (uint8_t) (VIDEO_HEIGHT >> 8);
        }
    }
    load_stamp_write(p, payload_len, s->stream_id, now_ns);
    return off + payload_len;
}

size_t
load_media_frame_bytes(unsigned kbps, bool key)
{
    /* a key frame every KEY_NS is KEY_FACTOR delta frames, so that the
       average stays at kbps */
    uint64_t per_key = (uint64_t) LOAD_MEDIA_FPS * (LOAD_MEDIA_KEY_NS / 1000000000u);
    uint64_t bytes_per_period = (uint64_t) kbps * 1000 / 8
                                * (LOAD_MEDIA_KEY_NS / 1000000000u);
    uint64_t delta = bytes_per_period / (per_key - 1 + LOAD_MEDIA_KEY_FACTOR);
    uint64_t min = VP8_KEY_LEN + LOAD_STAMP_LEN;

    if (key) {
        delta *= LOAD_MEDIA_KEY_FACTOR;
    }
    return delta < min ? (size_t) min : (size_t) delta;
}

unsigned
load_media_split(size_t frame_bytes, size_t max_payload, size_t *first,
                 size_t *each)
{
    unsigned n = (unsigned) ((frame_bytes + max_payload - 1) / max_payload);

    if (n == 0) {
        n = 1;
    }
    *each = frame_bytes / n;
    *first = *each + frame_bytes % n;
    return n;
}

static size_t
header_bytes(const load_tx_stream_t *v)
{
    return v->mid != NULL ? 12 + 8 : 12;
}

/* Queues the frame of every layer sent, captured at capture_ns. */
static void
capture_frame(load_media_t *m, bool key, uint32_t ts, uint64_t capture_ns)
{
    for (unsigned i = 0; i < m->sending_layers; i++) {
        load_tx_stream_t *v = &m->video[i];
        load_frame_t      f = { .capture_ns = capture_ns, .ts = ts,
                                .layer = i, .key = key };

        f.packets = load_media_split(load_media_frame_bytes(v->kbps, key),
                                     LOAD_MEDIA_MAX_PACKET - header_bytes(v),
                                     &f.first, &f.each);
        load_pacer_push(&m->pacer, &f);
    }
}

/* Sends the video packets the pacer lets go by now. */
static void
send_paced(load_media_t *m, uint64_t now_ns, uint8_t *buf,
           load_media_send_t send, void *ctx)
{
    load_frame_t *f;
    uint64_t      due;

    while ((f = load_pacer_due(&m->pacer, now_ns, &due)) != NULL) {
        load_tx_stream_t *v = &m->video[f->layer];
        bool              first = f->sent == 0;
        size_t            len;

        len = load_media_vp8_packet(buf, v, f->ts, f->key, first,
                                    f->sent + 1 == f->packets,
                                    first ? f->first : f->each, now_ns);
        send(ctx, buf, len, due);
        load_pacer_sent(&m->pacer, len, due, now_ns);
    }
}

void
load_media_tick(load_media_t *m, uint64_t now_ns, uint8_t *buf,
                load_media_send_t send, void *ctx)
{
    uint64_t due;

    /* audio: 20 ms packets, 960 samples at 48 kHz, not paced (as
       WebRTC's pacer lets audio through) */
    due = m->start_ns + m->audio_n * LOAD_MEDIA_AUDIO_NS;
    if (now_ns > due + STALL_NS) {
        m->audio_n = (now_ns - m->start_ns) / LOAD_MEDIA_AUDIO_NS;
        m->late++;
    }
    while ((due = m->start_ns + m->audio_n * LOAD_MEDIA_AUDIO_NS) <= now_ns) {
        size_t len = load_media_audio_packet(buf, &m->audio,
                                             (uint32_t) (m->audio_n * 960), now_ns);

        send(ctx, buf, len, due);
        m->audio_n++;
    }
    if (m->layers == 0) {
        return;
    }

    /* video: frames at 90 kHz, all layers at once, into the pacer */
    due = m->start_ns + m->frame_n * FRAME_NS;
    if (now_ns > due + STALL_NS) {
        m->frame_n = (now_ns - m->start_ns) / FRAME_NS;
    }
    while ((due = m->start_ns + m->frame_n * FRAME_NS) <= now_ns) {
        bool key = m->key_wanted || now_ns - m->last_key_ns >= LOAD_MEDIA_KEY_NS;

        capture_frame(m, key, (uint32_t) (m->frame_n * (90000 / LOAD_MEDIA_FPS)),
                      due);
        if (key) {
            m->key_wanted = false;
            m->last_key_ns = now_ns;
        }
        m->frame_n++;
    }
    send_paced(m, now_ns, buf, send, ctx);
}

void
load_media_want_key(load_media_t *m)
{
    m->key_wanted = true;
}
