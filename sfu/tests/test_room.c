/*
 * Rooms and in-room signaling end to end inside one process: messages go
 * through a real module connection (a socketpair, the real framing and
 * routing) and media through stand-in transports.  Two participants join,
 * one publishes from a Chromium offer, the other is offered its tracks,
 * answers, and receives the media rewritten for it; renegotiation waits
 * for outstanding answers; screen share, NACK, PLI, chat, toggles, leave,
 * kick, close-room and a closing connection; bad input reaches only its
 * sender.
 */
#include "tap.h"
#include "fixture.h"
#include "fake_transport.h"
#include "room_harness.h"
#include "rtp_build.h"
#include "log.h"

/* Takes participant's first message of that type; whether there was one and its key is value. */
static bool
took(const char *participant, const char *type, const char *key, const char *value)
{
    json_t *m = take(participant, type);
    bool good = m != NULL && has_str(m, key, value);

    json_decref(m);
    return good;
}

static void
test_join(void)
{
    json_t *m, *ev, *list;

    client("alice", json_pack("{s:s}", "type", "join"));
    m = take("alice", "joined");
    ok(m != NULL && has_str(m, "participant_id", "alice"), "alice is told she joined");
    list = json_object_get(m, "participants");
    ok(json_is_array(list) && json_array_size(list) == 0, "... into an empty room");
    json_decref(m);
    ev = take_top("event");
    ok(ev != NULL && has_str(ev, "event", "participant-joined") && has_str(ev, "room", "r1")
       && has_str(ev, "participant", "alice"), "the module gets a participant-joined event");
    json_decref(ev);

    client("bob", json_pack("{s:s, s:b}", "type", "join", "video", 0));
    m = take("bob", "joined");
    list = json_object_get(m, "participants");
    ok(json_array_size(list) == 1 && has_str(json_array_get(list, 0), "participant_id", "alice")
       && has_str(json_array_get(list, 0), "role", "participant"), "bob's joined lists alice");
    json_decref(m);
    m = take("alice", "participant-joined");
    ok(m != NULL && has_str(m, "participant_id", "bob") && json_is_false(json_object_get(m, "video"))
       && json_is_true(json_object_get(m, "audio")), "alice hears bob joined, camera off");
    json_decref(m);
    json_decref(take_top("event"));

    client("bob", json_pack("{s:s}", "type", "join"));
    ok(took("bob", "error", "code", "already-joined"), "a second join is refused");
    drain();
}

static struct sfu_transport *alice_pub, *bob_sub;

