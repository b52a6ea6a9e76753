/*
 * Forwarding rewrite: each subscriber gets its own SSRC, payload type,
 * extension ids, and sequence numbers and timestamps that continue across
 * a publisher's stream change; video starts on a key frame; retransmissions
 * come as RTX or as the packet again.
 */
#include "tap.h"
#include "rtp_build.h"
#include "forward.h"

static uint8_t in[1600], out[1600];
static struct sfu_rtp_packet src, got;

static const struct test_ext exts[] = {
    { 4, 2, { 'v', '0' } },             /* the publisher's mid: not forwarded */
    { 13, 1, { 0x03 } },                /* video orientation */
    { 0, 0, { 0 } },
};

static int
forward(struct sfu_forward *f, uint32_t ssrc, uint16_t seq, uint32_t ts, bool key, int64_t now)
{
    size_t len = 0;
    int rc;

    rtp_build(in, &src, 96, seq, ts, ssrc, exts, key ? vp8_key : vp8_delta, sizeof(vp8_key));
    rc = sfu_forward_packet(f, &src, key, now, out, sizeof(out), &len);
    if (rc == SFU_FORWARD_SEND) {
        sfu_rtp_parse(&got, out, len);
    }
    return rc;
}

static void
video_forward(struct sfu_forward *f)
{
    sfu_forward_init(f, 0xAAAA0001, 100, 90000, true, 1000, 5000);
    sfu_forward_map_ext(f, 13, 2);
    sfu_forward_map_ext(f, 0, 9);
}

static void
test_rewrite(void)
{
    struct sfu_forward f;
    struct sfu_rtp_ext e;

    video_forward(&f);
    is_int(forward(&f, 0x1111, 40000, 777000, false, 0), SFU_FORWARD_NEED_KEYFRAME,
           "video does not start on a delta frame");
    is_int(forward(&f, 0x1111, 40001, 777000, true, 0), SFU_FORWARD_SEND, "it starts on a key frame");
    is_int(got.ssrc, 0xAAAA0001, "subscriber's SSRC");
    is_int(got.payload_type, 100, "subscriber's payload type");
    is_int(got.seq, 1000, "the first sequence number given");
    is_int(got.timestamp, 5000, "the first timestamp given");
    ok(got.payload_len == sizeof(vp8_key) && memcmp(got.payload, vp8_key, sizeof(vp8_key)) == 0,
       "payload untouched");
    ok(sfu_rtp_ext_find(&got, 2, &e) == SFU_RTP_OK && e.len == 1 && e.value[0] == 0x03,
       "video orientation moved from id 13 to id 2");
    ok(sfu_rtp_ext_find(&got, 4, &e) == SFU_RTP_ENOTFOUND && sfu_rtp_ext_find(&got, 13, &e) == SFU_RTP_ENOTFOUND,
       "the publisher's ids are gone (mid turned to padding)");
    is_int(sfu_rtp_parse(&got, out, got.len), SFU_RTP_OK, "the rewritten packet parses");
    is_int(src.seq, 40001, "the publisher's packet is left as it was");

    is_int(forward(&f, 0x1111, 40002, 780000, false, 33000), SFU_FORWARD_SEND, "delta frames follow");
    is_int(got.seq, 1001, "sequence numbers follow the publisher's");
    is_int(got.timestamp, 8000, "timestamps keep the publisher's spacing");
    is_int(forward(&f, 0x1111, 40005, 783000, false, 66000), SFU_FORWARD_SEND, "a gap");
    is_int(got.seq, 1004, "is kept, so the subscriber can NACK it");
    is_int(forward(&f, 0x1111, 40004, 783000, false, 67000), SFU_FORWARD_SEND, "a reordered packet");
    is_int(got.seq, 1003, "keeps its place");
    is_int(f.max_seq, 1004, "and does not move the highest number sent");
    is_int(forward(&f, 0x1111, 40000, 777000, false, 68000), SFU_FORWARD_DROP,
           "a packet from before the start is dropped");
    is_int(forward(&f, 0x1111, 65535, 0, false, 68000), SFU_FORWARD_NEED_KEYFRAME,
           "a jump of thousands on one SSRC is a restarted sender");

    ok(f.packets == 4 && f.octets == 4 * sizeof(vp8_key), "packet and octet counts for sender reports");
}

