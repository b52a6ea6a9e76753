/*
 * Offer/answer for both peer connections: publish answers to offers from
 * Chromium, aiortc 1.4 and GStreamer webrtcbin (bundle-only m-lines) must
 * parse, pass sfu_sdp_check and carry the right codecs, directions, mids,
 * BUNDLE group, extensions and roles; subscribe offers likewise, and the
 * client's answer to them is read back.
 */
#include <string.h>

#include "tap.h"
#include "fixture.h"
#include "negotiate.h"

static struct sfu_sdp_session *offer, *answer, *reparsed;
static struct sfu_pub_offer decided;
static char text[65536];

static const char *const candidates[] = {
    "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host",
    "candidate:2 1 tcp 1518280447 127.0.0.1 40001 typ host tcptype passive",
};

static const struct sfu_local_transport local = {
    .ice_ufrag = "sfuU",
    .ice_pwd = "sfupasswordsfupassword",
    .fingerprint_algo = "sha-256",
    .fingerprint = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF",
    .candidates = candidates,
    .candidate_count = 2,
    .end_of_candidates = true,
};

static int
read_fixture_offer(const char *name, enum sfu_codec_id room_video, unsigned decodable)
{
    struct sfu_sdp_error err;
    size_t len;
    const char *sdp = fixture(name, &len);

    if (sfu_sdp_parse(offer, sdp, len, &err) != SFU_SDP_OK || sfu_sdp_check(offer, &err) != SFU_SDP_OK) {
        printf("# %s: %s\n", name, err.message);
        return -1;
    }
    if (sfu_negotiate_read_offer(offer, room_video, decodable, &decided, &err) != 0) {
        printf("# %s: %s\n", name, err.message);
        return -1;
    }
    return 0;
}

/* Builds, writes and parses the answer back; the test then looks at reparsed. */
static bool
answer_round_trip(const char *name)
{
    struct sfu_sdp_error err;
    size_t len;

    sfu_negotiate_publish_answer(offer, &decided, &local, "4242", 1, answer);
    if (sfu_sdp_write(answer, text, sizeof(text), &len, &err) != SFU_SDP_OK
        || sfu_sdp_parse(reparsed, text, len, &err) != SFU_SDP_OK || sfu_sdp_check(reparsed, &err) != SFU_SDP_OK)
    {
        printf("# %s: %s\n%s", name, err.message, text);
        return false;
    }
    return true;
}

static bool
bundle_is(const struct sfu_sdp_session *s, const char *mids)
{
    char joined[256] = "";
    unsigned i;

    if (s->group_count != 1 || !sfu_sdp_str_is(s->groups[0].semantics, "BUNDLE")) {
        return false;
    }
    for (i = 0; i < s->groups[0].mid_count; i++) {
        snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%.*s", i ? " " : "",
            (int)s->groups[0].mids[i].len, s->groups[0].mids[i].p);
    }
    if (strcmp(joined, mids) != 0) {
        printf("#   BUNDLE %s, expected %s\n", joined, mids);
        return false;
    }
    return true;
}

static bool
only_codecs(const struct sfu_sdp_media *m, const char *name, unsigned pt, int rtx_pt)
{
    if (m->codec_count != (rtx_pt < 0 ? 1u : 2u) || !sfu_sdp_str_is(m->codecs[0].name, name)
        || m->codecs[0].payload_type != pt)
    {
        return false;
    }
    return rtx_pt < 0 || (sfu_sdp_str_is(m->codecs[1].name, "rtx") && m->codecs[1].payload_type == rtx_pt);
}

static uint8_t
extmap_id(const struct sfu_sdp_media *m, const char *uri)
{
    const struct sfu_sdp_extmap *e = sfu_sdp_extmap_by_uri(m, uri);

    return e ? e->id : 0;
}