static void
test_publish(void)
{
    struct sfu_sdp_session *s = calloc(1, sizeof(*s));
    json_t *m, *ans, *a, *v;
    const char *sdp;
    size_t len;

    sdp = fixture("chromium_publish.sdp", &len);
    client("alice", json_pack("{s:s, s:s}", "type", "offer", "sdp", sdp));
    ok(member("alice")->pub.peer != NULL, "alice's offer makes her publish transport");
    alice_pub = member("alice")->pub.peer->transport;
    ok(!alice_pub->controlling && alice_pub->dtls_client, "controlled ICE; the SFU is the DTLS client");
    is_str(alice_pub->remote_ufrag, "h8Vq", "with alice's credentials");
    ok(take("alice", "answer") == NULL, "no answer before the candidates are known");
    a = take("bob", "track-published");
    v = take("bob", "track-published");
    ok(a != NULL && has_str(a, "participant_id", "alice") && has_str(a, "kind", "audio")
       && has_str(a, "source", "microphone") && has_str(a, "track_id", "alice:0") && has_str(a, "mid", "0"),
       "bob hears of alice's microphone, on his mid 0");
    ok(v != NULL && has_str(v, "kind", "video") && has_str(v, "source", "camera") && has_str(v, "mid", "1"),
       "and of her camera, on his mid 1");
    json_decref(a);
    json_decref(v);
    ok(take("alice", "track-published") == NULL, "alice is not told of her own tracks");

    fake_gather(alice_pub);
    pump();
    ans = take("alice", "answer");
    ok(ans != NULL, "the answer goes out once the transport has gathered");
    ok(parse_sdp_of(ans, s), "it parses and passes the checks");
    ok(s->media_count == 2 && s->media[0].candidate_count == 1 && s->media[0].end_of_candidates,
       "with the gathered candidate and end-of-candidates");
    ok(sfu_sdp_str_is(s->media[0].transport.ice_ufrag, alice_pub->ufrag), "and the transport's credentials");
    json_decref(ans);

    ok(member("bob")->sub.peer != NULL, "bob's subscribe transport is made for alice's tracks");
    bob_sub = member("bob")->sub.peer->transport;
    ok(bob_sub->controlling, "the SFU controls ICE where it offers");
    ok(take("bob", "offer") == NULL, "the offer waits for its candidates");
    fake_gather(bob_sub);
    pump();
    m = take("bob", "offer");
    ok(m != NULL, "then bob is offered alice's tracks");
    ok(parse_sdp_of(m, s), "the offer parses and passes the checks");
    ok(s->media_count == 2 && s->media[0].direction == SFU_SDP_SENDONLY && s->media[1].direction == SFU_SDP_SENDONLY
       && sfu_sdp_str_is(s->media[1].msid_stream, "alice") && sfu_sdp_str_is(s->media[1].msid_track, "alice:1"),
       "two sendonly m-lines in alice's stream");
    ok(sfu_sdp_str_is(s->media[0].codecs[0].name, "opus") && sfu_sdp_str_is(s->media[1].codecs[0].name, "VP8"),
       "opus and VP8");
    answer_as("bob", m);
    free(s);
}

static const struct sfu_sub_slot *
bob_slot(unsigned i)
{
    return g_ptr_array_index(member("bob")->sub.slots, i);
}

static unsigned
count_rtcp(const struct sfu_transport *t, uint8_t type, uint8_t fmt)
{
    unsigned i, n = 0;

    for (i = 0; i < t->rtcp_count; i++) {
        n += t->rtcp[i].data[1] == type && (t->rtcp[i].data[0] & 0x1F) == fmt;
    }
    return n;
}

