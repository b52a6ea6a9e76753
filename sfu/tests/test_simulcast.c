/*
 * Simulcast: a Chromium offer's rids negotiated into the answer (and not
 * without the rid extension), layer SSRCs learnt from the rid and repaired
 * rid extensions, layers ranked by bitrate and dropped when silent, a
 * subscriber switched between layers only at the new layer's key frame
 * with its sequence numbers and timestamps running on, its NACKs answered
 * from the right layer's cache, VP8 picture ids running on across the
 * switch, and the downlink estimate from receiver reports and REMB.
 */
#include "tap.h"
#include "capture.h"
#include "fixture.h"
#include "rtp_build.h"
#include "rtcp_session.h"
#include "rtp_payload.h"
#include "negotiate.h"
#include "track.h"
#include "video_media.h"

#define EXT_MID 4
#define EXT_RID 10
#define EXT_RRID 11

static struct capture cap;
/* Resending in place, as under AES-CM (the NACK case checks it). */
static const struct sfu_sink sink = { capture_rtp, &cap, true };
static uint32_t requested[16];
static unsigned request_count;
static uint8_t in[1600];

static void
record_request(struct sfu_track *t, uint32_t ssrc, void *ctx)
{
    (void)t;
    (void)ctx;
    if (request_count < 16) {
        requested[request_count++] = ssrc;
    }
}

static bool
has_line(const char *text, const char *line)
{
    const char *at = strstr(text, line);

    return at != NULL && (at == text || at[-1] == '\n') && at[strlen(line)] == '\r';
}

static const struct sfu_pub_media *
video_of(const struct sfu_pub_offer *d)
{
    unsigned i;

    for (i = 0; i < d->media_count; i++) {
        if (d->media[i].kind == SFU_SDP_VIDEO) {
            return &d->media[i];
        }
    }
    return NULL;
}

/* Parses sdp and reads it as a publish offer into d; false (with a diagnostic) when it does not. */
static bool
read_offer(const char *sdp, size_t len, struct sfu_pub_offer *d)
{
    struct sfu_sdp_error err;

    if (sfu_sdp_parse(sfu_negotiate_parsed(), sdp, len, &err) != SFU_SDP_OK
        || sfu_sdp_check(sfu_negotiate_parsed(), &err) != SFU_SDP_OK
        || sfu_negotiate_read_offer(sfu_negotiate_parsed(), SFU_CODEC_NONE, 0, d, &err) != 0)
    {
        printf("# %s\n", err.message);
        return false;
    }
    return true;
}

/* The fixture's text with its first "from" replaced by "to", in a buffer freed by the caller. */
static char *
edited_fixture(const char *name, const char *from, const char *to)
{
    const char *sdp = fixture(name, NULL);
    const char *at = strstr(sdp, from);

    return g_strdup_printf("%.*s%s%s", (int)(at - sdp), sdp, to, at + strlen(from));
}

