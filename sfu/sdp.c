/*
 * SDP session parser: lines into a struct sfu_sdp_session of views into the
 * text, one handler per attribute; here the lines, the session, ICE and DTLS
 * attributes and the m-line's own, in sdp_rtp_attrs.c those of its RTP
 * streams; see sdp.h.
 */
#include "sdp_parse.h"

#include <string.h>

static struct sfu_sdp_transport *
current_transport(struct sfu_sdp_parser *ps)
{
    return ps->m ? &ps->m->transport : &ps->s->transport;
}

int
sfu_sdp_set_once(struct sfu_sdp_parser *ps, struct sfu_sdp_str *field, struct sfu_sdp_str value, const char *name)
{
    if (field->len > 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a second a=%s", name);
    }
    if (value.len == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=%s without a value", name);
    }
    *field = value;
    return SFU_SDP_OK;
}

int
sfu_sdp_take_slot(struct sfu_sdp_parser *ps, unsigned *used, unsigned cap, const char *what)
{
    if (*used == cap) {
        return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %u %s in the session", cap, what);
    }
    return (int)(*used)++;
}

static int
parse_origin(struct sfu_sdp_parser *ps, struct sfu_sdp_str v)
{
    struct sfu_sdp_origin *o = &ps->s->origin;
    struct sfu_sdp_str version, nettype;

    if (o->username.len > 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a second o= line");
    }
    o->username = sfu_sdp_word(&v);
    o->session_id = sfu_sdp_word(&v);
    version = sfu_sdp_word(&v);
    nettype = sfu_sdp_word(&v);
    o->addrtype = sfu_sdp_word(&v);
    o->address = sfu_sdp_word(&v);
    if (o->address.len == 0 || sfu_sdp_trim(v).len > 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "o= needs six fields: username sess-id sess-version IN addrtype address");
    }
    if (!sfu_sdp_to_uint(version, UINT64_MAX, &o->session_version)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "o= session version is not a number");
    }
    if (!sfu_sdp_str_is(nettype, "IN")) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "o= network type is not IN");
    }
    return SFU_SDP_OK;
}

/* "RTP/SAVPF", "UDP/TLS/RTP/SAVPF" and the like list payload types; others such as "UDP/DTLS/SCTP" do not. */
static bool
is_rtp_proto(struct sfu_sdp_str proto)
{
    while (proto.len > 0) {
        if (sfu_sdp_str_is(sfu_sdp_split(&proto, '/'), "RTP")) {
            return true;
        }
    }
    return false;
}

static int
parse_media_line(struct sfu_sdp_parser *ps, struct sfu_sdp_str v)
{
    struct sfu_sdp_session *s = ps->s;
    struct sfu_sdp_media *m;
    struct sfu_sdp_str port, fmt;
    uint64_t n;
    int kind, slot;

    if (s->media_count == SFU_SDP_MAX_MEDIA) {
        return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %d m-lines", SFU_SDP_MAX_MEDIA);
    }
    m = ps->m = &s->media[s->media_count++];
    m->kind_name = sfu_sdp_word(&v);
    kind = sfu_sdp_lookup(m->kind_name, sfu_sdp_kind_names, SFU_SDP_COUNT_OF(sfu_sdp_kind_names));
    m->kind = kind < 0 ? SFU_SDP_OTHER_KIND : (enum sfu_sdp_kind)kind;
    port = sfu_sdp_word(&v);
    if (!sfu_sdp_to_uint(port, 65535, &n)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "m= port is not a number from 0 to 65535");
    }
    m->port = (uint16_t)n;
    m->proto = sfu_sdp_word(&v);
    v = sfu_sdp_trim(v);
    if (m->kind_name.len == 0 || m->proto.len == 0 || v.len == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "m= needs media, port, proto and at least one format");
    }
    if (!is_rtp_proto(m->proto)) {
        m->fmt = v;
        return SFU_SDP_OK;
    }
    m->codecs = s->codec_pool + s->codec_pool_used;
    while ((fmt = sfu_sdp_word(&v)).len > 0) {
        if (!sfu_sdp_to_uint(fmt, 127, &n)) {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "m= payload type '%.*s' is not a number from 0 to 127",
                (int)fmt.len, fmt.p);
        }
        if (sfu_sdp_codec_by_pt(m, n) != NULL) {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "m= lists payload type %u twice", (unsigned)n);
        }
        if (m->codec_count == SFU_SDP_MAX_CODECS_PER_MEDIA) {
            return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %d payload types in an m-line", SFU_SDP_MAX_CODECS_PER_MEDIA);
        }
        if ((slot = sfu_sdp_take_slot(ps, &s->codec_pool_used, SFU_SDP_MAX_CODECS, "payload types")) < 0) {
            return slot;
        }
        m->codec_count++;
        s->codec_pool[slot].payload_type = (uint8_t)n;
    }
    return SFU_SDP_OK;
}