static void
test_chromium(void)
{
    const struct sfu_sdp_media *audio, *video;
    const struct sfu_sdp_str *plid;

    ok(read_fixture_offer("chromium_publish.sdp", SFU_CODEC_NONE, SFU_CODEC_VIDEO_MASK) == 0,
       "Chromium offer read");
    ok(answer_round_trip("Chromium"), "Chromium: the answer parses and passes the checks");
    is_int(decided.video_codec, SFU_CODEC_VP8, "Chromium: a free room takes VP8");
    is_int(decided.video_decodable, SFU_CODEC_VIDEO_MASK, "Chromium can decode VP8, H264 and VP9");
    ok(decided.media[0].sending && decided.media[1].sending, "both m-lines are tracks");
    is_int(decided.media[0].ssrc, 1001867396u, "audio SSRC from a=ssrc");
    is_int(decided.media[1].ssrc, 2231627014u, "video SSRC from the FID group");
    is_int(decided.media[1].rtx_ssrc, 632943048u, "rtx SSRC from the FID group");
    is_int(decided.media[0].ext_mid, 4, "publisher's mid extension id");
    is_int(decided.media[0].ext_audio_level, 1, "publisher's audio level id");
    is_int(decided.media[1].ext_video_orientation, 13, "publisher's video orientation id");
    ok(decided.remote.dtls_client, "actpass offer: the SFU is the DTLS client");
    is_str(decided.remote.ice_ufrag, "h8Vq", "client ufrag copied");

    audio = &reparsed->media[0];
    video = &reparsed->media[1];
    ok(bundle_is(reparsed, "0 1"), "answer BUNDLE 0 1");
    ok(only_codecs(audio, "opus", 111, -1), "audio answered with opus 111 only");
    ok(sfu_sdp_codec_param(&audio->codecs[0], "useinbandfec") != NULL, "opus keeps its fmtp");
    ok(only_codecs(video, "VP8", 96, 97), "video answered with VP8 96 and its rtx 97");
    ok(sfu_sdp_codec_has_rtcp_fb(&video->codecs[0], "nack")
       && sfu_sdp_codec_has_rtcp_fb(&video->codecs[0], "nack pli")
       && sfu_sdp_codec_has_rtcp_fb(&video->codecs[0], "ccm fir")
       && !sfu_sdp_codec_has_rtcp_fb(&video->codecs[0], "transport-cc")
       && !sfu_sdp_codec_has_rtcp_fb(&video->codecs[0], "goog-remb"), "video feedback: nack, pli, fir only");
    ok(audio->direction == SFU_SDP_RECVONLY && video->direction == SFU_SDP_RECVONLY, "sendonly answered recvonly");
    ok(audio->rtcp_mux && video->rtcp_mux && audio->rtcp_rsize, "rtcp-mux and rtcp-rsize");
    is_int(audio->extmap_count, 2, "audio keeps two extensions");
    is_int(extmap_id(audio, SFU_EXT_MID), 4, "audio mid extension keeps id 4");
    is_int(extmap_id(audio, SFU_EXT_AUDIO_LEVEL), 1, "audio level keeps id 1");
    is_int(video->extmap_count, 2, "video keeps two extensions");
    is_int(extmap_id(video, SFU_EXT_VIDEO_ORIENTATION), 13, "video orientation keeps id 13");
    ok(audio->transport.setup == SFU_SDP_SETUP_ACTIVE, "a=setup:active");
    ok(sfu_sdp_str_is(audio->transport.ice_ufrag, "sfuU") && sfu_sdp_str_is(video->transport.ice_pwd,
       "sfupasswordsfupassword"), "the SFU's ICE credentials");
    ok(sfu_sdp_str_is(audio->transport.fingerprint, local.fingerprint), "the SFU's fingerprint");
    is_int(audio->candidate_count, 2, "candidates on the first m-line");
    is_int(video->candidate_count, 0, "none on the others");
    ok(audio->end_of_candidates, "a=end-of-candidates");
    ok(audio->ssrc_count == 0 && audio->msid_stream.len == 0, "the SFU sends nothing on the publish pc");

    ok(read_fixture_offer("chromium_publish.sdp", SFU_CODEC_NONE, SFU_CODEC_BIT(SFU_CODEC_H264)) == 0
       && answer_round_trip("Chromium H264"), "Chromium offer in a room of H264-only decoders");
    is_int(decided.video_codec, SFU_CODEC_H264, "H264 is chosen when someone cannot decode VP8");
    ok(only_codecs(&reparsed->media[1], "H264", 106, 107), "constrained baseline 42e01f with its rtx");
    plid = sfu_sdp_codec_param(&reparsed->media[1].codecs[0], "profile-level-id");
    ok(plid && sfu_sdp_str_is(*plid, "42e01f"), "profile-level-id kept");

    ok(read_fixture_offer("chromium_publish.sdp", SFU_CODEC_VP9, SFU_CODEC_VIDEO_MASK) == 0
       && answer_round_trip("Chromium VP9"), "Chromium offer in a VP9 room");
    ok(only_codecs(&reparsed->media[1], "VP9", 98, 99), "the room's codec wins, profile 0 only");
    is_int(decided.video_codec, SFU_CODEC_NONE, "a room with a codec is not given another");
}

