/*
 * Internal to the SDP files: the parser state, error reporting and the
 * tokenizer over string views that the session and candidate parsers share.
 */
#ifndef SFU_SDP_TEXT_H
#define SFU_SDP_TEXT_H

#include "sdp.h"

#define SFU_SDP_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

struct sfu_sdp_parser {
    struct sfu_sdp_session *s;          /* NULL when parsing a lone candidate */
    struct sfu_sdp_media *m;            /* NULL at session level */
    unsigned line;
    struct sfu_sdp_error *err;
};

/* Fills the error with "line N: " (unless N is 0) and the message; returns code. */
int sfu_sdp_fail(struct sfu_sdp_parser *ps, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

bool sfu_sdp_str_is_nocase(struct sfu_sdp_str a, const char *cstr);
struct sfu_sdp_str sfu_sdp_trim(struct sfu_sdp_str s);
/* The text before the first sep (all of it when none); *rest keeps what follows sep. */
struct sfu_sdp_str sfu_sdp_split(struct sfu_sdp_str *rest, char sep);
/* The next space-separated word; runs of spaces count as one. */
struct sfu_sdp_str sfu_sdp_word(struct sfu_sdp_str *rest);
/* Decimal digits only, at most max. */
bool sfu_sdp_to_uint(struct sfu_sdp_str s, uint64_t max, uint64_t *out);
/* The index of s in names, ignoring case, or -1; an empty name never matches. */
int sfu_sdp_lookup(struct sfu_sdp_str s, const char *const names[], size_t count);
/* ice-char from RFC 8839: ALPHA / DIGIT / "+" / "/" */
bool sfu_sdp_is_ice_chars(struct sfu_sdp_str s);
/* Tabs are allowed; other control characters would end up in SDP the SFU writes. */
bool sfu_sdp_has_control_chars(struct sfu_sdp_str line);
int sfu_sdp_parse_port(struct sfu_sdp_parser *ps, struct sfu_sdp_str v, uint16_t *port, const char *what);
/* The value after "candidate:". */
int sfu_sdp_parse_candidate_value(struct sfu_sdp_parser *ps, struct sfu_sdp_str v, struct sfu_sdp_candidate *c);

/* A bounded, always NUL-terminated output buffer for the writers. */
struct sfu_sdp_out {
    char *buf;
    size_t size;
    size_t len;
    bool full;                          /* something did not fit; len stops growing */
};

void sfu_sdp_put(struct sfu_sdp_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sfu_sdp_put_candidate(struct sfu_sdp_out *out, const struct sfu_sdp_candidate *c);

/* For "%.*s" */
#define SFU_SDP_STR_ARG(s) (int)(s).len, (s).p

#endif