/* ice-ufrag (4 to 256 ice-chars) and ice-pwd (22 to 256), RFC 8839 5.4. */
static int
attr_ice_credential(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    bool ufrag = sfu_sdp_str_is(name, "ice-ufrag");
    struct sfu_sdp_transport *t = current_transport(ps);

    if (v.len < (ufrag ? 4 : 22) || v.len > 256 || !sfu_sdp_is_ice_chars(v)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=%s must be %d to 256 ice-chars", ufrag ? "ice-ufrag" : "ice-pwd",
            ufrag ? 4 : 22);
    }
    return sfu_sdp_set_once(ps, ufrag ? &t->ice_ufrag : &t->ice_pwd, v, ufrag ? "ice-ufrag" : "ice-pwd");
}

static int
attr_ice_options(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    (void)name;
    return sfu_sdp_set_once(ps, &current_transport(ps)->ice_options, sfu_sdp_trim(v), "ice-options");
}

static int
attr_fingerprint(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    static const char *const algos[] = {"sha-1", "sha-224", "sha-256", "sha-384", "sha-512", "md5", "md2"};
    struct sfu_sdp_transport *t = current_transport(ps), parsed = {0};
    uint8_t bytes[64];
    size_t n;

    (void)name;
    parsed.fingerprint_algo = sfu_sdp_word(&v);
    parsed.fingerprint = sfu_sdp_word(&v);
    if (sfu_sdp_lookup(parsed.fingerprint_algo, algos, SFU_SDP_COUNT_OF(algos)) < 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=fingerprint hash '%.*s' is not one RFC 8122 names",
            (int)parsed.fingerprint_algo.len, parsed.fingerprint_algo.p);
    }
    if (!sfu_sdp_fingerprint_bytes(&parsed, bytes, sizeof(bytes), &n) || sfu_sdp_trim(v).len > 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=fingerprint is not colon-separated hex bytes");
    }
    /* RFC 8122 lets a peer list several; the first one is the one checked. */
    if (t->fingerprint.len == 0) {
        t->fingerprint_algo = parsed.fingerprint_algo;
        t->fingerprint = parsed.fingerprint;
    }
    return SFU_SDP_OK;
}

static int
attr_setup(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_transport *t = current_transport(ps);
    int setup = sfu_sdp_lookup(v, sfu_sdp_setup_names, SFU_SDP_COUNT_OF(sfu_sdp_setup_names));

    (void)name;
    if (setup < 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=setup is not actpass, active, passive or holdconn");
    }
    if (t->setup != SFU_SDP_SETUP_NONE) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a second a=setup");
    }
    t->setup = (enum sfu_sdp_setup)setup;
    return SFU_SDP_OK;
}

static int
attr_group(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_session *s = ps->s;
    struct sfu_sdp_group *g;
    struct sfu_sdp_str mid;

    (void)name;
    if (s->group_count == SFU_SDP_MAX_GROUPS) {
        return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %d a=group lines", SFU_SDP_MAX_GROUPS);
    }
    g = &s->groups[s->group_count++];
    g->semantics = sfu_sdp_word(&v);
    if (g->semantics.len == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=group without semantics");
    }
    while ((mid = sfu_sdp_word(&v)).len > 0) {
        if (g->mid_count == SFU_SDP_MAX_MEDIA) {
            return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %d mids in an a=group", SFU_SDP_MAX_MEDIA);
        }
        g->mids[g->mid_count++] = mid;
    }
    return SFU_SDP_OK;
}

static int
attr_msid_semantic(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    (void)name;
    /* Chromium writes "a=msid-semantic: WMS", with a space after the colon. */
    return sfu_sdp_set_once(ps, &ps->s->msid_semantic, sfu_sdp_trim(v), "msid-semantic");
}

