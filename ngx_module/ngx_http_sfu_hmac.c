
/*
 * HMAC (RFC 2104) over EVP digests, with the padded key blocks hashed
 * once per key.
 */

#include <string.h>

#include "ngx_http_sfu_hmac.h"


#define NGX_HTTP_SFU_HMAC_BLOCK  128     /* the largest block: SHA-512's */


int
ngx_http_sfu_hmac_init(ngx_http_sfu_hmac_t *key, const EVP_MD *md,
    const void *secret, size_t len)
{
    int            block, i, rc;
    unsigned int   n;
    unsigned char  k[NGX_HTTP_SFU_HMAC_BLOCK], pad[NGX_HTTP_SFU_HMAC_BLOCK];

    memset(key, 0, sizeof(ngx_http_sfu_hmac_t));

    block = EVP_MD_get_block_size(md);

    if (block <= 0 || block > NGX_HTTP_SFU_HMAC_BLOCK) {
        return -1;
    }

    key->inner = EVP_MD_CTX_new();
    key->outer = EVP_MD_CTX_new();
    key->work = EVP_MD_CTX_new();
    key->size = (unsigned int) EVP_MD_get_size(md);

    if (key->inner == NULL || key->outer == NULL || key->work == NULL) {
        goto failed;
    }

    /* a key longer than a block is replaced by its digest */

    memset(k, 0, sizeof(k));

    if (len > (size_t) block) {
        if (EVP_Digest(secret, len, k, &n, md, NULL) != 1) {
            goto failed;
        }

    } else if (len) {
        memcpy(k, secret, len);
    }

    for (i = 0; i < block; i++) {
        pad[i] = k[i] ^ 0x36;
    }

    rc = EVP_DigestInit_ex(key->inner, md, NULL)
         && EVP_DigestUpdate(key->inner, pad, block);

    for (i = 0; i < block; i++) {
        pad[i] = k[i] ^ 0x5c;
    }

    rc = rc
         && EVP_DigestInit_ex(key->outer, md, NULL)
         && EVP_DigestUpdate(key->outer, pad, block);

    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(pad, sizeof(pad));

    if (rc) {
        return 0;
    }

failed:

    ngx_http_sfu_hmac_free(key);
    return -1;
}


void
ngx_http_sfu_hmac_free(ngx_http_sfu_hmac_t *key)
{
    EVP_MD_CTX_free(key->inner);
    EVP_MD_CTX_free(key->outer);
    EVP_MD_CTX_free(key->work);

    memset(key, 0, sizeof(ngx_http_sfu_hmac_t));
}


int
ngx_http_sfu_hmac(ngx_http_sfu_hmac_t *key, const void *data1, size_t len1,
    const void *data2, size_t len2, unsigned char *mac)
{
    unsigned int   n;
    unsigned char  digest[EVP_MAX_MD_SIZE];

    if (EVP_MD_CTX_copy_ex(key->work, key->inner) != 1
        || EVP_DigestUpdate(key->work, data1, len1) != 1
        || (len2 && EVP_DigestUpdate(key->work, data2, len2) != 1)
        || EVP_DigestFinal_ex(key->work, digest, &n) != 1
        || EVP_MD_CTX_copy_ex(key->work, key->outer) != 1
        || EVP_DigestUpdate(key->work, digest, n) != 1
        || EVP_DigestFinal_ex(key->work, mac, &n) != 1)
    {
        return -1;
    }

    return 0;
}
