/*
 * A published track and its downtracks: fan-out to each subscriber with its
 * own SSRC, key frame requests when a subscriber starts (throttled to one a
 * second), NACKs answered from the packet cache as RTX, the publisher's RTX
 * unwrapped, sender reports carried over, receiver statistics.
 */
#include "tap.h"
#include "capture.h"
#include "rtp_build.h"
#include "track.h"
#include "video_media.h"

static struct capture cap_a, cap_b;
static unsigned keyframe_requests;
static uint8_t in[1600];

/* Under AEAD-GCM (no resending in place): RTX only. */
static const struct sfu_sink sink_a = { capture_rtp, &cap_a, false }, sink_b = { capture_rtp, &cap_b, false };

static void
count_keyframe_request(struct sfu_track *t, uint32_t ssrc, void *ctx)
{
    (void)t;
    (void)ssrc;
    (void)ctx;
    keyframe_requests++;
}

static struct sfu_track *
video_track(void)
{
    struct sfu_pub_media pm;
    struct sfu_track *t;

    video_media(&pm);
    pm.ssrc = 0x1111;
    pm.rtx_ssrc = 0x2222;
    t = sfu_track_new("alice", &pm, SFU_SOURCE_CAMERA);
    t->request_keyframe = count_keyframe_request;
    return t;
}

static void
downtrack(struct sfu_downtrack *d, uint32_t ssrc)
{
    memset(d, 0, sizeof(*d));
    sfu_forward_init(&d->fwd, ssrc, 100, 90000, true, 1, 0);
}

static void
receive(struct sfu_track *t, uint16_t seq, bool key, int64_t now)
{
    struct sfu_rtp_packet pkt;

    rtp_build(in, &pkt, 96, seq, seq * 3000u, 0x1111, NULL, key ? vp8_key : vp8_delta, sizeof(vp8_key));
    sfu_track_receive(t, &pkt, false, now);
}

static uint32_t
sent_ssrc(const struct capture *c, unsigned i)
{
    struct sfu_rtp_packet p;

    sfu_rtp_parse(&p, (uint8_t *)c->data[i], c->len[i]);
    return p.ssrc;
}

static void
test_fan_out(void)
{
    struct sfu_track *t = video_track();
    struct sfu_downtrack a, b, idle;
    struct sfu_rtp_packet p;
    uint16_t nack[2];

    is_str(t->id, "alice:1", "track id is participant:mid");
    downtrack(&a, 0xA1);
    downtrack(&b, 0xB1);
    downtrack(&idle, 0xC1);
    sfu_track_attach(t, &a);
    sfu_track_attach(t, &b);
    sfu_track_attach(t, &idle);
    is_int(keyframe_requests, 0, "attaching does not ask for a key frame");
    sfu_downtrack_start(&a, &sink_a, 10000000);
    is_int(keyframe_requests, 1, "a starting video subscriber asks the publisher for a key frame");
    sfu_downtrack_start(&b, &sink_b, 10100000);
    is_int(keyframe_requests, 1, "a second within the second is held back");
    sfu_track_tick(t, 10500000);
    is_int(keyframe_requests, 1, "still held half a second later");
    sfu_track_tick(t, 11000000);
    is_int(keyframe_requests, 2, "and sent once the second is over");
    sfu_track_tick(t, 12500000);
    is_int(keyframe_requests, 2, "only once");

    receive(t, 10, false, 12600000);
    is_int(cap_a.count + cap_b.count, 0, "delta frames are not sent to new subscribers");
    is_int(keyframe_requests, 3, "they ask for a key frame again");
    receive(t, 11, false, 12700000);
    is_int(keyframe_requests, 3, "throttled");
    receive(t, 12, true, 12800000);
    receive(t, 13, false, 12810000);
    receive(t, 14, false, 12820000);
    ok(cap_a.count == 3 && cap_b.count == 3, "from the key frame on, each subscriber gets every packet");
    ok(sent_ssrc(&cap_a, 0) == 0xA1 && sent_ssrc(&cap_b, 0) == 0xB1, "each with its own SSRC");
    is_int(t->packets, 5, "the track counts what arrived");

    sfu_forward_set_rtx(&a.fwd, 0xA2, 101);
    nack[0] = 2;
    nack[1] = 40;
    sfu_downtrack_nack(&a, nack, 2);
    is_int(cap_a.count, 4, "a NACK of one sent and one unknown number resends one");
    sfu_rtp_parse(&p, cap_a.data[3], cap_a.len[3]);
    ok(p.ssrc == 0xA2 && p.payload_type == 101 && p.payload[0] == 0 && p.payload[1] == 2,
       "as RTX, naming sequence number 2");
    ok(memcmp(p.payload + 2, vp8_delta, sizeof(vp8_delta)) == 0, "with the cached payload");
    is_int(cap_b.count, 3, "the other subscriber gets nothing extra");

    {
        struct sfu_rtp_packet big;
        static uint8_t large[1400];

        memcpy(large, vp8_delta, sizeof(vp8_delta));
        rtp_build(in, &big, 96, 15, 45000, 0x1111, NULL, large, sizeof(large));
        sfu_track_receive(t, &big, false, 12825000);
        ok(cap_a.count == 5 && cap_a.len[4] == 12 + sizeof(large),
           "a packet as large as GStreamer's (1400-byte payload) is forwarded");
        nack[0] = 4;
        sfu_downtrack_nack(&a, nack, 1);
        ok(cap_a.count == 6 && cap_a.len[5] == 12 + 2 + sizeof(large), "and retransmitted as RTX");
    }
    sfu_track_detach(&b);
    receive(t, 16, false, 12830000);
    ok(cap_a.count == 7 && cap_b.count == 4, "a detached downtrack gets nothing");
    sfu_track_free(t);
    ok(a.track == NULL && idle.track == NULL, "freeing the track detaches its downtracks");
}