static void
test_aiortc(void)
{
    struct sfu_sdp_error err;
    size_t len;
    const char *sdp;

    ok(read_fixture_offer("aiortc_publish.sdp", SFU_CODEC_VP8, SFU_CODEC_VIDEO_MASK) == 0,
       "aiortc offer (audio level moved to id 3) read");
    ok(answer_round_trip("aiortc"), "aiortc: the answer parses and passes the checks");
    ok(bundle_is(reparsed, "0 1"), "answer BUNDLE 0 1");
    ok(only_codecs(&reparsed->media[0], "opus", 96, -1), "opus at aiortc's payload type 96");
    ok(only_codecs(&reparsed->media[1], "VP8", 97, 98), "VP8 97 with rtx 98");
    ok(reparsed->media[0].direction == SFU_SDP_RECVONLY, "sendrecv answered recvonly");
    is_int(decided.media[1].ssrc, 2913284718u, "video SSRC");
    is_int(decided.media[1].rtx_ssrc, 1264861927u, "rtx SSRC");
    is_int(extmap_id(&reparsed->media[0], SFU_EXT_AUDIO_LEVEL), 3, "audio level at id 3");
    is_int(extmap_id(&reparsed->media[1], SFU_EXT_MID), 1, "mid at id 1");
    is_int(decided.video_decodable, SFU_CODEC_BIT(SFU_CODEC_VP8) | SFU_CODEC_BIT(SFU_CODEC_H264),
           "aiortc decodes VP8 and H264");

    sdp = fixture("aiortc_publish_unfixed.sdp", &len);
    ok(sfu_sdp_parse(offer, sdp, len, &err) == SFU_SDP_OK && sfu_sdp_check(offer, &err) == SFU_SDP_EEXTMAP,
       "aiortc's stock offer (two extensions on id 2) fails the check");
}

static void
test_gstreamer(void)
{
    const struct sfu_sdp_media *video, *audio;

    ok(read_fixture_offer("gstreamer_publish.sdp", SFU_CODEC_NONE, SFU_CODEC_VIDEO_MASK) == 0,
       "GStreamer offer with a bundle-only m-line read");
    ok(answer_round_trip("GStreamer"), "GStreamer: the answer parses and passes the checks");
    video = &reparsed->media[0];
    audio = &reparsed->media[1];
    ok(bundle_is(reparsed, "video0 audio1"), "answer BUNDLE video0 audio1");
    ok(decided.media[1].verdict == SFU_PUB_ACCEPTED, "the bundle-only m-line is accepted");
    ok(audio->port == 9 && !audio->bundle_only, "answered with port 9, without a=bundle-only");
    ok(only_codecs(audio, "opus", 111, -1), "OPUS/48000/2 recognised");
    ok(only_codecs(video, "VP8", 96, 97), "VP8 with rtx");
    ok(video->direction == SFU_SDP_RECVONLY && audio->direction == SFU_SDP_RECVONLY, "recvonly");
    is_int(decided.media[0].ssrc, 1617262733u, "video SSRC from the FID group");
    is_int(decided.media[0].rtx_ssrc, 3482519123u, "rtx SSRC");
    is_int(video->extmap_count, 0, "transport-cc is not taken");

    ok(read_fixture_offer("gstreamer_h264_publish.sdp", SFU_CODEC_VP8, SFU_CODEC_VIDEO_MASK) == 0,
       "GStreamer H264-only offer read in a VP8 room");
    ok(answer_round_trip("GStreamer H264"), "its answer parses and passes the checks");
    is_int(decided.media[0].verdict, SFU_PUB_NO_CODEC, "H264 video refused in a VP8 room");
    ok(reparsed->media[0].port == 0 && reparsed->media[0].direction == SFU_SDP_INACTIVE,
       "refused with port 0");
    ok(sfu_sdp_str_is(reparsed->media[0].mid, "video0"), "the refused m-line keeps its mid");
    ok(sfu_sdp_str_is(reparsed->media[0].transport.ice_ufrag, "sfuU")
       && sfu_sdp_str_is(reparsed->media[0].transport.fingerprint, local.fingerprint)
       && reparsed->media[0].transport.setup == SFU_SDP_SETUP_ACTIVE,
       "and the SFU's ICE credentials, fingerprint and setup (webrtcbin refuses an answer without them)");
    is_int(reparsed->media[0].candidate_count, 0, "but no candidates");
    ok(bundle_is(reparsed, "audio1"), "the bundle-only audio becomes the BUNDLE tag");
    ok(reparsed->media[1].port == 9 && sfu_sdp_str_is(reparsed->media[1].transport.ice_ufrag, "sfuU"),
       "and carries the transport");
    is_str(decided.remote.ice_ufrag, "Jq0v7yWbGkPz3sLmXc2dRtHn8aUe5fKo",
           "the client's transport still comes from its tagged m-line");

    ok(read_fixture_offer("gstreamer_h264_publish.sdp", SFU_CODEC_NONE, SFU_CODEC_VIDEO_MASK) == 0
       && answer_round_trip("GStreamer H264 free"), "the same offer in a room without video");
    is_int(decided.video_codec, SFU_CODEC_H264, "the room takes H264");
    ok(only_codecs(&reparsed->media[0], "H264", 96, -1), "H264 answered without rtx");
    ok(sfu_sdp_codec_param(&reparsed->media[0].codecs[0], "sprop-parameter-sets") != NULL,
       "sprop-parameter-sets kept, base64 padding and all");
}

