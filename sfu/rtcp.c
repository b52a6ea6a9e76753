/*
 * RTCP compound walk, per-type readers and writers; see rtcp.h.
 */
#include "rtcp.h"

#include <string.h>

#include "rtp_bytes.h"

#define RTCP_HEADER_LEN 4
#define REPORT_BLOCK_LEN 24
#define SR_INFO_LEN 24          /* sender SSRC and sender info */
#define FB_HEADER_LEN 8         /* sender and media SSRC */
#define TWCC_HEADER_LEN 8
#define NACK_ITEM_LEN 4         /* PID and BLP (RFC 4585 6.2.1) */
#define FIR_ENTRY_LEN 8         /* SSRC, seq nr, reserved (RFC 5104 4.3.1.1) */

void
sfu_rtcp_iter_init(struct sfu_rtcp_iter *it, const uint8_t *data, size_t len)
{
    it->data = data;
    it->len = len;
    it->off = 0;
}

int
sfu_rtcp_next(struct sfu_rtcp_iter *it, struct sfu_rtcp_packet *pkt)
{
    const uint8_t *p = it->data + it->off;
    size_t left = it->len - it->off, total, pad = 0;

    if (left == 0) {
        return 0;
    }
    /* Any error ends the walk: the bytes after it cannot be framed. */
    it->off = it->len;
    if (left < RTCP_HEADER_LEN) {
        return SFU_RTCP_ETOOSHORT;
    }
    if (p[0] >> 6 != 2) {
        return SFU_RTCP_EVERSION;
    }
    total = 4 * ((size_t)sfu_get_be16(p + 2) + 1);
    if (total > left) {
        return SFU_RTCP_ETOOSHORT;
    }
    if (p[0] & 0x20) {
        pad = p[total - 1];
        if (pad == 0 || pad > total - RTCP_HEADER_LEN) {
            return SFU_RTCP_EPADDING;
        }
    }
    pkt->type = p[1];
    pkt->count = p[0] & 0x1F;
    pkt->body = p + RTCP_HEADER_LEN;
    pkt->body_len = total - RTCP_HEADER_LEN - pad;
    it->off = (size_t)(p - it->data) + total;
    return 1;
}

uint32_t
sfu_rtcp_ssrc_at(const uint8_t *list, unsigned index)
{
    return sfu_get_be32(list + 4 * (size_t)index);
}

void
sfu_rtcp_report_block(const struct sfu_rtcp_reports *r, unsigned index,
    struct sfu_rtcp_report_block *block)
{
    const uint8_t *b = r->blocks + (size_t)index * REPORT_BLOCK_LEN;
    uint32_t lost = sfu_get_be24(b + 5);

    block->ssrc = sfu_get_be32(b);
    block->fraction_lost = b[4];
    /* Sign-extend the 24-bit count: duplicates can make it negative. */
    block->cumulative_lost = (int32_t)(lost ^ 0x800000) - 0x800000;
    block->highest_seq = sfu_get_be32(b + 8);
    block->jitter = sfu_get_be32(b + 12);
    block->last_sr = sfu_get_be32(b + 16);
    block->delay_since_last_sr = sfu_get_be32(b + 20);
}

static int
parse_reports(const struct sfu_rtcp_packet *pkt, size_t off, struct sfu_rtcp_reports *r)
{
    /* Profile-specific extensions may follow the blocks; they are left alone. */
    if (pkt->body_len < off || (pkt->body_len - off) / REPORT_BLOCK_LEN < pkt->count) {
        return SFU_RTCP_EMALFORMED;
    }
    r->count = pkt->count;
    r->blocks = pkt->body + off;
    return SFU_RTCP_OK;
}

