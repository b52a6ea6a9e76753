/* RTCP compound walk, readers, and writers round-tripped through the readers. */
#include <string.h>

#include "tap.h"
#include "rtcp.h"

static bool
same_block(const struct sfu_rtcp_report_block *a, const struct sfu_rtcp_report_block *b)
{
    return a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost
        && a->cumulative_lost == b->cumulative_lost && a->highest_seq == b->highest_seq
        && a->jitter == b->jitter && a->last_sr == b->last_sr
        && a->delay_since_last_sr == b->delay_since_last_sr;
}

/* Walks buf expecting exactly one packet of the given type. */
static int
only_packet(const uint8_t *buf, size_t len, struct sfu_rtcp_packet *pkt)
{
    struct sfu_rtcp_iter it;
    struct sfu_rtcp_packet extra;

    sfu_rtcp_iter_init(&it, buf, len);
    if (sfu_rtcp_next(&it, pkt) != 1) {
        return -1;
    }
    return sfu_rtcp_next(&it, &extra) == 0 ? pkt->type : -1;
}

static void
test_compound_sr_sdes_round_trip(void)
{
    const struct sfu_rtcp_sr sr = {
        .ssrc = 0x01020304, .ntp_time = 0xE8A1B2C3D4E5F607ull, .rtp_time = 90000,
        .packet_count = 1200, .octet_count = 1200000,
    };
    const struct sfu_rtcp_report_block blocks[2] = {
        {.ssrc = 0xAAAA0001, .fraction_lost = 25, .cumulative_lost = 1000, .highest_seq = 0x0001FFFF,
         .jitter = 37, .last_sr = 0xB2C3D4E5, .delay_since_last_sr = 65536},
        {.ssrc = 0xAAAA0002, .cumulative_lost = -3, .highest_seq = 7},
    };
    uint8_t buf[256];
    struct sfu_rtcp_writer w;
    struct sfu_rtcp_iter it;
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_sr got;
    struct sfu_rtcp_report_block b;
    struct sfu_rtcp_sdes_iter sdes;
    struct sfu_rtcp_sdes_item item;

    sfu_rtcp_writer_init(&w, buf, sizeof(buf));
    is_int(sfu_rtcp_write_sr(&w, &sr, blocks, 2), SFU_RTCP_OK, "SR with two report blocks written");
    is_int(sfu_rtcp_write_sdes_cname(&w, sr.ssrc, "sfu-edge", 8), SFU_RTCP_OK, "SDES CNAME appended");
    is_int(w.len, 4 + 24 + 48 + 20, "compound length");

    sfu_rtcp_iter_init(&it, buf, w.len);
    is_int(sfu_rtcp_next(&it, &pkt), 1, "first packet of the compound");
    is_int(pkt.type, SFU_RTCP_SR, "first packet is an SR");
    is_int(sfu_rtcp_parse_sr(&pkt, &got), SFU_RTCP_OK, "SR parses");
    ok(got.ssrc == sr.ssrc && got.ntp_time == sr.ntp_time && got.rtp_time == sr.rtp_time
        && got.packet_count == sr.packet_count && got.octet_count == sr.octet_count, "sender info round-trips");
    is_int(got.reports.count, 2, "two report blocks");
    sfu_rtcp_report_block(&got.reports, 0, &b);
    ok(same_block(&b, &blocks[0]), "first report block round-trips");
    sfu_rtcp_report_block(&got.reports, 1, &b);
    is_int(b.cumulative_lost, -3, "negative cumulative loss keeps its sign");

    is_int(sfu_rtcp_next(&it, &pkt), 1, "second packet of the compound");
    is_int(pkt.type, SFU_RTCP_SDES, "second packet is SDES");
    sfu_rtcp_sdes_iter_init(&sdes, &pkt);
    is_int(sfu_rtcp_sdes_next(&sdes, &item), 1, "CNAME item read");
    ok(item.ssrc == sr.ssrc && item.type == SFU_RTCP_SDES_CNAME && item.len == 8
        && memcmp(item.text, "sfu-edge", 8) == 0, "CNAME round-trips");
    is_int(sfu_rtcp_sdes_next(&sdes, &item), 0, "SDES ends after its chunk");
    is_int(sfu_rtcp_next(&it, &pkt), 0, "compound ends");
}

