/*
 * ICE candidate lines (RFC 8839 5.1): the parser shared by a=candidate and
 * trickled candidates, and the writer.
 */
#include "sdp_text.h"

#include <stdio.h>
#include <string.h>

/* The value after "candidate:", RFC 8839 5.1. */
int
sfu_sdp_parse_candidate_value(struct sfu_sdp_parser *ps, struct sfu_sdp_str v, struct sfu_sdp_candidate *c)
{
    const char *end = v.p + v.len;
    struct sfu_sdp_str key, val;
    uint64_t n;
    int i, rc;

    memset(c, 0, sizeof(*c));
    c->foundation = sfu_sdp_word(&v);
    if (c->foundation.len == 0 || c->foundation.len > 32 || !sfu_sdp_is_ice_chars(c->foundation)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "candidate foundation must be 1 to 32 ice-chars");
    }
    if (!sfu_sdp_to_uint(sfu_sdp_word(&v), 256, &n) || n == 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "candidate component is not a number from 1 to 256");
    }
    c->component = (uint16_t)n;
    if ((i = sfu_sdp_lookup(sfu_sdp_word(&v), sfu_sdp_transport_names, SFU_SDP_COUNT_OF(sfu_sdp_transport_names))) < 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "candidate transport is not udp or tcp");
    }
    c->transport = (enum sfu_sdp_transport_proto)i;
    if (!sfu_sdp_to_uint(sfu_sdp_word(&v), UINT32_MAX, &n)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "candidate priority is not a 32-bit number");
    }
    c->priority = (uint32_t)n;
    c->address = sfu_sdp_word(&v);
    if ((rc = sfu_sdp_parse_port(ps, sfu_sdp_word(&v), &c->port, "candidate port")) < 0) {
        return rc;
    }
    if (c->address.len == 0 || !sfu_sdp_str_is(sfu_sdp_word(&v), "typ")) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "candidate is not 'foundation component transport priority address port typ type'");
    }
    if ((i = sfu_sdp_lookup(sfu_sdp_word(&v), sfu_sdp_candidate_type_names, SFU_SDP_COUNT_OF(sfu_sdp_candidate_type_names))) < 0) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "candidate type is not host, srflx, prflx or relay");
    }
    c->type = (enum sfu_sdp_candidate_type)i;
    while ((key = sfu_sdp_word(&v)).len > 0) {
        if (!sfu_sdp_str_is(key, "raddr") && !sfu_sdp_str_is(key, "rport") && !sfu_sdp_str_is(key, "tcptype")) {
            c->extensions = sfu_sdp_trim((struct sfu_sdp_str){key.p, (size_t)(end - key.p)});
            break;
        }
        val = sfu_sdp_word(&v);
        if (val.len == 0) {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "candidate %.*s without a value", (int)key.len, key.p);
        }
        if (sfu_sdp_str_is(key, "raddr")) {
            c->raddr = val;
        } else if (sfu_sdp_str_is(key, "rport")) {
            if ((rc = sfu_sdp_parse_port(ps, val, &c->rport, "candidate rport")) < 0) {
                return rc;
            }
        } else if ((i = sfu_sdp_lookup(val, sfu_sdp_tcptype_names, SFU_SDP_COUNT_OF(sfu_sdp_tcptype_names))) > 0) {
            c->tcptype = (enum sfu_sdp_tcptype)i;
        } else {
            return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "candidate tcptype is not active, passive or so");
        }
    }
    return SFU_SDP_OK;
}

int
sfu_sdp_parse_candidate(struct sfu_sdp_candidate *c, const char *line, size_t len, struct sfu_sdp_error *err)
{
    struct sfu_sdp_parser ps = {NULL, NULL, 1, err};
    struct sfu_sdp_str v = {line, len};

    memset(err, 0, sizeof(*err));
    while (v.len > 0 && (v.p[v.len - 1] == '\n' || v.p[v.len - 1] == '\r')) {
        v.len--;
    }
    if (v.len > SFU_SDP_MAX_LINE) {
        return sfu_sdp_fail(&ps, SFU_SDP_ELIMIT, "longer than %d bytes", SFU_SDP_MAX_LINE);
    }
    if (sfu_sdp_has_control_chars(v)) {
        return sfu_sdp_fail(&ps, SFU_SDP_ESYNTAX, "control character in the candidate");
    }
    if (v.len >= 2 && v.p[0] == 'a' && v.p[1] == '=') {
        v.p += 2;
        v.len -= 2;
    }
    if (!sfu_sdp_str_is(sfu_sdp_split(&v, ':'), "candidate")) {
        return sfu_sdp_fail(&ps, SFU_SDP_ESYNTAX, "not a 'candidate:' line");
    }
    return sfu_sdp_parse_candidate_value(&ps, v, c);
}

void
sfu_sdp_put_candidate(struct sfu_sdp_out *out, const struct sfu_sdp_candidate *c)
{
    sfu_sdp_put(out, "candidate:%.*s %u %s %u %.*s %u typ %s", SFU_SDP_STR_ARG(c->foundation), c->component,
        sfu_sdp_transport_names[c->transport], c->priority, SFU_SDP_STR_ARG(c->address), c->port,
        sfu_sdp_candidate_type_names[c->type]);
    if (c->raddr.len > 0) {
        sfu_sdp_put(out, " raddr %.*s", SFU_SDP_STR_ARG(c->raddr));
    }
    /* rport alone is kept so that a parse of the output gives the same candidate. */
    if (c->raddr.len > 0 || c->rport != 0) {
        sfu_sdp_put(out, " rport %u", c->rport);
    }
    if (c->tcptype != SFU_SDP_TCPTYPE_NONE) {
        sfu_sdp_put(out, " tcptype %s", sfu_sdp_tcptype_names[c->tcptype]);
    }
    if (c->extensions.len > 0) {
        sfu_sdp_put(out, " %.*s", SFU_SDP_STR_ARG(c->extensions));
    }
}

int
sfu_sdp_write_candidate(const struct sfu_sdp_candidate *c, char *buf, size_t size, size_t *len)
{
    struct sfu_sdp_out out = {buf, size, 0, size == 0};

    sfu_sdp_put_candidate(&out, c);
    *len = out.len;
    return out.full ? SFU_SDP_ENOSPC : SFU_SDP_OK;
}
