/* sfu-load's publisher: the packets it builds (RTP header, the simulcast
 * extensions, VP8 descriptor and key frames as the worker reads them, the
 * stamp), its schedule over seconds, paced and not, the pacer's rules
 * (pacer.h), the SDP it writes and answers, and arrival stamps on its
 * clock. */
#include <string.h>

#include "tap.h"
#include "media.h"
#include "pacer.h"
#include "rtp.h"
#include "rtp_payload.h"
#include "sdp.h"
#include "sdp_local.h"
#include "stamp.h"
#include "transport.h"
#include "log.h"

static uint8_t buf[SFU_TRANSPORT_MTU + SFU_TRANSPORT_TRAILER];

static void
test_audio_packet(void)
{
    load_tx_stream_t      s = { .ssrc = 0x01020304, .pt = LOAD_PT_OPUS, .seq = 65535,
                                .ts_base = 100, .stream_id = 42 };
    struct sfu_rtp_packet pkt;
    uint32_t              id = 0;
    uint64_t              ns = 0;
    size_t                len = load_media_audio_packet(buf, &s, 960, 123456789012345ull);

    ok(sfu_rtp_parse(&pkt, buf, len) == SFU_RTP_OK, "an audio packet parses as RTP");
    is_int(pkt.payload_type, LOAD_PT_OPUS, "Opus payload type");
    is_int(pkt.seq, 65535, "its sequence number");
    is_int(s.seq, 0, "the next one wraps to 0");
    is_int(pkt.timestamp, 1060, "timestamp = base + 960");
    is_int(pkt.ssrc, 0x01020304, "its SSRC");
    is_int(pkt.payload_len, LOAD_MEDIA_OPUS_BYTES, "an Opus-sized payload");
    ok(load_stamp_read(pkt.payload, pkt.payload_len, &id, &ns), "the stamp reads back");
    is_int(id, 42, "stream id");
    ok(ns == 123456789012345ull, "send time");
    ok(!load_stamp_read(pkt.payload, 8, &id, &ns), "a short payload has no stamp");
    load_stamp_set_time(buf, len, 987654321ull);
    sfu_rtp_parse(&pkt, buf, len);
    ok(load_stamp_read(pkt.payload, pkt.payload_len, &id, &ns) && id == 42
       && ns == 987654321ull, "the sender sets the send time when it sends");
}

static void
test_vp8_packets(void)
{
    load_tx_stream_t          s = { .ssrc = 7, .pt = LOAD_PT_VP8, .stream_id = 5,
                                    .mid = "1", .rid = "m" };
    struct sfu_rtp_packet     pkt;
    struct sfu_vp8_descriptor d;
    struct sfu_rtp_ext        ext;
    size_t                    len;

    len = load_media_vp8_packet(buf, &s, 3000, true, true, false, 1000, 1);
    ok(sfu_rtp_parse(&pkt, buf, len) == SFU_RTP_OK, "a VP8 packet parses");
    ok(len <= LOAD_MEDIA_MAX_PACKET, "within the packet size");
    ok(sfu_vp8_parse(&d, pkt.payload, pkt.payload_len) == 0, "its descriptor parses");
    ok(d.keyframe, "the worker sees the start of a key frame");
    ok(!pkt.marker, "no marker before a frame's last packet");
    ok(sfu_rtp_ext_find(&pkt, LOAD_EXT_MID, &ext) == SFU_RTP_OK && ext.len == 1
       && ext.value[0] == '1', "sdes:mid extension = 1");
    ok(sfu_rtp_ext_find(&pkt, LOAD_EXT_RID, &ext) == SFU_RTP_OK && ext.len == 1
       && ext.value[0] == 'm', "rtp-stream-id extension = m");

    s.mid = s.rid = NULL;
    len = load_media_vp8_packet(buf, &s, 6000, false, true, true, 500, 1);
    sfu_rtp_parse(&pkt, buf, len);
    sfu_vp8_parse(&d, pkt.payload, pkt.payload_len);
    ok(!d.keyframe && d.start_of_partition, "a delta frame's first packet: S, not key");
    ok(pkt.marker, "the last packet of a frame has the marker");
    is_int(pkt.ext_profile, 0, "no extensions without simulcast");

    len = load_media_vp8_packet(buf, &s, 6000, true, false, true, 500, 1);
    sfu_rtp_parse(&pkt, buf, len);
    sfu_vp8_parse(&d, pkt.payload, pkt.payload_len);
    ok(!d.keyframe && !d.start_of_partition, "a key frame's later packet is not its start");
}

