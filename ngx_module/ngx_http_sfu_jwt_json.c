
/*
 * The strict JSON reader of join tokens: white space, strings (escapes and
 * UTF-8 checked), numbers, literals, and containers, nested ones only
 * checked; see ngx_http_sfu_jwt_json.h.
 */

#include <limits.h>
#include <string.h>

#include "ngx_http_sfu_jwt_json.h"


#define NGX_HTTP_SFU_JWT_JSON_MAX_DEPTH  16


/* the JSON text being read, and where decoded strings go */
typedef struct {
    const unsigned char       *p;
    const unsigned char       *end;
    unsigned char             *out;
} ngx_http_sfu_jwt_json_t;


static void
ngx_http_sfu_jwt_json_space(ngx_http_sfu_jwt_json_t *j)
{
    while (j->p < j->end
           && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n'
               || *j->p == '\r'))
    {
        j->p++;
    }
}


static int
ngx_http_sfu_jwt_json_hex4(const unsigned char *p)
{
    int  i, c, v;

    v = 0;

    for (i = 0; i < 4; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            c -= '0';

        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            c = (c | 0x20) - 'a' + 10;

        } else {
            return -1;
        }

        v = (v << 4) | c;
    }

    return v;
}


static unsigned char *
ngx_http_sfu_jwt_utf8_put(unsigned char *d, unsigned long cp)
{
    if (cp < 0x80) {
        *d++ = (unsigned char) cp;

    } else if (cp < 0x800) {
        *d++ = (unsigned char) (0xc0 | (cp >> 6));
        *d++ = (unsigned char) (0x80 | (cp & 0x3f));

    } else if (cp < 0x10000) {
        *d++ = (unsigned char) (0xe0 | (cp >> 12));
        *d++ = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
        *d++ = (unsigned char) (0x80 | (cp & 0x3f));

    } else {
        *d++ = (unsigned char) (0xf0 | (cp >> 18));
        *d++ = (unsigned char) (0x80 | ((cp >> 12) & 0x3f));
        *d++ = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
        *d++ = (unsigned char) (0x80 | (cp & 0x3f));
    }

    return d;
}


size_t
ngx_http_sfu_jwt_utf8_len(const unsigned char *p, const unsigned char *end)
{
    size_t          n, i;
    unsigned long   cp, min;

    if (*p < 0x80) {
        return 1;
    }

    if ((*p & 0xe0) == 0xc0) {
        n = 2;
        cp = *p & 0x1f;
        min = 0x80;

    } else if ((*p & 0xf0) == 0xe0) {
        n = 3;
        cp = *p & 0x0f;
        min = 0x800;

    } else if ((*p & 0xf8) == 0xf0) {
        n = 4;
        cp = *p & 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if ((size_t) (end - p) < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }

        cp = (cp << 6) | (p[i] & 0x3f);
    }

    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }

    return n;
}


/* a string at j->p (its opening quote), decoded to j->out */

static int
ngx_http_sfu_jwt_json_string(ngx_http_sfu_jwt_json_t *j,
    ngx_http_sfu_jwt_str_t *s)
{
    int             hi, lo;
    size_t          n;
    unsigned long   cp;
    unsigned char  *d;

    d = j->out;
    s->data = d;
    j->p++;

    for ( ;; ) {
        if (j->p >= j->end || *j->p < 0x20) {
            return -1;
        }

        if (*j->p == '"') {
            j->p++;
            break;
        }

        if (*j->p < 0x80 && *j->p != '\\') {
            *d++ = *j->p++;
            continue;
        }

        if (*j->p != '\\') {
            n = ngx_http_sfu_jwt_utf8_len(j->p, j->end);
            if (n == 0) {
                return -1;
            }

            memcpy(d, j->p, n);
            d += n;
            j->p += n;
            continue;
        }

        if (j->end - j->p < 2) {
            return -1;
        }

        switch (j->p[1]) {
        case '"':  *d++ = '"';  break;
        case '\\': *d++ = '\\'; break;
        case '/':  *d++ = '/';  break;
        case 'b':  *d++ = '\b'; break;
        case 'f':  *d++ = '\f'; break;
        case 'n':  *d++ = '\n'; break;
        case 'r':  *d++ = '\r'; break;
        case 't':  *d++ = '\t'; break;

        case 'u':
            if (j->end - j->p < 6
                || (hi = ngx_http_sfu_jwt_json_hex4(j->p + 2)) <= 0
                || (hi >= 0xdc00 && hi <= 0xdfff))
            {
                return -1;      /* also \u0000 and a lone low surrogate */
            }

            cp = (unsigned long) hi;

            if (hi >= 0xd800 && hi <= 0xdbff) {
                if (j->end - j->p < 12 || j->p[6] != '\\' || j->p[7] != 'u'
                    || (lo = ngx_http_sfu_jwt_json_hex4(j->p + 8)) < 0xdc00
                    || lo > 0xdfff)
                {
                    return -1;
                }

                cp = 0x10000 + (((unsigned long) hi - 0xd800) << 10)
                     + ((unsigned long) lo - 0xdc00);
                j->p += 6;
            }

            d = ngx_http_sfu_jwt_utf8_put(d, cp);
            j->p += 4;
            break;

        default:
            return -1;
        }

        j->p += 2;
    }

    s->len = d - j->out;
    j->out = d;

    return 0;
}


/*
 * A number: an integer when it has neither fraction nor exponent (one
 * that does not fit in a long long is refused), else "other".
 */