static int
attr_flag(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_media *m = ps->m;
    bool *flag;

    (void)v;
    if (sfu_sdp_str_is(name, "ice-lite")) {
        flag = &ps->s->ice_lite;
    } else if (sfu_sdp_str_is(name, "extmap-allow-mixed")) {
        flag = m ? &m->extmap_allow_mixed : &ps->s->extmap_allow_mixed;
    } else if (sfu_sdp_str_is(name, "rtcp-mux")) {
        flag = &m->rtcp_mux;
    } else if (sfu_sdp_str_is(name, "rtcp-mux-only")) {
        flag = &m->rtcp_mux_only;
    } else if (sfu_sdp_str_is(name, "rtcp-rsize")) {
        flag = &m->rtcp_rsize;
    } else if (sfu_sdp_str_is(name, "bundle-only")) {
        flag = &m->bundle_only;
    } else {
        flag = &m->end_of_candidates;
    }
    *flag = true;
    return SFU_SDP_OK;
}

static int
attr_direction(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    (void)v;
    /* A session-level direction is a default no WebRTC stack writes; the m-lines carry their own. */
    if (ps->m != NULL) {
        ps->m->direction = (enum sfu_sdp_direction)sfu_sdp_lookup(name, sfu_sdp_direction_names,
            SFU_SDP_COUNT_OF(sfu_sdp_direction_names));
    }
    return SFU_SDP_OK;
}

static int
attr_mid(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_str rest = v;

    (void)name;
    sfu_sdp_word(&rest);
    if (sfu_sdp_trim(rest).len > 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=mid holds a space");
    }
    return sfu_sdp_set_once(ps, &ps->m->mid, sfu_sdp_trim(v), "mid");
}

static int
attr_msid(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_str stream = sfu_sdp_word(&v), track = sfu_sdp_word(&v);

    (void)name;
    if (stream.len == 0 || sfu_sdp_trim(v).len > 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=msid is not 'stream [track]'");
    }
    /* An m-line may belong to several streams; the SFU forwards the first. */
    if (ps->m->msid_stream.len == 0) {
        ps->m->msid_stream = stream;
        ps->m->msid_track = track;
    }
    return SFU_SDP_OK;
}

static int
attr_candidate(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_session *s = ps->s;
    struct sfu_sdp_media *m = ps->m;
    int slot;

    (void)name;
    if ((slot = sfu_sdp_take_slot(ps, &s->candidate_pool_used, SFU_SDP_MAX_CANDIDATES, "candidates")) < 0) {
        return slot;
    }
    if (m->candidate_count++ == 0) {
        m->candidates = &s->candidate_pool[slot];
    }
    return sfu_sdp_parse_candidate_value(ps, v, &s->candidate_pool[slot]);
}

static int
attr_sctp_port(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    (void)name;
    return sfu_sdp_parse_port(ps, sfu_sdp_trim(v), &ps->m->sctp_port, "a=sctp-port");
}

static int
attr_max_message_size(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    uint64_t n;

    (void)name;
    if (!sfu_sdp_to_uint(sfu_sdp_trim(v), UINT32_MAX, &n)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=max-message-size is not a 32-bit number");
    }
    ps->m->max_message_size = (uint32_t)n;
    return SFU_SDP_OK;
}

enum attr_level {
    AT_SESSION,
    AT_MEDIA,
    AT_EITHER,
};

static const struct {
    const char *name;
    enum attr_level level;
    sfu_sdp_attr_handler *handle;
} attributes[] = {
    {"ice-ufrag", AT_EITHER, attr_ice_credential},
    {"ice-pwd", AT_EITHER, attr_ice_credential},
    {"ice-options", AT_EITHER, attr_ice_options},
    {"fingerprint", AT_EITHER, attr_fingerprint},
    {"setup", AT_EITHER, attr_setup},
    {"extmap-allow-mixed", AT_EITHER, attr_flag},
    {"sendrecv", AT_EITHER, attr_direction},
    {"sendonly", AT_EITHER, attr_direction},
    {"recvonly", AT_EITHER, attr_direction},
    {"inactive", AT_EITHER, attr_direction},
    {"group", AT_SESSION, attr_group},
    {"msid-semantic", AT_SESSION, attr_msid_semantic},
    {"ice-lite", AT_SESSION, attr_flag},
    {"mid", AT_MEDIA, attr_mid},
    {"msid", AT_MEDIA, attr_msid},
    {"rtcp-mux", AT_MEDIA, attr_flag},
    {"rtcp-mux-only", AT_MEDIA, attr_flag},
    {"rtcp-rsize", AT_MEDIA, attr_flag},
    {"bundle-only", AT_MEDIA, attr_flag},
    {"end-of-candidates", AT_MEDIA, attr_flag},
    {"rtpmap", AT_MEDIA, sfu_sdp_attr_rtpmap},
    {"fmtp", AT_MEDIA, sfu_sdp_attr_fmtp},
    {"rtcp-fb", AT_MEDIA, sfu_sdp_attr_rtcp_fb},
    {"extmap", AT_MEDIA, sfu_sdp_attr_extmap},
    {"ssrc", AT_MEDIA, sfu_sdp_attr_ssrc},
    {"ssrc-group", AT_MEDIA, sfu_sdp_attr_ssrc_group},
    {"rid", AT_MEDIA, sfu_sdp_attr_rid},
    {"simulcast", AT_MEDIA, sfu_sdp_attr_simulcast},
    {"candidate", AT_MEDIA, attr_candidate},
    {"sctp-port", AT_MEDIA, attr_sctp_port},
    {"max-message-size", AT_MEDIA, attr_max_message_size},
};