static void
test_rr_and_bye_round_trip(void)
{
    const struct sfu_rtcp_report_block block = {.ssrc = 9, .fraction_lost = 255, .cumulative_lost = -8388608};
    const uint32_t gone[2] = {0x11111111, 0x22222222};
    uint8_t buf[128];
    struct sfu_rtcp_writer w;
    struct sfu_rtcp_iter it;
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_rr rr;
    struct sfu_rtcp_bye bye;
    struct sfu_rtcp_report_block b;

    sfu_rtcp_writer_init(&w, buf, sizeof(buf));
    sfu_rtcp_write_rr(&w, 0x5EED, &block, 1);
    sfu_rtcp_write_rr(&w, 0x5EED, NULL, 0);
    sfu_rtcp_write_bye(&w, gone, 2);
    sfu_rtcp_iter_init(&it, buf, w.len);
    sfu_rtcp_next(&it, &pkt);
    is_int(sfu_rtcp_parse_rr(&pkt, &rr), SFU_RTCP_OK, "RR parses");
    is_int(rr.ssrc, 0x5EED, "RR sender");
    sfu_rtcp_report_block(&rr.reports, 0, &b);
    ok(same_block(&b, &block), "most negative cumulative loss round-trips");
    sfu_rtcp_next(&it, &pkt);
    is_int(sfu_rtcp_parse_rr(&pkt, &rr), SFU_RTCP_OK, "empty RR parses");
    is_int(rr.reports.count, 0, "empty RR has no blocks");
    sfu_rtcp_next(&it, &pkt);
    is_int(sfu_rtcp_parse_bye(&pkt, &bye), SFU_RTCP_OK, "BYE parses");
    is_int(bye.count, 2, "BYE names two sources");
    is_int(sfu_rtcp_ssrc_at(bye.ssrcs, 1), 0x22222222, "second BYE source");
    ok(bye.reason == NULL, "BYE without a reason");
    is_int(sfu_rtcp_parse_sr(&pkt, &(struct sfu_rtcp_sr){0}), SFU_RTCP_EMALFORMED, "a BYE is not an SR");
}

static void
test_bye_with_reason(void)
{
    const uint8_t buf[] = {0x81, 203, 0, 3, 0, 0, 0, 1, 5, 'q', 'u', 'i', 't', 0, 0, 0};
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_bye bye;
    uint8_t bad[sizeof(buf)];

    only_packet(buf, sizeof(buf), &pkt);
    is_int(sfu_rtcp_parse_bye(&pkt, &bye), SFU_RTCP_OK, "BYE with reason parses");
    ok(bye.reason_len == 5 && memcmp(bye.reason, "quit\0", 5) == 0, "reason text");
    memcpy(bad, buf, sizeof(buf));
    bad[8] = 8;
    only_packet(bad, sizeof(bad), &pkt);
    is_int(sfu_rtcp_parse_bye(&pkt, &bye), SFU_RTCP_EMALFORMED, "reason past the packet refused");
    bad[0] = 0x84;
    only_packet(bad, sizeof(bad), &pkt);
    is_int(sfu_rtcp_parse_bye(&pkt, &bye), SFU_RTCP_EMALFORMED, "more sources than bytes refused");
}