static void
test_negotiation(void)
{
    static const struct sfu_local_transport local = {
        .ice_ufrag = "sfuU", .ice_pwd = "sfupasswordsfupassword", .fingerprint_algo = "sha-256",
        .fingerprint = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF",
    };
    static struct sfu_pub_offer decided;
    const struct sfu_pub_media *v;
    struct sfu_sdp_error err;
    const char *answer;
    size_t len;
    const char *sdp = fixture("chromium_simulcast_publish.sdp", &len);
    char *stripped;

    ok(read_offer(sdp, len, &decided), "Chromium's simulcast offer is read");
    v = video_of(&decided);
    ok(v != NULL && v->rid_count == 3, "its video m-line sends three layers");
    ok(v != NULL && strcmp(v->rids[0], "h") == 0 && strcmp(v->rids[1], "m") == 0 && strcmp(v->rids[2], "l") == 0,
       "named by the rids of a=simulcast:send, in its order");
    ok(v != NULL && v->ext_rid == EXT_RID && v->ext_repaired_rid == EXT_RRID, "with the rid and repaired rid extension ids");
    sfu_negotiate_publish_answer(sfu_negotiate_parsed(), &decided, &local, "1", 1, sfu_negotiate_built());
    answer = sfu_negotiate_text(sfu_negotiate_built(), &err);
    ok(answer != NULL && has_line(answer, "a=simulcast:recv h;m;l"), "the answer receives them: a=simulcast:recv h;m;l");
    ok(answer != NULL && has_line(answer, "a=rid:h recv") && has_line(answer, "a=rid:m recv")
       && has_line(answer, "a=rid:l recv"), "with an a=rid recv line for each");
    ok(answer != NULL && has_line(answer, "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")
       && has_line(answer, "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"),
       "and keeps the rid extensions at the offer's ids");
    ok(answer != NULL && sfu_sdp_parse(sfu_negotiate_parsed(), answer, strlen(answer), &err) == SFU_SDP_OK
       && sfu_sdp_check(sfu_negotiate_parsed(), &err) == SFU_SDP_OK, "the answer parses and passes the checks");

    /* Without the rid extension the layers could not be told apart. */
    stripped = edited_fixture("chromium_simulcast_publish.sdp",
                              "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n", "");
    ok(read_offer(stripped, strlen(stripped), &decided), "the offer without the rid extension is read");
    v = video_of(&decided);
    ok(v != NULL && v->rid_count == 0 && v->ext_rid == 0, "as one encoding");
    sfu_negotiate_publish_answer(sfu_negotiate_parsed(), &decided, &local, "1", 2, sfu_negotiate_built());
    answer = sfu_negotiate_text(sfu_negotiate_built(), &err);
    ok(answer != NULL && strstr(answer, "a=simulcast") == NULL && strstr(answer, "a=rid") == NULL,
       "answered without a=simulcast or a=rid");
    g_free(stripped);
}

static void
test_odd_rids(void)
{
    static struct sfu_pub_offer decided;
    const struct sfu_pub_media *v;
    char *sdp = edited_fixture("chromium_simulcast_publish.sdp", "a=simulcast:send h;m;l\r\n",
                               "a=rid:x send\r\na=rid:abcdefghijklmnopq send\r\na=rid:z send\r\n"
                               "a=simulcast:send abcdefghijklmnopq;h,m;~l;y;x;z\r\n");

    ok(read_offer(sdp, strlen(sdp), &decided), "an offer with odd rids is read");
    v = video_of(&decided);
    ok(v != NULL && v->rid_count == 3 && strcmp(v->rids[0], "h") == 0 && strcmp(v->rids[1], "l") == 0
       && strcmp(v->rids[2], "x") == 0, "h, ~l and x are taken: not the 17-character rid, the alternative m, "
       "y without a=rid, nor z past three");
    g_free(sdp);
}

/* A VP8 track of three layers named by these rids. */
static struct sfu_track *
simulcast_track(const char *r0, const char *r1, const char *r2)
{
    struct sfu_pub_media pm;
    struct sfu_track *t;

    video_media(&pm);
    pm.ext_mid = EXT_MID;
    pm.ext_rid = EXT_RID;
    pm.ext_repaired_rid = EXT_RRID;
    snprintf(pm.rids[0], sizeof(pm.rids[0]), "%s", r0);
    snprintf(pm.rids[1], sizeof(pm.rids[1]), "%s", r1);
    snprintf(pm.rids[2], sizeof(pm.rids[2]), "%s", r2);
    pm.rid_count = 3;
    t = sfu_track_new("alice", &pm, SFU_SOURCE_CAMERA);
    t->request_keyframe = record_request;
    return t;
}

/* A layer packet: SSRC 0x100 * (layer + 1), seq and timestamp of that layer's own numbering. */
static void
build(struct sfu_rtp_packet *pkt, unsigned layer, uint16_t seq, bool key, size_t pad, const char *rid)
{
    struct test_ext exts[2] = { { 0, 0, { 0 } }, { 0, 0, { 0 } } };
    uint8_t payload[1000];

    memcpy(payload, key ? vp8_key : vp8_delta, sizeof(vp8_key));
    memset(payload + sizeof(vp8_key), (int)layer, pad);
    if (rid != NULL) {
        exts[0].id = EXT_RID;
        exts[0].len = (uint8_t)strlen(rid);
        memcpy(exts[0].value, rid, exts[0].len);
    }
    rtp_build(in, pkt, 96, seq, 1000u * (layer + 1) + seq * 3000u, 0x100 * (layer + 1), exts, payload,
              sizeof(vp8_key) + pad);
}