static void
test_frame_sizes(void)
{
    size_t   first, each;
    unsigned n;
    size_t   delta = load_media_frame_bytes(1500, false);
    size_t   key = load_media_frame_bytes(1500, true);
    double   per_s = (double) (key + (LOAD_MEDIA_FPS * 3 - 1) * delta) / 3;

    ok(per_s * 8 > 1490000 && per_s * 8 <= 1500000, "frames average 1500 kbit/s (%.0f)", per_s * 8);
    is_int(key, delta * LOAD_MEDIA_KEY_FACTOR, "a key frame is KEY_FACTOR deltas");
    n = load_media_split(10001, 1000, &first, &each);
    is_int(n, 11, "10001 bytes in packets of at most 1000: 11");
    is_int(first + (n - 1) * each, 10001, "the packets add up");
    ok(first <= 1000 && first - each < n, "nearly equal packets");
}

static unsigned sent_audio, sent_video, sent_keys;
static size_t   sent_bytes;
static uint64_t tick_now, worst_late;

static void
count_packet(void *ctx, uint8_t *pkt, size_t len, uint64_t due_ns)
{
    struct sfu_rtp_packet     p;
    struct sfu_vp8_descriptor d;

    (void) ctx;
    if (due_ns > tick_now || tick_now - due_ns > worst_late) {
        /* a packet sent before it is due counts as the worst of all */
        worst_late = due_ns > tick_now ? UINT64_MAX : tick_now - due_ns;
    }
    sfu_rtp_parse(&p, pkt, len);
    if (p.payload_type == LOAD_PT_OPUS) {
        sent_audio++;
        return;
    }
    sent_video++;
    sent_bytes += p.payload_len;
    if (sfu_vp8_parse(&d, p.payload, p.payload_len) == 0 && d.keyframe) {
        sent_keys++;
    }
}

static void
reset_counts(void)
{
    sent_audio = sent_video = sent_keys = 0;
    sent_bytes = 0;
    worst_late = 0;
}

/* Ticks m every step_ns for span_ns from t0; the most video packets one
   tick sent. */
static unsigned
run_ticks(load_media_t *m, uint64_t t0, uint64_t span_ns, uint64_t step_ns)
{
    unsigned most = 0;

    for (tick_now = t0; tick_now < t0 + span_ns; tick_now += step_ns) {
        unsigned before = sent_video;

        load_media_tick(m, tick_now, buf, count_packet, NULL);
        if (sent_video - before > most) {
            most = sent_video - before;
        }
    }
    return most;
}