static const char offer_template[] =
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n%s"
    "a=fingerprint:sha-256 6B:8F:0C:2E:91:D4:3A:57:B8:1C:E6:20:7F:A3:45:D9:0B:6E:C2:88:14:F7:3D:A9:52:0E:BC:71:C6:39:84:2F\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n%s";

static int
read_text_offer(const char *session_attrs, const char *media, struct sfu_sdp_error *err)
{
    static char sdp[8192];

    snprintf(sdp, sizeof(sdp), offer_template, session_attrs, media);
    if (sfu_sdp_parse(offer, sdp, strlen(sdp), err) != SFU_SDP_OK) {
        printf("# %s\n", err->message);
        return -2;
    }
    return sfu_negotiate_read_offer(offer, SFU_CODEC_NONE, SFU_CODEC_VIDEO_MASK, &decided, err);
}

#define AUDIO(mid, extra) "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:" mid "\r\na=rtcp-mux\r\n" \
    "a=rtpmap:111 opus/48000/2\r\n" extra

static void
test_refusals(void)
{
    struct sfu_sdp_error err;
    unsigned i;
    char media[4096] = "";

    is_int(read_text_offer("", "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n",
           &err), -1, "an m-line without a=mid is refused");
    ok(strstr(err.message, "a=mid") != NULL, "... saying why");
    is_int(read_text_offer("", AUDIO("0123456789abcdef0123456789abcdef0", ""), &err), -1,
           "a 33-character mid is refused");

    is_int(read_text_offer("a=group:BUNDLE a\r\n",
           AUDIO("a", "") "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:d\r\na=sctp-port:5000\r\n"
           AUDIO("b", "a=setup:active\r\n") "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:c\r\na=rtcp-mux\r\n"
           "a=rtpmap:0 PCMU/8000\r\n" "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:v\r\na=rtpmap:96 VP8/90000\r\n",
           &err), 0, "an offer of mixed m-lines is read");
    is_int(decided.media[0].verdict, SFU_PUB_ACCEPTED, "bundled opus accepted");
    is_int(decided.media[1].verdict, SFU_PUB_NOT_MEDIA, "data channel refused");
    is_int(decided.media[2].verdict, SFU_PUB_NOT_BUNDLED, "an m-line outside the BUNDLE group refused");
    is_int(decided.media[3].verdict, SFU_PUB_NOT_BUNDLED, "PCMU outside BUNDLE refused");
    is_int(decided.media[4].verdict, SFU_PUB_NOT_BUNDLED, "an m-line without rtcp-mux refused");
    sfu_negotiate_publish_answer(offer, &decided, &local, "1", 2, answer);
    {
        size_t len;

        ok(sfu_sdp_write(answer, text, sizeof(text), &len, &err) == SFU_SDP_OK
           && sfu_sdp_parse(reparsed, text, len, &err) == SFU_SDP_OK
           && sfu_sdp_check(reparsed, &err) == SFU_SDP_OK, "the answer parses and passes the checks");
    }
    ok(reparsed->media[1].port == 0 && sfu_sdp_str_is(reparsed->media[1].fmt, "webrtc-datachannel"),
       "the data channel is answered with port 0 and its format");
    ok(bundle_is(reparsed, "a"), "only the accepted m-line is bundled");
    is_int(reparsed->origin.session_version, 2, "the version given is written");

    is_int(read_text_offer("a=setup:active\r\n", AUDIO("0", ""), &err), 0, "an offer with a=setup:active");
    ok(!decided.remote.dtls_client, "the SFU is then the DTLS server");
    sfu_negotiate_publish_answer(offer, &decided, &local, "1", 1, answer);
    ok(answer->media[0].transport.setup == SFU_SDP_SETUP_PASSIVE, "and answers a=setup:passive");

    is_int(read_text_offer("", AUDIO("0", "a=recvonly\r\n"), &err), 0, "a recvonly m-line is read");
    ok(decided.media[0].verdict == SFU_PUB_ACCEPTED && !decided.media[0].sending, "accepted, but no track");
    sfu_negotiate_publish_answer(offer, &decided, &local, "1", 1, answer);
    ok(answer->media[0].direction == SFU_SDP_INACTIVE, "answered inactive");

    for (i = 0; i < SFU_PUBLISH_MAX_TRACKS + 1; i++) {
        char one[256];

        snprintf(one, sizeof(one), AUDIO("%u", ""), i);
        strcat(media, one);
    }
    is_int(read_text_offer("a=group:BUNDLE 0 1 2 3 4 5 6 7 8\r\n", media, &err), 0, "nine audio tracks offered");
    is_int(decided.media[SFU_PUBLISH_MAX_TRACKS - 1].verdict, SFU_PUB_ACCEPTED, "eight are taken");
    is_int(decided.media[SFU_PUBLISH_MAX_TRACKS].verdict, SFU_PUB_TOO_MANY, "the ninth is refused");

    is_int(read_text_offer("", "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n",
           &err), 0, "a PCMU-only offer is read");
    is_int(decided.media[0].verdict, SFU_PUB_NO_CODEC, "and refused: audio is Opus");
}

