/*
 * RTP packet view, header extensions, in-place rewrites, demultiplexing and
 * sequence number arithmetic; see rtp.h.
 */
#include "rtp.h"

#include <string.h>

#include "rtp_bytes.h"

static bool
ext_is_one_byte(const struct sfu_rtp_packet *pkt)
{
    return pkt->ext_profile == SFU_RTP_EXT_ONE_BYTE;
}

static bool
ext_is_two_byte(const struct sfu_rtp_packet *pkt)
{
    return (pkt->ext_profile & SFU_RTP_EXT_TWO_BYTE_MASK) == SFU_RTP_EXT_TWO_BYTE;
}

/*
 * Reads the element at *off, skipping padding bytes first. Returns 1 with the
 * element, 0 at the end of the block, or SFU_RTP_EEXTENSION when an element
 * claims more bytes than the block holds. Other profiles have no elements.
 */
static int
ext_read(const struct sfu_rtp_packet *pkt, size_t *off, struct sfu_rtp_ext *ext)
{
    size_t o = *off, hdr, len;

    if (!ext_is_one_byte(pkt) && !ext_is_two_byte(pkt)) {
        return 0;
    }
    while (o < pkt->ext_len && pkt->ext[o] == 0) {
        o++;
    }
    if (o >= pkt->ext_len) {
        *off = o;
        return 0;
    }
    if (ext_is_one_byte(pkt)) {
        /* Id 15 is reserved: RFC 8285 says to stop reading the block there. */
        if (pkt->ext[o] >> 4 == 15) {
            *off = pkt->ext_len;
            return 0;
        }
        ext->id = pkt->ext[o] >> 4;
        len = (pkt->ext[o] & 0x0F) + 1;
        hdr = 1;
    } else {
        if (o + 2 > pkt->ext_len) {
            return SFU_RTP_EEXTENSION;
        }
        ext->id = pkt->ext[o];
        len = pkt->ext[o + 1];
        hdr = 2;
    }
    if (len > pkt->ext_len - o - hdr) {
        return SFU_RTP_EEXTENSION;
    }
    ext->value = pkt->ext + o + hdr;
    ext->len = len;
    *off = o + hdr + len;
    return 1;
}

int
sfu_rtp_parse(struct sfu_rtp_packet *pkt, uint8_t *data, size_t len)
{
    size_t off, end, ext_words, scan = 0;
    struct sfu_rtp_ext ext;
    int rc;

    if (len < SFU_RTP_HEADER_LEN) {
        return SFU_RTP_ETOOSHORT;
    }
    if (data[0] >> 6 != 2) {
        return SFU_RTP_EVERSION;
    }
    memset(pkt, 0, sizeof(*pkt));
    pkt->data = data;
    pkt->len = len;
    pkt->csrc_count = data[0] & 0x0F;
    pkt->marker = data[1] >> 7;
    pkt->payload_type = data[1] & 0x7F;
    pkt->seq = sfu_get_be16(data + 2);
    pkt->timestamp = sfu_get_be32(data + 4);
    pkt->ssrc = sfu_get_be32(data + 8);

    off = SFU_RTP_HEADER_LEN + 4u * pkt->csrc_count;
    if (off > len) {
        return SFU_RTP_ETOOSHORT;
    }
    if (data[0] & 0x10) {
        if (off + 4 > len) {
            return SFU_RTP_ETOOSHORT;
        }
        pkt->ext_profile = sfu_get_be16(data + off);
        ext_words = sfu_get_be16(data + off + 2);
        off += 4;
        if (4 * ext_words > len - off) {
            return SFU_RTP_ETOOSHORT;
        }
        pkt->ext = data + off;
        pkt->ext_len = 4 * ext_words;
        off += pkt->ext_len;
        while ((rc = ext_read(pkt, &scan, &ext)) > 0) {
        }
        if (rc < 0) {
            return rc;
        }
    }

    end = len;
    if (data[0] & 0x20) {
        pkt->padding_len = data[len - 1];
        if (pkt->padding_len == 0 || pkt->padding_len > len - off) {
            return SFU_RTP_EPADDING;
        }
        end -= pkt->padding_len;
    }
    pkt->payload = data + off;
    pkt->payload_len = end - off;
    return SFU_RTP_OK;
}

uint32_t
sfu_rtp_csrc(const struct sfu_rtp_packet *pkt, unsigned index)
{
    return index < pkt->csrc_count ? sfu_get_be32(pkt->data + SFU_RTP_HEADER_LEN + 4 * index) : 0;
}

void
sfu_rtp_ext_iter_init(struct sfu_rtp_ext_iter *it, const struct sfu_rtp_packet *pkt)
{
    it->pkt = pkt;
    it->off = 0;
}

