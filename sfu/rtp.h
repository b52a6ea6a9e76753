/*
 * RTP packets on the forwarding hot path: an in-place view of one packet
 * (RFC 3550), its header extensions (RFC 8285 one-byte and two-byte forms),
 * in-place rewrites of the header fields a forwarder changes, demultiplexing
 * of what arrives on the one ICE socket (RFC 7983, RFC 5761), and sequence
 * number arithmetic. Nothing here allocates or keeps state between calls.
 */
#ifndef SFU_RTP_H
#define SFU_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SFU_RTP_HEADER_LEN 12
#define SFU_RTP_EXT_ONE_BYTE 0xBEDE
/* Two-byte extensions use 0x100X; the low four bits belong to the application. */
#define SFU_RTP_EXT_TWO_BYTE 0x1000
#define SFU_RTP_EXT_TWO_BYTE_MASK 0xFFF0

enum sfu_rtp_status {
    SFU_RTP_OK = 0,
    SFU_RTP_ETOOSHORT = -1,   /* shorter than the header it announces */
    SFU_RTP_EVERSION = -2,    /* version is not 2 */
    SFU_RTP_EPADDING = -3,    /* padding length 0 or larger than the payload */
    SFU_RTP_EEXTENSION = -4,  /* an extension element runs past the block */
    SFU_RTP_ENOTFOUND = -5,   /* no such extension in this packet */
    SFU_RTP_ELENGTH = -6,     /* a replacement value of another length */
    SFU_RTP_ERANGE = -7,      /* an extension id the packet's form cannot hold */
};

/*
 * A parsed packet: pointers into the caller's buffer, which must outlive the
 * view. The rewrite helpers change the buffer and the view together.
 */
struct sfu_rtp_packet {
    uint8_t *data;
    size_t len;
    bool marker;
    uint8_t payload_type;
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    uint8_t csrc_count;
    uint16_t ext_profile;   /* 0 when the packet carries no extension block */
    uint8_t *ext;           /* the extension elements, after the 4-byte block header */
    size_t ext_len;
    uint8_t *payload;
    size_t payload_len;     /* without padding */
    uint8_t padding_len;
};

/* Checks every length, including each extension element, so that the accessors can trust the view. */
int sfu_rtp_parse(struct sfu_rtp_packet *pkt, uint8_t *data, size_t len);

uint32_t sfu_rtp_csrc(const struct sfu_rtp_packet *pkt, unsigned index);

/* Walks the extension elements of a parsed packet, skipping padding. */
struct sfu_rtp_ext_iter {
    const struct sfu_rtp_packet *pkt;
    size_t off;
};

struct sfu_rtp_ext {
    uint8_t id;
    uint8_t *value;
    size_t len;
};

void sfu_rtp_ext_iter_init(struct sfu_rtp_ext_iter *it, const struct sfu_rtp_packet *pkt);
bool sfu_rtp_ext_next(struct sfu_rtp_ext_iter *it, struct sfu_rtp_ext *ext);
int sfu_rtp_ext_find(const struct sfu_rtp_packet *pkt, uint8_t id, struct sfu_rtp_ext *ext);

/* Overwrites the value of extension id; the new value must have the same length. */
int sfu_rtp_ext_set(struct sfu_rtp_packet *pkt, uint8_t id, const uint8_t *value, size_t len);

/*
 * Renumbers every extension through map[old id] in place; a 0 in the map turns
 * the element into padding. Nothing is changed if any new id does not fit the
 * packet's form (1-14 for one-byte extensions).
 */
int sfu_rtp_ext_remap(struct sfu_rtp_packet *pkt, const uint8_t map[256]);

void sfu_rtp_set_ssrc(struct sfu_rtp_packet *pkt, uint32_t ssrc);
void sfu_rtp_set_seq(struct sfu_rtp_packet *pkt, uint16_t seq);
void sfu_rtp_set_timestamp(struct sfu_rtp_packet *pkt, uint32_t timestamp);
void sfu_rtp_set_payload_type(struct sfu_rtp_packet *pkt, uint8_t payload_type);
void sfu_rtp_set_marker(struct sfu_rtp_packet *pkt, bool marker);

/* What came in on the ICE socket, by its first bytes (RFC 7983, RFC 5761). */
enum sfu_packet_class {
    SFU_PACKET_UNKNOWN,
    SFU_PACKET_STUN,
    SFU_PACKET_DTLS,
    SFU_PACKET_RTP,
    SFU_PACKET_RTCP,
};

enum sfu_packet_class sfu_packet_classify(const uint8_t *data, size_t len);

/* Sequence numbers compared across the 16-bit wrap (RFC 3550 A.1). */
static inline int16_t
sfu_seq_diff(uint16_t a, uint16_t b)
{
    return (int16_t)(uint16_t)(a - b);
}

static inline bool
sfu_seq_newer(uint16_t a, uint16_t b)
{
    return sfu_seq_diff(a, b) > 0;
}

/* Extends 16-bit sequence numbers into a monotonic 64-bit count of cycles and seq. */
struct sfu_seq_unwrapper {
    uint64_t highest;
    bool started;
};

uint64_t sfu_seq_unwrap(struct sfu_seq_unwrapper *u, uint16_t seq);

#endif