/* Layers grow with their index, or shrink when the test says so. */
static bool largest_first;

static void
send_layer(struct sfu_track *t, unsigned layer, uint16_t seq, bool key, int64_t now)
{
    struct sfu_rtp_packet pkt;

    build(&pkt, layer, seq, key, 20 + 300 * (largest_first ? 2 - layer : layer), NULL);
    sfu_track_receive_layer(t, layer, &pkt, false, now);
}

static void
test_learning(void)
{
    struct sfu_track *t = simulcast_track("q", "h", "f");
    struct sfu_rtp_packet pkt;
    bool rtx = true;

    build(&pkt, 1, 5, true, 10, "h");
    is_int(sfu_simulcast_classify(&t->sim, &pkt, &rtx), -1, "a new SSRC belongs to no layer yet");
    is_int(sfu_simulcast_learn(&t->sim, &pkt, &rtx), 1, "its rid extension names the layer");
    ok(!rtx && t->sim.layers[1].ssrc == 0x200, "which learns its SSRC");
    build(&pkt, 1, 6, false, 10, NULL);
    is_int(sfu_simulcast_classify(&t->sim, &pkt, &rtx), 1, "later packets are known by their SSRC alone");
    build(&pkt, 1, 1, false, 10, NULL);
    pkt.ssrc = 0x201;
    is_int(sfu_simulcast_learn(&t->sim, &pkt, &rtx), -1, "an SSRC with no rid names nothing");
    rtp_build(in, &pkt, 97, 1, 0, 0x201, (const struct test_ext[]){ { EXT_RRID, 1, { 'h' } }, { 0, 0, { 0 } } },
              vp8_delta, sizeof(vp8_delta));
    ok(sfu_simulcast_learn(&t->sim, &pkt, &rtx) == 1 && rtx && t->sim.layers[1].rtx_ssrc == 0x201,
       "a repaired rid makes it the layer's RTX SSRC");
    build(&pkt, 0, 1, false, 10, "x");
    is_int(sfu_simulcast_learn(&t->sim, &pkt, &rtx), -1, "an unknown rid is no layer");

    send_layer(t, 1, 7, false, 1000000);
    is_int(sfu_simulcast_active_count(&t->sim), 1, "a layer is active once its packets arrive");
    sfu_track_tick(t, 2000000);
    is_int(sfu_simulcast_active_count(&t->sim), 1, "and stays so a second later");
    sfu_track_tick(t, 2600000);
    is_int(sfu_simulcast_active_count(&t->sim), 0, "a layer silent for 1.5 s is inactive");
    is_int(sfu_simulcast_choose(&t->sim, SFU_QUALITY_HIGH), -1, "and no layer is chosen then");
    sfu_track_free(t);
}

/* A VP8 key frame of width x height (RFC 6386 9.1 header) on layer. */
static void
key_of_size(struct sfu_track *t, unsigned layer, unsigned width, unsigned height, int64_t now)
{
    const uint8_t payload[] = { 0x10, 0x50, 0x00, 0x00, 0x9D, 0x01, 0x2A, (uint8_t)width, (uint8_t)(width >> 8),
                                (uint8_t)height, (uint8_t)(height >> 8) };
    struct sfu_rtp_packet pkt;

    rtp_build(in, &pkt, 96, 100, 0, 0x100 * (layer + 1), NULL, payload, sizeof(payload));
    sfu_track_receive_layer(t, layer, &pkt, false, now);
}

