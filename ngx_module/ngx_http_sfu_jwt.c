
/*
 * JWT HS256 for join tokens: base64url, what the header and the claims
 * must hold, the signature, and signing; the two JSON objects a token
 * carries are read by ngx_http_sfu_jwt_json.c.
 */

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "ngx_http_sfu_jwt.h"
#include "ngx_http_sfu_jwt_json.h"


#define NGX_HTTP_SFU_JWT_SIG_LEN    32
#define NGX_HTTP_SFU_JWT_KEY_LEN    8        /* longer keys are not ours */


/* {"alg":"HS256","typ":"JWT"}, the header of every token we sign */
static const char  ngx_http_sfu_jwt_header[] =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";


typedef struct {
    unsigned                        seen;     /* one bit per member read */
    int                             hs256;
} ngx_http_sfu_jwt_header_t;


typedef struct {
    unsigned                        seen;
    ngx_http_sfu_jwt_claims_t      *claims;
    ngx_http_sfu_jwt_json_value_t   values[6];
} ngx_http_sfu_jwt_payload_t;


static const char  *ngx_http_sfu_jwt_claim_names[] = {
    "room", "sub", "role", "name", "iat", "exp"
};


static const unsigned char  ngx_http_sfu_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


static size_t
ngx_http_sfu_b64url_encode(unsigned char *dst, const unsigned char *src,
    size_t len)
{
    unsigned char  *d = dst;

    while (len >= 3) {
        *d++ = ngx_http_sfu_b64url[src[0] >> 2];
        *d++ = ngx_http_sfu_b64url[((src[0] & 0x03) << 4) | (src[1] >> 4)];
        *d++ = ngx_http_sfu_b64url[((src[1] & 0x0f) << 2) | (src[2] >> 6)];
        *d++ = ngx_http_sfu_b64url[src[2] & 0x3f];
        src += 3;
        len -= 3;
    }

    if (len) {
        *d++ = ngx_http_sfu_b64url[src[0] >> 2];

        if (len == 1) {
            *d++ = ngx_http_sfu_b64url[(src[0] & 0x03) << 4];

        } else {
            *d++ = ngx_http_sfu_b64url[((src[0] & 0x03) << 4) | (src[1] >> 4)];
            *d++ = ngx_http_sfu_b64url[(src[1] & 0x0f) << 2];
        }
    }

    return d - dst;
}


/* the value of each base64url character, -1 for the others */
static const signed char  ngx_http_sfu_b64url_values[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
};


/*
 * Unpadded base64url, canonical only (the bits past the last byte are
 * zero), as RFC 7515 writes it.  Returns the decoded length or -1.
 */

static long
ngx_http_sfu_b64url_decode(unsigned char *dst, const unsigned char *src,
    size_t len)
{
    int             v;
    size_t          i;
    unsigned long   bits;
    unsigned char  *d = dst;

    if (len % 4 == 1) {
        return -1;
    }

    /* four characters, three bytes: an invalid one makes v negative */

    for (i = 0; i + 4 <= len; i += 4) {
        v = ngx_http_sfu_b64url_values[src[i]]
            | ngx_http_sfu_b64url_values[src[i + 1]]
            | ngx_http_sfu_b64url_values[src[i + 2]]
            | ngx_http_sfu_b64url_values[src[i + 3]];
        if (v < 0) {
            return -1;
        }

        bits = ((unsigned long) ngx_http_sfu_b64url_values[src[i]] << 18)
               | ((unsigned long) ngx_http_sfu_b64url_values[src[i + 1]] << 12)
               | ((unsigned long) ngx_http_sfu_b64url_values[src[i + 2]] << 6)
               | (unsigned long) ngx_http_sfu_b64url_values[src[i + 3]];

        *d++ = (unsigned char) (bits >> 16);
        *d++ = (unsigned char) (bits >> 8);
        *d++ = (unsigned char) bits;
    }

    bits = 0;

    for ( /* void */ ; i < len; i++) {
        v = ngx_http_sfu_b64url_values[src[i]];
        if (v < 0) {
            return -1;
        }

        bits = (bits << 6) | (unsigned long) v;
    }

    switch (len % 4) {

    case 2:
        if (bits & 0x0f) {
            return -1;
        }

        *d++ = (unsigned char) (bits >> 4);
        break;

    case 3:
        if (bits & 0x03) {
            return -1;
        }

        *d++ = (unsigned char) (bits >> 10);
        *d++ = (unsigned char) (bits >> 2);
        break;
    }

    return d - dst;
}