int
sfu_rtcp_parse_sr(const struct sfu_rtcp_packet *pkt, struct sfu_rtcp_sr *sr)
{
    const uint8_t *b = pkt->body;

    if (pkt->type != SFU_RTCP_SR || pkt->body_len < SR_INFO_LEN) {
        return SFU_RTCP_EMALFORMED;
    }
    sr->ssrc = sfu_get_be32(b);
    sr->ntp_time = (uint64_t)sfu_get_be32(b + 4) << 32 | sfu_get_be32(b + 8);
    sr->rtp_time = sfu_get_be32(b + 12);
    sr->packet_count = sfu_get_be32(b + 16);
    sr->octet_count = sfu_get_be32(b + 20);
    return parse_reports(pkt, SR_INFO_LEN, &sr->reports);
}

int
sfu_rtcp_parse_rr(const struct sfu_rtcp_packet *pkt, struct sfu_rtcp_rr *rr)
{
    if (pkt->type != SFU_RTCP_RR || pkt->body_len < 4) {
        return SFU_RTCP_EMALFORMED;
    }
    rr->ssrc = sfu_get_be32(pkt->body);
    return parse_reports(pkt, 4, &rr->reports);
}

void
sfu_rtcp_sdes_iter_init(struct sfu_rtcp_sdes_iter *it, const struct sfu_rtcp_packet *pkt)
{
    it->pkt = pkt;
    it->off = 0;
    it->chunks_left = pkt->type == SFU_RTCP_SDES ? pkt->count : 0;
    it->in_chunk = false;
    it->ssrc = 0;
}

int
sfu_rtcp_sdes_next(struct sfu_rtcp_sdes_iter *it, struct sfu_rtcp_sdes_item *item)
{
    const uint8_t *b = it->pkt->body;
    size_t len = it->pkt->body_len, text_len;

    for (;;) {
        if (!it->in_chunk) {
            if (it->chunks_left == 0) {
                return 0;
            }
            if (len - it->off < 4) {
                return SFU_RTCP_EMALFORMED;
            }
            it->ssrc = sfu_get_be32(b + it->off);
            it->off += 4;
            it->chunks_left--;
            it->in_chunk = true;
        }
        if (it->off >= len) {
            return SFU_RTCP_EMALFORMED;
        }
        if (b[it->off] == 0) {
            /* The end item, then null bytes up to the next 32-bit boundary. */
            it->off = (it->off + 4) & ~(size_t)3;
            if (it->off > len) {
                return SFU_RTCP_EMALFORMED;
            }
            it->in_chunk = false;
            continue;
        }
        if (len - it->off < 2 || (text_len = b[it->off + 1]) > len - it->off - 2) {
            return SFU_RTCP_EMALFORMED;
        }
        item->ssrc = it->ssrc;
        item->type = b[it->off];
        item->text = b + it->off + 2;
        item->len = text_len;
        it->off += 2 + text_len;
        return 1;
    }
}

int
sfu_rtcp_parse_bye(const struct sfu_rtcp_packet *pkt, struct sfu_rtcp_bye *bye)
{
    size_t off = 4 * (size_t)pkt->count;

    if (pkt->type != SFU_RTCP_BYE || pkt->body_len < off) {
        return SFU_RTCP_EMALFORMED;
    }
    bye->count = pkt->count;
    bye->ssrcs = pkt->body;
    bye->reason = NULL;
    bye->reason_len = 0;
    if (off < pkt->body_len) {
        bye->reason_len = pkt->body[off];
        if (bye->reason_len > pkt->body_len - off - 1) {
            return SFU_RTCP_EMALFORMED;
        }
        bye->reason = pkt->body + off + 1;
    }
    return SFU_RTCP_OK;
}

int
sfu_rtcp_parse_fb(const struct sfu_rtcp_packet *pkt, struct sfu_rtcp_fb *fb)
{
    if ((pkt->type != SFU_RTCP_RTPFB && pkt->type != SFU_RTCP_PSFB) || pkt->body_len < FB_HEADER_LEN) {
        return SFU_RTCP_EMALFORMED;
    }
    fb->fmt = pkt->count;
    fb->sender_ssrc = sfu_get_be32(pkt->body);
    fb->media_ssrc = sfu_get_be32(pkt->body + 4);
    fb->fci = pkt->body + FB_HEADER_LEN;
    fb->fci_len = pkt->body_len - FB_HEADER_LEN;
    return SFU_RTCP_OK;
}

