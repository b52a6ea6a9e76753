/*
 * Questions the SFU asks of a session: lookups by mid, payload type and URI,
 * fmtp values, the transport an m-line uses, and the checks of sfu_sdp_check.
 */
#include "sdp_text.h"

#include <string.h>

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        return (c | 0x20) - 'a' + 10;
    }
    return -1;
}

bool
sfu_sdp_fingerprint_bytes(const struct sfu_sdp_transport *t, uint8_t *out, size_t size, size_t *len)
{
    const struct sfu_sdp_str *f = &t->fingerprint;
    size_t i, n = 0;

    /* "AB:CD:...": 3 characters a byte but the last. */
    if (f->len < 2 || (f->len + 1) % 3 != 0) {
        return false;
    }
    for (i = 0; i < f->len; i += 3) {
        if (hex_digit(f->p[i]) < 0 || hex_digit(f->p[i + 1]) < 0 || (i + 2 < f->len && f->p[i + 2] != ':')) {
            return false;
        }
        if (n == size) {
            return false;
        }
        out[n++] = (uint8_t)(hex_digit(f->p[i]) << 4 | hex_digit(f->p[i + 1]));
    }
    *len = n;
    return true;
}

bool
sfu_sdp_has_token(struct sfu_sdp_str list, const char *token)
{
    struct sfu_sdp_str w;

    while ((w = sfu_sdp_word(&list)).len > 0) {
        if (sfu_sdp_str_is(w, token)) {
            return true;
        }
    }
    return false;
}

void
sfu_sdp_media_transport(const struct sfu_sdp_session *s, const struct sfu_sdp_media *m,
    struct sfu_sdp_transport *out)
{
    const struct sfu_sdp_transport *mt = &m->transport, *st = &s->transport;

    *out = *mt;
    if (mt->ice_ufrag.len == 0) {
        out->ice_ufrag = st->ice_ufrag;
    }
    if (mt->ice_pwd.len == 0) {
        out->ice_pwd = st->ice_pwd;
    }
    if (mt->ice_options.len == 0) {
        out->ice_options = st->ice_options;
    }
    if (mt->fingerprint.len == 0) {
        out->fingerprint_algo = st->fingerprint_algo;
        out->fingerprint = st->fingerprint;
    }
    if (mt->setup == SFU_SDP_SETUP_NONE) {
        out->setup = st->setup;
    }
}

bool
sfu_sdp_media_rejected(const struct sfu_sdp_media *m)
{
    return m->port == 0 && !m->bundle_only;
}

const struct sfu_sdp_group *
sfu_sdp_bundle_group(const struct sfu_sdp_session *s, struct sfu_sdp_str mid)
{
    unsigned g, i;

    for (g = 0; g < s->group_count; g++) {
        if (!sfu_sdp_str_is(s->groups[g].semantics, "BUNDLE")) {
            continue;
        }
        for (i = 0; i < s->groups[g].mid_count; i++) {
            if (sfu_sdp_str_eq(s->groups[g].mids[i], mid)) {
                return &s->groups[g];
            }
        }
    }
    return NULL;
}

const struct sfu_sdp_media *
sfu_sdp_media_by_mid(const struct sfu_sdp_session *s, struct sfu_sdp_str mid)
{
    unsigned i;

    for (i = 0; i < s->media_count; i++) {
        if (s->media[i].mid.len > 0 && sfu_sdp_str_eq(s->media[i].mid, mid)) {
            return &s->media[i];
        }
    }
    return NULL;
}

struct sfu_sdp_codec *
sfu_sdp_codec_by_pt(const struct sfu_sdp_media *m, uint8_t payload_type)
{
    unsigned i;

    for (i = 0; i < m->codec_count; i++) {
        if (m->codecs[i].payload_type == payload_type) {
            return &m->codecs[i];
        }
    }
    return NULL;
}

const struct sfu_sdp_extmap *
sfu_sdp_extmap_by_uri(const struct sfu_sdp_media *m, const char *uri)
{
    unsigned i;

    for (i = 0; i < m->extmap_count; i++) {
        if (sfu_sdp_str_is(m->extmaps[i].uri, uri)) {
            return &m->extmaps[i];
        }
    }
    return NULL;
}

const struct sfu_sdp_str *
sfu_sdp_codec_param(const struct sfu_sdp_codec *c, const char *key)
{
    unsigned i;

    for (i = 0; i < c->param_count; i++) {
        if (sfu_sdp_str_is_nocase(c->params[i].key, key)) {
            return &c->params[i].value;
        }
    }
    return NULL;
}

bool
sfu_sdp_codec_param_uint(const struct sfu_sdp_codec *c, const char *key, uint32_t *value)
{
    const struct sfu_sdp_str *v = sfu_sdp_codec_param(c, key);
    uint64_t n;

    if (v == NULL || !sfu_sdp_to_uint(*v, UINT32_MAX, &n)) {
        return false;
    }
    *value = (uint32_t)n;
    return true;
}

bool
sfu_sdp_codec_has_rtcp_fb(const struct sfu_sdp_codec *c, const char *fb)
{
    unsigned i;

    for (i = 0; i < c->rtcp_fb_count; i++) {
        if (sfu_sdp_str_is(c->rtcp_fb[i], fb)) {
            return true;
        }
    }
    return false;
}