static void
test_switch(void)
{
    struct sfu_forward f;
    uint16_t src_seq;

    video_forward(&f);
    forward(&f, 0x1111, 100, 10000, true, 1000000);
    forward(&f, 0x1111, 101, 13000, false, 1033000);
    is_int(forward(&f, 0x2222, 7, 123, false, 1100000), SFU_FORWARD_NEED_KEYFRAME,
           "a new publisher SSRC waits for a key frame");
    is_int(forward(&f, 0x2222, 8, 456, true, 1133000), SFU_FORWARD_SEND, "and switches on one");
    is_int(got.ssrc, 0xAAAA0001, "the subscriber's SSRC does not change");
    is_int(got.seq, 1002, "sequence numbers run on without a gap");
    is_int(got.timestamp, 8000 + 9000, "the timestamp advances by the 100 ms that passed");
    is_int(forward(&f, 0x2222, 9, 3456, false, 1166000), SFU_FORWARD_SEND, "the new stream flows");
    is_int(got.timestamp, 17000 + 3000, "with its own spacing");
    is_int(forward(&f, 0x1111, 102, 16000, false, 1170000), SFU_FORWARD_DROP,
           "a late packet of the old stream is dropped, not switched back to");
    ok(!sfu_forward_source_seq(&f, 1001, &src_seq), "numbers sent before the switch are not resent");
    ok(sfu_forward_source_seq(&f, 1003, &src_seq) && src_seq == 9, "numbers since map to the new stream");
    ok(!sfu_forward_source_seq(&f, 1004, &src_seq), "numbers not sent yet map to nothing");

    sfu_forward_restart(&f);
    is_int(forward(&f, 0x2222, 10, 6456, true, 1200000), SFU_FORWARD_SEND,
           "an explicit restart (renegotiation) maps again on the next key frame");
    is_int(got.seq, 1004, "still without a gap");
}

static void
test_audio(void)
{
    struct sfu_forward f;
    static const uint8_t opus[] = { 0xFC, 0x01, 0x02 };
    size_t len;

    sfu_forward_init(&f, 0xBBBB, 111, 48000, false, 50, 0);
    rtp_build(in, &src, 109, 9, 960, 0x3333, NULL, opus, sizeof(opus));
    is_int(sfu_forward_packet(&f, &src, false, 0, out, sizeof(out), &len), SFU_FORWARD_SEND,
           "audio needs no key frame");
    sfu_rtp_parse(&got, out, len);
    ok(got.payload_type == 111 && got.seq == 50 && got.timestamp == 0, "PT 109 becomes 111, seq and ts rebased");
    rtp_build(in, &src, 109, 500, 1000, 0x4444, NULL, opus, sizeof(opus));
    is_int(sfu_forward_packet(&f, &src, false, 20000, out, sizeof(out), &len), SFU_FORWARD_SEND,
           "a new audio SSRC is taken at once");
    sfu_rtp_parse(&got, out, len);
    ok(got.seq == 51 && got.timestamp == 960, "continuing 20 ms (960 ticks) later");
    is_int(sfu_forward_packet(&f, &src, false, 20000, out, 10, &len), SFU_FORWARD_ERROR,
           "a packet larger than the buffer is refused");
}

static void
test_resend(void)
{
    struct sfu_forward f;
    struct sfu_rtp_packet cached;
    uint8_t cache_copy[1600], first[1600];
    size_t len, first_len;

    video_forward(&f);
    forward(&f, 0x1111, 200, 9000, true, 0);
    forward(&f, 0x1111, 201, 9000, false, 1000);
    first_len = got.len;
    memcpy(first, out, first_len);
    memcpy(cache_copy, in, src.len);
    sfu_rtp_parse(&cached, cache_copy, src.len);

    is_int(sfu_forward_resend(&f, &cached, 1001, out, sizeof(out), &len), SFU_FORWARD_SEND,
           "without RTX the packet is resent");
    ok(len == first_len && memcmp(out, first, len) == 0, "exactly as it was first sent");

    sfu_forward_set_rtx(&f, 0xAAAA0002, 101);
    is_int(sfu_forward_resend(&f, &cached, 1001, out, sizeof(out), &len), SFU_FORWARD_SEND, "with RTX");
    sfu_rtp_parse(&got, out, len);
    ok(got.ssrc == 0xAAAA0002 && got.payload_type == 101, "on the RTX SSRC and payload type");
    ok(got.payload_len == sizeof(vp8_delta) + 2 && got.payload[0] == 1001 >> 8 && got.payload[1] == (1001 & 0xFF),
       "the payload starts with the original sequence number");
    ok(memcmp(got.payload + 2, vp8_delta, sizeof(vp8_delta)) == 0, "then the original payload");
    is_int(got.timestamp, 5000, "with the subscriber's timestamp");
    {
        uint16_t rtx_seq = got.seq;

        sfu_forward_resend(&f, &cached, 1001, out, sizeof(out), &len);
        sfu_rtp_parse(&got, out, len);
        is_int(got.seq, (uint16_t)(rtx_seq + 1), "RTX has a sequence of its own");
    }
    is_int(f.retransmitted, 3, "retransmissions counted");

    cache_copy[8] = 0x99;
    sfu_rtp_parse(&cached, cache_copy, src.len);
    is_int(sfu_forward_resend(&f, &cached, 1001, out, sizeof(out), &len), SFU_FORWARD_DROP,
           "a cached packet of another stream is not resent");
}

int
main(void)
{
    test_rewrite();
    test_switch();
    test_audio();
    test_resend();
    return tap_done();
}