static void
test_nack_round_trip(void)
{
    const uint16_t lost[] = {100, 101, 105, 116, 117, 200, 65535, 0, 3};
    uint16_t got[32], expanded[17], pid, blp;
    unsigned n = 0, i, k, j;
    uint8_t buf[64];
    struct sfu_rtcp_writer w;
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_fb fb;

    sfu_rtcp_writer_init(&w, buf, sizeof(buf));
    is_int(sfu_rtcp_write_nack(&w, 1, 2, lost, 9), SFU_RTCP_OK, "NACK written");
    is_int(only_packet(buf, w.len, &pkt), SFU_RTCP_RTPFB, "NACK is one RTPFB");
    is_int(sfu_rtcp_parse_fb(&pkt, &fb), SFU_RTCP_OK, "feedback header parses");
    ok(fb.fmt == SFU_RTCP_RTPFB_NACK && fb.sender_ssrc == 1 && fb.media_ssrc == 2, "NACK header fields");
    is_int(sfu_rtcp_nack_items(&fb), 4, "losses packed into four PID/BLP items");
    for (i = 0; i < sfu_rtcp_nack_items(&fb); i++) {
        sfu_rtcp_nack_item(&fb, i, &pid, &blp);
        k = sfu_rtcp_nack_expand(pid, blp, expanded);
        for (j = 0; j < k; j++) {
            got[n++] = expanded[j];
        }
    }
    is_int(n, 9, "expansion gives every loss back");
    ok(memcmp(got, lost, sizeof(lost)) == 0, "in the same order, across the wrap");
    is_int(sfu_rtcp_nack_expand(7, 0xFFFF, expanded), 17, "a full bitmask names 17 packets");
    is_int(expanded[16], 23, "last of a full bitmask");
    is_int(sfu_rtcp_write_nack(&w, 1, 2, lost, 0), SFU_RTCP_EINVAL, "empty NACK refused");
}

static void
test_pli_fir_remb_round_trip(void)
{
    const uint32_t ssrcs[2] = {0xA, 0xB};
    uint8_t buf[128];
    struct sfu_rtcp_writer w;
    struct sfu_rtcp_iter it;
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_fb fb;
    struct sfu_rtcp_remb remb;
    uint32_t ssrc;
    uint8_t seq_nr;

    sfu_rtcp_writer_init(&w, buf, sizeof(buf));
    sfu_rtcp_write_pli(&w, 1, 0xCAFE);
    sfu_rtcp_write_fir(&w, 1, 0xBEEF, 42);
    sfu_rtcp_write_remb(&w, 1, 2500000, ssrcs, 2);
    sfu_rtcp_write_remb(&w, 1, 0x3FFFFull << 40, NULL, 0);
    sfu_rtcp_iter_init(&it, buf, w.len);

    sfu_rtcp_next(&it, &pkt);
    sfu_rtcp_parse_fb(&pkt, &fb);
    ok(pkt.type == SFU_RTCP_PSFB && fb.fmt == SFU_RTCP_PSFB_PLI, "PLI type and format");
    ok(fb.media_ssrc == 0xCAFE && fb.fci_len == 0, "PLI names the stream and carries no FCI");

    sfu_rtcp_next(&it, &pkt);
    sfu_rtcp_parse_fb(&pkt, &fb);
    ok(fb.fmt == SFU_RTCP_PSFB_FIR && fb.media_ssrc == 0, "FIR format with an unused media SSRC");
    is_int(sfu_rtcp_fir_entries(&fb), 1, "one FIR entry");
    sfu_rtcp_fir_entry(&fb, 0, &ssrc, &seq_nr);
    ok(ssrc == 0xBEEF && seq_nr == 42, "FIR entry round-trips");

    sfu_rtcp_next(&it, &pkt);
    sfu_rtcp_parse_fb(&pkt, &fb);
    is_int(sfu_rtcp_parse_remb(&fb, &remb), SFU_RTCP_OK, "REMB parses");
    is_int(remb.bitrate, 2500000 & ~3, "REMB bitrate keeps 18 significant bits");
    ok(remb.ssrc_count == 2 && sfu_rtcp_ssrc_at(remb.ssrcs, 1) == 0xB, "REMB SSRC list");

    sfu_rtcp_next(&it, &pkt);
    sfu_rtcp_parse_fb(&pkt, &fb);
    sfu_rtcp_parse_remb(&fb, &remb);
    ok(remb.bitrate == 0x3FFFFull << 40, "large REMB bitrate exact");
    is_int(sfu_rtcp_parse_twcc(&fb, &(struct sfu_rtcp_twcc){0}), SFU_RTCP_EMALFORMED, "REMB is not TWCC");
    is_int(sfu_rtcp_next(&it, &pkt), 0, "four feedback packets");
}

