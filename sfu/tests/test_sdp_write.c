/*
 * The SDP writer: what it writes of each stack's offer parses back into the
 * same session and is written the same again, trickled candidates are
 * written as they came, and it refuses what does not fit or cannot be said.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sdp_offer.h"

static struct sfu_sdp_session *session, *again;
static char out[65536], out2[65536];

static bool
str_same(struct sfu_sdp_str a, struct sfu_sdp_str b)
{
    return sfu_sdp_str_eq(a, b);
}

static bool
transport_same(const struct sfu_sdp_transport *a, const struct sfu_sdp_transport *b)
{
    return str_same(a->ice_ufrag, b->ice_ufrag) && str_same(a->ice_pwd, b->ice_pwd)
        && str_same(a->ice_options, b->ice_options) && str_same(a->fingerprint_algo, b->fingerprint_algo)
        && str_same(a->fingerprint, b->fingerprint) && a->setup == b->setup;
}

static bool
codec_same(const struct sfu_sdp_codec *a, const struct sfu_sdp_codec *b)
{
    unsigned i;
    bool same = a->payload_type == b->payload_type && str_same(a->name, b->name)
        && a->clock_rate == b->clock_rate && a->channels == b->channels
        && a->param_count == b->param_count && a->rtcp_fb_count == b->rtcp_fb_count;

    for (i = 0; same && i < a->param_count; i++) {
        same = str_same(a->params[i].key, b->params[i].key) && str_same(a->params[i].value, b->params[i].value);
    }
    for (i = 0; same && i < a->rtcp_fb_count; i++) {
        same = str_same(a->rtcp_fb[i], b->rtcp_fb[i]);
    }
    return same;
}

static bool
candidate_same(const struct sfu_sdp_candidate *a, const struct sfu_sdp_candidate *b)
{
    return str_same(a->foundation, b->foundation) && a->component == b->component
        && a->transport == b->transport && a->priority == b->priority && str_same(a->address, b->address)
        && a->port == b->port && a->type == b->type && str_same(a->raddr, b->raddr) && a->rport == b->rport
        && a->tcptype == b->tcptype && str_same(a->extensions, b->extensions);
}

static bool
rids_same(const struct sfu_sdp_simulcast_rid *a, const struct sfu_sdp_simulcast_rid *b, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        if (!str_same(a[i].rid, b[i].rid) || a[i].paused != b[i].paused || a[i].alternative != b[i].alternative) {
            return false;
        }
    }
    return true;
}

static bool
media_same(const struct sfu_sdp_media *a, const struct sfu_sdp_media *b)
{
    unsigned i, k;
    bool same = a->kind == b->kind && str_same(a->kind_name, b->kind_name) && a->port == b->port
        && str_same(a->proto, b->proto) && str_same(a->fmt, b->fmt) && a->bundle_only == b->bundle_only
        && str_same(a->mid, b->mid) && a->direction == b->direction && a->rtcp_mux == b->rtcp_mux
        && a->rtcp_mux_only == b->rtcp_mux_only && a->rtcp_rsize == b->rtcp_rsize
        && a->extmap_allow_mixed == b->extmap_allow_mixed && a->end_of_candidates == b->end_of_candidates
        && str_same(a->msid_stream, b->msid_stream) && str_same(a->msid_track, b->msid_track)
        && transport_same(&a->transport, &b->transport) && a->sctp_port == b->sctp_port
        && a->max_message_size == b->max_message_size && a->codec_count == b->codec_count
        && a->extmap_count == b->extmap_count && a->ssrc_count == b->ssrc_count
        && a->ssrc_group_count == b->ssrc_group_count && a->candidate_count == b->candidate_count
        && a->rid_count == b->rid_count && a->simulcast_send_count == b->simulcast_send_count
        && a->simulcast_recv_count == b->simulcast_recv_count
        && rids_same(a->simulcast_send, b->simulcast_send, a->simulcast_send_count)
        && rids_same(a->simulcast_recv, b->simulcast_recv, a->simulcast_recv_count);

    for (i = 0; same && i < a->codec_count; i++) {
        same = codec_same(&a->codecs[i], &b->codecs[i]);
    }
    for (i = 0; same && i < a->extmap_count; i++) {
        same = a->extmaps[i].id == b->extmaps[i].id && a->extmaps[i].direction == b->extmaps[i].direction
            && str_same(a->extmaps[i].uri, b->extmaps[i].uri)
            && str_same(a->extmaps[i].attributes, b->extmaps[i].attributes);
    }
    for (i = 0; same && i < a->ssrc_count; i++) {
        same = a->ssrcs[i].ssrc == b->ssrcs[i].ssrc && str_same(a->ssrcs[i].cname, b->ssrcs[i].cname)
            && str_same(a->ssrcs[i].msid_stream, b->ssrcs[i].msid_stream)
            && str_same(a->ssrcs[i].msid_track, b->ssrcs[i].msid_track);
    }
    for (i = 0; same && i < a->ssrc_group_count; i++) {
        same = str_same(a->ssrc_groups[i].semantics, b->ssrc_groups[i].semantics)
            && a->ssrc_groups[i].ssrc_count == b->ssrc_groups[i].ssrc_count;
        for (k = 0; same && k < a->ssrc_groups[i].ssrc_count; k++) {
            same = a->ssrc_groups[i].ssrcs[k] == b->ssrc_groups[i].ssrcs[k];
        }
    }
    for (i = 0; same && i < a->candidate_count; i++) {
        same = candidate_same(&a->candidates[i], &b->candidates[i]);
    }
    for (i = 0; same && i < a->rid_count; i++) {
        same = str_same(a->rids[i].id, b->rids[i].id) && a->rids[i].direction == b->rids[i].direction
            && str_same(a->rids[i].params, b->rids[i].params);
    }
    return same;
}

static bool
session_same(const struct sfu_sdp_session *a, const struct sfu_sdp_session *b)
{
    unsigned i, k;
    bool same = str_same(a->origin.username, b->origin.username)
        && str_same(a->origin.session_id, b->origin.session_id)
        && a->origin.session_version == b->origin.session_version
        && str_same(a->origin.addrtype, b->origin.addrtype) && str_same(a->origin.address, b->origin.address)
        && str_same(a->name, b->name) && a->ice_lite == b->ice_lite
        && a->extmap_allow_mixed == b->extmap_allow_mixed && str_same(a->msid_semantic, b->msid_semantic)
        && transport_same(&a->transport, &b->transport) && a->group_count == b->group_count
        && a->media_count == b->media_count;

    for (i = 0; same && i < a->group_count; i++) {
        same = str_same(a->groups[i].semantics, b->groups[i].semantics)
            && a->groups[i].mid_count == b->groups[i].mid_count;
        for (k = 0; same && k < a->groups[i].mid_count; k++) {
            same = str_same(a->groups[i].mids[k], b->groups[i].mids[k]);
        }
    }
    for (i = 0; same && i < a->media_count; i++) {
        same = media_same(&a->media[i], &b->media[i]);
    }
    return same;
}

/* Parse, write, parse again: the sessions must match and a second write must repeat the first. */
static void
round_trip(const char *name, const char *sdp)
{
    struct sfu_sdp_error err;
    size_t len, len2;
    int rc = parse(session, sdp, &err);

    ok(rc == SFU_SDP_OK, "%s parses", name);
    if (rc != SFU_SDP_OK) {
        printf("#   %s\n", err.message);
        return;
    }
    is_int(sfu_sdp_write(session, out, sizeof(out), &len, &err), SFU_SDP_OK, "written");
    is_int(sfu_sdp_parse(again, out, len, &err), SFU_SDP_OK, "written SDP parses");
    ok(session_same(session, again), "%s survives parse, write, parse", name);
    sfu_sdp_write(again, out2, sizeof(out2), &len2, &err);
    ok(len == len2 && memcmp(out, out2, len) == 0, "%s writes the same SDP twice", name);
}

