/* RTP packet view, extensions, rewrites, demultiplexing, seq arithmetic and codec descriptors. */
#include <string.h>

#include "tap.h"
#include "rtp.h"
#include "rtp_payload.h"

/* V=2 X=1 CC=1, M=1 PT=96, seq 0x1234, ts 0xDEADBEEF, ssrc 0x11223344, one CSRC,
 * a one-byte extension block: id 1 len 1 (0xAA 0xBB), a padding byte, id 3 len 3,
 * then three payload bytes. */
static const uint8_t one_byte_packet[] = {
    0x91, 0xE0, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x11, 0x22, 0x33, 0x44,
    0x55, 0x66, 0x77, 0x88,
    0xBE, 0xDE, 0x00, 0x02,
    0x11, 0xAA, 0xBB, 0x00, 0x32, 0x01, 0x02, 0x03,
    0xC0, 0xC1, 0xC2,
};

/* Two-byte form (profile 0x1000): id 5 len 0, id 200 len 2; padding to the word. */
static const uint8_t two_byte_packet[] = {
    0x90, 0x6F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
    0x10, 0x00, 0x00, 0x02,
    0x05, 0x00, 0xC8, 0x02, 0x77, 0x88, 0x00, 0x00,
    0xF0,
};

static void
test_parse_header_fields(void)
{
    uint8_t buf[sizeof(one_byte_packet)];
    struct sfu_rtp_packet p;

    memcpy(buf, one_byte_packet, sizeof(buf));
    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_OK, "packet with CSRC and one-byte extensions parses");
    ok(p.marker, "marker bit read");
    is_int(p.payload_type, 96, "payload type");
    is_int(p.seq, 0x1234, "sequence number");
    is_int(p.timestamp, 0xDEADBEEF, "timestamp");
    is_int(p.ssrc, 0x11223344, "ssrc");
    is_int(p.csrc_count, 1, "csrc count");
    is_int(sfu_rtp_csrc(&p, 0), 0x55667788, "csrc value");
    is_int(p.ext_profile, SFU_RTP_EXT_ONE_BYTE, "one-byte profile");
    is_int(p.payload_len, 3, "payload length");
    is_int(p.payload[0], 0xC0, "payload starts after the extension block");
}

static void
test_one_byte_extensions(void)
{
    uint8_t buf[sizeof(one_byte_packet)];
    struct sfu_rtp_packet p;
    struct sfu_rtp_ext e;
    const uint8_t stamp[3] = {9, 8, 7};

    memcpy(buf, one_byte_packet, sizeof(buf));
    sfu_rtp_parse(&p, buf, sizeof(buf));
    is_int(sfu_rtp_ext_find(&p, 1, &e), SFU_RTP_OK, "extension 1 found");
    is_int(e.len, 2, "extension 1 holds two bytes");
    is_int(e.value[1], 0xBB, "extension 1 value");
    is_int(sfu_rtp_ext_find(&p, 3, &e), SFU_RTP_OK, "extension 3 found past a padding byte");
    is_int(e.len, 3, "extension 3 holds three bytes");
    is_int(sfu_rtp_ext_find(&p, 2, &e), SFU_RTP_ENOTFOUND, "absent extension reported");
    is_int(sfu_rtp_ext_set(&p, 3, stamp, 3), SFU_RTP_OK, "same-length value replaced");
    sfu_rtp_ext_find(&p, 3, &e);
    ok(memcmp(e.value, stamp, 3) == 0, "replaced value reads back");
    is_int(sfu_rtp_ext_set(&p, 3, stamp, 2), SFU_RTP_ELENGTH, "value of another length refused");
    is_int(sfu_rtp_ext_set(&p, 4, stamp, 3), SFU_RTP_ENOTFOUND, "absent extension not written");
}

static void
test_two_byte_extensions(void)
{
    uint8_t buf[sizeof(two_byte_packet)];
    struct sfu_rtp_packet p;
    struct sfu_rtp_ext e;
    uint8_t map[256] = {0};

    memcpy(buf, two_byte_packet, sizeof(buf));
    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_OK, "two-byte extension packet parses");
    is_int(sfu_rtp_ext_find(&p, 5, &e), SFU_RTP_OK, "zero-length element found");
    is_int(e.len, 0, "zero-length element is empty");
    is_int(sfu_rtp_ext_find(&p, 200, &e), SFU_RTP_OK, "id above 14 found");
    is_int(e.value[0], 0x77, "two-byte element value");
    map[5] = 0;
    map[200] = 17;
    is_int(sfu_rtp_ext_remap(&p, map), SFU_RTP_OK, "two-byte ids remapped");
    is_int(sfu_rtp_ext_find(&p, 17, &e), SFU_RTP_OK, "element renumbered to 17");
    is_int(sfu_rtp_ext_find(&p, 5, &e), SFU_RTP_ENOTFOUND, "element mapped to 0 dropped");
    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_OK, "remapped packet still parses");
}