static void
test_remb_bad(void)
{
    uint8_t buf[] = {0x8F, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 2, 0x08, 0, 0, 0, 0, 0, 9};
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_fb fb;
    struct sfu_rtcp_remb remb;

    only_packet(buf, sizeof(buf), &pkt);
    sfu_rtcp_parse_fb(&pkt, &fb);
    is_int(sfu_rtcp_parse_remb(&fb, &remb), SFU_RTCP_EMALFORMED, "REMB with more SSRCs than bytes refused");
    buf[16] = 1;
    is_int(sfu_rtcp_parse_remb(&fb, &remb), SFU_RTCP_OK, "REMB with one SSRC parses");
    is_int(remb.bitrate, 0, "zero mantissa");
    buf[17] = 0xFC;
    buf[19] = 1;
    sfu_rtcp_parse_remb(&fb, &remb);
    ok(remb.bitrate == UINT64_MAX, "exponent 63 saturates");
    buf[15] = 'X';
    is_int(sfu_rtcp_parse_remb(&fb, &remb), SFU_RTCP_EMALFORMED, "AFB that is not REMB refused");
}

static void
test_twcc(void)
{
    /* base 100, 5 statuses, reference time -1, fb count 7; a run of two small
     * deltas, then a two-bit vector: not received, large, small; then deltas
     * 4, 8, -4, 1 and three bytes of RTCP padding. */
    const uint8_t buf[] = {0xAF, 205, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2,
                           0, 100, 0, 5, 0xFF, 0xFF, 0xFF, 7, 0x20, 0x02, 0xC9, 0x00,
                           0x04, 0x08, 0xFF, 0xFC, 0x01, 0, 0, 3};
    /* base 65534, 3 statuses in a one-bit vector: received, lost, received. */
    const uint8_t one_bit[] = {0x8F, 205, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2,
                               0xFF, 0xFE, 0, 3, 0, 0, 1, 0, 0xA8, 0x00, 0x05, 0x06};
    const struct sfu_rtcp_twcc_status want[5] = {
        {100, 1, 4}, {101, 1, 8}, {102, 0, 0}, {103, 2, -4}, {104, 1, 1},
    };
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_fb fb;
    struct sfu_rtcp_twcc twcc;
    struct sfu_rtcp_twcc_iter it;
    struct sfu_rtcp_twcc_status st;
    uint8_t bad[sizeof(buf)];
    unsigned n = 0, same = 0;

    is_int(only_packet(buf, sizeof(buf), &pkt), SFU_RTCP_RTPFB, "padded TWCC packet framed");
    sfu_rtcp_parse_fb(&pkt, &fb);
    is_int(sfu_rtcp_parse_twcc(&fb, &twcc), SFU_RTCP_OK, "TWCC parses");
    ok(twcc.base_seq == 100 && twcc.status_count == 5 && twcc.fb_pkt_count == 7, "TWCC header");
    is_int(twcc.reference_time, -1, "reference time is signed");
    sfu_rtcp_twcc_iter_init(&it, &twcc);
    while (sfu_rtcp_twcc_next(&it, &st)) {
        same += n < 5 && st.seq == want[n].seq && st.symbol == want[n].symbol && st.delta == want[n].delta;
        n++;
    }
    is_int(n, 5, "five statuses");
    is_int(same, 5, "statuses and deltas as sent");

    only_packet(one_bit, sizeof(one_bit), &pkt);
    sfu_rtcp_parse_fb(&pkt, &fb);
    is_int(sfu_rtcp_parse_twcc(&fb, &twcc), SFU_RTCP_OK, "one-bit vector TWCC parses");
    sfu_rtcp_twcc_iter_init(&it, &twcc);
    sfu_rtcp_twcc_next(&it, &st);
    sfu_rtcp_twcc_next(&it, &st);
    ok(st.seq == 65535 && st.symbol == SFU_TWCC_NOT_RECEIVED, "second status lost");
    sfu_rtcp_twcc_next(&it, &st);
    ok(st.seq == 0 && st.delta == 6, "sequence wraps to 0");
    ok(!sfu_rtcp_twcc_next(&it, &st), "no status past the count");

    memcpy(bad, buf, sizeof(buf));
    bad[15] = 12; /* more statuses than the chunks cover */
    only_packet(bad, sizeof(bad), &pkt);
    sfu_rtcp_parse_fb(&pkt, &fb);
    is_int(sfu_rtcp_parse_twcc(&fb, &twcc), SFU_RTCP_EMALFORMED, "statuses beyond the chunks refused");
    memcpy(bad, buf, sizeof(buf));
    bad[22] = 0xFF; /* the vector now holds reserved symbols */
    only_packet(bad, sizeof(bad), &pkt);
    sfu_rtcp_parse_fb(&pkt, &fb);
    is_int(sfu_rtcp_parse_twcc(&fb, &twcc), SFU_RTCP_EMALFORMED, "reserved status symbol refused");
    memcpy(bad, buf, sizeof(buf));
    bad[22] = 0xEA; /* three large deltas do not fit */
    only_packet(bad, sizeof(bad), &pkt);
    sfu_rtcp_parse_fb(&pkt, &fb);
    is_int(sfu_rtcp_parse_twcc(&fb, &twcc), SFU_RTCP_EMALFORMED, "deltas past the packet refused");
}