static void
test_schedule_unpaced(void)
{
    static load_media_t m;
    uint64_t            t0 = 1000000000000ull;
    unsigned            burst;

    reset_counts();
    load_media_init(&m, 3, 1, 1500, 0, t0);
    burst = run_ticks(&m, t0, 4000000000ull, 5000000);
    is_int(sent_audio, 200, "4 s: 200 audio packets (50/s)");
    is_int(m.frame_n, 120, "4 s: 120 video frames (30/s)");
    is_int(sent_keys, 2, "a key frame at the start and after 3 s");
    ok(sent_bytes * 8 / 4 > 1300000 && sent_bytes * 8 / 4 < 1700000,
       "about 1500 kbit/s of VP8 (%zu bit/s)", sent_bytes * 8 / 4);
    is_int(m.late, 0, "never late");
    ok(burst >= 30, "unpaced, a key frame goes out in one tick (%u packets)", burst);
    ok(worst_late < 5000000, "nothing goes before it is due, or a tick late");

    load_media_want_key(&m);
    sent_keys = 0;
    tick_now = t0 + 4040000000ull;
    load_media_tick(&m, tick_now, buf, count_packet, NULL);
    is_int(sent_keys, 1, "a PLI makes the next frame a key frame");

    sent_audio = 0;
    tick_now = t0 + 9000000000ull;
    load_media_tick(&m, tick_now, buf, count_packet, NULL);
    ok(sent_audio <= 1 && m.late == 1, "after a 5 s stall it skips ahead (%u sent)", sent_audio);
}

static void
test_schedule_paced(void)
{
    static load_media_t m;
    uint64_t            t0 = 1000000000000ull;
    unsigned            paced_video, burst;
    size_t              paced_bytes;

    reset_counts();
    load_media_init(&m, 3, 1, 1500, 2.5, t0);
    burst = run_ticks(&m, t0, 4000000000ull, 1000000);
    paced_video = sent_video;
    paced_bytes = sent_bytes;
    is_int(sent_audio, 200, "paced: still 200 audio packets");
    is_int(sent_keys, 2, "paced: the same key frames");
    is_int(burst, 1, "paced at 2.5 x 1500 kbit/s, 1 ms ticks: one video "
           "packet at a time");
    ok(worst_late < 1000000, "and each within a tick of its due time");

    /* the same media unpaced, for the totals */
    reset_counts();
    load_media_init(&m, 3, 1, 1500, 0, t0);
    run_ticks(&m, t0, 4000000000ull, 1000000);
    ok(paced_video + 2 >= sent_video && paced_bytes <= sent_bytes,
       "pacing delays packets, it drops none (%u paced, %u unpaced)",
       paced_video, sent_video);

    /* a simulcast publisher refused to one layer paces that layer alone */
    load_media_init(&m, 3, 3, 1500, 2.5, t0);
    m.sending_layers = 1;
    load_media_start(&m, t0);
    ok(m.pacer.ns_per_byte > 2133 && m.pacer.ns_per_byte < 2134,
       "paced for the layer sent: 2.5 x 1500 kbit/s");
}

static void
send_frame_of(load_pacer_t *p, unsigned packets, uint64_t capture_ns)
{
    load_frame_t f = { .capture_ns = capture_ns, .packets = packets,
                       .first = 1000, .each = 1000 };

    load_pacer_push(p, &f);
}

/* Sends what p lets go at now_ns (packets of 1000 bytes); how many. */
static unsigned
pacer_at(load_pacer_t *p, uint64_t now_ns, uint64_t *late_ns)
{
    unsigned n = 0;
    uint64_t due;

    *late_ns = 0;
    while (load_pacer_due(p, now_ns, &due) != NULL) {
        if (now_ns - due > *late_ns) {
            *late_ns = now_ns - due;
        }
        load_pacer_sent(p, 1000, due, now_ns);
        n++;
    }
    return n;
}

