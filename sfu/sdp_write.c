/*
 * SDP writer: a struct sfu_sdp_session back to text, in the line order
 * Chromium uses, so that parsing the output gives the same session.
 */
#include "sdp_text.h"

#include <string.h>

static void
put_transport(struct sfu_sdp_out *out, const struct sfu_sdp_transport *t)
{
    if (t->ice_ufrag.len > 0) {
        sfu_sdp_put(out, "a=ice-ufrag:%.*s\r\n", SFU_SDP_STR_ARG(t->ice_ufrag));
    }
    if (t->ice_pwd.len > 0) {
        sfu_sdp_put(out, "a=ice-pwd:%.*s\r\n", SFU_SDP_STR_ARG(t->ice_pwd));
    }
    if (t->ice_options.len > 0) {
        sfu_sdp_put(out, "a=ice-options:%.*s\r\n", SFU_SDP_STR_ARG(t->ice_options));
    }
    if (t->fingerprint.len > 0) {
        sfu_sdp_put(out, "a=fingerprint:%.*s %.*s\r\n", SFU_SDP_STR_ARG(t->fingerprint_algo),
            SFU_SDP_STR_ARG(t->fingerprint));
    }
    if (t->setup != SFU_SDP_SETUP_NONE) {
        sfu_sdp_put(out, "a=setup:%s\r\n", sfu_sdp_setup_names[t->setup]);
    }
}

static void
put_codec(struct sfu_sdp_out *out, const struct sfu_sdp_codec *c)
{
    unsigned i;

    if (c->name.len > 0) {
        sfu_sdp_put(out, "a=rtpmap:%u %.*s/%u", c->payload_type, SFU_SDP_STR_ARG(c->name), c->clock_rate);
        if (c->channels > 0) {
            sfu_sdp_put(out, "/%u", c->channels);
        }
        sfu_sdp_put(out, "\r\n");
    }
    for (i = 0; i < c->rtcp_fb_count; i++) {
        sfu_sdp_put(out, "a=rtcp-fb:%u %.*s\r\n", c->payload_type, SFU_SDP_STR_ARG(c->rtcp_fb[i]));
    }
    for (i = 0; i < c->param_count; i++) {
        const struct sfu_sdp_param *p = &c->params[i];

        if (i == 0) {
            sfu_sdp_put(out, "a=fmtp:%u ", c->payload_type);
        } else {
            sfu_sdp_put(out, ";");
        }
        if (p->key.len > 0) {
            sfu_sdp_put(out, "%.*s=", SFU_SDP_STR_ARG(p->key));
        }
        sfu_sdp_put(out, i + 1 == c->param_count ? "%.*s\r\n" : "%.*s", SFU_SDP_STR_ARG(p->value));
    }
}

static void
put_ssrcs(struct sfu_sdp_out *out, const struct sfu_sdp_media *m)
{
    unsigned i, k;

    for (i = 0; i < m->ssrc_group_count; i++) {
        const struct sfu_sdp_ssrc_group *g = &m->ssrc_groups[i];

        sfu_sdp_put(out, "a=ssrc-group:%.*s", SFU_SDP_STR_ARG(g->semantics));
        for (k = 0; k < g->ssrc_count; k++) {
            sfu_sdp_put(out, " %u", g->ssrcs[k]);
        }
        sfu_sdp_put(out, "\r\n");
    }
    for (i = 0; i < m->ssrc_count; i++) {
        const struct sfu_sdp_ssrc *s = &m->ssrcs[i];

        if (s->cname.len > 0) {
            sfu_sdp_put(out, "a=ssrc:%u cname:%.*s\r\n", s->ssrc, SFU_SDP_STR_ARG(s->cname));
        }
        if (s->msid_stream.len > 0) {
            sfu_sdp_put(out, "a=ssrc:%u msid:%.*s", s->ssrc, SFU_SDP_STR_ARG(s->msid_stream));
            sfu_sdp_put(out, s->msid_track.len ? " %.*s\r\n" : "%.*s\r\n", SFU_SDP_STR_ARG(s->msid_track));
        }
    }
}