static void
test_rank(void)
{
    /* Named high first, as some clients list them: the rank comes from what they carry. */
    struct sfu_track *t = simulcast_track("f", "h", "q");
    int64_t now = 1000000;
    uint16_t seq;

    largest_first = true;
    sfu_track_tick(t, now);
    for (seq = 1; seq <= 10; seq++) {
        send_layer(t, 2, seq, false, now);
        send_layer(t, 1, seq, false, now);
        send_layer(t, 0, seq, false, now);
        now += 100000;
    }
    sfu_track_tick(t, now);
    ok(t->sim.layers[0].rate.bps > t->sim.layers[1].rate.bps && t->sim.layers[1].rate.bps > t->sim.layers[2].rate.bps,
       "each layer's bitrate is measured");
    is_int(sfu_simulcast_choose(&t->sim, SFU_QUALITY_LOW), 2, "low is the layer with the lowest bitrate (q)");
    is_int(sfu_simulcast_choose(&t->sim, SFU_QUALITY_MEDIUM), 1, "medium the middle one (h)");
    is_int(sfu_simulcast_choose(&t->sim, SFU_QUALITY_HIGH), 0, "high the highest (f)");
    is_int(sfu_simulcast_choose(&t->sim, SFU_QUALITY_OFF), -1, "off none");

    /* Still pictures make layers' bitrates close: where key frames give the size, it ranks them. */
    key_of_size(t, 0, 320, 180, now);
    key_of_size(t, 1, 640, 360, now);
    key_of_size(t, 2, 1280, 720, now);
    sfu_track_tick(t, now + 1);
    ok(t->sim.layers[0].pixels == 320 * 180 && t->sim.layers[2].pixels == 1280 * 720,
       "a VP8 key frame tells its layer's picture size");
    is_int(sfu_simulcast_choose(&t->sim, SFU_QUALITY_LOW), 0, "which ranks before bitrates: low is the smallest");
    is_int(sfu_simulcast_choose(&t->sim, SFU_QUALITY_HIGH), 2, "high the largest");
    largest_first = false;
    sfu_track_free(t);
}

static struct sfu_rtp_packet
sent(unsigned i)
{
    struct sfu_rtp_packet p;

    sfu_rtp_parse(&p, cap.data[i], cap.len[i]);
    return p;
}

/* Selecting quality targets layer, and asks its SSRC (alone) for a key frame. */
static bool
selects(struct sfu_downtrack *d, enum sfu_quality quality, int layer, uint32_t ssrc, int64_t now)
{
    request_count = 0;
    sfu_downtrack_select(d, quality, now);
    return d->layer.target == layer && request_count == 1 && requested[0] == ssrc;
}