static void
test_pacer(void)
{
    load_pacer_t p;
    uint64_t     late, worst = 0, t, last = 0;
    unsigned     n, total = 0, most = 0;

    /* 2.5 x 1500 kbit/s = 468750 bytes/s: 1000 bytes every 2.133 ms */
    load_pacer_init(&p, 1500, 2.5);
    send_frame_of(&p, 30, 0);
    for (t = 0; t <= 100000000; t += 1000000) {
        n = pacer_at(&p, t, &late);
        total += n;
        most = n > most ? n : most;
        last = n > 0 ? t : last;
        worst = late > worst ? late : worst;
    }
    ok(worst < 1000000, "each packet within a 1 ms tick of its time");
    is_int(total, 30, "the whole frame goes out");
    is_int(most, 1, "one packet at a time");
    ok(last == 62000000, "the 30th at 29 x 2.133 ms, in the 62 ms tick (%llu)",
       (unsigned long long) last);
    is_int(p.len, 0, "the queue is empty");

    /* a frame is not sent before its capture, however idle the pacer */
    send_frame_of(&p, 2, 500000000);
    is_int(pacer_at(&p, 499000000, &late), 0, "nothing before the capture");
    is_int(pacer_at(&p, 500000000, &late), 1, "its first packet at the capture");

    /* late by less than a pacing interval: catch up, as a browser does */
    load_pacer_init(&p, 1500, 2.5);
    send_frame_of(&p, 30, 0);
    is_int(pacer_at(&p, 0, &late), 1, "the first packet at once");
    is_int(pacer_at(&p, 7000000, &late), 3, "7 ms later: the ones due at 2.1, "
           "4.3 and 6.4 ms");
    is_int(p.restarts, 0, "no restart of the schedule");

    /* a stall: no burst of the backlog, the schedule starts again */
    is_int(pacer_at(&p, 50000000, &late), 1, "after a 43 ms stall, one packet");
    ok(late > 40000000, "late by the stall (%llu ns)", (unsigned long long) late);
    is_int(p.restarts, 1, "the schedule started again");
    is_int(pacer_at(&p, 52000000, &late), 0, "and the next only 2.1 ms later");
    is_int(pacer_at(&p, 53000000, &late), 1, "then");

    /* unpaced: a frame's packets are all due at its capture */
    load_pacer_init(&p, 1500, 0);
    send_frame_of(&p, 30, 1000);
    is_int(pacer_at(&p, 999, &late), 0, "unpaced: nothing before the capture");
    is_int(pacer_at(&p, 1000, &late), 30, "then the whole frame");

    /* a full queue drops frames, as an encoder does */
    load_pacer_init(&p, 1500, 2.5);
    for (unsigned i = 0; i < LOAD_PACER_FRAMES; i++) {
        send_frame_of(&p, 1, 0);
    }
    is_int(p.dropped, 0, "a queue of LOAD_PACER_FRAMES frames");
    send_frame_of(&p, 1, 0);
    is_int(p.dropped, 1, "one more is dropped");
    is_int(p.len, LOAD_PACER_FRAMES, "and not queued");
}

/* The worker's subscribe offer, in its shape (PROTOCOL.md). */
static const char worker_offer[] =
    "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:wrk1\r\na=ice-pwd:0123456789abcdef012345\r\na=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=sendonly\r\na=msid:p1 p1:0\r\na=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=ssrc:11 cname:p1\r\n"
    "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:1\r\na=sendonly\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "a=ssrc-group:FID 12 13\r\na=ssrc:12 cname:p1\r\na=ssrc:13 cname:p1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:2\r\na=inactive\r\na=rtcp-mux\r\na=rtpmap:98 H264/90000\r\n";