static void
put_simulcast_list(struct sfu_sdp_out *out, const char *dir, const struct sfu_sdp_simulcast_rid *rids, unsigned count)
{
    unsigned i;

    sfu_sdp_put(out, "%s ", dir);
    for (i = 0; i < count; i++) {
        if (i > 0) {
            sfu_sdp_put(out, rids[i].alternative ? "," : ";");
        }
        sfu_sdp_put(out, "%s%.*s", rids[i].paused ? "~" : "", SFU_SDP_STR_ARG(rids[i].rid));
    }
}

static void
put_simulcast(struct sfu_sdp_out *out, const struct sfu_sdp_media *m)
{
    unsigned i;

    for (i = 0; i < m->rid_count; i++) {
        sfu_sdp_put(out, "a=rid:%.*s %s", SFU_SDP_STR_ARG(m->rids[i].id),
            sfu_sdp_rid_direction_names[m->rids[i].direction]);
        sfu_sdp_put(out, m->rids[i].params.len ? " %.*s\r\n" : "%.*s\r\n", SFU_SDP_STR_ARG(m->rids[i].params));
    }
    if (m->simulcast_send_count + m->simulcast_recv_count == 0) {
        return;
    }
    sfu_sdp_put(out, "a=simulcast:");
    if (m->simulcast_send_count > 0) {
        put_simulcast_list(out, "send", m->simulcast_send, m->simulcast_send_count);
    }
    if (m->simulcast_recv_count > 0) {
        put_simulcast_list(out, m->simulcast_send_count ? " recv" : "recv", m->simulcast_recv, m->simulcast_recv_count);
    }
    sfu_sdp_put(out, "\r\n");
}

static void
put_flag(struct sfu_sdp_out *out, bool flag, const char *name)
{
    if (flag) {
        sfu_sdp_put(out, "a=%s\r\n", name);
    }
}

static void
put_media(struct sfu_sdp_out *out, const struct sfu_sdp_media *m)
{
    const char *kind = m->kind == SFU_SDP_OTHER_KIND ? NULL : sfu_sdp_kind_names[m->kind];
    unsigned i;

    if (kind != NULL) {
        sfu_sdp_put(out, "m=%s %u %.*s", kind, m->port, SFU_SDP_STR_ARG(m->proto));
    } else {
        sfu_sdp_put(out, "m=%.*s %u %.*s", SFU_SDP_STR_ARG(m->kind_name), m->port, SFU_SDP_STR_ARG(m->proto));
    }
    for (i = 0; i < m->codec_count; i++) {
        sfu_sdp_put(out, " %u", m->codecs[i].payload_type);
    }
    if (m->codec_count == 0) {
        sfu_sdp_put(out, " %.*s", SFU_SDP_STR_ARG(m->fmt));
    }
    /* ICE decides the addresses; c= is only there because RFC 8866 wants it. */
    sfu_sdp_put(out, "\r\nc=IN IP4 0.0.0.0\r\n");
    put_flag(out, m->bundle_only, "bundle-only");
    put_transport(out, &m->transport);
    if (m->mid.len > 0) {
        sfu_sdp_put(out, "a=mid:%.*s\r\n", SFU_SDP_STR_ARG(m->mid));
    }
    put_flag(out, m->extmap_allow_mixed, "extmap-allow-mixed");
    for (i = 0; i < m->extmap_count; i++) {
        const struct sfu_sdp_extmap *e = &m->extmaps[i];

        sfu_sdp_put(out, "a=extmap:%u%s%s %.*s", e->id, e->direction ? "/" : "",
            sfu_sdp_ext_direction_names[e->direction], SFU_SDP_STR_ARG(e->uri));
        sfu_sdp_put(out, e->attributes.len ? " %.*s\r\n" : "%.*s\r\n", SFU_SDP_STR_ARG(e->attributes));
    }
    sfu_sdp_put(out, "a=%s\r\n", sfu_sdp_direction_names[m->direction]);
    if (m->msid_stream.len > 0) {
        sfu_sdp_put(out, "a=msid:%.*s", SFU_SDP_STR_ARG(m->msid_stream));
        sfu_sdp_put(out, m->msid_track.len ? " %.*s\r\n" : "%.*s\r\n", SFU_SDP_STR_ARG(m->msid_track));
    }
    put_flag(out, m->rtcp_mux, "rtcp-mux");
    put_flag(out, m->rtcp_mux_only, "rtcp-mux-only");
    put_flag(out, m->rtcp_rsize, "rtcp-rsize");
    for (i = 0; i < m->codec_count; i++) {
        put_codec(out, &m->codecs[i]);
    }
    put_ssrcs(out, m);
    put_simulcast(out, m);
    if (m->sctp_port != 0) {
        sfu_sdp_put(out, "a=sctp-port:%u\r\n", m->sctp_port);
    }
    if (m->max_message_size != 0) {
        sfu_sdp_put(out, "a=max-message-size:%u\r\n", m->max_message_size);
    }
    for (i = 0; i < m->candidate_count; i++) {
        sfu_sdp_put(out, "a=");
        sfu_sdp_put_candidate(out, &m->candidates[i]);
        sfu_sdp_put(out, "\r\n");
    }
    put_flag(out, m->end_of_candidates, "end-of-candidates");
}