static void
test_switch(void)
{
    struct sfu_track *t = simulcast_track("q", "h", "f");
    struct sfu_downtrack d;
    struct sfu_rtp_packet a, b;
    int64_t now = 1000000;
    uint16_t nack[2];
    unsigned n;

    memset(&cap, 0, sizeof(cap));
    request_count = 0;
    t->sim.layers[0].ssrc = 0x100;
    t->sim.layers[1].ssrc = 0x200;
    t->sim.layers[2].ssrc = 0x300;
    memset(&d, 0, sizeof(d));
    sfu_forward_init(&d.fwd, 0xD1, 100, 90000, true, 500, 77777);
    sfu_track_attach(t, &d);
    sfu_downtrack_start(&d, &sink, now);
    send_layer(t, 0, 1, false, now);
    send_layer(t, 1, 1, false, now);
    send_layer(t, 2, 1, false, now);
    is_int(cap.count, 0, "nothing is forwarded before a layer is chosen");

    ok(selects(&d, SFU_QUALITY_HIGH, 2, 0x300, now), "choosing high asks for a key frame on the high layer's SSRC");
    send_layer(t, 2, 2, false, now += 33000);
    send_layer(t, 1, 2, true, now);
    is_int(cap.count, 0, "neither its delta frames nor another layer's key frame are sent");
    send_layer(t, 2, 3, true, now += 33000);
    send_layer(t, 2, 4, false, now);
    send_layer(t, 0, 3, false, now);
    is_int(cap.count, 2, "from the high layer's key frame on, its packets alone are sent");
    ok(d.layer.current == 2, "the high layer is current");
    a = sent(0);
    ok(a.ssrc == 0xD1 && a.seq == 500 && a.timestamp == 77777, "on the subscriber's SSRC, first numbers");

    ok(selects(&d, SFU_QUALITY_LOW, 0, 0x100, now), "going low asks for a key frame on the low layer's SSRC");
    send_layer(t, 2, 5, false, now += 33000);
    send_layer(t, 0, 4, false, now);
    is_int(cap.count, 3, "until it comes, the high layer goes on and the low one waits");
    send_layer(t, 0, 5, true, now += 33000);
    send_layer(t, 2, 6, false, now);
    send_layer(t, 0, 6, false, now);
    is_int(cap.count, 5, "at the low layer's key frame the subscriber switches; the high layer stops");
    ok(d.layer.current == 0, "the low layer is current");
    a = sent(2);
    b = sent(3);
    ok(b.ssrc == 0xD1 && b.seq == (uint16_t)(a.seq + 1), "the SSRC stays and sequence numbers run on without a gap");
    ok(b.timestamp - a.timestamp == 2970, "timestamps run on by the time between the packets (33 ms)");
    b = sent(4);
    ok(b.seq == (uint16_t)(a.seq + 2) && b.timestamp == sent(3).timestamp + 3000,
       "and then follow the new layer's own steps");

    now += 1000000;                     /* past the key frame throttle of the layers asked before */
    ok(selects(&d, SFU_QUALITY_HIGH, 2, 0x300, now), "back to high");
    n = cap.count;
    send_layer(t, 2, 8, true, now += 33000);
    send_layer(t, 2, 9, false, now);
    send_layer(t, 0, 7, false, now);
    is_int(cap.count, n + 2, "the layer left before is taken back at its key frame");
    ok(sent(n).seq == (uint16_t)(sent(n - 1).seq + 1) && sent(n + 1).seq == (uint16_t)(sent(n).seq + 1),
       "numbering on");
    now += 1000000;
    ok(selects(&d, SFU_QUALITY_LOW, 0, 0x100, now), "and low again");
    send_layer(t, 0, 8, true, now += 33000);
    is_int(cap.count, n + 3, "switched at the low layer's next key frame");

    sfu_forward_set_rtx(&d.fwd, 0xD2, 101);
    n = cap.count;
    nack[0] = sent(n - 1).seq;
    nack[1] = sent(n - 2).seq;
    sfu_downtrack_nack(&d, nack, 2);
    is_int(cap.count, n + 1, "a NACK after the switch is answered; one from before it (another layer) is not");
    a = sent(n);
    ok(a.ssrc == 0xD2 && a.payload[0] == (uint8_t)(nack[0] >> 8) && a.payload[1] == (uint8_t)nack[0]
       && memcmp(a.payload + 2, vp8_key, sizeof(vp8_key)) == 0, "from the low layer's cache, as RTX");

    sfu_downtrack_select(&d, SFU_QUALITY_OFF, now);
    n = cap.count;
    send_layer(t, 0, 7, true, now += 33000);
    send_layer(t, 2, 7, true, now);
    is_int(cap.count, n, "off: nothing more is sent, key frames or not");
    sfu_track_free(t);
}

/* A VP8 payload with a 15-bit picture id and TL0PICIDX (RFC 7741 4.2), a key frame or not. */
static void
vp8_with_ids(uint8_t *payload, uint16_t picture_id, uint8_t tl0picidx, bool key)
{
    const uint8_t p[] = { 0x90, 0xC0, (uint8_t)(0x80 | picture_id >> 8), (uint8_t)picture_id, tl0picidx,
                          key ? 0x50 : 0x51, 0x00, 0x00, 0x9D, 0x01, 0x2A };

    memcpy(payload, p, sizeof(p));
}

static void
ids_of(const uint8_t *pkt, size_t len, uint16_t *picture_id, uint8_t *tl0picidx)
{
    struct sfu_rtp_packet p;
    struct sfu_vp8_descriptor d;

    sfu_rtp_parse(&p, (uint8_t *)pkt, len);
    sfu_vp8_parse(&d, p.payload, p.payload_len);
    *picture_id = d.picture_id;
    *tl0picidx = d.tl0picidx;
}