static void
test_media(void)
{
    static const struct test_ext audio_ext[] = { { 4, 1, { '0' } }, { 1, 1, { 0x85 } }, { 0, 0, { 0 } } };
    static const uint8_t opus[] = { 0xFC, 0xAA, 0xBB };
    uint8_t pkt[1500], rtcp[64];
    struct sfu_rtp_packet rtp, got;
    struct sfu_rtcp_writer w;
    struct sfu_rtp_ext e;
    uint16_t lost;
    size_t len;

    ok(bob_slot(0)->answered_ssrc == bob_slot(0)->media.ssrc && bob_slot(1)->answered_ssrc != 0,
       "bob's answer accepted both m-lines");
    ok(!bob_slot(0)->down.active, "nothing flows before the transport is up");
    ok(!bob_sub->dtls_client && strcmp(bob_sub->remote_ufrag, "brws") == 0,
       "bob answered a=setup:active: the SFU is the DTLS server");
    fake_set_state(alice_pub, SFU_TRANSPORT_CONNECTED);
    fake_set_state(bob_sub, SFU_TRANSPORT_CONNECTED);
    pump();
    ok(bob_slot(0)->down.active && bob_slot(1)->down.active, "connected: both downtracks start");
    is_int(count_rtcp(alice_pub, SFU_RTCP_PSFB, SFU_RTCP_PSFB_PLI), 1,
           "alice is asked for a key frame as bob's video starts");

    len = rtp_build(pkt, &rtp, 111, 500, 48000, 1001867396u, audio_ext, opus, sizeof(opus));
    fake_receive(alice_pub, false, pkt, len);
    is_int(bob_sub->rtp_count, 1, "alice's audio reaches bob");
    sfu_rtp_parse(&got, bob_sub->rtp[0].data, bob_sub->rtp[0].len);
    ok(got.ssrc == bob_slot(0)->media.ssrc && got.payload_type == bob_slot(0)->media.codec.pt,
       "with bob's SSRC and payload type");
    ok(sfu_rtp_ext_find(&got, SFU_SUB_EXT_AUDIO_LEVEL, &e) == SFU_RTP_OK && e.value[0] == 0x85,
       "audio level at bob's extension id");
    ok(sfu_rtp_ext_find(&got, 4, &e) != SFU_RTP_OK, "alice's mid is not forwarded");

    len = rtp_build(pkt, &rtp, 96, 7000, 90000, 2231627014u, NULL, vp8_delta, sizeof(vp8_delta));
    fake_receive(alice_pub, false, pkt, len);
    is_int(bob_sub->rtp_count, 1, "video waits for a key frame");
    is_int(count_rtcp(alice_pub, SFU_RTCP_PSFB, SFU_RTCP_PSFB_PLI), 1, "the second request within a second is held");
    len = rtp_build(pkt, &rtp, 96, 7001, 93000, 2231627014u, NULL, vp8_key, sizeof(vp8_key));
    fake_receive(alice_pub, false, pkt, len);
    is_int(bob_sub->rtp_count, 2, "the key frame goes through");
    sfu_rtp_parse(&got, bob_sub->rtp[1].data, bob_sub->rtp[1].len);
    ok(got.ssrc == bob_slot(1)->media.ssrc && got.payload_type == bob_slot(1)->media.codec.pt, "as bob's video");

    lost = got.seq;
    sfu_rtcp_writer_init(&w, rtcp, sizeof(rtcp));
    sfu_rtcp_write_nack(&w, 1234, bob_slot(1)->media.ssrc, &lost, 1);
    fake_receive(bob_sub, true, rtcp, w.len);
    is_int(bob_sub->rtp_count, 3, "bob's NACK is answered");
    sfu_rtp_parse(&got, bob_sub->rtp[2].data, bob_sub->rtp[2].len);
    ok(got.ssrc == bob_slot(1)->media.rtx_ssrc && got.payload_type == bob_slot(1)->media.codec.rtx_pt,
       "by RTX, which bob's answer kept");

    sfu_rtcp_writer_init(&w, rtcp, sizeof(rtcp));
    sfu_rtcp_write_pli(&w, 1234, bob_slot(1)->media.ssrc);
    fake_receive(bob_sub, true, rtcp, w.len);
    is_int(count_rtcp(alice_pub, SFU_RTCP_PSFB, SFU_RTCP_PSFB_PLI), 1, "bob's PLI waits for the throttle");
    ok(member("alice")->pub.tracks->len == 2
       && ((struct sfu_track *)g_ptr_array_index(member("alice")->pub.tracks, 1))->keyframe_pending,
       "and is pending on alice's camera");

    fake_receive(alice_pub, false, (const uint8_t *)"\x80\x60garbage", 9);
    fake_receive(alice_pub, true, (const uint8_t *)"\x81\xc9\xff\xff", 4);
    fake_receive(bob_sub, true, (const uint8_t *)"\x8f\xcd\x00\x09xx", 6);
    is_int(bob_sub->rtp_count, 3, "RTP and RTCP garbage is dropped without a trace");
}