static void
put_origin(struct sfu_sdp_out *out, const struct sfu_sdp_origin *o)
{
    /* A session the SFU builds may leave the origin to these defaults. */
    sfu_sdp_put(out, "v=0\r\no=%.*s %.*s %llu IN %.*s %.*s\r\n",
        SFU_SDP_STR_ARG(o->username.len ? o->username : sfu_sdp_str_from("-")),
        SFU_SDP_STR_ARG(o->session_id.len ? o->session_id : sfu_sdp_str_from("0")),
        (unsigned long long)o->session_version,
        SFU_SDP_STR_ARG(o->addrtype.len ? o->addrtype : sfu_sdp_str_from("IP4")),
        SFU_SDP_STR_ARG(o->address.len ? o->address : sfu_sdp_str_from("0.0.0.0")));
}

int
sfu_sdp_write(const struct sfu_sdp_session *s, char *buf, size_t size, size_t *len,
    struct sfu_sdp_error *err)
{
    struct sfu_sdp_out out = {buf, size, 0, size == 0};
    struct sfu_sdp_parser ps = {NULL, NULL, 0, err};
    unsigned i, k;

    memset(err, 0, sizeof(*err));
    *len = 0;
    for (i = 0; i < s->media_count; i++) {
        if (s->media[i].codec_count == 0 && s->media[i].fmt.len == 0) {
            return sfu_sdp_fail(&ps, SFU_SDP_EINVAL, "m-line %u has neither codecs nor formats", i);
        }
    }
    put_origin(&out, &s->origin);
    sfu_sdp_put(&out, "s=%.*s\r\nt=0 0\r\n", SFU_SDP_STR_ARG(s->name.len ? s->name : sfu_sdp_str_from("-")));
    for (i = 0; i < s->group_count; i++) {
        sfu_sdp_put(&out, "a=group:%.*s", SFU_SDP_STR_ARG(s->groups[i].semantics));
        for (k = 0; k < s->groups[i].mid_count; k++) {
            sfu_sdp_put(&out, " %.*s", SFU_SDP_STR_ARG(s->groups[i].mids[k]));
        }
        sfu_sdp_put(&out, "\r\n");
    }
    put_flag(&out, s->extmap_allow_mixed, "extmap-allow-mixed");
    if (s->msid_semantic.len > 0) {
        sfu_sdp_put(&out, "a=msid-semantic: %.*s\r\n", SFU_SDP_STR_ARG(s->msid_semantic));
    }
    put_flag(&out, s->ice_lite, "ice-lite");
    put_transport(&out, &s->transport);
    for (i = 0; i < s->media_count; i++) {
        put_media(&out, &s->media[i]);
    }
    if (out.full) {
        return sfu_sdp_fail(&ps, SFU_SDP_ENOSPC, "the SDP does not fit %zu bytes", size);
    }
    *len = out.len;
    return SFU_SDP_OK;
}