static void
test_one_byte_remap(void)
{
    uint8_t buf[sizeof(one_byte_packet)];
    struct sfu_rtp_packet p;
    struct sfu_rtp_ext e;
    uint8_t map[256] = {0};

    memcpy(buf, one_byte_packet, sizeof(buf));
    sfu_rtp_parse(&p, buf, sizeof(buf));
    map[1] = 20;
    map[3] = 4;
    is_int(sfu_rtp_ext_remap(&p, map), SFU_RTP_ERANGE, "id 20 cannot fit a one-byte element");
    ok(memcmp(buf, one_byte_packet, sizeof(buf)) == 0, "refused remap leaves the packet untouched");
    map[1] = 0;
    is_int(sfu_rtp_ext_remap(&p, map), SFU_RTP_OK, "one-byte ids remapped");
    is_int(sfu_rtp_ext_find(&p, 4, &e), SFU_RTP_OK, "id 3 became 4");
    is_int(e.value[0], 0x01, "renumbered value intact");
    is_int(sfu_rtp_ext_find(&p, 1, &e), SFU_RTP_ENOTFOUND, "dropped element gone");
    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_OK, "remapped packet still parses");
}

static void
test_setters(void)
{
    uint8_t buf[sizeof(one_byte_packet)];
    struct sfu_rtp_packet p, q;

    memcpy(buf, one_byte_packet, sizeof(buf));
    sfu_rtp_parse(&p, buf, sizeof(buf));
    sfu_rtp_set_ssrc(&p, 0xCAFEBABE);
    sfu_rtp_set_seq(&p, 0xFFFF);
    sfu_rtp_set_timestamp(&p, 42);
    sfu_rtp_set_payload_type(&p, 100);
    sfu_rtp_set_marker(&p, false);
    sfu_rtp_parse(&q, buf, sizeof(buf));
    is_int(q.ssrc, 0xCAFEBABE, "ssrc rewritten in place");
    is_int(q.seq, 0xFFFF, "seq rewritten in place");
    is_int(q.timestamp, 42, "timestamp rewritten in place");
    is_int(q.payload_type, 100, "payload type rewritten in place");
    ok(!q.marker, "marker cleared in place");
    is_int(q.csrc_count, 1, "other header bits kept");
}

static void
test_padding(void)
{
    uint8_t buf[16] = {0xA0, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xAB, 0, 0, 3};
    struct sfu_rtp_packet p;

    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_OK, "padded packet parses");
    is_int(p.payload_len, 1, "padding taken off the payload");
    is_int(p.padding_len, 3, "padding length");
    buf[15] = 0;
    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_EPADDING, "zero padding length refused");
    buf[15] = 5;
    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_EPADDING, "padding longer than the payload refused");
    buf[15] = 4;
    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_OK, "padding may take the whole payload");
    is_int(p.payload_len, 0, "empty payload");
}

static void
test_bad_packets(void)
{
    uint8_t buf[sizeof(one_byte_packet)];
    struct sfu_rtp_packet p;

    memcpy(buf, one_byte_packet, sizeof(buf));
    is_int(sfu_rtp_parse(&p, buf, 11), SFU_RTP_ETOOSHORT, "shorter than the fixed header");
    is_int(sfu_rtp_parse(&p, buf, 14), SFU_RTP_ETOOSHORT, "CSRC list past the end");
    is_int(sfu_rtp_parse(&p, buf, 18), SFU_RTP_ETOOSHORT, "extension header past the end");
    is_int(sfu_rtp_parse(&p, buf, 26), SFU_RTP_ETOOSHORT, "extension block past the end");
    buf[0] = 0x51;
    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_EVERSION, "version 1 refused");
    buf[0] = 0x91;
    buf[24] = 0x3F; /* id 3 claims 16 bytes */
    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_EEXTENSION, "one-byte element past the block refused");
    memcpy(buf, two_byte_packet, sizeof(two_byte_packet));
    buf[19] = 9;
    is_int(sfu_rtp_parse(&p, buf, sizeof(two_byte_packet)), SFU_RTP_EEXTENSION, "two-byte element past the block refused");
}