/* Alice's Chromium offer with a third, VP8 m-line (mid 2) sending or not. */
static char *
offer_with_screen(const char *direction)
{
    const char *base = fixture("chromium_publish.sdp", NULL);
    GString *s = g_string_new(base);

    g_string_replace(s, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2", 1);
    g_string_append_printf(s, "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=%s\r\n"
        "a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
        "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=ssrc-group:FID 5555 6666\r\n"
        "a=ssrc:5555 cname:Qb3m6W8n0kE5sT1v\r\na=ssrc:6666 cname:Qb3m6W8n0kE5sT1v\r\n", direction);
    return g_string_free(s, FALSE);
}

static void
alice_offers(const char *direction)
{
    char *sdp = offer_with_screen(direction);

    client("alice", json_pack("{s:s, s:s}", "type", "offer", "sdp", sdp));
    g_free(sdp);
    json_decref(take("alice", "answer"));
}

static void
test_screen_share(void)
{
    json_t *m, *offer;

    drain();
    client("alice", json_pack("{s:s, s:s}", "type", "start-screen-share", "mid", "2"));
    is_int(count_for("alice") + count_for("bob"), 0, "start-screen-share is taken silently");
    alice_offers("sendonly");
    m = take("bob", "track-published");
    ok(m != NULL && has_str(m, "source", "screen") && has_str(m, "kind", "video") && has_str(m, "mid", "2")
       && has_str(m, "track_id", "alice:2"), "the m-line it named is published as alice's screen, bob's mid 2");
    json_decref(m);
    ok(take("bob", "track-published") == NULL, "her microphone and camera are not announced again");
    offer = take("bob", "offer");
    ok(offer != NULL && strstr(json_string_value(json_object_get(offer, "sdp")), "a=msid:alice-screen alice:2"),
       "bob is offered it in a stream of its own");

    client("alice", json_pack("{s:s}", "type", "start-screen-share"));
    ok(took("alice", "error", "code", "already-sharing"), "a second screen share is refused");

    client("alice", json_pack("{s:s}", "type", "stop-screen-share"));
    m = take("bob", "track-unpublished");
    ok(m != NULL && has_str(m, "source", "screen") && has_str(m, "mid", "2"), "stop-screen-share unpublishes it");
    json_decref(m);
    ok(take("bob", "offer") == NULL, "the change waits: bob has not answered the last offer");
    alice_offers("sendonly");
    ok(take("bob", "track-published") == NULL, "a stopped screen's m-line that still sends is not published again");

    answer_as("bob", offer);
    offer = take("bob", "offer");
    ok(offer != NULL && strstr(json_string_value(json_object_get(offer, "sdp")), "a=mid:2\r\na=extmap:2 urn:3gpp:video-orientation\r\na=inactive"),
       "bob's answer releases the next offer, with the screen's m-line inactive");
    answer_as("bob", offer);
    ok(bob_slot(2)->reusable, "once answered, the inactive m-line can be reused");

    client("alice", json_pack("{s:s}", "type", "stop-screen-share"));
    ok(took("alice", "error", "code", "not-sharing"), "stopping what is not shared is refused");

    client("alice", json_pack("{s:s, s:s}", "type", "start-screen-share", "mid", "2"));
    alice_offers("sendonly");
    m = take("bob", "track-published");
    ok(m != NULL && has_str(m, "source", "screen") && has_str(m, "mid", "2"),
       "sharing again on the same m-line reuses bob's inactive mid 2");
    json_decref(m);
    offer = take("bob", "offer");
    ok(offer != NULL && member("bob")->sub.slots->len == 3, "no new m-line was added");
    answer_as("bob", offer);
    pump();
    ok(bob_slot(2)->down.active, "and the reused m-line flows once answered");

    alice_offers("inactive");
    ok(took("bob", "track-unpublished", "track_id", "alice:2"), "an offer that stops sending unpublishes");
    answer_as("bob", take("bob", "offer"));
    drain();
}

/* Alice's offer with her audio m-line sending or not, its Opus fmtp as given (her screen m-line inactive). */
static void
alice_offers_audio(const char *direction, const char *opus_fmtp)
{
    char *base = offer_with_screen("inactive");
    GString *s = g_string_new(base);
    char *line = g_strdup_printf("a=%s", direction);

    g_string_replace(s, "a=sendonly", line, 1);     /* the first one is the audio m-line's */
    g_string_replace(s, "minptime=10;useinbandfec=1", opus_fmtp, 1);
    client("alice", json_pack("{s:s, s:s}", "type", "offer", "sdp", s->str));
    json_decref(take("alice", "answer"));
    g_string_free(s, TRUE);
    g_free(line);
    g_free(base);
}

static void
test_mline_reuse(void)
{
    json_t *m;

    drain();
    alice_offers_audio("inactive", "minptime=10;useinbandfec=1");
    ok(took("bob", "track-unpublished", "track_id", "alice:0"), "alice stops sending audio: unpublished");
    answer_as("bob", take("bob", "offer"));
    ok(bob_slot(0)->reusable && bob_slot(0)->media.codec.pt == 111, "bob's Opus m-line 0 (111) is free");

    alice_offers_audio("sendonly", "minptime=10;useinbandfec=1;stereo=1");
    m = take("bob", "track-published");
    ok(m != NULL && has_str(m, "track_id", "alice:0") && has_str(m, "mid", "3"),
       "her audio again, in another Opus configuration: a new m-line");
    json_decref(m);
    ok(bob_slot(0)->reusable && bob_slot(0)->media.codec.pt == 111,
       "the free m-line keeps its payload type for its configuration");
    ok(member("bob")->sub.slots->len == 4 && bob_slot(3)->media.codec.pt != 111,
       "the new configuration has a payload type of its own on the new m-line");
    answer_as("bob", take("bob", "offer"));

    alice_offers_audio("inactive", "minptime=10;useinbandfec=1");
    json_decref(take("bob", "track-unpublished"));
    answer_as("bob", take("bob", "offer"));
    alice_offers_audio("sendonly", "minptime=10;useinbandfec=1");
    ok(took("bob", "track-published", "mid", "0"), "the first configuration again: its m-line 0 is reused");
    answer_as("bob", take("bob", "offer"));
    drain();
}

/* The error code that participant got, and that nobody else got anything. */
static bool
only_error(const char *participant, const char *code)
{
    json_t *m = take(participant, "error");
    bool good = m != NULL && has_str(m, "code", code) && inbox->len == 0;

    if (!good) {
        printf("#   got %s, %u other messages\n", m ? json_string_value(json_object_get(m, "code")) : "nothing",
               inbox->len);
    }
    json_decref(m);
    drain();
    return good;
}

static void
test_bad_input(void)
{
    struct sfu_transport *t = member("alice")->pub.peer->transport;
    unsigned candidates = t->remote_candidates;
    json_t *m;

    drain();
    client("bob", json_pack("{s:s, s:s}", "type", "answer", "sdp", "v=0\r\n"));
    ok(only_error("bob", "wrong-state"), "an answer with no offer out: wrong-state, to bob alone");
    client("alice", json_pack("{s:s, s:s}", "type", "offer", "sdp", "v=0\r\nm=audio banana\r\n"));
    ok(only_error("alice", "bad-sdp"), "malformed SDP: bad-sdp, to alice alone");
    client("alice", json_pack("{s:s, s:s}", "type", "offer", "sdp", fixture("aiortc_publish_unfixed.sdp", NULL)));
    ok(only_error("alice", "bad-sdp"), "one extension id for two URIs: bad-sdp");
    ok(member("alice")->pub.tracks->len == 2, "a refused offer leaves alice's tracks as they were");
    client("alice", json_pack("{s:s}", "type", "dance"));
    ok(only_error("alice", "unknown-type"), "an unknown type: unknown-type");
    client("alice", json_pack("{s:s}", "type", "chat"));
    ok(only_error("alice", "bad-message"), "chat without text: bad-message");
    client("alice", json_pack("{s:s, s:s}", "type", "toggle-audio", "enabled", "yes"));
    ok(only_error("alice", "bad-message"), "a toggle that is not a boolean: bad-message");
    client("alice", json_pack("{s:s, s:s}", "type", "update-quality", "quality", "ultra"));
    ok(only_error("alice", "bad-message"), "an unknown quality: bad-message");
    client("alice", json_pack("{s:s, s:s}", "type", "update-quality", "quality", "low"));
    ok(inbox->len == 0 && strcmp(member("alice")->quality, "low") == 0, "a known quality is kept, quietly");
    client("carol", json_pack("{s:s, s:s}", "type", "chat", "text", "hi"));
    ok(only_error("carol", "not-joined"), "a message before join: not-joined, delivered to its sender");
    client("alice", json_pack("{s:s, s:s, s:s}", "type", "ice-candidate", "pc", "publish", "candidate", "candidate:x"));
    ok(only_error("alice", "bad-candidate"), "a malformed candidate: bad-candidate");
    client("bob", json_pack("{s:s, s:s, s:s}", "type", "ice-candidate", "pc", "sideways", "candidate", ""));
    ok(only_error("bob", "bad-message"), "an unknown pc: bad-message");
    client("alice", json_pack("{s:s, s:s, s:s}", "type", "ice-candidate", "pc", "publish", "candidate",
                              "candidate:9 1 udp 2122260223 0c7b9a4e-2f1d.local 54321 typ host"));
    ok(inbox->len == 0 && t->remote_candidates == candidates, "an mDNS candidate is dropped without an error");
    client("alice", json_pack("{s:s, s:s, s:s, s:s, s:i}", "type", "ice-candidate", "pc", "publish", "candidate",
                              "candidate:9 1 udp 2122260223 127.0.0.1 54321 typ host", "sdpMid", "0",
                              "sdpMLineIndex", 0));
    ok(inbox->len == 0 && t->remote_candidates == candidates + 1, "a trickled candidate reaches the transport");

    send_json(json_pack("{s:s, s:s}", "type", "client", "room", "r1"));
    m = take_top("error");
    ok(m != NULL && has_str(m, "code", "bad-message"), "an envelope without a participant: bad-message to the module");
    json_decref(m);
    send_json(json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "type", "client", "room", "r 1", "participant", "x",
                        "role", "host", "msg", "type", "join"));
    m = take_top("error");
    ok(m != NULL && has_str(m, "code", "bad-message") && sfu_room_find("r 1") == NULL,
       "a room id with a space is refused");
    json_decref(m);
    drain();
}