/* NACK and FIR carry a run of fixed-size entries in their FCI; a partial one at the end is not counted. */
static unsigned
fci_entries(const struct sfu_rtcp_fb *fb, size_t entry_len)
{
    return (unsigned)(fb->fci_len / entry_len);
}

static const uint8_t *
fci_entry(const struct sfu_rtcp_fb *fb, size_t entry_len, unsigned index)
{
    return fb->fci + entry_len * (size_t)index;
}

unsigned
sfu_rtcp_nack_items(const struct sfu_rtcp_fb *fb)
{
    return fci_entries(fb, NACK_ITEM_LEN);
}

void
sfu_rtcp_nack_item(const struct sfu_rtcp_fb *fb, unsigned index, uint16_t *pid, uint16_t *blp)
{
    const uint8_t *item = fci_entry(fb, NACK_ITEM_LEN, index);

    *pid = sfu_get_be16(item);
    *blp = sfu_get_be16(item + 2);
}

unsigned
sfu_rtcp_nack_expand(uint16_t pid, uint16_t blp, uint16_t lost[17])
{
    unsigned n = 0, bit;

    lost[n++] = pid;
    for (bit = 0; bit < 16; bit++) {
        if (blp & (1u << bit)) {
            lost[n++] = (uint16_t)(pid + bit + 1);
        }
    }
    return n;
}

unsigned
sfu_rtcp_fir_entries(const struct sfu_rtcp_fb *fb)
{
    return fci_entries(fb, FIR_ENTRY_LEN);
}

void
sfu_rtcp_fir_entry(const struct sfu_rtcp_fb *fb, unsigned index, uint32_t *ssrc, uint8_t *seq_nr)
{
    const uint8_t *entry = fci_entry(fb, FIR_ENTRY_LEN, index);

    *ssrc = sfu_get_be32(entry);
    *seq_nr = entry[4];
}

int
sfu_rtcp_parse_remb(const struct sfu_rtcp_fb *fb, struct sfu_rtcp_remb *remb)
{
    const uint8_t *f = fb->fci;
    unsigned exp;

    if (fb->fmt != SFU_RTCP_PSFB_AFB || fb->fci_len < 8 || memcmp(f, "REMB", 4) != 0) {
        return SFU_RTCP_EMALFORMED;
    }
    remb->ssrc_count = f[4];
    if ((fb->fci_len - 8) / 4 < remb->ssrc_count) {
        return SFU_RTCP_EMALFORMED;
    }
    exp = f[5] >> 2;
    /* An 18-bit mantissa shifted by up to 63 would overflow; saturate instead. */
    remb->bitrate = (uint64_t)(sfu_get_be24(f + 5) & 0x3FFFF);
    remb->bitrate = exp > 46 && remb->bitrate ? UINT64_MAX : remb->bitrate << exp;
    remb->ssrcs = f + 8;
    return SFU_RTCP_OK;
}

static unsigned
twcc_chunk_symbols(uint16_t chunk)
{
    if (!(chunk & 0x8000)) {
        return chunk & 0x1FFF;
    }
    return chunk & 0x4000 ? 7 : 14;
}

static uint8_t
twcc_chunk_symbol(uint16_t chunk, unsigned index)
{
    if (!(chunk & 0x8000)) {
        return (chunk >> 13) & 0x03;
    }
    if (chunk & 0x4000) {
        return (chunk >> (12 - 2 * index)) & 0x03;
    }
    return (chunk >> (13 - index)) & 0x01;
}

/*
 * Takes the next status from the chunks, and its delta; assumes the chunks
 * cover status_count. Returns false when a delta runs past the packet or
 * the symbol is the reserved one.
 */
