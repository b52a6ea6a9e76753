/*
 * Walks arbitrary bytes as a compound RTCP packet and reads every packet with
 * each reader that accepts its type, expanding NACKs and TWCC statuses; then
 * writes what it read back and checks that the writers' output parses.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_reports(const struct sfu_rtcp_reports *r, struct sfu_rtcp_writer *w, uint32_t ssrc)
{
    struct sfu_rtcp_report_block blocks[SFU_RTCP_MAX_REPORTS];
    unsigned i;

    for (i = 0; i < r->count; i++) {
        sfu_rtcp_report_block(r, i, &blocks[i]);
    }
    sfu_rtcp_write_rr(w, ssrc, blocks, r->count);
}

static void
read_feedback(const struct sfu_rtcp_packet *pkt, struct sfu_rtcp_writer *w)
{
    struct sfu_rtcp_fb fb;
    struct sfu_rtcp_remb remb;
    struct sfu_rtcp_twcc twcc;
    struct sfu_rtcp_twcc_iter it;
    struct sfu_rtcp_twcc_status st;
    uint16_t pid, blp, lost[17];
    uint32_t ssrc;
    uint8_t seq_nr;
    unsigned i, n;

    if (sfu_rtcp_parse_fb(pkt, &fb) != SFU_RTCP_OK) {
        return;
    }
    if (pkt->type == SFU_RTCP_RTPFB) {
        for (i = 0; i < sfu_rtcp_nack_items(&fb); i++) {
            sfu_rtcp_nack_item(&fb, i, &pid, &blp);
            n = sfu_rtcp_nack_expand(pid, blp, lost);
            sfu_rtcp_write_nack(w, fb.sender_ssrc, fb.media_ssrc, lost, n);
        }
        if (sfu_rtcp_parse_twcc(&fb, &twcc) == SFU_RTCP_OK) {
            sfu_rtcp_twcc_iter_init(&it, &twcc);
            n = 0;
            while (sfu_rtcp_twcc_next(&it, &st)) {
                n++;
            }
            /* The parse checked every status, so the walk must reach the count. */
            if (n != twcc.status_count) {
                abort();
            }
        }
        return;
    }
    for (i = 0; i < sfu_rtcp_fir_entries(&fb); i++) {
        sfu_rtcp_fir_entry(&fb, i, &ssrc, &seq_nr);
        sfu_rtcp_write_fir(w, fb.sender_ssrc, ssrc, seq_nr);
    }
    if (sfu_rtcp_parse_remb(&fb, &remb) == SFU_RTCP_OK) {
        for (i = 0; i < remb.ssrc_count; i++) {
            sfu_rtcp_ssrc_at(remb.ssrcs, i);
        }
        sfu_rtcp_write_remb(w, fb.sender_ssrc, remb.bitrate, NULL, 0);
    }
    sfu_rtcp_write_pli(w, fb.sender_ssrc, fb.media_ssrc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[65536];
    struct sfu_rtcp_iter it;
    struct sfu_rtcp_packet pkt;
    struct sfu_rtcp_sr sr;
    struct sfu_rtcp_rr rr;
    struct sfu_rtcp_bye bye;
    struct sfu_rtcp_sdes_iter sdes;
    struct sfu_rtcp_sdes_item item;
    struct sfu_rtcp_writer w;
    unsigned i;

    sfu_rtcp_writer_init(&w, out, sizeof(out));
    sfu_rtcp_iter_init(&it, data, size);
    while (sfu_rtcp_next(&it, &pkt) > 0) {
        if (sfu_rtcp_parse_sr(&pkt, &sr) == SFU_RTCP_OK) {
            sfu_rtcp_write_sr(&w, &sr, NULL, 0);
            read_reports(&sr.reports, &w, sr.ssrc);
        }
        if (sfu_rtcp_parse_rr(&pkt, &rr) == SFU_RTCP_OK) {
            read_reports(&rr.reports, &w, rr.ssrc);
        }
        sfu_rtcp_sdes_iter_init(&sdes, &pkt);
        while (sfu_rtcp_sdes_next(&sdes, &item) > 0) {
            if (item.type == SFU_RTCP_SDES_CNAME) {
                sfu_rtcp_write_sdes_cname(&w, item.ssrc, (const char *)item.text, item.len);
            }
        }
        if (sfu_rtcp_parse_bye(&pkt, &bye) == SFU_RTCP_OK) {
            for (i = 0; i < bye.count; i++) {
                sfu_rtcp_ssrc_at(bye.ssrcs, i);
            }
        }
        read_feedback(&pkt, &w);
    }
    /* Whatever the writers produced must frame cleanly. */
    sfu_rtcp_iter_init(&it, out, w.len);
    while ((i = (unsigned)sfu_rtcp_next(&it, &pkt)) == 1) {
    }
    if (i != 0) {
        abort();
    }
    return 0;
}
