/*
 * libFuzzer target: join tokens (ngx_http_sfu_jwt.c and its JSON reader,
 * ngx_http_sfu_jwt_json.c), the code the module runs.  The first byte
 * picks what the rest is:
 *   0  a whole token, as a client sends it
 *   1  the header's JSON, in a token we sign (to reach past the signature)
 *   2  the payload's JSON, in a token we sign
 *   3  claims (room, sub, name apart by 0xff bytes; role and exp from the
 *      bytes around them), signed and verified back
 * Beyond "no crash, no leak" it checks the promises callers rely on: a
 * verified token's claims are well-formed and sign back to a token that
 * verifies to the same claims; signing refuses exactly the strings that
 * are not UTF-8 (as jansson judges it) or hold a NUL.
 */

#include <assert.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "ngx_http_sfu_jwt.h"


#define NOW  1700000000LL


static ngx_http_sfu_hmac_t  key;


static size_t
b64url(unsigned char *dst, const unsigned char *src, size_t len)
{
    size_t  i, n;

    n = (size_t) EVP_EncodeBlock(dst, src, (int) len);

    while (n && dst[n - 1] == '=') {
        n--;
    }

    for (i = 0; i < n; i++) {
        dst[i] = (dst[i] == '+') ? '-' : (dst[i] == '/') ? '_' : dst[i];
    }

    return n;
}


/* header "." payload "." HMAC, from raw JSON texts */
static size_t
assemble(unsigned char *out, const unsigned char *header, size_t hlen,
    const unsigned char *payload, size_t plen)
{
    size_t         n;
    unsigned char  mac[EVP_MAX_MD_SIZE];

    n = b64url(out, header, hlen);
    out[n++] = '.';
    n += b64url(out + n, payload, plen);

    assert(ngx_http_sfu_hmac(&key, out, n, NULL, 0, mac) == 0);

    out[n++] = '.';
    return n + b64url(out + n, mac, 32);
}


static int
same(const ngx_http_sfu_jwt_str_t *a, const ngx_http_sfu_jwt_str_t *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}


static int
is_text(const ngx_http_sfu_jwt_str_t *s)
{
    json_t  *j;

    if (memchr(s->data, '\0', s->len) != NULL) {
        return 0;
    }

    j = json_stringn((const char *) s->data, s->len);
    json_decref(j);

    return j != NULL;
}


/* sign c, verify the token, and get c back */
static void
round_trip(const ngx_http_sfu_jwt_claims_t *c, int valid)
{
    size_t                      len;
    unsigned char              *token, *scratch;
    ngx_http_sfu_jwt_rc_e       rc;
    ngx_http_sfu_jwt_claims_t   back;

    token = malloc(ngx_http_sfu_jwt_max_length(c));
    assert(token != NULL);

    len = ngx_http_sfu_jwt_sign(&key, c, token);

    assert((len != 0) == (is_text(&c->room) && is_text(&c->sub)
                          && is_text(&c->role) && is_text(&c->name)));

    if (len == 0 || len > NGX_HTTP_SFU_JWT_MAX_LEN) {
        free(token);
        return;
    }

    assert(len <= ngx_http_sfu_jwt_max_length(c));

    scratch = malloc(2 * len);
    assert(scratch != NULL);

    rc = ngx_http_sfu_jwt_verify(&key, token, len, NOW, scratch, &back);

    if (valid) {
        assert(rc == NGX_HTTP_SFU_JWT_OK);
        assert(same(&back.room, &c->room) && same(&back.sub, &c->sub)
               && same(&back.role, &c->role) && same(&back.name, &c->name));
        assert(back.iat == c->iat && back.exp == c->exp);

    } else {
        assert(rc == NGX_HTTP_SFU_JWT_CLAIMS || rc == NGX_HTTP_SFU_JWT_EXPIRED);
    }

    free(scratch);
    free(token);
}


static void
verify(const unsigned char *token, size_t len)
{
    unsigned char              *scratch;
    ngx_http_sfu_jwt_rc_e       rc;
    ngx_http_sfu_jwt_claims_t   c;

    scratch = malloc(2 * len + 1);
    assert(scratch != NULL);

    rc = ngx_http_sfu_jwt_verify(&key, token, len, NOW, scratch, &c);

    if (rc == NGX_HTTP_SFU_JWT_OK) {
        assert(c.exp > NOW && c.room.len > 0 && c.sub.len > 0);
        assert((c.role.len == 4 && memcmp(c.role.data, "host", 4) == 0)
               || (c.role.len == 11
                   && memcmp(c.role.data, "participant", 11) == 0));
        round_trip(&c, 1);

    } else {
        assert(rc > NGX_HTTP_SFU_JWT_OK && rc < NGX_HTTP_SFU_JWT_FAILED);
    }

    free(scratch);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                      n, i, part;
    unsigned char              *token;
    const unsigned char        *p, *end, *cut;
    ngx_http_sfu_jwt_str_t     *s[3];
    ngx_http_sfu_jwt_claims_t   c;

    static const char  header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    static const char  payload[] =
        "{\"exp\":1700000600,\"iat\":1700000000,\"name\":\"Ada\","
        "\"role\":\"participant\",\"room\":\"r1\",\"sub\":\"p1\"}";

    if (key.inner == NULL) {
        assert(ngx_http_sfu_hmac_init(&key, EVP_sha256(), "fuzz-secret", 11)
               == 0);
    }

    if (size == 0 || size > NGX_HTTP_SFU_JWT_MAX_LEN) {
        return 0;
    }

    p = data + 1;
    n = size - 1;

    switch (data[0] % 4) {

    case 0:
        verify(p, n);
        break;

    case 1:
    case 2:
        token = malloc(2 * n + sizeof(header) + sizeof(payload) + 64);
        assert(token != NULL);

        n = (data[0] % 4 == 1)
            ? assemble(token, p, n, (const unsigned char *) payload,
                       sizeof(payload) - 1)
            : assemble(token, (const unsigned char *) header,
                       sizeof(header) - 1, p, n);

        if (n <= NGX_HTTP_SFU_JWT_MAX_LEN) {
            verify(token, n);
        }

        free(token);
        break;

    default:
        memset(&c, 0, sizeof(c));
        s[0] = &c.room;
        s[1] = &c.sub;
        s[2] = &c.name;
        end = p + n;

        for (part = 0; part < 3; part++) {
            cut = memchr(p, 0xff, end - p);
            s[part]->data = p;
            s[part]->len = (cut ? cut : end) - p;
            p = cut ? cut + 1 : end;
        }

        i = (data[0] >> 2) & 3;
        c.role.data = (const unsigned char *)
                      (i == 0 ? "host" : i == 1 ? "participant" : "admin");
        c.role.len = strlen((const char *) c.role.data);
        c.iat = NOW;
        c.exp = NOW + (long long) (data[0] >> 4) - 4;

        round_trip(&c, i < 2 && c.exp > NOW && c.room.len && c.sub.len);
        break;
    }

    return 0;
}