static void
sub_media(struct sfu_sub_media *sm, const char *mid, enum sfu_sdp_kind kind, bool active)
{
    memset(sm, 0, sizeof(*sm));
    snprintf(sm->mid, sizeof(sm->mid), "%s", mid);
    sm->kind = kind;
    sm->active = active;
    sm->codec.clock_rate = kind == SFU_SDP_AUDIO ? 48000 : 90000;
    if (kind == SFU_SDP_AUDIO) {
        sm->codec.id = SFU_CODEC_OPUS;
        sm->codec.pt = 111;
        sm->codec.channels = 2;
        snprintf(sm->codec.fmtp, sizeof(sm->codec.fmtp), "minptime=10;useinbandfec=1");
    } else {
        sm->codec.id = SFU_CODEC_VP8;
        sm->codec.pt = 96;
        sm->codec.has_rtx = true;
        sm->codec.rtx_pt = 97;
        sm->codec.feedback = SFU_FB_NACK | SFU_FB_PLI | SFU_FB_FIR;
        sm->rtx_ssrc = 0x2000 + (uint32_t)kind;
    }
    sm->ssrc = 0x1000 + (uint32_t)kind;
    snprintf(sm->stream_id, sizeof(sm->stream_id), "alice");
    snprintf(sm->track_id, sizeof(sm->track_id), "alice:%s", mid);
    snprintf(sm->cname, sizeof(sm->cname), "alice");
}

/* A browser's answer to the SFU's offer: recvonly, a=setup:active, the offer's payload types. */
static const char subscribe_answer[] =
    "v=0\r\no=- 99 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:cli1\r\n"
    "a=ice-pwd:clientpasswordclientpw\r\na=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 6B:8F:0C:2E:91:D4:3A:57:B8:1C:E6:20:7F:A3:45:D9:0B:6E:C2:88:14:F7:3D:A9:52:0E:BC:71:C6:39:84:2F\r\n"
    "a=setup:active\r\na=mid:0\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\na=recvonly\r\n"
    "a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
    "a=extmap:2 urn:3gpp:video-orientation\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=inactive\r\na=rtpmap:96 VP8/90000\r\n";

