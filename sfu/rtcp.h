/*
 * RTCP: walking a compound (or reduced-size, RFC 5506) packet, reading the
 * packet types an SFU acts on (RFC 3550 SR/RR/SDES/BYE, RFC 4585 generic
 * NACK and PLI, RFC 5104 FIR, REMB, transport-wide congestion control
 * feedback) and writing the ones it sends into a caller buffer. All reads are
 * views into the caller's bytes; nothing allocates.
 */
#ifndef SFU_RTCP_H
#define SFU_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sfu_rtcp_type {
    SFU_RTCP_SR = 200,
    SFU_RTCP_RR = 201,
    SFU_RTCP_SDES = 202,
    SFU_RTCP_BYE = 203,
    SFU_RTCP_APP = 204,
    SFU_RTCP_RTPFB = 205,
    SFU_RTCP_PSFB = 206,
};

/* Feedback message types, carried in the count field. */
enum {
    SFU_RTCP_RTPFB_NACK = 1,
    SFU_RTCP_RTPFB_TWCC = 15,
    SFU_RTCP_PSFB_PLI = 1,
    SFU_RTCP_PSFB_FIR = 4,
    SFU_RTCP_PSFB_AFB = 15,     /* application layer feedback: REMB */
};

#define SFU_RTCP_SDES_CNAME 1
#define SFU_RTCP_MAX_REPORTS 31

enum sfu_rtcp_status {
    SFU_RTCP_OK = 0,
    SFU_RTCP_ETOOSHORT = -1,    /* a length runs past the bytes there are */
    SFU_RTCP_EVERSION = -2,
    SFU_RTCP_EPADDING = -3,
    SFU_RTCP_EMALFORMED = -4,   /* the body does not fit its type */
    SFU_RTCP_ENOSPC = -5,       /* the writer's buffer is full */
    SFU_RTCP_EINVAL = -6,       /* a writer was asked for something the format cannot hold */
};

/* One packet out of a compound. */
struct sfu_rtcp_packet {
    uint8_t type;
    uint8_t count;              /* report/source count, or feedback message type */
    const uint8_t *body;        /* after the 4-byte header */
    size_t body_len;            /* without padding */
};

struct sfu_rtcp_iter {
    const uint8_t *data;
    size_t len;
    size_t off;
};

void sfu_rtcp_iter_init(struct sfu_rtcp_iter *it, const uint8_t *data, size_t len);

/* 1 with the next packet, 0 at the end, or a negative sfu_rtcp_status; an error ends the walk. */
int sfu_rtcp_next(struct sfu_rtcp_iter *it, struct sfu_rtcp_packet *pkt);

/* Reads a big-endian 32-bit entry out of an SSRC list inside a packet. */
uint32_t sfu_rtcp_ssrc_at(const uint8_t *list, unsigned index);

struct sfu_rtcp_report_block {
    uint32_t ssrc;
    uint8_t fraction_lost;
    int32_t cumulative_lost;    /* 24-bit signed on the wire */
    uint32_t highest_seq;       /* extended */
    uint32_t jitter;
    uint32_t last_sr;
    uint32_t delay_since_last_sr;
};

struct sfu_rtcp_reports {
    unsigned count;
    const uint8_t *blocks;
};

void sfu_rtcp_report_block(const struct sfu_rtcp_reports *r, unsigned index,
    struct sfu_rtcp_report_block *block);

struct sfu_rtcp_sr {
    uint32_t ssrc;
    uint64_t ntp_time;
    uint32_t rtp_time;
    uint32_t packet_count;
    uint32_t octet_count;
    struct sfu_rtcp_reports reports;
};

struct sfu_rtcp_rr {
    uint32_t ssrc;
    struct sfu_rtcp_reports reports;
};

int sfu_rtcp_parse_sr(const struct sfu_rtcp_packet *pkt, struct sfu_rtcp_sr *sr);
int sfu_rtcp_parse_rr(const struct sfu_rtcp_packet *pkt, struct sfu_rtcp_rr *rr);

/* Walks the items of every chunk of an SDES packet. */
struct sfu_rtcp_sdes_iter {
    const struct sfu_rtcp_packet *pkt;
    size_t off;
    unsigned chunks_left;
    bool in_chunk;
    uint32_t ssrc;
};

struct sfu_rtcp_sdes_item {
    uint32_t ssrc;
    uint8_t type;
    const uint8_t *text;
    size_t len;
};

void sfu_rtcp_sdes_iter_init(struct sfu_rtcp_sdes_iter *it, const struct sfu_rtcp_packet *pkt);
int sfu_rtcp_sdes_next(struct sfu_rtcp_sdes_iter *it, struct sfu_rtcp_sdes_item *item);

struct sfu_rtcp_bye {
    unsigned count;
    const uint8_t *ssrcs;
    const uint8_t *reason;      /* NULL when absent */
    size_t reason_len;
};