static void
test_room_messages(void)
{
    json_t *m;

    client("alice", json_pack("{s:s, s:s}", "type", "chat", "text", "hello, bob"));
    m = take("bob", "chat");
    ok(m != NULL && has_str(m, "participant_id", "alice") && has_str(m, "text", "hello, bob")
       && json_is_integer(json_object_get(m, "ts")), "chat reaches bob, with its sender and time");
    json_decref(m);
    ok(take("alice", "chat") == NULL, "not back to alice");
    client("alice", json_pack("{s:s, s:b}", "type", "toggle-video", "enabled", 0));
    m = take("bob", "media-state");
    ok(m != NULL && has_str(m, "participant_id", "alice") && json_is_true(json_object_get(m, "audio"))
       && json_is_false(json_object_get(m, "video")), "toggle-video: bob gets alice's media-state");
    json_decref(m);
    drain();
}

static void
test_offer_candidates(void)
{
    struct sfu_transport *t;

    client("carol", json_pack("{s:s}", "type", "join"));
    client("carol", json_pack("{s:s, s:s}", "type", "offer", "sdp", fixture("aiortc_publish.sdp", NULL)));
    t = member("carol")->pub.peer->transport;
    ok(t->remote_candidates == 1 && t->end_of_candidates,
       "aiortc's candidate, written in both m-lines, reaches the transport once, with end-of-candidates");
    client("carol", json_pack("{s:s, s:s}", "type", "offer", "sdp", fixture("aiortc_publish.sdp", NULL)));
    ok(t->remote_candidates == 1, "a re-offer with the same credentials adds nothing");
    client("carol", json_pack("{s:s}", "type", "leave"));
    drain();
}