static void
test_subscribe(void)
{
    struct sfu_sub_media media[3];
    struct sfu_sub_accepted acc[3];
    struct sfu_remote_transport remote;
    const struct sfu_sdp_media *a, *v, *idle;
    struct sfu_sdp_error err;
    size_t len;

    sub_media(&media[0], "0", SFU_SDP_AUDIO, true);
    sub_media(&media[1], "1", SFU_SDP_VIDEO, true);
    sub_media(&media[2], "2", SFU_SDP_VIDEO, false);
    sfu_negotiate_subscribe_offer(media, 3, &local, "77", 3, offer);
    ok(sfu_sdp_write(offer, text, sizeof(text), &len, &err) == SFU_SDP_OK
       && sfu_sdp_parse(reparsed, text, len, &err) == SFU_SDP_OK && sfu_sdp_check(reparsed, &err) == SFU_SDP_OK,
       "the subscribe offer parses and passes the checks");
    a = &reparsed->media[0];
    v = &reparsed->media[1];
    idle = &reparsed->media[2];
    ok(bundle_is(reparsed, "0 1 2"), "every m-line bundled, inactive ones too");
    ok(a->direction == SFU_SDP_SENDONLY && v->direction == SFU_SDP_SENDONLY, "tracks are sendonly");
    ok(idle->direction == SFU_SDP_INACTIVE && idle->port == 9, "a reusable m-line is inactive, not rejected");
    ok(idle->ssrc_count == 0 && idle->msid_stream.len == 0, "... without SSRC or msid");
    ok(a->transport.setup == SFU_SDP_SETUP_ACTPASS, "a=setup:actpass");
    ok(sfu_sdp_str_is(a->msid_stream, "alice") && sfu_sdp_str_is(a->msid_track, "alice:0"), "msid");
    ok(a->ssrc_count == 1 && a->ssrcs[0].ssrc == 0x1000 && sfu_sdp_str_is(a->ssrcs[0].cname, "alice"),
       "audio SSRC with cname");
    ok(v->ssrc_group_count == 1 && sfu_sdp_str_is(v->ssrc_groups[0].semantics, "FID")
       && v->ssrc_groups[0].ssrcs[0] == 0x1001 && v->ssrc_groups[0].ssrcs[1] == 0x2001, "video FID group");
    ok(only_codecs(v, "VP8", 96, 97), "VP8 96 with rtx 97");
    is_int(extmap_id(a, SFU_EXT_AUDIO_LEVEL), SFU_SUB_EXT_AUDIO_LEVEL, "audio level offered");
    is_int(extmap_id(v, SFU_EXT_VIDEO_ORIENTATION), SFU_SUB_EXT_VIDEO_ORIENTATION, "video orientation offered");
    ok(extmap_id(v, SFU_EXT_MID) == 0, "no mid extension: SSRCs are signalled");
    is_int(reparsed->origin.session_version, 3, "session version");
    is_int(a->candidate_count, 2, "candidates on the first m-line");

    ok(sfu_sdp_parse(answer, subscribe_answer, strlen(subscribe_answer), &err) == SFU_SDP_OK,
       "a browser-style answer parses");
    is_int(sfu_negotiate_read_answer(answer, media, 3, acc, &remote, &err), 0, "and is read");
    ok(acc[0].accepted && acc[0].receiving && !acc[0].rtx, "audio accepted");
    ok(acc[1].accepted && acc[1].rtx, "video accepted with rtx");
    is_int(acc[1].feedback, SFU_FB_NACK | SFU_FB_PLI, "the answer dropped FIR");
    is_int(acc[0].ext_audio_level, 1, "audio level kept");
    is_int(acc[1].ext_video_orientation, 2, "video orientation kept");
    ok(!acc[2].accepted, "the rejected m-line is not accepted");
    ok(!remote.dtls_client, "a=setup:active in the answer: the SFU is the DTLS server");
    is_str(remote.ice_ufrag, "cli1", "client ufrag");

    is_int(sfu_negotiate_read_answer(answer, media, 2, acc, &remote, &err), -1,
           "an answer with more m-lines than the offer is refused");
    snprintf(media[1].mid, sizeof(media[1].mid), "x");
    is_int(sfu_negotiate_read_answer(answer, media, 3, acc, &remote, &err), -1,
           "an answer with other mids is refused");
    snprintf(media[1].mid, sizeof(media[1].mid), "1");
    media[1].codec.pt = 98;
    is_int(sfu_negotiate_read_answer(answer, media, 3, acc, &remote, &err), 0, "an answer without our pt");
    ok(!acc[1].accepted, "... cannot decode the track");
}

int
main(void)
{
    offer = calloc(1, sizeof(*offer));
    answer = calloc(1, sizeof(*answer));
    reparsed = calloc(1, sizeof(*reparsed));
    test_chromium();
    test_aiortc();
    test_gstreamer();
    test_refusals();
    test_subscribe();
    return tap_done();
}