static void
test_vp8_numbering(void)
{
    struct sfu_forward f;
    struct sfu_rtp_packet pkt, cached;
    uint8_t payload[11], out[1600], keep[1600];
    uint16_t pid;
    uint8_t tl0;
    size_t len, keep_len;

    sfu_forward_init(&f, 0xD1, 100, 90000, true, 1, 1);
    f.vp8 = true;
    vp8_with_ids(payload, 100, 5, true);
    rtp_build(in, &pkt, 96, 10, 1000, 0x100, NULL, payload, sizeof(payload));
    sfu_forward_packet(&f, &pkt, true, 1000000, out, sizeof(out), &len);
    ids_of(out, len, &pid, &tl0);
    ok(pid == 100 && tl0 == 5, "the first stream's picture ids go out as they are");
    vp8_with_ids(payload, 101, 5, false);
    rtp_build(in, &pkt, 96, 11, 4000, 0x100, NULL, payload, sizeof(payload));
    sfu_forward_packet(&f, &pkt, false, 1033000, out, sizeof(out), &len);

    /* Another layer: its picture ids are its own (here 30000), its TL0PICIDX too. */
    vp8_with_ids(payload, 30000, 200, true);
    rtp_build(in, &pkt, 96, 500, 77000, 0x300, NULL, payload, sizeof(payload));
    sfu_forward_restart(&f);
    sfu_forward_packet(&f, &pkt, true, 1066000, out, sizeof(out), &len);
    memcpy(keep, in, pkt.len);
    keep_len = pkt.len;
    ids_of(out, len, &pid, &tl0);
    ok(pid == 102 && tl0 == 6, "after a switch they run on from the last sent (102, TL0PICIDX 6)");
    vp8_with_ids(payload, 30001, 200, false);
    rtp_build(in, &pkt, 96, 501, 80000, 0x300, NULL, payload, sizeof(payload));
    sfu_forward_packet(&f, &pkt, false, 1099000, out, sizeof(out), &len);
    ids_of(out, len, &pid, &tl0);
    ok(pid == 103 && tl0 == 6, "and keep the new stream's steps");

    sfu_rtp_parse(&cached, keep, keep_len);
    sfu_forward_resend(&f, &cached, 0, out, sizeof(out), &len);
    ids_of(out, len, &pid, &tl0);
    ok(pid == 102 && tl0 == 6, "a retransmission carries the numbers its packet was first sent with");
    vp8_with_ids(payload, 30002, 201, false);
    rtp_build(in, &pkt, 96, 502, 83000, 0x300, NULL, payload, sizeof(payload));
    sfu_forward_packet(&f, &pkt, false, 1132000, out, sizeof(out), &len);
    ids_of(out, len, &pid, &tl0);
    ok(pid == 104 && tl0 == 7, "and does not move them");
}

/* Receiver reports' loss (fraction lost, of 256) in time, and the estimate after each. */
static const struct {
    uint8_t fraction_lost;
    unsigned at_s;
    enum sfu_quality level;
    const char *says;
} loss_script[] = {
    { 30, 1, SFU_QUALITY_HIGH, "loss above 10 % right after the start waits for the settling time" },
    { 30, 4, SFU_QUALITY_MEDIUM, "then steps down one" },
    { 40, 5, SFU_QUALITY_MEDIUM, "not again within 3 s: the reports may be of the layer left" },
    { 40, 7, SFU_QUALITY_LOW, "after them, down again" },
    { 200, 11, SFU_QUALITY_LOW, "never below low" },
    { 10, 12, SFU_QUALITY_LOW, "4 % loss holds" },
    { 3, 13, SFU_QUALITY_LOW, "a report below 2 % does not probe up at once" },
    { 3, 20, SFU_QUALITY_LOW, "nor do clean reports for 7 s" },
    { 0, 21, SFU_QUALITY_MEDIUM, "8 s below 2 % probes up one" },
    { 0, 25, SFU_QUALITY_MEDIUM, "and the next step needs 8 s more" },
    { 0, 29, SFU_QUALITY_HIGH, "which bring it back to high" },
};