static int
ngx_http_sfu_jwt_is(ngx_http_sfu_jwt_str_t *s, const char *text)
{
    size_t  len = strlen(text);

    return s->len == len && memcmp(s->data, text, len) == 0;
}


/* which of names[0..n-1] the key is, or -1 */

static int
ngx_http_sfu_jwt_member(ngx_http_sfu_jwt_str_t *key, const char **names,
    int n)
{
    int  i;

    if (key->len > NGX_HTTP_SFU_JWT_KEY_LEN) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_sfu_jwt_is(key, names[i])) {
            return i;
        }
    }

    return -1;
}


static int
ngx_http_sfu_jwt_header_member(void *data, ngx_http_sfu_jwt_str_t *key,
    ngx_http_sfu_jwt_json_value_t *value)
{
    int                         i;
    ngx_http_sfu_jwt_header_t  *h = data;

    static const char  *names[] = { "alg", "typ", "crit" };

    i = ngx_http_sfu_jwt_member(key, names, 3);

    if (i < 0) {
        return 0;
    }

    if ((h->seen & (1u << i)) || i == 2) {
        return -1;
    }

    h->seen |= 1u << i;

    if (i == 1) {
        return (value->type == NGX_HTTP_SFU_JWT_JSON_STRING
                && ngx_http_sfu_jwt_is(&value->str, "JWT"))
               ? 0 : -1;
    }

    h->hs256 = (value->type == NGX_HTTP_SFU_JWT_JSON_STRING
                && ngx_http_sfu_jwt_is(&value->str, "HS256"));

    return 0;
}


static int
ngx_http_sfu_jwt_payload_member(void *data, ngx_http_sfu_jwt_str_t *key,
    ngx_http_sfu_jwt_json_value_t *value)
{
    int                          i;
    ngx_http_sfu_jwt_payload_t  *pl = data;

    i = ngx_http_sfu_jwt_member(key, ngx_http_sfu_jwt_claim_names, 6);

    if (i < 0) {
        return 0;
    }

    if (pl->seen & (1u << i)) {
        return -1;
    }

    pl->seen |= 1u << i;
    pl->values[i] = *value;

    return 0;
}


