/*
 * The tokenizer and error reporting shared by the SDP parsers, and the names
 * SDP gives the enums of sdp.h.
 */
#include "sdp_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const sfu_sdp_kind_names[3] = {"audio", "video", "application"};
const char *const sfu_sdp_direction_names[4] = {"sendrecv", "sendonly", "recvonly", "inactive"};
const char *const sfu_sdp_setup_names[5] = {"", "actpass", "active", "passive", "holdconn"};
const char *const sfu_sdp_ext_direction_names[5] = {"", "sendrecv", "sendonly", "recvonly", "inactive"};
const char *const sfu_sdp_rid_direction_names[2] = {"send", "recv"};
const char *const sfu_sdp_transport_names[2] = {"udp", "tcp"};
const char *const sfu_sdp_candidate_type_names[4] = {"host", "srflx", "prflx", "relay"};
const char *const sfu_sdp_tcptype_names[4] = {"", "active", "passive", "so"};

int
sfu_sdp_fail(struct sfu_sdp_parser *ps, int code, const char *fmt, ...)
{
    va_list ap;
    int n;

    ps->err->code = code;
    ps->err->line = ps->line;
    /* Faults of the whole session, found by the writer or the checks, have no line. */
    n = ps->line ? snprintf(ps->err->message, sizeof(ps->err->message), "line %u: ", ps->line) : 0;
    va_start(ap, fmt);
    vsnprintf(ps->err->message + n, sizeof(ps->err->message) - (size_t)n, fmt, ap);
    va_end(ap);
    return code;
}

bool
sfu_sdp_str_is_nocase(struct sfu_sdp_str a, const char *cstr)
{
    return a.len == strlen(cstr) && strncasecmp(a.p, cstr, a.len) == 0;
}

struct sfu_sdp_str
sfu_sdp_trim(struct sfu_sdp_str s)
{
    while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t')) {
        s.len--;
    }
    return s;
}

/* The text before the first sep (all of it when none); *rest keeps what follows sep. */
struct sfu_sdp_str
sfu_sdp_split(struct sfu_sdp_str *rest, char sep)
{
    const char *at = rest->len ? memchr(rest->p, sep, rest->len) : NULL;
    struct sfu_sdp_str head = *rest;

    if (at == NULL) {
        rest->p += rest->len;
        rest->len = 0;
        return head;
    }
    head.len = (size_t)(at - rest->p);
    rest->len -= head.len + 1;
    rest->p = at + 1;
    return head;
}

/* The next space-separated word; runs of spaces count as one. */
struct sfu_sdp_str
sfu_sdp_word(struct sfu_sdp_str *rest)
{
    *rest = sfu_sdp_trim(*rest);
    return sfu_sdp_split(rest, ' ');
}

bool
sfu_sdp_to_uint(struct sfu_sdp_str s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (s.len == 0 || s.len > 20) {
        return false;
    }
    for (i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9' || v > (max - (uint64_t)(s.p[i] - '0')) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    *out = v;
    return true;
}

/* The index of s in names, or -1; names[i] == "" never matches. */
int
sfu_sdp_lookup(struct sfu_sdp_str s, const char *const names[], size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        if (names[i][0] != '\0' && sfu_sdp_str_is_nocase(s, names[i])) {
            return (int)i;
        }
    }
    return -1;
}

/* ice-char from RFC 8839: ALPHA / DIGIT / "+" / "/" */
bool
sfu_sdp_is_ice_chars(struct sfu_sdp_str s)
{
    size_t i;

    for (i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) {
            return false;
        }
    }
    return true;
}

bool
sfu_sdp_str_eq(struct sfu_sdp_str a, struct sfu_sdp_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool
sfu_sdp_str_is(struct sfu_sdp_str a, const char *cstr)
{
    return sfu_sdp_str_eq(a, sfu_sdp_str_from(cstr));
}

struct sfu_sdp_str
sfu_sdp_str_from(const char *cstr)
{
    return (struct sfu_sdp_str){cstr, strlen(cstr)};
}

/* Lines may hold tabs but no other control characters: they would end up in SDP the SFU writes. */
bool
sfu_sdp_has_control_chars(struct sfu_sdp_str line)
{
    size_t i;

    for (i = 0; i < line.len; i++) {
        if (((unsigned char)line.p[i] < 0x20 && line.p[i] != '\t') || line.p[i] == 0x7F) {
            return true;
        }
    }
    return false;
}

int
sfu_sdp_parse_port(struct sfu_sdp_parser *ps, struct sfu_sdp_str v, uint16_t *port, const char *what)
{
    uint64_t n;

    if (!sfu_sdp_to_uint(v, 65535, &n)) {
        return sfu_sdp_fail(ps, SFU_SDP_ESYNTAX, "%s is not a number from 0 to 65535", what);
    }
    *port = (uint16_t)n;
    return SFU_SDP_OK;
}

void
sfu_sdp_put(struct sfu_sdp_out *out, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (out->full) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(out->buf + out->len, out->size - out->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= out->size - out->len) {
        out->full = true;
        out->buf[out->len] = '\0';
        return;
    }
    out->len += (size_t)n;
}