bool
sfu_rtp_ext_next(struct sfu_rtp_ext_iter *it, struct sfu_rtp_ext *ext)
{
    /* The parse validated every element, so only the end stops the walk. */
    return ext_read(it->pkt, &it->off, ext) > 0;
}

int
sfu_rtp_ext_find(const struct sfu_rtp_packet *pkt, uint8_t id, struct sfu_rtp_ext *ext)
{
    struct sfu_rtp_ext_iter it;

    sfu_rtp_ext_iter_init(&it, pkt);
    while (sfu_rtp_ext_next(&it, ext)) {
        if (ext->id == id) {
            return SFU_RTP_OK;
        }
    }
    return SFU_RTP_ENOTFOUND;
}

int
sfu_rtp_ext_set(struct sfu_rtp_packet *pkt, uint8_t id, const uint8_t *value, size_t len)
{
    struct sfu_rtp_ext ext;

    if (sfu_rtp_ext_find(pkt, id, &ext) != SFU_RTP_OK) {
        return SFU_RTP_ENOTFOUND;
    }
    if (ext.len != len) {
        return SFU_RTP_ELENGTH;
    }
    memcpy(ext.value, value, len);
    return SFU_RTP_OK;
}

int
sfu_rtp_ext_remap(struct sfu_rtp_packet *pkt, const uint8_t map[256])
{
    struct sfu_rtp_ext_iter it;
    struct sfu_rtp_ext ext;
    uint8_t *id_byte;

    sfu_rtp_ext_iter_init(&it, pkt);
    while (sfu_rtp_ext_next(&it, &ext)) {
        if (ext_is_one_byte(pkt) && map[ext.id] > 14) {
            return SFU_RTP_ERANGE;
        }
    }
    sfu_rtp_ext_iter_init(&it, pkt);
    while (sfu_rtp_ext_next(&it, &ext)) {
        if (ext_is_one_byte(pkt)) {
            id_byte = ext.value - 1;
            if (map[ext.id] == 0) {
                memset(id_byte, 0, ext.len + 1);
            } else {
                *id_byte = (uint8_t)(map[ext.id] << 4 | (*id_byte & 0x0F));
            }
        } else {
            id_byte = ext.value - 2;
            if (map[ext.id] == 0) {
                memset(id_byte, 0, ext.len + 2);
            } else {
                *id_byte = map[ext.id];
            }
        }
    }
    return SFU_RTP_OK;
}

void
sfu_rtp_set_ssrc(struct sfu_rtp_packet *pkt, uint32_t ssrc)
{
    sfu_put_be32(pkt->data + 8, ssrc);
    pkt->ssrc = ssrc;
}

void
sfu_rtp_set_seq(struct sfu_rtp_packet *pkt, uint16_t seq)
{
    sfu_put_be16(pkt->data + 2, seq);
    pkt->seq = seq;
}

void
sfu_rtp_set_timestamp(struct sfu_rtp_packet *pkt, uint32_t timestamp)
{
    sfu_put_be32(pkt->data + 4, timestamp);
    pkt->timestamp = timestamp;
}

void
sfu_rtp_set_payload_type(struct sfu_rtp_packet *pkt, uint8_t payload_type)
{
    pkt->data[1] = (uint8_t)((pkt->data[1] & 0x80) | (payload_type & 0x7F));
    pkt->payload_type = payload_type & 0x7F;
}

void
sfu_rtp_set_marker(struct sfu_rtp_packet *pkt, bool marker)
{
    pkt->data[1] = (uint8_t)((pkt->data[1] & 0x7F) | (marker ? 0x80 : 0));
    pkt->marker = marker;
}

enum sfu_packet_class
sfu_packet_classify(const uint8_t *data, size_t len)
{
    if (len == 0) {
        return SFU_PACKET_UNKNOWN;
    }
    if (data[0] <= 3) {
        return SFU_PACKET_STUN;
    }
    if (data[0] >= 20 && data[0] <= 63) {
        return SFU_PACKET_DTLS;
    }
    if (data[0] >= 128 && data[0] <= 191 && len >= 2) {
        /* RTCP packet types 192-223 collide only with RTP types 64-95 plus the marker bit, which RFC 5761 reserves. */
        return data[1] >= 192 && data[1] <= 223 ? SFU_PACKET_RTCP : SFU_PACKET_RTP;
    }
    return SFU_PACKET_UNKNOWN;
}

uint64_t
sfu_seq_unwrap(struct sfu_seq_unwrapper *u, uint16_t seq)
{
    uint64_t ext;

    if (!u->started) {
        /* Start in cycle 1 so that packets reordered from before the first one stay positive. */
        u->started = true;
        u->highest = 0x10000u + seq;
        return u->highest;
    }
    ext = u->highest + sfu_seq_diff(seq, (uint16_t)u->highest);
    if (ext > u->highest) {
        u->highest = ext;
    }
    return ext;
}