ngx_http_sfu_jwt_rc_e
ngx_http_sfu_jwt_verify(ngx_http_sfu_hmac_t *key, const unsigned char *token,
    size_t len, long long now, unsigned char *scratch,
    ngx_http_sfu_jwt_claims_t *claims)
{
    int                          i;
    long                         n;
    const unsigned char         *dot1, *dot2, *end;
    ngx_http_sfu_jwt_str_t      *strings[4];
    ngx_http_sfu_jwt_header_t    header;
    ngx_http_sfu_jwt_payload_t   payload;
    unsigned char                mac[EVP_MAX_MD_SIZE];
    unsigned char                sig[NGX_HTTP_SFU_JWT_SIG_LEN + 3];

    if (len == 0 || len > NGX_HTTP_SFU_JWT_MAX_LEN) {
        return NGX_HTTP_SFU_JWT_MALFORMED;
    }

    end = token + len;
    dot1 = memchr(token, '.', len);
    dot2 = dot1 ? memchr(dot1 + 1, '.', end - dot1 - 1) : NULL;

    if (dot2 == NULL || memchr(dot2 + 1, '.', end - dot2 - 1) != NULL) {
        return NGX_HTTP_SFU_JWT_MALFORMED;
    }

    /*
     * The header: ours, byte for byte, in every token we signed; any
     * other is decoded and read into the first half of scratch.
     */

    if ((size_t) (dot1 - token) != sizeof(ngx_http_sfu_jwt_header) - 1
        || memcmp(token, ngx_http_sfu_jwt_header, dot1 - token) != 0)
    {
        n = ngx_http_sfu_b64url_decode(scratch, token, dot1 - token);
        if (n < 0) {
            return NGX_HTTP_SFU_JWT_MALFORMED;
        }

        memset(&header, 0, sizeof(header));

        if (ngx_http_sfu_jwt_json_parse(scratch, (size_t) n, scratch + n,
                                    ngx_http_sfu_jwt_header_member, &header)
            != 0)
        {
            return NGX_HTTP_SFU_JWT_MALFORMED;
        }

        if (!header.hs256) {
            return NGX_HTTP_SFU_JWT_ALGORITHM;
        }
    }

    /* the signature, over both segments as they came */

    if ((size_t) (end - dot2 - 1) > sizeof(sig) * 4 / 3
        || ngx_http_sfu_b64url_decode(sig, dot2 + 1, end - dot2 - 1)
           != NGX_HTTP_SFU_JWT_SIG_LEN)
    {
        return NGX_HTTP_SFU_JWT_SIGNATURE;
    }

    if (ngx_http_sfu_hmac(key, token, dot2 - token, NULL, 0, mac) != 0) {
        return NGX_HTTP_SFU_JWT_FAILED;
    }

    if (CRYPTO_memcmp(mac, sig, NGX_HTTP_SFU_JWT_SIG_LEN) != 0) {
        return NGX_HTTP_SFU_JWT_SIGNATURE;
    }

    /* the payload: decoded at the start of scratch, strings after it */

    n = ngx_http_sfu_b64url_decode(scratch, dot1 + 1, dot2 - dot1 - 1);
    if (n < 0) {
        return NGX_HTTP_SFU_JWT_MALFORMED;
    }

    memset(&payload, 0, sizeof(payload));
    payload.claims = claims;

    if (ngx_http_sfu_jwt_json_parse(scratch, (size_t) n, scratch + n,
                                ngx_http_sfu_jwt_payload_member, &payload)
        != 0)
    {
        return NGX_HTTP_SFU_JWT_MALFORMED;
    }

    /* values[]: room, sub, role, name, iat, exp */

    if (payload.values[4].type != NGX_HTTP_SFU_JWT_JSON_INTEGER
        || payload.values[5].type != NGX_HTTP_SFU_JWT_JSON_INTEGER
        || !(payload.seen & (1u << 4)) || !(payload.seen & (1u << 5)))
    {
        return NGX_HTTP_SFU_JWT_CLAIMS;
    }

    claims->iat = payload.values[4].integer;
    claims->exp = payload.values[5].integer;

    if (claims->exp <= now) {
        return NGX_HTTP_SFU_JWT_EXPIRED;
    }

    strings[0] = &claims->room;
    strings[1] = &claims->sub;
    strings[2] = &claims->role;
    strings[3] = &claims->name;

    for (i = 0; i < 4; i++) {
        if (!(payload.seen & (1u << i))
            || payload.values[i].type != NGX_HTTP_SFU_JWT_JSON_STRING)
        {
            return NGX_HTTP_SFU_JWT_CLAIMS;
        }

        *strings[i] = payload.values[i].str;
    }

    if (claims->room.len == 0 || claims->sub.len == 0
        || !(ngx_http_sfu_jwt_is(&claims->role, "host")
             || ngx_http_sfu_jwt_is(&claims->role, "participant")))
    {
        return NGX_HTTP_SFU_JWT_CLAIMS;
    }

    return NGX_HTTP_SFU_JWT_OK;
}


/* --- signing */

/* a JSON string of s, quoted; NULL when s is not valid UTF-8 or has a NUL */