static int
parse_attribute(struct sfu_sdp_parser *ps, struct sfu_sdp_str v)
{
    struct sfu_sdp_str name = sfu_sdp_split(&v, ':');
    size_t i;

    for (i = 0; i < SFU_SDP_COUNT_OF(attributes); i++) {
        if (!sfu_sdp_str_is(name, attributes[i].name)) {
            continue;
        }
        if (attributes[i].level == AT_MEDIA && ps->m == NULL) {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=%s before the first m-line", attributes[i].name);
        }
        if (attributes[i].level == AT_SESSION && ps->m != NULL) {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=%s after the first m-line", attributes[i].name);
        }
        return attributes[i].handle(ps, name, v);
    }
    /* Unknown attributes are ignored (RFC 8866 5.13). */
    return SFU_SDP_OK;
}

static int
parse_line(struct sfu_sdp_parser *ps, struct sfu_sdp_str line, bool *seen_version)
{
    struct sfu_sdp_str v = {line.p + 2, line.len - 2};

    if (line.len > SFU_SDP_MAX_LINE) {
        return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "longer than %d bytes", SFU_SDP_MAX_LINE);
    }
    if (sfu_sdp_has_control_chars(line)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "control character in the line");
    }
    if (line.len < 2 || line.p[1] != '=') {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "not '<type>=<value>'");
    }
    if (!*seen_version) {
        if (line.p[0] != 'v' || !sfu_sdp_str_is(v, "0")) {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "SDP must start with v=0");
        }
        *seen_version = true;
        return SFU_SDP_OK;
    }
    switch (line.p[0]) {
    case 'v':
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a second v= line");
    case 'o':
        return ps->m ? sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "o= after an m-line") : parse_origin(ps, v);
    case 's':
        ps->s->name = v;
        return SFU_SDP_OK;
    case 'm':
        return parse_media_line(ps, v);
    case 'a':
        return parse_attribute(ps, v);
    default:
        /* c=, t=, b= and the rest carry nothing ICE-based WebRTC uses. */
        return SFU_SDP_OK;
    }
}

int
sfu_sdp_parse(struct sfu_sdp_session *s, const char *sdp, size_t len, struct sfu_sdp_error *err)
{
    struct sfu_sdp_parser ps = {s, NULL, 0, err};
    struct sfu_sdp_str rest = {sdp, len}, line;
    bool seen_version = false;
    int rc;

    memset(s, 0, sizeof(*s));
    memset(err, 0, sizeof(*err));
    if (len > SFU_SDP_MAX_SIZE) {
        return sfu_sdp_fail(&ps, SFU_SDP_ELIMIT, "SDP larger than %d bytes", SFU_SDP_MAX_SIZE);
    }
    while (rest.len > 0) {
        line = sfu_sdp_split(&rest, '\n');
        ps.line++;
        if (line.len > 0 && line.p[line.len - 1] == '\r') {
            line.len--;
        }
        /* Blank lines, usually one after the last line end, carry nothing. */
        if (line.len > 0 && (rc = parse_line(&ps, line, &seen_version)) < 0) {
            return rc;
        }
    }
    if (!seen_version || s->origin.username.len == 0) {
        return sfu_sdp_fail(&ps, SFU_SDP_ESYNTAX, "SDP without v= and o= lines");
    }
    return SFU_SDP_OK;
}