static void
test_rtx_unwrap(void)
{
    struct sfu_track *t = video_track();
    struct sfu_rtp_packet pkt;
    uint8_t payload[sizeof(vp8_key) + 2] = { 0x01, 0x02 };
    static const struct test_ext mid[] = { { 4, 1, { '1' } }, { 0, 0, { 0 } } };

    memcpy(payload + 2, vp8_key, sizeof(vp8_key));
    rtp_build(in, &pkt, 97, 9000, 1234, 0x2222, mid, payload, sizeof(payload));
    ok(sfu_track_unwrap_rtx(t, &pkt), "an RTX packet from the publisher unwraps");
    ok(pkt.seq == 0x0102 && pkt.ssrc == 0x1111 && pkt.payload_type == 96 && pkt.timestamp == 1234,
       "into the original sequence number, SSRC and payload type");
    ok(pkt.payload_len == sizeof(vp8_key) && memcmp(pkt.payload, vp8_key, sizeof(vp8_key)) == 0,
       "and payload");
    ok(pkt.ext != NULL && pkt.ext_len == 4, "extensions kept");
    {
        struct sfu_rtp_packet again;

        is_int(sfu_rtp_parse(&again, pkt.data, pkt.len), SFU_RTP_OK, "the result is a valid packet");
    }
    rtp_build(in, &pkt, 97, 9001, 1234, 0x2222, NULL, payload, 1);
    ok(!sfu_track_unwrap_rtx(t, &pkt), "padding-only RTX (a bandwidth probe) has nothing to forward");
    sfu_track_free(t);
}

/*
 * A subscriber without RTX: its NACKs are answered with the packet again
 * only where SRTP allows it (AES-CM); under AEAD-GCM they are counted.
 */