static unsigned char *
ngx_http_sfu_jwt_quote(unsigned char *d, const ngx_http_sfu_jwt_str_t *s)
{
    size_t                n;
    const unsigned char  *p, *end;

    static const char  hex[] = "0123456789abcdef";

    *d++ = '"';

    for (p = s->data, end = p + s->len; p < end; p += n) {
        n = ngx_http_sfu_jwt_utf8_len(p, end);

        if (n == 0 || *p == '\0') {
            return NULL;
        }

        if (*p == '"' || *p == '\\') {
            *d++ = '\\';
            *d++ = *p;

        } else if (*p < 0x20) {
            *d++ = '\\';
            *d++ = 'u';
            *d++ = '0';
            *d++ = '0';
            *d++ = hex[*p >> 4];
            *d++ = hex[*p & 0x0f];

        } else {
            memcpy(d, p, n);
            d += n;
        }
    }

    *d++ = '"';

    return d;
}


#define NGX_HTTP_SFU_JWT_FIXED                                               \
    (sizeof("{\"exp\":,\"iat\":,\"name\":\"\",\"role\":\"\",\"room\":\"\","  \
            "\"sub\":\"\"}") - 1 + 2 * sizeof("-9223372036854775808"))


static size_t
ngx_http_sfu_jwt_payload_max(const ngx_http_sfu_jwt_claims_t *claims)
{
    /* every byte of a string may become a 6-byte \u00XX */

    return NGX_HTTP_SFU_JWT_FIXED
           + 6 * (claims->room.len + claims->sub.len + claims->role.len
                  + claims->name.len);
}


size_t
ngx_http_sfu_jwt_max_length(const ngx_http_sfu_jwt_claims_t *claims)
{
    /* header "." payload "." signature, the payload written raw first */

    return sizeof(ngx_http_sfu_jwt_header) - 1 + 1
           + (ngx_http_sfu_jwt_payload_max(claims) + 2) / 3 * 4 + 1
           + (NGX_HTTP_SFU_JWT_SIG_LEN + 2) / 3 * 4
           + ngx_http_sfu_jwt_payload_max(claims);
}


size_t
ngx_http_sfu_jwt_sign(ngx_http_sfu_hmac_t *key,
    const ngx_http_sfu_jwt_claims_t *claims, unsigned char *out)
{
    size_t          hlen, plen;
    unsigned char  *raw, *d;
    unsigned char   mac[EVP_MAX_MD_SIZE];

    /* the payload's JSON goes past the room the token itself takes */

    hlen = sizeof(ngx_http_sfu_jwt_header) - 1;
    raw = out + ngx_http_sfu_jwt_max_length(claims)
          - ngx_http_sfu_jwt_payload_max(claims);

    d = raw + sprintf((char *) raw, "{\"exp\":%lld,\"iat\":%lld,\"name\":",
                      claims->exp, claims->iat);

    if ((d = ngx_http_sfu_jwt_quote(d, &claims->name)) == NULL) {
        return 0;
    }

    d = (unsigned char *) memcpy(d, ",\"role\":", 8) + 8;

    if ((d = ngx_http_sfu_jwt_quote(d, &claims->role)) == NULL) {
        return 0;
    }

    d = (unsigned char *) memcpy(d, ",\"room\":", 8) + 8;

    if ((d = ngx_http_sfu_jwt_quote(d, &claims->room)) == NULL) {
        return 0;
    }

    d = (unsigned char *) memcpy(d, ",\"sub\":", 7) + 7;

    if ((d = ngx_http_sfu_jwt_quote(d, &claims->sub)) == NULL) {
        return 0;
    }

    *d++ = '}';

    memcpy(out, ngx_http_sfu_jwt_header, hlen);
    out[hlen] = '.';

    plen = hlen + 1 + ngx_http_sfu_b64url_encode(out + hlen + 1, raw, d - raw);

    if (ngx_http_sfu_hmac(key, out, plen, NULL, 0, mac) != 0) {
        return 0;
    }

    out[plen++] = '.';

    return plen + ngx_http_sfu_b64url_encode(out + plen, mac,
                                             NGX_HTTP_SFU_JWT_SIG_LEN);
}