static void
test_framing_errors(void)
{
    uint8_t pli[12] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
    uint8_t buf[24];
    struct sfu_rtcp_iter it;
    struct sfu_rtcp_packet pkt;

    is_int(only_packet(pli, sizeof(pli), &pkt), SFU_RTCP_PSFB, "reduced-size PLI alone is accepted");
    sfu_rtcp_iter_init(&it, pli, 3);
    is_int(sfu_rtcp_next(&it, &pkt), SFU_RTCP_ETOOSHORT, "less than a header");
    sfu_rtcp_iter_init(&it, pli, 11);
    is_int(sfu_rtcp_next(&it, &pkt), SFU_RTCP_ETOOSHORT, "length past the datagram");
    is_int(sfu_rtcp_next(&it, &pkt), 0, "an error ends the walk");
    memcpy(buf, pli, 12);
    memcpy(buf + 12, pli, 12);
    buf[12] = 0x41;
    sfu_rtcp_iter_init(&it, buf, 24);
    is_int(sfu_rtcp_next(&it, &pkt), 1, "good first packet");
    is_int(sfu_rtcp_next(&it, &pkt), SFU_RTCP_EVERSION, "version 1 in the second packet");
    buf[0] = 0xA1;
    buf[11] = 0;
    sfu_rtcp_iter_init(&it, buf, 12);
    is_int(sfu_rtcp_next(&it, &pkt), SFU_RTCP_EPADDING, "padding count 0 refused");
    buf[11] = 9;
    sfu_rtcp_iter_init(&it, buf, 12);
    is_int(sfu_rtcp_next(&it, &pkt), SFU_RTCP_EPADDING, "padding past the body refused");
    buf[3] = 0;
    buf[0] = 0x81;
    sfu_rtcp_iter_init(&it, buf, 4);
    sfu_rtcp_next(&it, &pkt);
    is_int(sfu_rtcp_parse_fb(&pkt, &(struct sfu_rtcp_fb){0}), SFU_RTCP_EMALFORMED, "feedback without SSRCs refused");
}

