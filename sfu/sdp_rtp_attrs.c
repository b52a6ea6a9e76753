/*
 * The attributes that describe an m-line's RTP streams: codecs (a=rtpmap,
 * a=fmtp, a=rtcp-fb), header extensions (a=extmap), sources (a=ssrc,
 * a=ssrc-group) and simulcast layers (a=rid, a=simulcast); see sdp.h.
 */
#include "sdp_parse.h"

#include <string.h>

/* Parses the payload type that starts an rtpmap, fmtp or rtcp-fb value; NULL for '*' and for types the m-line lacks. */
static int
codec_of(struct sfu_sdp_parser *ps, struct sfu_sdp_str *v, const char *attr, struct sfu_sdp_codec **codec, bool *all)
{
    struct sfu_sdp_str pt = sfu_sdp_word(v);
    uint64_t n;

    *codec = NULL;
    *all = sfu_sdp_str_is(pt, "*");
    if (*all) {
        return SFU_SDP_OK;
    }
    if (!sfu_sdp_to_uint(pt, 127, &n)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=%s payload type is not a number from 0 to 127", attr);
    }
    /* Attributes for formats the m-line does not list are ignored (RFC 8866 6.6). */
    *codec = sfu_sdp_codec_by_pt(ps->m, n);
    return SFU_SDP_OK;
}

int
sfu_sdp_attr_rtpmap(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_codec *c;
    struct sfu_sdp_str codec_name, clock, channels;
    uint64_t n;
    bool all;
    int rc;

    (void)name;
    if ((rc = codec_of(ps, &v, "rtpmap", &c, &all)) < 0) {
        return rc;
    }
    v = sfu_sdp_trim(v);
    codec_name = sfu_sdp_split(&v, '/');
    clock = sfu_sdp_split(&v, '/');
    channels = v;
    if (all || codec_name.len == 0 || !sfu_sdp_to_uint(clock, UINT32_MAX, &n)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=rtpmap is not 'pt name/clock-rate[/channels]'");
    }
    if (c == NULL) {
        return SFU_SDP_OK;
    }
    if (c->name.len > 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a second a=rtpmap for payload type %u", c->payload_type);
    }
    c->name = codec_name;
    c->clock_rate = (uint32_t)n;
    if (channels.len > 0) {
        if (!sfu_sdp_to_uint(channels, 255, &n) || n == 0) {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=rtpmap channels is not a number from 1 to 255");
        }
        c->channels = (uint8_t)n;
    }
    return SFU_SDP_OK;
}

int
sfu_sdp_attr_fmtp(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_codec *c;
    struct sfu_sdp_str item, key;
    bool all;
    int rc;

    (void)name;
    if ((rc = codec_of(ps, &v, "fmtp", &c, &all)) < 0) {
        return rc;
    }
    if (all) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=fmtp needs a payload type");
    }
    if (c == NULL) {
        return SFU_SDP_OK;
    }
    if (c->param_count > 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a second a=fmtp for payload type %u", c->payload_type);
    }
    v = sfu_sdp_trim(v);
    while (v.len > 0) {
        item = sfu_sdp_trim(sfu_sdp_split(&v, ';'));
        /* "key=value", or a bare value such as RED's "111/111". */
        if (item.len == 0) {
            continue;
        }
        key = item;
        if (memchr(item.p, '=', item.len) != NULL) {
            key = sfu_sdp_trim(sfu_sdp_split(&item, '='));
            item = sfu_sdp_trim(item);
            if (key.len == 0) {
                return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=fmtp parameter without a name before '='");
            }
        } else {
            key.len = 0;
        }
        if (c->param_count == SFU_SDP_MAX_FMTP_PARAMS) {
            return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %d a=fmtp parameters", SFU_SDP_MAX_FMTP_PARAMS);
        }
        c->params[c->param_count].key = key;
        c->params[c->param_count++].value = item;
    }
    return SFU_SDP_OK;
}

static int
add_rtcp_fb(struct sfu_sdp_parser *ps, struct sfu_sdp_codec *c, struct sfu_sdp_str fb)
{
    if (c->rtcp_fb_count == SFU_SDP_MAX_RTCP_FB) {
        return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %d a=rtcp-fb for payload type %u",
            SFU_SDP_MAX_RTCP_FB, c->payload_type);
    }
    c->rtcp_fb[c->rtcp_fb_count++] = fb;
    return SFU_SDP_OK;
}