static void
test_nack_without_rtx(void)
{
    static const struct sfu_sink gcm = { capture_rtp, &cap_a, false }, aes_cm = { capture_rtp, &cap_b, true };
    struct sfu_track *t = video_track();
    struct sfu_downtrack a, b;
    struct sfu_rtp_packet sent_a, first, again;
    uint16_t nack[2];

    memset(&cap_a, 0, sizeof(cap_a));
    memset(&cap_b, 0, sizeof(cap_b));
    downtrack(&a, 0xA1);
    downtrack(&b, 0xB1);
    sfu_track_attach(t, &a);
    sfu_track_attach(t, &b);
    sfu_downtrack_start(&a, &gcm, 30000000);
    sfu_downtrack_start(&b, &aes_cm, 30000000);
    receive(t, 200, true, 30100000);
    receive(t, 201, false, 30110000);
    ok(cap_a.count == 2 && cap_b.count == 2, "both subscribers get the packets");

    sfu_rtp_parse(&sent_a, cap_a.data[1], cap_a.len[1]);
    nack[0] = sent_a.seq;
    nack[1] = (uint16_t)(sent_a.seq - 1);
    sfu_downtrack_nack(&a, nack, 2);
    is_int(cap_a.count, 2, "under AEAD-GCM without RTX, a NACK is not answered");
    is_int(a.fwd.nacks_unanswered, 2, "... and its two sequence numbers are counted");
    is_int(a.fwd.retransmitted, 0, "... as nothing retransmitted");

    sfu_rtp_parse(&first, cap_b.data[1], cap_b.len[1]);
    nack[0] = first.seq;
    sfu_downtrack_nack(&b, nack, 1);
    is_int(cap_b.count, 3, "under AES-CM without RTX, the NACKed packet is sent again");
    sfu_rtp_parse(&again, cap_b.data[2], cap_b.len[2]);
    ok(again.ssrc == 0xB1 && again.seq == first.seq && again.payload_type == 100
       && again.payload_len == first.payload_len && memcmp(again.payload, first.payload, first.payload_len) == 0,
       "... the same packet: its SSRC, sequence number, payload type and payload");
    ok(b.fwd.retransmitted == 1 && b.fwd.nacks_unanswered == 0, "... counted as retransmitted");

    sfu_forward_set_rtx(&a.fwd, 0xA2, 101);
    nack[0] = sent_a.seq;
    sfu_downtrack_nack(&a, nack, 1);
    ok(cap_a.count == 3 && sent_ssrc(&cap_a, 2) == 0xA2, "with RTX negotiated, AEAD-GCM gets the retransmission as RTX");
    sfu_track_free(t);
}

static void
test_sender_report(void)
{
    struct sfu_track *t = video_track();
    struct sfu_downtrack a;
    struct sfu_rtcp_sr sr;

    memset(&cap_a, 0, sizeof(cap_a));
    downtrack(&a, 0xA1);
    sfu_track_attach(t, &a);
    sfu_downtrack_start(&a, &sink_a, 0);
    ok(!sfu_downtrack_sender_report(&a, 0, 0, &sr), "no sender report before anything was sent");
    receive(t, 100, true, 20000000);
    sfu_track_sender_report(t, 0xE000000080000000ull, 300000, 20000000);
    ok(sfu_downtrack_sender_report(&a, 20500000, 0, &sr), "a sender report once packets flowed");
    is_int(sr.ssrc, 0xA1, "from the subscriber's SSRC");
    ok(sr.ntp_time == 0xE000000100000000ull, "NTP time: the publisher's, half a second on");
    is_int(sr.rtp_time, (uint32_t)(300000 + 45000 + a.fwd.ts_delta), "RTP time: moved into the subscriber's timestamps");
    ok(sr.packet_count == 1 && sr.octet_count == sizeof(vp8_key), "counts");
    sfu_track_free(t);
}

static void
test_receive_stats(void)
{
    struct sfu_recv_stats s;
    struct sfu_rtcp_report_block b;
    uint16_t seq;

    sfu_recv_stats_init(&s, 90000);
    ok(!sfu_recv_stats_report(&s, 5, 0, &b), "no report block before a packet");
    for (seq = 65530; seq != 6; seq++) {
        if (seq != 65535 && seq != 2) {
            sfu_recv_stats_update(&s, seq, seq * 3000u, (int64_t)(uint16_t)(seq + 6) * 33333, false);
        }
    }
    sfu_recv_stats_sender_report(&s, 0x0000123456780000ull, 100000);
    ok(sfu_recv_stats_report(&s, 5, 600000, &b), "a report block");
    is_int(b.highest_seq, 65536 + 5, "extended highest sequence number across the wrap");
    is_int(b.cumulative_lost, 2, "two lost");
    is_int(b.fraction_lost, 2 * 256 / 12, "fraction lost over the interval");
    ok(b.jitter < 2, "evenly spaced packets show no jitter");
    is_int(b.last_sr, 0x12345678, "LSR: the middle of the SR's NTP time");
    is_int(b.delay_since_last_sr, 32768, "DLSR in 1/65536 s");
    sfu_recv_stats_update(&s, 6, 0, 700000, false);
    ok(sfu_recv_stats_report(&s, 5, 700000, &b) && b.fraction_lost == 0, "no loss in the next interval");
}

int
main(void)
{
    test_fan_out();
    test_rtx_unwrap();
    test_nack_without_rtx();
    test_sender_report();
    test_receive_stats();
    return tap_done();
}