static json_t *
request(json_t *req)
{
    const char *type = json_string_value(json_object_get(req, "type"));
    char *want = g_strdup(type);
    json_t *m;

    send_json(req);
    m = take_top(want);
    g_free(want);
    return m;
}

/* The entry of a stats list (tracks, subscriptions) for that track. */
static json_t *
stats_of(json_t *list, const char *track_id)
{
    size_t i;
    json_t *e;

    json_array_foreach(list, i, e) {
        if (has_str(e, "track_id", track_id)) {
            return e;
        }
    }
    return NULL;
}

static void
test_admin(void)
{
    json_t *m, *list, *alice, *camera, *erin;

    m = request(json_pack("{s:s, s:i, s:s}", "type", "participants", "id", 1, "room", "r1"));
    list = json_object_get(m, "participants");
    ok(m != NULL && json_integer_value(json_object_get(m, "id")) == 1 && json_array_size(list) == 2,
       "participants lists both, with the request's id");
    alice = json_array_get(list, 0);
    ok(has_str(alice, "participant_id", "alice") && json_array_size(json_object_get(alice, "tracks")) == 2
       && json_is_false(json_object_get(alice, "video")) && json_is_false(json_object_get(alice, "screen")),
       "alice: two tracks, camera toggled off, no screen");
    ok(json_integer_value(json_object_get(alice, "joined_at")) > 1600000000000
       && has_str(json_object_get(alice, "connection"), "publish", "connected"),
       "alice: joined_at in ms since the epoch, publish connection connected");
    ok(has_str(json_object_get(json_array_get(list, 1), "connection"), "subscribe", "connected"),
       "bob: subscribe connection connected");
    json_decref(m);

    m = request(json_pack("{s:s, s:i, s:s}", "type", "stats", "id", 2, "room", "r1"));
    list = json_object_get(json_object_get(m, "stats"), "participants");
    alice = json_array_get(list, 0);
    ok(m != NULL && json_array_size(list) == 2 && json_is_object(json_object_get(alice, "publish")),
       "stats for both participants");
    camera = stats_of(json_object_get(alice, "tracks"), "alice:1");
    ok(json_integer_value(json_object_get(camera, "packets")) == 2 && has_str(camera, "codec", "VP8"),
       "alice's camera: two packets, VP8");
    camera = stats_of(json_object_get(json_array_get(list, 1), "subscriptions"), "alice:1");
    ok(json_integer_value(json_object_get(camera, "retransmitted")) == 1, "bob's view of it: one retransmission");
    json_decref(m);

    m = request(json_pack("{s:s, s:i, s:s, s:s}", "type", "kick", "id", 3, "room", "r1", "participant", "nobody"));
    ok(m != NULL && json_is_false(json_object_get(m, "found")) && json_integer_value(json_object_get(m, "id")) == 3,
       "kicking nobody is answered found: false");
    json_decref(m);

    client("carol", json_pack("{s:s}", "type", "join"));
    drain();
    m = request(json_pack("{s:s, s:i, s:s, s:s}", "type", "kick", "id", 4, "room", "r1", "participant", "carol"));
    ok(m != NULL && has_str(m, "participant", "carol") && json_is_true(json_object_get(m, "found")),
       "a kick is answered found: true");
    json_decref(m);
    m = take("carol", "kicked");
    ok(m != NULL, "carol is told she was kicked");
    json_decref(m);
    m = take("alice", "participant-left");
    ok(m != NULL && has_str(m, "participant_id", "carol") && has_str(m, "reason", "kicked"),
       "the others hear she left, kicked");
    json_decref(m);
    m = take_top("event");
    ok(m != NULL && has_str(m, "event", "participant-left") && has_str(m, "participant", "carol"),
       "the module gets participant-left");
    json_decref(m);
    ok(member("carol") == NULL, "carol is gone");
    drain();

    send_json(json_pack("{s:s, s:s, s:s}", "type", "disconnect", "room", "r1", "participant", "alice"));
    m = take("bob", "track-unpublished");
    ok(m != NULL, "alice's connection closed: bob loses her tracks");
    json_decref(m);
    m = take("bob", "participant-left");
    ok(m != NULL && has_str(m, "participant_id", "alice") && has_str(m, "reason", "disconnected"),
       "and hears she left");
    json_decref(m);
    ok(!bob_slot(0)->down.active && bob_slot(0)->down.track == NULL && bob_slot(1)->down.track == NULL,
       "bob's m-lines for her stop");
    drain();

    client("bob", json_pack("{s:s}", "type", "leave"));
    ok(sfu_room_find("r1") == NULL, "the room goes with its last participant");
    m = take_top("event");
    ok(m != NULL && has_str(m, "event", "participant-left"), "bob's leave is reported to the module");
    json_decref(m);
    ok(fake_transports->len == 0, "every transport is freed");
    drain();

    send_json(json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "type", "client", "room", "r2", "participant", "dave",
                        "role", "host", "msg", "type", "join"));
    send_json(json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "type", "client", "room", "r2", "participant", "erin",
                        "role", "participant", "msg", "type", "join"));
    drain();
    m = request(json_pack("{s:s, s:i, s:s}", "type", "close-room", "id", 5, "room", "r2"));
    ok(m != NULL && json_integer_value(json_object_get(m, "id")) == 5, "close-room is answered");
    json_decref(m);
    m = take("dave", "room-closed");
    erin = take("erin", "room-closed");
    ok(m != NULL && erin != NULL, "everyone hears the room closed");
    json_decref(m);
    json_decref(erin);
    ok(inbox->len == 0 && sfu_room_find("r2") == NULL, "nothing else is said, and the room is gone");

    send_json(json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "type", "client", "room", "r3", "participant", "frank",
                        "role", "host", "msg", "type", "join"));
    ok(sfu_room_find("r3") != NULL, "frank is in r3");
    close(module_fd);
    pump();
    ok(sfu_room_find("r3") == NULL, "the module connection closes: frank leaves, r3 goes");
}