int
sfu_sdp_attr_rtcp_fb(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_codec *c;
    unsigned i;
    bool all;
    int rc;

    (void)name;
    if ((rc = codec_of(ps, &v, "rtcp-fb", &c, &all)) < 0) {
        return rc;
    }
    v = sfu_sdp_trim(v);
    if (v.len == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=rtcp-fb without a feedback type");
    }
    if (c != NULL) {
        return add_rtcp_fb(ps, c, v);
    }
    for (i = 0; all && i < ps->m->codec_count; i++) {
        if ((rc = add_rtcp_fb(ps, &ps->m->codecs[i], v)) < 0) {
            return rc;
        }
    }
    return SFU_SDP_OK;
}

int
sfu_sdp_attr_extmap(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_session *s = ps->s;
    struct sfu_sdp_media *m = ps->m;
    struct sfu_sdp_extmap *e;
    struct sfu_sdp_str id = sfu_sdp_word(&v), dir;
    uint64_t n;
    int slot, d = SFU_SDP_EXT_DEFAULT;

    (void)name;
    dir = id;
    id = sfu_sdp_split(&dir, '/');
    if (!sfu_sdp_to_uint(id, 255, &n) || n == 0 || n == 15) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=extmap id is not a number from 1 to 255 other than 15");
    }
    if (dir.len > 0
        && (d = sfu_sdp_lookup(dir, sfu_sdp_ext_direction_names, SFU_SDP_COUNT_OF(sfu_sdp_ext_direction_names))) < 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=extmap direction is not sendrecv, sendonly, recvonly or inactive");
    }
    if ((slot = sfu_sdp_take_slot(ps, &s->extmap_pool_used, SFU_SDP_MAX_EXTMAPS, "a=extmap lines")) < 0) {
        return slot;
    }
    if (m->extmap_count++ == 0) {
        m->extmaps = &s->extmap_pool[slot];
    }
    e = &s->extmap_pool[slot];
    e->id = (uint8_t)n;
    e->direction = (enum sfu_sdp_ext_direction)d;
    e->uri = sfu_sdp_word(&v);
    e->attributes = sfu_sdp_trim(v);
    if (e->uri.len == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=extmap without a URI");
    }
    return SFU_SDP_OK;
}

static struct sfu_sdp_ssrc *
find_or_add_ssrc(struct sfu_sdp_parser *ps, uint32_t ssrc)
{
    struct sfu_sdp_session *s = ps->s;
    struct sfu_sdp_media *m = ps->m;
    unsigned i;
    int slot;

    for (i = 0; i < m->ssrc_count; i++) {
        if (m->ssrcs[i].ssrc == ssrc) {
            return &m->ssrcs[i];
        }
    }
    if ((slot = sfu_sdp_take_slot(ps, &s->ssrc_pool_used, SFU_SDP_MAX_SSRCS, "SSRCs")) < 0) {
        return NULL;
    }
    if (m->ssrc_count++ == 0) {
        m->ssrcs = &s->ssrc_pool[slot];
    }
    s->ssrc_pool[slot].ssrc = ssrc;
    return &s->ssrc_pool[slot];
}

int
sfu_sdp_attr_ssrc(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_str id = sfu_sdp_word(&v), attr, stream, track;
    struct sfu_sdp_ssrc *entry;
    uint64_t n;

    (void)name;
    if (!sfu_sdp_to_uint(id, UINT32_MAX, &n)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=ssrc id is not a 32-bit number");
    }
    v = sfu_sdp_trim(v);
    attr = sfu_sdp_split(&v, ':');
    /* Only cname and msid matter; label, mslabel and the like are Plan B leftovers. */
    if (sfu_sdp_str_is(attr, "cname")) {
        if ((entry = find_or_add_ssrc(ps, (uint32_t)n)) == NULL) {
            return ps->err->code;
        }
        return sfu_sdp_set_once(ps, &entry->cname, sfu_sdp_trim(v), "ssrc cname");
    }
    if (sfu_sdp_str_is(attr, "msid")) {
        stream = sfu_sdp_word(&v);
        track = sfu_sdp_word(&v);
        if (stream.len == 0 || sfu_sdp_trim(v).len > 0) {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=ssrc msid is not 'stream [track]'");
        }
        if ((entry = find_or_add_ssrc(ps, (uint32_t)n)) == NULL) {
            return ps->err->code;
        }
        entry->msid_track = track;
        return sfu_sdp_set_once(ps, &entry->msid_stream, stream, "ssrc msid");
    }
    return SFU_SDP_OK;
}