static int
ngx_http_sfu_jwt_json_number(ngx_http_sfu_jwt_json_t *j,
    ngx_http_sfu_jwt_json_value_t *v)
{
    int                  negative, digit, overflow;
    unsigned long long   n, limit;
    const unsigned char *p;

    p = j->p;
    negative = (p < j->end && *p == '-');
    p += negative;

    if (p >= j->end || *p < '0' || *p > '9') {
        return -1;
    }

    limit = negative ? (unsigned long long) LLONG_MAX + 1 : LLONG_MAX;
    n = 0;
    overflow = 0;

    if (*p == '0') {
        p++;

    } else {
        while (p < j->end && *p >= '0' && *p <= '9') {
            digit = *p++ - '0';

            if (n > (limit - (unsigned long long) digit) / 10) {
                overflow = 1;

            } else {
                n = n * 10 + (unsigned long long) digit;
            }
        }
    }

    v->type = NGX_HTTP_SFU_JWT_JSON_INTEGER;

    if (p < j->end && *p == '.') {
        p++;
        v->type = NGX_HTTP_SFU_JWT_JSON_OTHER;

        if (p >= j->end || *p < '0' || *p > '9') {
            return -1;
        }

        while (p < j->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        v->type = NGX_HTTP_SFU_JWT_JSON_OTHER;

        if (p < j->end && (*p == '+' || *p == '-')) {
            p++;
        }

        if (p >= j->end || *p < '0' || *p > '9') {
            return -1;
        }

        while (p < j->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (overflow && v->type == NGX_HTTP_SFU_JWT_JSON_INTEGER) {
        return -1;
    }

    if (negative) {
        v->integer = (n == (unsigned long long) LLONG_MAX + 1)
                     ? LLONG_MIN : -(long long) n;

    } else {
        v->integer = (long long) n;
    }

    j->p = p;

    return 0;
}


static int ngx_http_sfu_jwt_json_value(ngx_http_sfu_jwt_json_t *j,
    ngx_http_sfu_jwt_json_value_t *v, int depth);


/*
 * An object or an array at j->p (close is '}' or ']'); each member of an
 * object goes to handler, if any.
 */

static int
ngx_http_sfu_jwt_json_container(ngx_http_sfu_jwt_json_t *j, int depth,
    int close, ngx_http_sfu_jwt_json_member_pt handler, void *data)
{
    ngx_http_sfu_jwt_str_t         key;
    ngx_http_sfu_jwt_json_value_t  value;

    if (depth > NGX_HTTP_SFU_JWT_JSON_MAX_DEPTH) {
        return -1;
    }

    j->p++;
    ngx_http_sfu_jwt_json_space(j);

    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }

    for ( ;; ) {
        if (close == '}') {
            ngx_http_sfu_jwt_json_space(j);

            if (j->p >= j->end || *j->p != '"'
                || ngx_http_sfu_jwt_json_string(j, &key) != 0)
            {
                return -1;
            }

            ngx_http_sfu_jwt_json_space(j);

            if (j->p >= j->end || *j->p++ != ':') {
                return -1;
            }
        }

        if (ngx_http_sfu_jwt_json_value(j, &value, depth) != 0) {
            return -1;
        }

        if (close == '}' && handler && handler(data, &key, &value) != 0) {
            return -1;
        }

        ngx_http_sfu_jwt_json_space(j);

        if (j->p >= j->end) {
            return -1;
        }

        if (*j->p == close) {
            j->p++;
            return 0;
        }

        if (*j->p++ != ',') {
            return -1;
        }
    }
}


static int
ngx_http_sfu_jwt_json_literal(ngx_http_sfu_jwt_json_t *j, const char *word)
{
    size_t  len = strlen(word);

    if ((size_t) (j->end - j->p) < len || memcmp(j->p, word, len) != 0) {
        return -1;
    }

    j->p += len;

    return 0;
}


/* any value, after optional white space; nested ones are only checked */

static int
ngx_http_sfu_jwt_json_value(ngx_http_sfu_jwt_json_t *j,
    ngx_http_sfu_jwt_json_value_t *v, int depth)
{
    ngx_http_sfu_jwt_json_space(j);

    if (j->p >= j->end) {
        return -1;
    }

    v->type = NGX_HTTP_SFU_JWT_JSON_OTHER;

    switch (*j->p) {

    case '"':
        v->type = NGX_HTTP_SFU_JWT_JSON_STRING;
        return ngx_http_sfu_jwt_json_string(j, &v->str);

    case '{':
    case '[':
        return ngx_http_sfu_jwt_json_container(j, depth + 1,
                                               (*j->p == '{') ? '}' : ']',
                                               NULL, NULL);

    case 't':
        return ngx_http_sfu_jwt_json_literal(j, "true");

    case 'f':
        return ngx_http_sfu_jwt_json_literal(j, "false");

    case 'n':
        return ngx_http_sfu_jwt_json_literal(j, "null");

    default:
        return ngx_http_sfu_jwt_json_number(j, v);
    }
}


int
ngx_http_sfu_jwt_json_parse(const unsigned char *text, size_t len,
    unsigned char *out, ngx_http_sfu_jwt_json_member_pt handler, void *data)
{
    ngx_http_sfu_jwt_json_t  j;

    j.p = text;
    j.end = text + len;
    j.out = out;

    ngx_http_sfu_jwt_json_space(&j);

    if (j.p >= j.end || *j.p != '{'
        || ngx_http_sfu_jwt_json_container(&j, 1, '}', handler, data) != 0)
    {
        return -1;
    }

    ngx_http_sfu_jwt_json_space(&j);

    return (j.p == j.end) ? 0 : -1;
}