/* The room timer's work is spread: ten who join one after another fall in ten different slices. */
static void
test_tick_slices(void)
{
    bool seen[10] = { false };
    unsigned distinct = 0;
    sfu_room_t *r;
    char id[16];
    guint i;

    for (i = 0; i < 10; i++) {
        g_snprintf(id, sizeof(id), "s%u", i);
        send_json(json_pack("{s:s, s:s, s:s, s:s, s:o}", "type", "client", "room", "slices", "participant", id,
                            "role", "participant", "msg", json_pack("{s:s}", "type", "join")));
    }
    r = sfu_room_find("slices");
    ok(r != NULL && r->participants->len == 10, "ten join a room");
    for (i = 0; r != NULL && i < r->participants->len; i++) {
        sfu_participant_t *p = g_ptr_array_index(r->participants, i);

        if (p->tick_slice < 10 && !seen[p->tick_slice]) {
            seen[p->tick_slice] = true;
            distinct++;
        }
    }
    is_int(distinct, 10, "... each in a slice of its own of the room timer");
    if (r != NULL) {
        sfu_room_close(r);
    }
    drain();
}

int
main(void)
{
    sfu_log_init(SFU_LOG_ERROR, 0);
    setup();
    test_join();
    test_publish();
    test_media();
    test_screen_share();
    test_mline_reuse();
    test_bad_input();
    test_room_messages();
    test_offer_candidates();
    test_tick_slices();
    test_admin();
    sfu_rooms_shutdown();
    return tap_done();
}