static void
test_round_trips(void)
{
    round_trip("Chromium offer", chromium_offer);
    round_trip("Firefox offer", firefox_offer);
    round_trip("aiortc offer", aiortc_offer);
    round_trip("GStreamer offer", gstreamer_offer);
}

static void
test_empty_fmtp_items_dropped(void)
{
    struct sfu_sdp_error err;
    const char *sdp = edit(chromium_offer, "a=fmtp:111 minptime=10;useinbandfec=1", "a=fmtp:111 ; ; minptime = 10;;");

    is_int(parse(session, sdp, &err), SFU_SDP_OK, "fmtp with empty items parses");
    is_int(session->media[0].codecs[0].param_count, 1, "only the real parameter is kept");
    ok(sfu_sdp_str_is(session->media[0].codecs[0].params[0].key, "minptime")
        && sfu_sdp_str_is(session->media[0].codecs[0].params[0].value, "10"), "spaces around '=' trimmed");
    round_trip("fmtp with empty items", sdp);
}

static void
test_trickle_candidates(void)
{
    static const char *const lines[] = {
        "candidate:842163049 1 udp 1677729535 198.51.100.4 58312 typ srflx raddr 10.0.0.5 rport 58312 generation 0 ufrag Xq1v network-cost 999",
        "candidate:3 1 tcp 1518280447 10.0.0.5 9 typ host tcptype passive",
        "candidate:a+b/c 2 udp 16777215 2001:db8::9 3478 typ relay raddr 2001:db8::1 rport 60000",
    };
    struct sfu_sdp_candidate c, c2;
    struct sfu_sdp_error err;
    char buf[512];
    size_t len;
    unsigned i;

    is_int(sfu_sdp_parse_candidate(&c, "a=candidate:1 1 udp 1 10.0.0.1 1 typ host\r\n", 43, &err), SFU_SDP_OK,
        "candidate with a= and CRLF");
    for (i = 0; i < 3; i++) {
        is_int(sfu_sdp_parse_candidate(&c, lines[i], strlen(lines[i]), &err), SFU_SDP_OK, "trickled candidate parses");
        is_int(sfu_sdp_write_candidate(&c, buf, sizeof(buf), &len), SFU_SDP_OK, "candidate written");
        is_str(buf, lines[i], "candidate written back as it came");
        sfu_sdp_parse_candidate(&c2, buf, len, &err);
        ok(candidate_same(&c, &c2), "candidate survives a round trip");
    }
    sfu_sdp_parse_candidate(&c, lines[0], strlen(lines[0]), &err);
    ok(c.priority == 1677729535 && c.port == 58312 && c.rport == 58312, "numbers read");
    ok(sfu_sdp_str_is(c.extensions, "generation 0 ufrag Xq1v network-cost 999"), "extensions kept");
    is_int(sfu_sdp_write_candidate(&c, buf, 20, &len), SFU_SDP_ENOSPC, "candidate writer respects its buffer");
    ok(strlen(buf) < 20, "and leaves it terminated");
}

static void
test_writer_limits(void)
{
    struct sfu_sdp_error err;
    size_t len;

    parse(session, chromium_offer, &err);
    is_int(sfu_sdp_write(session, out, 100, &len, &err), SFU_SDP_ENOSPC, "writer refuses a small buffer");
    ok(strlen(out) < 100, "small buffer stays terminated");
    session->media[2].fmt.len = 0;
    is_int(sfu_sdp_write(session, out, sizeof(out), &len, &err), SFU_SDP_EINVAL, "m-line without formats not written");
}

int
main(void)
{
    session = malloc(sizeof(*session));
    again = malloc(sizeof(*again));
    read_offers();
    test_round_trips();
    test_empty_fmtp_items_dropped();
    test_trickle_candidates();
    test_writer_limits();
    free(session);
    free(again);
    return tap_done();
}
