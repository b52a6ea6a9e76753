/*
 * What the SDP parser reads from an offer in the style of each WebRTC stack
 * the SFU meets (Chromium, Firefox, aiortc 1.4, GStreamer webrtcbin), and
 * that sfu_sdp_check passes each but aiortc's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sdp_offer.h"

static struct sfu_sdp_session *session;

static void
test_chromium_offer(void)
{
    struct sfu_sdp_error err;
    const struct sfu_sdp_media *audio, *video, *data;
    const struct sfu_sdp_codec *c;
    struct sfu_sdp_transport t;
    uint32_t apt;
    uint8_t fp[64];
    size_t fp_len;

    is_int(parse(session, chromium_offer, &err), SFU_SDP_OK, "Chromium offer parses");
    is_int(session->media_count, 3, "three m-lines");
    audio = &session->media[0];
    video = &session->media[1];
    data = &session->media[2];
    is_int(session->origin.session_version, 2, "session version");
    ok(session->extmap_allow_mixed, "session extmap-allow-mixed");
    ok(sfu_sdp_str_is(session->msid_semantic, "WMS 5b1c0b2e-8c9a-4a6e-9d3b-2f6c1e7a9d40"), "msid-semantic after a space");
    ok(sfu_sdp_bundle_group(session, video->mid) == &session->groups[0], "video is in the BUNDLE group");
    is_int(audio->codec_count, 8, "eight audio payload types");
    ok(sfu_sdp_str_is(audio->codecs[0].name, "opus") && audio->codecs[0].channels == 2, "opus/48000/2 first");
    ok(sfu_sdp_codec_param_uint(&audio->codecs[0], "useinbandfec", &apt) && apt == 1, "opus useinbandfec");
    c = sfu_sdp_codec_by_pt(audio, 63);
    ok(c && c->param_count == 1 && c->params[0].key.len == 0 && sfu_sdp_str_is(c->params[0].value, "111/111"),
        "RED's bare fmtp value");
    is_int(audio->candidate_count, 3, "three audio candidates");
    ok(sfu_sdp_str_is(audio->candidates[0].address, "2f4a3c1e-7b6d-4e5f-8a9b-0c1d2e3f4a5b.local"), "mDNS host candidate");
    ok(audio->candidates[1].type == SFU_SDP_SRFLX && sfu_sdp_str_is(audio->candidates[1].raddr, "0.0.0.0"),
        "srflx with raddr");
    ok(audio->candidates[2].transport == SFU_SDP_TCP && audio->candidates[2].tcptype == SFU_SDP_TCPTYPE_ACTIVE,
        "tcp active candidate");
    ok(sfu_sdp_str_is(audio->candidates[0].extensions, "generation 0 network-id 1"), "candidate extensions kept");
    is_int(audio->ssrc_count, 1, "one audio SSRC");
    ok(sfu_sdp_str_is(audio->ssrcs[0].cname, "4TOk42mSjXCkVIa6") && audio->ssrcs[0].ssrc == 3735928559u,
        "SSRC cname merged with msid");
    ok(sfu_sdp_str_is(audio->ssrcs[0].msid_track, "0c7b9a4e-2f1d-4e83-b6a5-9c8d7e6f5a41"), "SSRC msid track");

    is_int(video->direction, SFU_SDP_SENDONLY, "video is sendonly");
    is_int(video->codec_count, 11, "eleven video payload types");
    c = sfu_sdp_codec_by_pt(video, 97);
    ok(c && sfu_sdp_str_is(c->name, "rtx") && sfu_sdp_codec_param_uint(c, "apt", &apt) && apt == 96, "rtx apt=96");
    c = sfu_sdp_codec_by_pt(video, 100);
    ok(c && sfu_sdp_str_is(*sfu_sdp_codec_param(c, "profile-level-id"), "42e01f"), "H264 profile-level-id");
    ok(c && sfu_sdp_codec_param_uint(c, "packetization-mode", &apt) && apt == 1, "H264 packetization-mode");
    ok(sfu_sdp_codec_param_uint(sfu_sdp_codec_by_pt(video, 98), "profile-id", &apt) && apt == 0, "VP9 profile-id");
    ok(sfu_sdp_codec_has_rtcp_fb(&video->codecs[0], "nack pli"), "VP8 nack pli");
    ok(sfu_sdp_codec_has_rtcp_fb(&video->codecs[0], "transport-cc"), "VP8 transport-cc");
    ok(sfu_sdp_str_is(sfu_sdp_codec_by_pt(video, 118)->name, "ulpfec"), "ULPFEC listed");
    ok(sfu_sdp_extmap_by_uri(video, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")->id == 10, "rid extension id");
    is_int(video->rid_count, 3, "three rids");
    ok(sfu_sdp_str_is(video->rids[2].id, "l") && video->rids[2].direction == SFU_SDP_RID_SEND, "rid l send");
    is_int(video->simulcast_send_count, 3, "simulcast sends three layers");
    ok(sfu_sdp_str_is(video->simulcast_send[1].rid, "m") && !video->simulcast_send[1].alternative, "second layer m");

    is_int(data->kind, SFU_SDP_APPLICATION, "data channel m-line");
    ok(sfu_sdp_str_is(data->fmt, "webrtc-datachannel"), "SCTP format kept as text");
    ok(data->sctp_port == 5000 && data->max_message_size == 262144, "sctp-port and max-message-size");

    sfu_sdp_media_transport(session, video, &t);
    ok(sfu_sdp_has_token(t.ice_options, "trickle"), "trickle ICE");
    ok(t.setup == SFU_SDP_SETUP_ACTPASS, "setup actpass");
    ok(sfu_sdp_fingerprint_bytes(&t, fp, sizeof(fp), &fp_len) && fp_len == 32, "SHA-256 fingerprint is 32 bytes");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_OK, "Chromium offer passes the checks");
}

static void
test_firefox_offer(void)
{
    struct sfu_sdp_error err;
    const struct sfu_sdp_media *audio, *video;
    struct sfu_sdp_transport t;

    is_int(parse(session, firefox_offer, &err), SFU_SDP_OK, "Firefox offer parses");
    audio = &session->media[0];
    video = &session->media[1];
    ok(sfu_sdp_str_is(session->origin.username, "mozilla...THIS_IS_SDPARTA-99.0"), "Firefox origin");
    ok(session->transport.fingerprint.len > 0 && audio->transport.fingerprint.len == 0, "session-level fingerprint");
    sfu_sdp_media_transport(session, audio, &t);
    ok(sfu_sdp_str_eq(t.fingerprint, session->transport.fingerprint), "m-line inherits the session fingerprint");
    ok(sfu_sdp_str_is(t.ice_ufrag, "6a8c0e2f") && sfu_sdp_has_token(t.ice_options, "trickle"),
        "m-line ufrag with session ice-options");
    ok(audio->candidates[0].transport == SFU_SDP_UDP, "upper-case UDP candidate");
    ok(audio->candidates[2].type == SFU_SDP_RELAY && audio->candidates[2].rport == 51234, "relay candidate rport");
    ok(audio->end_of_candidates, "end-of-candidates");
    is_int(audio->extmaps[1].direction, SFU_SDP_EXT_RECVONLY, "extmap with /recvonly");
    ok(sfu_sdp_str_is(sfu_sdp_codec_by_pt(video, 126)->name, "H264"), "fmtp before rtpmap still binds");
    is_int(sfu_sdp_codec_by_pt(video, 126)->param_count, 3, "H264 fmtp read before its rtpmap");
    is_int(video->ssrc_group_count, 1, "FID group");
    ok(sfu_sdp_str_is(video->ssrc_groups[0].semantics, "FID") && video->ssrc_groups[0].ssrcs[1] == 3212399010u,
        "FID members");
    ok(sfu_sdp_str_is(audio->msid_stream, "{7b2e6e4a-3c1d-4f5e-9a8b-1c2d3e4f5a6b}"), "msid stream with braces");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_OK, "Firefox offer passes the checks");
}

static void
test_aiortc_offer(void)
{
    struct sfu_sdp_error err;

    is_int(parse(session, aiortc_offer, &err), SFU_SDP_OK, "aiortc offer with extmap id 2 twice parses");
    is_int(session->media[0].port, 40412, "aiortc puts its port in the m-line");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_EEXTMAP, "the BUNDLE-wide duplicate id is reported");
    ok(strstr(err.message, "extmap id 2") && strstr(err.message, "ssrc-audio-level")
        && strstr(err.message, "abs-send-time"), "the message names the id and both URIs: %s", err.message);
    is_int(err.line, 0, "a session-wide fault has no line");
}

static void
test_gstreamer_offer(void)
{
    struct sfu_sdp_error err;
    const struct sfu_sdp_media *audio;

    is_int(parse(session, gstreamer_offer, &err), SFU_SDP_OK, "GStreamer max-bundle offer parses");
    audio = &session->media[1];
    ok(audio->port == 0 && audio->bundle_only, "second m-line is port 0 with bundle-only");
    ok(!sfu_sdp_media_rejected(audio), "bundle-only m-line is not rejected");
    ok(sfu_sdp_str_is(audio->codecs[0].name, "OPUS"), "codec name case kept");
    ok(sfu_sdp_str_is(audio->ssrcs[0].msid_track, "webrtctransceiver1"), "msid before cname on a=ssrc");
    ok(sfu_sdp_media_by_mid(session, sfu_sdp_str_from("audio1")) == audio, "media by mid");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_OK, "GStreamer offer passes the checks");
}

int
main(void)
{
    session = malloc(sizeof(*session));
    read_offers();
    test_chromium_offer();
    test_firefox_offer();
    test_aiortc_offer();
    test_gstreamer_offer();
    free(session);
    return tap_done();
}