static bool
twcc_step(struct sfu_rtcp_twcc_iter *it, struct sfu_rtcp_twcc_status *status)
{
    const struct sfu_rtcp_twcc *t = it->twcc;
    uint16_t chunk = sfu_get_be16(t->chunks + it->chunk_off);

    while (it->in_chunk >= twcc_chunk_symbols(chunk)) {
        it->chunk_off += 2;
        it->in_chunk = 0;
        chunk = sfu_get_be16(t->chunks + it->chunk_off);
    }
    status->seq = (uint16_t)(t->base_seq + it->index);
    status->symbol = twcc_chunk_symbol(chunk, it->in_chunk);
    status->delta = 0;
    it->in_chunk++;
    it->index++;
    switch (status->symbol) {
    case SFU_TWCC_NOT_RECEIVED:
        return true;
    case SFU_TWCC_SMALL_DELTA:
        if (t->deltas_len - it->delta_off < 1) {
            return false;
        }
        status->delta = t->deltas[it->delta_off];
        it->delta_off += 1;
        return true;
    case SFU_TWCC_LARGE_DELTA:
        if (t->deltas_len - it->delta_off < 2) {
            return false;
        }
        status->delta = (int16_t)sfu_get_be16(t->deltas + it->delta_off);
        it->delta_off += 2;
        return true;
    default:
        return false;
    }
}

int
sfu_rtcp_parse_twcc(const struct sfu_rtcp_fb *fb, struct sfu_rtcp_twcc *twcc)
{
    const uint8_t *f = fb->fci;
    struct sfu_rtcp_twcc_iter it;
    struct sfu_rtcp_twcc_status status;
    size_t off = TWCC_HEADER_LEN;
    unsigned covered = 0;

    if (fb->fmt != SFU_RTCP_RTPFB_TWCC || fb->fci_len < TWCC_HEADER_LEN) {
        return SFU_RTCP_EMALFORMED;
    }
    twcc->base_seq = sfu_get_be16(f);
    twcc->status_count = sfu_get_be16(f + 2);
    twcc->reference_time = (int32_t)(sfu_get_be24(f + 4) ^ 0x800000) - 0x800000;
    twcc->fb_pkt_count = f[7];
    while (covered < twcc->status_count) {
        if (fb->fci_len - off < 2) {
            return SFU_RTCP_EMALFORMED;
        }
        covered += twcc_chunk_symbols(sfu_get_be16(f + off));
        off += 2;
    }
    twcc->chunks = f + TWCC_HEADER_LEN;
    twcc->chunks_len = off - TWCC_HEADER_LEN;
    twcc->deltas = f + off;
    twcc->deltas_len = fb->fci_len - off;
    sfu_rtcp_twcc_iter_init(&it, twcc);
    while (it.index < twcc->status_count) {
        if (!twcc_step(&it, &status)) {
            return SFU_RTCP_EMALFORMED;
        }
    }
    return SFU_RTCP_OK;
}

void
sfu_rtcp_twcc_iter_init(struct sfu_rtcp_twcc_iter *it, const struct sfu_rtcp_twcc *twcc)
{
    memset(it, 0, sizeof(*it));
    it->twcc = twcc;
}

bool
sfu_rtcp_twcc_next(struct sfu_rtcp_twcc_iter *it, struct sfu_rtcp_twcc_status *status)
{
    return it->index < it->twcc->status_count && twcc_step(it, status);
}

void
sfu_rtcp_writer_init(struct sfu_rtcp_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
}

/* Claims a packet of len bytes (a multiple of 4) and writes its header. */
static uint8_t *
begin_packet(struct sfu_rtcp_writer *w, uint8_t count, uint8_t type, size_t len)
{
    uint8_t *p;

    if (len > w->cap - w->len || len / 4 - 1 > 0xFFFF) {
        return NULL;
    }
    p = w->buf + w->len;
    memset(p, 0, len);
    p[0] = (uint8_t)(0x80 | count);
    p[1] = type;
    sfu_put_be16(p + 2, (uint16_t)(len / 4 - 1));
    w->len += len;
    return p;
}

static void
put_report_blocks(uint8_t *p, const struct sfu_rtcp_report_block *blocks, unsigned count)
{
    unsigned i;

    for (i = 0; i < count; i++, p += REPORT_BLOCK_LEN) {
        sfu_put_be32(p, blocks[i].ssrc);
        p[4] = blocks[i].fraction_lost;
        sfu_put_be24(p + 5, (uint32_t)blocks[i].cumulative_lost & 0xFFFFFF);
        sfu_put_be32(p + 8, blocks[i].highest_seq);
        sfu_put_be32(p + 12, blocks[i].jitter);
        sfu_put_be32(p + 16, blocks[i].last_sr);
        sfu_put_be32(p + 20, blocks[i].delay_since_last_sr);
    }
}