int
sfu_sdp_attr_ssrc_group(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_session *s = ps->s;
    struct sfu_sdp_media *m = ps->m;
    struct sfu_sdp_ssrc_group *g;
    struct sfu_sdp_str id;
    uint64_t n;
    int slot;

    (void)name;
    if ((slot = sfu_sdp_take_slot(ps, &s->ssrc_group_pool_used, SFU_SDP_MAX_SSRC_GROUPS, "a=ssrc-group lines")) < 0) {
        return slot;
    }
    if (m->ssrc_group_count++ == 0) {
        m->ssrc_groups = &s->ssrc_group_pool[slot];
    }
    g = &s->ssrc_group_pool[slot];
    g->semantics = sfu_sdp_word(&v);
    while ((id = sfu_sdp_word(&v)).len > 0) {
        if (!sfu_sdp_to_uint(id, UINT32_MAX, &n)) {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=ssrc-group member is not a 32-bit number");
        }
        if (g->ssrc_count == SFU_SDP_MAX_GROUP_SSRCS) {
            return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %d SSRCs in an a=ssrc-group", SFU_SDP_MAX_GROUP_SSRCS);
        }
        g->ssrcs[g->ssrc_count++] = (uint32_t)n;
    }
    if (g->ssrc_count == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=ssrc-group is not 'semantics ssrc...'");
    }
    return SFU_SDP_OK;
}

int
sfu_sdp_attr_rid(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_media *m = ps->m;
    struct sfu_sdp_rid *r;
    int dir;

    (void)name;
    if (m->rid_count == SFU_SDP_MAX_RIDS) {
        return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %d a=rid lines in an m-line", SFU_SDP_MAX_RIDS);
    }
    r = &m->rids[m->rid_count++];
    r->id = sfu_sdp_word(&v);
    dir = sfu_sdp_lookup(sfu_sdp_word(&v), sfu_sdp_rid_direction_names, SFU_SDP_COUNT_OF(sfu_sdp_rid_direction_names));
    if (r->id.len == 0 || dir < 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=rid is not 'id send|recv [params]'");
    }
    r->direction = (enum sfu_sdp_rid_direction)dir;
    r->params = sfu_sdp_trim(v);
    return SFU_SDP_OK;
}

/* One direction's list: streams split by ';', alternatives by ',', ~ for paused. */
static int
parse_simulcast_list(struct sfu_sdp_parser *ps, struct sfu_sdp_str list, struct sfu_sdp_simulcast_rid *out, unsigned *count)
{
    struct sfu_sdp_str stream, alt;
    bool first;

    if (*count > 0 || list.len == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=simulcast direction given twice or without rids");
    }
    while (list.len > 0) {
        stream = sfu_sdp_split(&list, ';');
        for (first = true; first || stream.len > 0; first = false) {
            alt = sfu_sdp_split(&stream, ',');
            if (*count == SFU_SDP_MAX_RIDS) {
                return sfu_sdp_fail(ps, SFU_SDP_ELIMIT, "more than %d rids in an a=simulcast direction", SFU_SDP_MAX_RIDS);
            }
            out[*count].paused = alt.len > 0 && alt.p[0] == '~';
            out[*count].rid = (struct sfu_sdp_str){alt.p + out[*count].paused, alt.len - out[*count].paused};
            out[*count].alternative = !first;
            if (out[*count].rid.len == 0) {
                return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=simulcast holds an empty rid");
            }
            (*count)++;
        }
    }
    return SFU_SDP_OK;
}

int
sfu_sdp_attr_simulcast(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v)
{
    struct sfu_sdp_media *m = ps->m;
    struct sfu_sdp_str dir;
    int rc;

    (void)name;
    while ((dir = sfu_sdp_word(&v)).len > 0) {
        if (sfu_sdp_str_is(dir, "send")) {
            rc = parse_simulcast_list(ps, sfu_sdp_word(&v), m->simulcast_send, &m->simulcast_send_count);
        } else if (sfu_sdp_str_is(dir, "recv")) {
            rc = parse_simulcast_list(ps, sfu_sdp_word(&v), m->simulcast_recv, &m->simulcast_recv_count);
        } else {
            rc = sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=simulcast direction is not send or recv");
        }
        if (rc < 0) {
            return rc;
        }
    }
    if (m->simulcast_send_count + m->simulcast_recv_count == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "a=simulcast without a direction");
    }
    return SFU_SDP_OK;
}