static void
test_sdp(void)
{
    static char                    sdp[65536];
    static struct sfu_sdp_session  s;
    static load_media_t            m;
    struct sfu_sdp_error           e;
    load_sdp_remote_t              remote;
    load_sdp_ice_t                 ice = { "loadufrag", "loadpassword0123456789" };
    char                           err[256];
    const struct sfu_sdp_media    *v;

    load_media_init(&m, 0, 1, 1500, 0, 0);
    ok(load_sdp_publish_offer(&m, "load-r0-p0", &ice, sdp, sizeof(sdp), err, sizeof(err)) == 0,
       "the publish offer is written");
    ok(sfu_sdp_parse(&s, sdp, strlen(sdp), &e) == 0 && sfu_sdp_check(&s, &e) == 0,
       "and the worker's parser takes it");
    is_int(s.media_count, 2, "audio and video");
    is_int(s.media[1].ssrcs[0].ssrc, m.video[0].ssrc, "video SSRC as sent");
    is_int(s.media[0].transport.setup, SFU_SDP_SETUP_ACTPASS, "DTLS actpass");

    load_media_init(&m, 0, 3, 1500, 0, 0);
    load_sdp_publish_offer(&m, "x", &ice, sdp, sizeof(sdp), err, sizeof(err));
    sfu_sdp_parse(&s, sdp, strlen(sdp), &e);
    v = &s.media[1];
    is_int(v->simulcast_send_count, 3, "simulcast: three send rids");
    ok(v->rid_count == 3 && sfu_sdp_str_is(v->rids[2].id, "l"), "a=rid h, m, l");
    ok(sfu_sdp_extmap_by_uri(v, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id") != NULL,
       "the rid extension is offered");
    is_int(v->ssrc_count, 0, "no SSRCs: they are learnt from the packets");

    ok(load_sdp_subscribe_answer(worker_offer, &ice, &remote, sdp, sizeof(sdp), err,
                                 sizeof(err)) == 0, "the worker's offer is answered (%s)", err);
    is_str(remote.ufrag, "wrk1", "its ICE ufrag read");
    is_int(remote.candidate_count, 1, "its candidate read");
    ok(remote.end_of_candidates, "end of candidates seen");
    ok(remote.we_are_dtls_client, "actpass: we may be the DTLS client");
    ok(sfu_sdp_parse(&s, sdp, strlen(sdp), &e) == 0 && sfu_sdp_check(&s, &e) == 0,
       "the answer parses and passes the checks");
    is_int(s.media_count, 3, "one m-line per offered one");
    is_int(s.media[0].direction, SFU_SDP_RECVONLY, "audio received");
    is_int(s.media[1].codec_count, 1, "video: VP8 alone, no rtx");
    is_int(s.media[1].codecs[0].payload_type, 96, "at the offer's payload type");
    is_int(s.media[1].transport.setup, SFU_SDP_SETUP_ACTIVE, "DTLS active");
    ok(sfu_sdp_media_rejected(&s.media[2]), "H264 m-line rejected (port 0)");
    is_int(s.groups[0].mid_count, 2, "BUNDLE of the two taken m-lines");

    ok(load_sdp_subscribe_answer("v=0\r\nbogus\r\n", &ice, &remote, sdp, sizeof(sdp), err,
                                 sizeof(err)) != 0, "SDP that does not parse is refused");
    ok(strstr(err, "the SFU's SDP") != NULL, "saying so (%s)", err);
}

/* A kernel arrival stamp (CLOCK_REALTIME) on the monotonic scale. */
static void
test_arrival(void)
{
    struct timespec rt;
    uint64_t        now = load_now_ns(), got;

    clock_gettime(CLOCK_REALTIME, &rt);
    rt.tv_sec -= 2;
    got = load_arrival_ns(&rt, now);
    ok(now - got >= 2000000000u && now - got < 3000000000u,
       "a packet stamped 2 s ago arrived 2 s before now (%.3f s)",
       (double) (now - got) / 1e9);
    rt.tv_sec += 60;
    is_int(load_arrival_ns(&rt, now) == now, 1,
           "a stamp in the future (clock stepped): now");
    rt.tv_sec -= 120;
    is_int(load_arrival_ns(&rt, now) == now, 1,
           "a stamp a minute old (clock stepped): now");
}

int
main(void)
{
    sfu_transport_config_t cfg = { .udp = true };

    sfu_log_init(SFU_LOG_WARN, 0);
    if (sfu_transport_global_init(&cfg) != 0) {
        printf("Bail out! no DTLS certificate\n");
        return 1;
    }
    test_audio_packet();
    test_vp8_packets();
    test_frame_sizes();
    test_schedule_unpaced();
    test_schedule_paced();
    test_pacer();
    test_sdp();
    test_arrival();
    sfu_transport_global_cleanup();
    return tap_done();
}