int
sfu_rtcp_write_sr(struct sfu_rtcp_writer *w, const struct sfu_rtcp_sr *sr,
    const struct sfu_rtcp_report_block *blocks, unsigned count)
{
    uint8_t *p;

    if (count > SFU_RTCP_MAX_REPORTS) {
        return SFU_RTCP_EINVAL;
    }
    p = begin_packet(w, (uint8_t)count, SFU_RTCP_SR, RTCP_HEADER_LEN + SR_INFO_LEN + REPORT_BLOCK_LEN * count);
    if (p == NULL) {
        return SFU_RTCP_ENOSPC;
    }
    sfu_put_be32(p + 4, sr->ssrc);
    sfu_put_be32(p + 8, (uint32_t)(sr->ntp_time >> 32));
    sfu_put_be32(p + 12, (uint32_t)sr->ntp_time);
    sfu_put_be32(p + 16, sr->rtp_time);
    sfu_put_be32(p + 20, sr->packet_count);
    sfu_put_be32(p + 24, sr->octet_count);
    put_report_blocks(p + RTCP_HEADER_LEN + SR_INFO_LEN, blocks, count);
    return SFU_RTCP_OK;
}

int
sfu_rtcp_write_rr(struct sfu_rtcp_writer *w, uint32_t ssrc,
    const struct sfu_rtcp_report_block *blocks, unsigned count)
{
    uint8_t *p;

    if (count > SFU_RTCP_MAX_REPORTS) {
        return SFU_RTCP_EINVAL;
    }
    p = begin_packet(w, (uint8_t)count, SFU_RTCP_RR, RTCP_HEADER_LEN + 4 + REPORT_BLOCK_LEN * count);
    if (p == NULL) {
        return SFU_RTCP_ENOSPC;
    }
    sfu_put_be32(p + 4, ssrc);
    put_report_blocks(p + 8, blocks, count);
    return SFU_RTCP_OK;
}

int
sfu_rtcp_write_sdes_cname(struct sfu_rtcp_writer *w, uint32_t ssrc, const char *cname, size_t len)
{
    uint8_t *p;

    if (len > 255) {
        return SFU_RTCP_EINVAL;
    }
    /* SSRC, CNAME item, then at least one null byte, padded to 32 bits. */
    p = begin_packet(w, 1, SFU_RTCP_SDES, RTCP_HEADER_LEN + ((4 + 2 + len + 1 + 3) & ~(size_t)3));
    if (p == NULL) {
        return SFU_RTCP_ENOSPC;
    }
    sfu_put_be32(p + 4, ssrc);
    p[8] = SFU_RTCP_SDES_CNAME;
    p[9] = (uint8_t)len;
    memcpy(p + 10, cname, len);
    return SFU_RTCP_OK;
}

int
sfu_rtcp_write_bye(struct sfu_rtcp_writer *w, const uint32_t *ssrcs, unsigned count)
{
    uint8_t *p;
    unsigned i;

    if (count > 31) {
        return SFU_RTCP_EINVAL;
    }
    p = begin_packet(w, (uint8_t)count, SFU_RTCP_BYE, RTCP_HEADER_LEN + 4 * (size_t)count);
    if (p == NULL) {
        return SFU_RTCP_ENOSPC;
    }
    for (i = 0; i < count; i++) {
        sfu_put_be32(p + 4 + 4 * i, ssrcs[i]);
    }
    return SFU_RTCP_OK;
}

static uint8_t *
begin_fb(struct sfu_rtcp_writer *w, uint8_t fmt, uint8_t type, uint32_t sender_ssrc,
    uint32_t media_ssrc, size_t fci_len)
{
    uint8_t *p = begin_packet(w, fmt, type, RTCP_HEADER_LEN + FB_HEADER_LEN + fci_len);

    if (p != NULL) {
        sfu_put_be32(p + 4, sender_ssrc);
        sfu_put_be32(p + 8, media_ssrc);
    }
    return p;
}