static void
test_report_and_sdes_errors(void)
{
    /* SR announcing one block but carrying none */
    const uint8_t sr[] = {0x81, 200, 0, 6, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    /* SDES: chunk with an item running past the packet, then one without its end item */
    const uint8_t sdes_long[] = {0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 'a', 'b'};
    const uint8_t sdes_open[] = {0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 'a', 'b'};
    const uint8_t sdes_two[] = {0x82, 202, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0};
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_sr got;
    struct sfu_rtcp_sdes_iter it;
    struct sfu_rtcp_sdes_item item;

    only_packet(sr, sizeof(sr), &pkt);
    is_int(sfu_rtcp_parse_sr(&pkt, &got), SFU_RTCP_EMALFORMED, "report count past the SR refused");
    is_int(sfu_rtcp_parse_rr(&pkt, &(struct sfu_rtcp_rr){0}), SFU_RTCP_EMALFORMED, "an SR is not an RR");
    only_packet(sdes_long, sizeof(sdes_long), &pkt);
    sfu_rtcp_sdes_iter_init(&it, &pkt);
    is_int(sfu_rtcp_sdes_next(&it, &item), SFU_RTCP_EMALFORMED, "SDES item past the packet refused");
    only_packet(sdes_open, sizeof(sdes_open), &pkt);
    sfu_rtcp_sdes_iter_init(&it, &pkt);
    is_int(sfu_rtcp_sdes_next(&it, &item), 1, "SDES item read");
    is_int(sfu_rtcp_sdes_next(&it, &item), SFU_RTCP_EMALFORMED, "SDES chunk without an end refused");
    only_packet(sdes_two, sizeof(sdes_two), &pkt);
    sfu_rtcp_sdes_iter_init(&it, &pkt);
    is_int(sfu_rtcp_sdes_next(&it, &item), 1, "item of the second chunk after an empty one");
    ok(item.ssrc == 2 && item.type == 2 && item.len == 0, "empty NAME item of SSRC 2");
    is_int(sfu_rtcp_sdes_next(&it, &item), 0, "two chunks read");
}

static void
test_writer_bounds(void)
{
    uint8_t buf[20];
    struct sfu_rtcp_writer w;
    struct sfu_rtcp_report_block blocks[32] = {{0}};
    uint16_t lost[40];
    unsigned i;

    sfu_rtcp_writer_init(&w, buf, sizeof(buf));
    is_int(sfu_rtcp_write_pli(&w, 1, 2), SFU_RTCP_OK, "PLI fits");
    is_int(sfu_rtcp_write_pli(&w, 1, 2), SFU_RTCP_ENOSPC, "second PLI does not");
    is_int(w.len, 12, "failed write leaves the length");
    is_int(sfu_rtcp_write_fir(&w, 1, 2, 3), SFU_RTCP_ENOSPC, "FIR does not fit the rest");
    is_int(sfu_rtcp_write_rr(&w, 1, blocks, 32), SFU_RTCP_EINVAL, "32 report blocks refused");
    is_int(sfu_rtcp_write_sdes_cname(&w, 1, "x", 256), SFU_RTCP_EINVAL, "CNAME over 255 bytes refused");
    for (i = 0; i < 40; i++) {
        lost[i] = (uint16_t)(i * 20);
    }
    is_int(sfu_rtcp_write_nack(&w, 1, 2, lost, 40), SFU_RTCP_ENOSPC, "NACK too large for the buffer");
    is_int(w.len, 12, "still only the first PLI");
}

int
main(void)
{
    test_compound_sr_sdes_round_trip();
    test_rr_and_bye_round_trip();
    test_bye_with_reason();
    test_nack_round_trip();
    test_pli_fir_remb_round_trip();
    test_remb_bad();
    test_twcc();
    test_framing_errors();
    test_report_and_sdes_errors();
    test_writer_bounds();
    return tap_done();
}