static void
test_bwe(void)
{
    struct sfu_bwe b;
    size_t i;

    sfu_bwe_init(&b, 0);
    ok(b.level == SFU_QUALITY_HIGH, "the estimate starts high");
    for (i = 0; i < sizeof(loss_script) / sizeof(loss_script[0]); i++) {
        sfu_bwe_loss(&b, loss_script[i].fraction_lost, (int64_t)loss_script[i].at_s * 1000000);
        ok(b.level == loss_script[i].level, "%s", loss_script[i].says);
    }

    sfu_bwe_sending(&b, 2000000, 29500000);
    ok(b.level == SFU_QUALITY_HIGH, "no REMB, no congestion");
    sfu_bwe_remb(&b, 1000000, 32000000);
    sfu_bwe_remb(&b, 1500000, 32500000);
    sfu_bwe_sending(&b, 2000000, 32600000);
    ok(b.level == SFU_QUALITY_HIGH, "a REMB at 75 %% that is still climbing is catching up, no congestion");
    sfu_bwe_remb(&b, 1800000, 33000000);
    sfu_bwe_sending(&b, 2000000, 33100000);
    ok(b.level == SFU_QUALITY_HIGH, "a REMB at 90 %% of what is sent is none");
    sfu_bwe_remb(&b, 1600000, 34000000);
    sfu_bwe_sending(&b, 2000000, 34100000);
    ok(b.level == SFU_QUALITY_MEDIUM, "one that fell to 80 %% is: a step down");
    ok(sfu_bwe_last_remb(&b, 35000000) == 1600000, "the last REMB is kept");
    sfu_bwe_remb(&b, 500000, 35000000);
    sfu_bwe_sending(&b, 2000000, 36000000);
    ok(b.level == SFU_QUALITY_MEDIUM, "REMBs within 3 s of a step are not held against the new rate");
    is_int(sfu_bwe_last_remb(&b, 38000000), 0, "a REMB is forgotten after 2 s");
    sfu_bwe_sending(&b, 2000000, 40000000);
    ok(b.level == SFU_QUALITY_MEDIUM, "and then says nothing");
}

static struct sfu_downtrack *lookup_target;

static struct sfu_downtrack *
lookup(void *ctx, uint32_t ssrc)
{
    (void)ctx;
    return ssrc == lookup_target->fwd.ssrc ? lookup_target : NULL;
}

static void
test_subscriber_rtcp(void)
{
    struct sfu_rtcp_report_block block = { .ssrc = 0xD1, .fraction_lost = 64 };
    struct sfu_rtcp_writer w;
    struct sfu_downtrack d;
    struct sfu_bwe b;
    uint32_t ssrc = 0xD1;
    uint8_t buf[200];

    memset(&d, 0, sizeof(d));
    sfu_forward_init(&d.fwd, 0xD1, 100, 90000, true, 1, 1);
    lookup_target = &d;
    sfu_bwe_init(&b, 0);
    sfu_rtcp_writer_init(&w, buf, sizeof(buf));
    sfu_rtcp_write_rr(&w, 0x5151, &block, 1);
    sfu_rtcp_write_remb(&w, 0x5151, 450000, &ssrc, 1);
    sfu_rtcp_from_subscriber(lookup, NULL, &b, buf, w.len, 5000000);
    ok(b.level == SFU_QUALITY_MEDIUM, "a subscriber's receiver report with 25 %% loss on its video steps it down");
    ok(sfu_bwe_last_remb(&b, 5000000) == 450000, "its REMB is kept");
    block.ssrc = 0xEE;
    sfu_rtcp_writer_init(&w, buf, sizeof(buf));
    sfu_rtcp_write_rr(&w, 0x5151, &block, 1);
    sfu_rtcp_from_subscriber(lookup, NULL, &b, buf, w.len, 9000000);
    ok(b.level == SFU_QUALITY_MEDIUM, "a report about an SSRC it does not receive changes nothing");
}

static void
test_quality_names(void)
{
    enum sfu_quality q = SFU_QUALITY_LOW;

    ok(sfu_quality_parse("auto", &q) && q == SFU_QUALITY_HIGH, "auto is high, under the downlink estimate");
    ok(sfu_quality_parse("off", &q) && q == SFU_QUALITY_OFF, "off");
    ok(sfu_quality_parse("medium", &q) && q == SFU_QUALITY_MEDIUM, "medium");
    ok(!sfu_quality_parse("Medium", &q) && !sfu_quality_parse("", &q), "nothing else");
    is_str(sfu_quality_name(SFU_QUALITY_LOW), "low", "named back");
}

int
main(void)
{
    test_negotiation();
    test_odd_rids();
    test_learning();
    test_rank();
    test_switch();
    test_vp8_numbering();
    test_bwe();
    test_subscriber_rtcp();
    test_quality_names();
    return tap_done();
}