static void
test_stop_id_ends_extensions(void)
{
    uint8_t buf[] = {0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
                     0xBE, 0xDE, 0x00, 0x01, 0x10, 0x01, 0xF0, 0x77, 0x55};
    struct sfu_rtp_packet p;
    struct sfu_rtp_ext e;

    is_int(sfu_rtp_parse(&p, buf, sizeof(buf)), SFU_RTP_OK, "id 15 with garbage after it parses");
    is_int(sfu_rtp_ext_find(&p, 1, &e), SFU_RTP_OK, "element before id 15 read");
    is_int(sfu_rtp_ext_find(&p, 7, &e), SFU_RTP_ENOTFOUND, "bytes after id 15 ignored");
}

static void
test_classify(void)
{
    const uint8_t stun[] = {0x00, 0x01}, dtls[] = {22, 0xFE}, rtp[] = {0x80, 111},
                  rtp_marker[] = {0x80, 0xE0}, rtcp_sr[] = {0x80, 200}, rtcp_psfb[] = {0x81, 206},
                  turn_channel[] = {0x40, 0x00};

    is_int(sfu_packet_classify(stun, 2), SFU_PACKET_STUN, "STUN binding request");
    is_int(sfu_packet_classify(dtls, 2), SFU_PACKET_DTLS, "DTLS handshake record");
    is_int(sfu_packet_classify(rtp, 2), SFU_PACKET_RTP, "RTP opus");
    is_int(sfu_packet_classify(rtp_marker, 2), SFU_PACKET_RTP, "RTP PT 96 with marker");
    is_int(sfu_packet_classify(rtcp_sr, 2), SFU_PACKET_RTCP, "RTCP sender report");
    is_int(sfu_packet_classify(rtcp_psfb, 2), SFU_PACKET_RTCP, "RTCP PLI");
    is_int(sfu_packet_classify(turn_channel, 2), SFU_PACKET_UNKNOWN, "TURN channel data is not ours");
    is_int(sfu_packet_classify(rtp, 1), SFU_PACKET_UNKNOWN, "one byte cannot be told apart");
    is_int(sfu_packet_classify(rtp, 0), SFU_PACKET_UNKNOWN, "empty datagram");
}

static void
test_seq_arithmetic(void)
{
    struct sfu_seq_unwrapper u = {0};
    uint64_t first;

    ok(sfu_seq_newer(1, 65535), "1 is newer than 65535 across the wrap");
    ok(!sfu_seq_newer(65535, 1), "65535 is older than 1 across the wrap");
    is_int(sfu_seq_diff(2, 65534), 4, "distance across the wrap");
    is_int(sfu_seq_diff(100, 200), -100, "negative distance");
    first = sfu_seq_unwrap(&u, 65534);
    is_int(sfu_seq_unwrap(&u, 65535), first + 1, "next seq extends by one");
    is_int(sfu_seq_unwrap(&u, 1), first + 3, "wrap counts a cycle");
    is_int(sfu_seq_unwrap(&u, 65533), first - 1, "late packet from the previous cycle");
    is_int(sfu_seq_unwrap(&u, 2), first + 4, "highest kept after a late packet");
}

static void
test_vp8(void)
{
    /* X I L T, 15-bit picture id 0x1234, TL0PICIDX 7, TID 2 Y, key frame header */
    uint8_t key[] = {0x90, 0xE0, 0x92, 0x34, 0x07, 0xA0, 0x9C, 0x01, 0x2A};
    /* X I, 7-bit picture id 5, S=1 but an inter frame */
    const uint8_t delta[] = {0x90, 0x80, 0x05, 0x01};
    struct sfu_vp8_descriptor d;
    size_t i;

    is_int(sfu_vp8_parse(&d, key, sizeof(key)), SFU_PAYLOAD_OK, "VP8 key frame descriptor parses");
    ok(d.keyframe, "VP8 key frame detected");
    ok(d.has_picture_id && d.long_picture_id, "15-bit picture id");
    is_int(d.picture_id, 0x1234, "picture id");
    is_int(d.tl0picidx, 7, "TL0PICIDX");
    is_int(d.tid, 2, "temporal id");
    ok(d.layer_sync, "layer sync bit");
    is_int(d.header_len, 6, "descriptor length");
    sfu_vp8_rewrite(&d, key, 0x7FFF, 99);
    sfu_vp8_parse(&d, key, sizeof(key));
    is_int(d.picture_id, 0x7FFF, "picture id rewritten in place");
    is_int(d.tl0picidx, 99, "TL0PICIDX rewritten in place");
    ok(d.keyframe && d.tid == 2, "rewrite kept the rest");

    is_int(sfu_vp8_parse(&d, delta, sizeof(delta)), SFU_PAYLOAD_OK, "VP8 delta descriptor parses");
    ok(!d.keyframe, "VP8 inter frame is not a key frame");
    ok(!d.long_picture_id && d.picture_id == 5, "7-bit picture id");
    for (i = 0; i < 6; i++) {
        ok(sfu_vp8_parse(&d, key, i) == SFU_PAYLOAD_ETOOSHORT, "VP8 truncated to %zu bytes refused", i);
    }
}