int sfu_rtcp_parse_bye(const struct sfu_rtcp_packet *pkt, struct sfu_rtcp_bye *bye);

/* The common part of RTPFB and PSFB messages (RFC 4585 6.1). */
struct sfu_rtcp_fb {
    uint8_t fmt;
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const uint8_t *fci;
    size_t fci_len;
};

int sfu_rtcp_parse_fb(const struct sfu_rtcp_packet *pkt, struct sfu_rtcp_fb *fb);

/* Generic NACK: each item is a lost PID and a bitmask of the 16 after it. */
unsigned sfu_rtcp_nack_items(const struct sfu_rtcp_fb *fb);
void sfu_rtcp_nack_item(const struct sfu_rtcp_fb *fb, unsigned index, uint16_t *pid, uint16_t *blp);
/* Writes the sequence numbers one item names into lost, in order; returns how many (1-17). */
unsigned sfu_rtcp_nack_expand(uint16_t pid, uint16_t blp, uint16_t lost[17]);

/* FIR entries: the SSRC asked for a key frame and the request's sequence number. */
unsigned sfu_rtcp_fir_entries(const struct sfu_rtcp_fb *fb);
void sfu_rtcp_fir_entry(const struct sfu_rtcp_fb *fb, unsigned index, uint32_t *ssrc, uint8_t *seq_nr);

struct sfu_rtcp_remb {
    uint64_t bitrate;           /* bits per second */
    unsigned ssrc_count;
    const uint8_t *ssrcs;
};

/* SFU_RTCP_EMALFORMED also when an AFB message is not a REMB. */
int sfu_rtcp_parse_remb(const struct sfu_rtcp_fb *fb, struct sfu_rtcp_remb *remb);

/* Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01). */
struct sfu_rtcp_twcc {
    uint16_t base_seq;
    uint16_t status_count;
    int32_t reference_time;     /* multiples of 64 ms, 24-bit signed on the wire */
    uint8_t fb_pkt_count;
    const uint8_t *chunks;
    size_t chunks_len;
    const uint8_t *deltas;
    size_t deltas_len;
};

enum sfu_rtcp_twcc_symbol {
    SFU_TWCC_NOT_RECEIVED = 0,
    SFU_TWCC_SMALL_DELTA = 1,
    SFU_TWCC_LARGE_DELTA = 2,
};

struct sfu_rtcp_twcc_status {
    uint16_t seq;
    uint8_t symbol;
    int32_t delta;              /* receive time delta in 250 us units, 0 when not received */
};

/* Checks every chunk and delta, so the status walk below cannot fail. */
int sfu_rtcp_parse_twcc(const struct sfu_rtcp_fb *fb, struct sfu_rtcp_twcc *twcc);

struct sfu_rtcp_twcc_iter {
    const struct sfu_rtcp_twcc *twcc;
    unsigned index;             /* of the next status */
    size_t chunk_off;
    unsigned in_chunk;          /* statuses already taken from the current chunk */
    size_t delta_off;
};

void sfu_rtcp_twcc_iter_init(struct sfu_rtcp_twcc_iter *it, const struct sfu_rtcp_twcc *twcc);
bool sfu_rtcp_twcc_next(struct sfu_rtcp_twcc_iter *it, struct sfu_rtcp_twcc_status *status);

/*
 * Writers append one packet each to a caller buffer; a compound packet is a
 * run of calls on one writer. A call that does not fit returns
 * SFU_RTCP_ENOSPC and leaves what was written before intact.
 */
struct sfu_rtcp_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
};

void sfu_rtcp_writer_init(struct sfu_rtcp_writer *w, uint8_t *buf, size_t cap);

/* sr->reports is ignored: the blocks come from the array. */
int sfu_rtcp_write_sr(struct sfu_rtcp_writer *w, const struct sfu_rtcp_sr *sr,
    const struct sfu_rtcp_report_block *blocks, unsigned count);
int sfu_rtcp_write_rr(struct sfu_rtcp_writer *w, uint32_t ssrc,
    const struct sfu_rtcp_report_block *blocks, unsigned count);
int sfu_rtcp_write_sdes_cname(struct sfu_rtcp_writer *w, uint32_t ssrc, const char *cname, size_t len);
int sfu_rtcp_write_bye(struct sfu_rtcp_writer *w, const uint32_t *ssrcs, unsigned count);
/* Packs the lost sequence numbers, in any order, into as few PID/BLP items as a single pass allows. */
int sfu_rtcp_write_nack(struct sfu_rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc,
    const uint16_t *lost, unsigned count);
int sfu_rtcp_write_pli(struct sfu_rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc);
int sfu_rtcp_write_fir(struct sfu_rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq_nr);
int sfu_rtcp_write_remb(struct sfu_rtcp_writer *w, uint32_t sender_ssrc, uint64_t bitrate,
    const uint32_t *ssrcs, unsigned count);

#endif