static int
check_mids(const struct sfu_sdp_session *s, struct sfu_sdp_parser *ps)
{
    const struct sfu_sdp_group *g;
    unsigned i, k;

    for (i = 0; i < s->media_count; i++) {
        for (k = 0; k < i; k++) {
            if (s->media[i].mid.len > 0 && sfu_sdp_str_eq(s->media[i].mid, s->media[k].mid)) {
                return sfu_sdp_fail(ps, SFU_SDP_EMID, "m-lines %u and %u share mid %.*s", k, i,
                    SFU_SDP_STR_ARG(s->media[i].mid));
            }
        }
    }
    for (g = s->groups; g < s->groups + s->group_count; g++) {
        for (k = 0; k < g->mid_count; k++) {
            if (sfu_sdp_media_by_mid(s, g->mids[k]) == NULL) {
                return sfu_sdp_fail(ps, SFU_SDP_EMID, "a=group:%.*s names mid %.*s, which no m-line has",
                    SFU_SDP_STR_ARG(g->semantics), SFU_SDP_STR_ARG(g->mids[k]));
            }
        }
    }
    return SFU_SDP_OK;
}

/* Ids are per m-line, but one RTP stream carries the extensions of every m-line of a BUNDLE group. */
static bool
share_extmap_ids(const struct sfu_sdp_session *s, const struct sfu_sdp_media *a, const struct sfu_sdp_media *b)
{
    const struct sfu_sdp_group *g = a->mid.len ? sfu_sdp_bundle_group(s, a->mid) : NULL;

    return a == b || (g != NULL && b->mid.len > 0 && g == sfu_sdp_bundle_group(s, b->mid));
}

static int
check_extmaps(const struct sfu_sdp_session *s, struct sfu_sdp_parser *ps)
{
    const struct sfu_sdp_media *a, *b;
    const struct sfu_sdp_extmap *x, *y;
    unsigned i, k;

    for (a = s->media; a < s->media + s->media_count; a++) {
        for (b = a; b < s->media + s->media_count; b++) {
            if (!share_extmap_ids(s, a, b)) {
                continue;
            }
            for (i = 0; i < a->extmap_count; i++) {
                for (k = a == b ? i + 1 : 0; k < b->extmap_count; k++) {
                    x = &a->extmaps[i];
                    y = &b->extmaps[k];
                    if (x->id == y->id && !sfu_sdp_str_eq(x->uri, y->uri)) {
                        return sfu_sdp_fail(ps, SFU_SDP_EEXTMAP, "extmap id %u is %.*s in mid %.*s and %.*s in mid %.*s",
                            x->id, SFU_SDP_STR_ARG(x->uri), SFU_SDP_STR_ARG(a->mid),
                            SFU_SDP_STR_ARG(y->uri), SFU_SDP_STR_ARG(b->mid));
                    }
                }
            }
        }
    }
    return SFU_SDP_OK;
}

static int
check_rtx(const struct sfu_sdp_media *m, struct sfu_sdp_parser *ps)
{
    const struct sfu_sdp_codec *c;
    uint32_t apt;
    unsigned i;

    for (i = 0; i < m->codec_count; i++) {
        c = &m->codecs[i];
        if (!sfu_sdp_str_is_nocase(c->name, "rtx")) {
            continue;
        }
        if (!sfu_sdp_codec_param_uint(c, "apt", &apt) || apt > 127 || sfu_sdp_codec_by_pt(m, (uint8_t)apt) == NULL) {
            return sfu_sdp_fail(ps, SFU_SDP_ECODEC, "rtx payload type %u in mid %.*s has no apt naming a codec of its m-line",
                c->payload_type, SFU_SDP_STR_ARG(m->mid));
        }
    }
    return SFU_SDP_OK;
}

/* A bundled m-line uses the transport of its group's first (tagged) m-line. */
static int
check_transport(const struct sfu_sdp_session *s, const struct sfu_sdp_media *m, struct sfu_sdp_parser *ps)
{
    const struct sfu_sdp_group *g = m->mid.len ? sfu_sdp_bundle_group(s, m->mid) : NULL;
    const struct sfu_sdp_media *owner = g ? sfu_sdp_media_by_mid(s, g->mids[0]) : m;
    struct sfu_sdp_transport t;

    sfu_sdp_media_transport(s, owner, &t);
    if (t.ice_ufrag.len == 0 || t.ice_pwd.len == 0 || t.fingerprint.len == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ETRANSPORT, "m-line with mid %.*s has no ice-ufrag, ice-pwd or fingerprint",
            SFU_SDP_STR_ARG(m->mid));
    }
    return SFU_SDP_OK;
}

int
sfu_sdp_check(const struct sfu_sdp_session *s, struct sfu_sdp_error *err)
{
    struct sfu_sdp_parser ps = {NULL, NULL, 0, err};
    const struct sfu_sdp_media *m;
    int rc;

    memset(err, 0, sizeof(*err));
    if ((rc = check_mids(s, &ps)) < 0 || (rc = check_extmaps(s, &ps)) < 0) {
        return rc;
    }
    for (m = s->media; m < s->media + s->media_count; m++) {
        if ((rc = check_rtx(m, &ps)) < 0) {
            return rc;
        }
        if (!sfu_sdp_media_rejected(m) && (rc = check_transport(s, m, &ps)) < 0) {
            return rc;
        }
    }
    return SFU_SDP_OK;
}