static void
test_vp9(void)
{
    /* I L B, non-flexible: 15-bit picture id, TID 0 U SID 0, TL0PICIDX 3 */
    const uint8_t key[] = {0xA8, 0x81, 0x00, 0x10, 0x03, 0x82};
    /* I P L B, SID 1 */
    const uint8_t inter[] = {0xE8, 0x05, 0x22, 0x03, 0x82};
    /* flexible mode: no TL0PICIDX after the layer byte */
    const uint8_t flexible[] = {0x38, 0x00, 0x00};
    struct sfu_vp9_descriptor d;

    is_int(sfu_vp9_parse(&d, key, sizeof(key)), SFU_PAYLOAD_OK, "VP9 key frame descriptor parses");
    ok(d.keyframe, "VP9 key frame detected");
    is_int(d.picture_id, 0x100, "VP9 picture id");
    ok(d.switching_up, "VP9 switching up point");
    is_int(d.tl0picidx, 3, "VP9 TL0PICIDX");
    is_int(sfu_vp9_parse(&d, inter, sizeof(inter)), SFU_PAYLOAD_OK, "VP9 inter descriptor parses");
    ok(!d.keyframe, "VP9 inter frame is not a key frame");
    is_int(d.tid, 1, "VP9 temporal id");
    is_int(d.sid, 1, "VP9 spatial id");
    is_int(sfu_vp9_parse(&d, flexible, sizeof(flexible)), SFU_PAYLOAD_OK, "VP9 flexible descriptor parses");
    ok(d.flexible && !d.has_tl0picidx, "flexible mode has no TL0PICIDX");
    is_int(sfu_vp9_parse(&d, key, 4), SFU_PAYLOAD_ETOOSHORT, "VP9 missing TL0PICIDX refused");
    is_int(sfu_vp9_parse(&d, key, 2), SFU_PAYLOAD_ETOOSHORT, "VP9 half a picture id refused");
    is_int(sfu_vp9_parse(&d, key, 0), SFU_PAYLOAD_ETOOSHORT, "VP9 empty payload refused");
}

static void
test_h264(void)
{
    const uint8_t idr[] = {0x65, 0x88}, slice[] = {0x41, 0x9A},
                  stap_a[] = {0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE},
                  stap_a_bad[] = {0x78, 0x00, 0x09, 0x67, 0x42},
                  fu_a_start[] = {0x7C, 0x85, 0x88}, fu_a_middle[] = {0x7C, 0x05, 0x88},
                  fu_a_slice[] = {0x7C, 0x81, 0x9A};

    is_int(sfu_h264_is_keyframe(idr, sizeof(idr)), 1, "single IDR NAL is a key frame");
    is_int(sfu_h264_is_keyframe(slice, sizeof(slice)), 0, "non-IDR slice is not");
    is_int(sfu_h264_is_keyframe(stap_a, sizeof(stap_a)), 1, "STAP-A with SPS is a key frame");
    is_int(sfu_h264_is_keyframe(stap_a_bad, sizeof(stap_a_bad)), SFU_PAYLOAD_ETOOSHORT, "STAP-A NAL past the end refused");
    is_int(sfu_h264_is_keyframe(stap_a, 2), SFU_PAYLOAD_ETOOSHORT, "STAP-A half a size refused");
    is_int(sfu_h264_is_keyframe(fu_a_start, sizeof(fu_a_start)), 1, "first FU-A of an IDR is a key frame");
    is_int(sfu_h264_is_keyframe(fu_a_middle, sizeof(fu_a_middle)), 0, "later FU-A of an IDR is not");
    is_int(sfu_h264_is_keyframe(fu_a_slice, sizeof(fu_a_slice)), 0, "FU-A of a slice is not");
    is_int(sfu_h264_is_keyframe(fu_a_start, 1), SFU_PAYLOAD_ETOOSHORT, "FU-A without its header refused");
    is_int(sfu_h264_is_keyframe(idr, 0), SFU_PAYLOAD_ETOOSHORT, "empty payload refused");
}

int
main(void)
{
    test_parse_header_fields();
    test_one_byte_extensions();
    test_two_byte_extensions();
    test_one_byte_remap();
    test_setters();
    test_padding();
    test_bad_packets();
    test_stop_id_ends_extensions();
    test_classify();
    test_seq_arithmetic();
    test_vp8();
    test_vp9();
    test_h264();
    return tap_done();
}