/* Counts (with fci == NULL) or writes the PID/BLP items for lost. */
static unsigned
pack_nack(const uint16_t *lost, unsigned count, uint8_t *fci)
{
    unsigned i, items = 0;
    uint16_t pid = 0, blp = 0;
    int d;

    for (i = 0; i < count; i++) {
        d = (uint16_t)(lost[i] - pid);
        if (items > 0 && d == 0) {
            continue;
        }
        if (items > 0 && d >= 1 && d <= 16) {
            blp |= (uint16_t)(1u << (d - 1));
        } else {
            if (fci != NULL && items > 0) {
                sfu_put_be16(fci + NACK_ITEM_LEN * (items - 1) + 2, blp);
            }
            pid = lost[i];
            blp = 0;
            if (fci != NULL) {
                sfu_put_be16(fci + NACK_ITEM_LEN * items, pid);
            }
            items++;
        }
    }
    if (fci != NULL && items > 0) {
        sfu_put_be16(fci + NACK_ITEM_LEN * (items - 1) + 2, blp);
    }
    return items;
}

int
sfu_rtcp_write_nack(struct sfu_rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc,
    const uint16_t *lost, unsigned count)
{
    unsigned items = pack_nack(lost, count, NULL);
    uint8_t *p;

    if (items == 0) {
        return SFU_RTCP_EINVAL;
    }
    p = begin_fb(w, SFU_RTCP_RTPFB_NACK, SFU_RTCP_RTPFB, sender_ssrc, media_ssrc, NACK_ITEM_LEN * (size_t)items);
    if (p == NULL) {
        return SFU_RTCP_ENOSPC;
    }
    pack_nack(lost, count, p + RTCP_HEADER_LEN + FB_HEADER_LEN);
    return SFU_RTCP_OK;
}

int
sfu_rtcp_write_pli(struct sfu_rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc)
{
    return begin_fb(w, SFU_RTCP_PSFB_PLI, SFU_RTCP_PSFB, sender_ssrc, media_ssrc, 0)
        ? SFU_RTCP_OK : SFU_RTCP_ENOSPC;
}

int
sfu_rtcp_write_fir(struct sfu_rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq_nr)
{
    /* RFC 5104 4.3.1: the header's media SSRC is unused; the FCI names the stream. */
    uint8_t *p = begin_fb(w, SFU_RTCP_PSFB_FIR, SFU_RTCP_PSFB, sender_ssrc, 0, FIR_ENTRY_LEN);

    if (p == NULL) {
        return SFU_RTCP_ENOSPC;
    }
    sfu_put_be32(p + 12, media_ssrc);
    p[16] = seq_nr;
    return SFU_RTCP_OK;
}

int
sfu_rtcp_write_remb(struct sfu_rtcp_writer *w, uint32_t sender_ssrc, uint64_t bitrate,
    const uint32_t *ssrcs, unsigned count)
{
    unsigned exp = 0, i;
    uint8_t *p, *f;

    if (count > 255) {
        return SFU_RTCP_EINVAL;
    }
    while (bitrate >> exp > 0x3FFFF) {
        exp++;
    }
    p = begin_fb(w, SFU_RTCP_PSFB_AFB, SFU_RTCP_PSFB, sender_ssrc, 0, 8 + 4 * (size_t)count);
    if (p == NULL) {
        return SFU_RTCP_ENOSPC;
    }
    f = p + RTCP_HEADER_LEN + FB_HEADER_LEN;
    memcpy(f, "REMB", 4);
    f[4] = (uint8_t)count;
    sfu_put_be24(f + 5, (uint32_t)(exp << 18 | (bitrate >> exp)));
    for (i = 0; i < count; i++) {
        sfu_put_be32(f + 8 + 4 * i, ssrcs[i]);
    }
    return SFU_RTCP_OK;
}
