
/*
 * HMAC with the key's two padded blocks hashed once: each MAC then costs
 * the message's blocks and one more, without the key schedule, allocation
 * or algorithm lookup of OpenSSL's one-shot HMAC().  Plain C on OpenSSL
 * (no nginx types), shared by the join tokens (SHA-256) and the TURN
 * credentials (SHA-1), and linked by the JWT fuzzer.
 */

#ifndef _NGX_HTTP_SFU_HMAC_H_INCLUDED_
#define _NGX_HTTP_SFU_HMAC_H_INCLUDED_


#include <stddef.h>
#include <openssl/evp.h>


typedef struct {
    EVP_MD_CTX                *inner;    /* after key XOR ipad */
    EVP_MD_CTX                *outer;    /* after key XOR opad */
    EVP_MD_CTX                *work;     /* scratch, one MAC at a time */
    unsigned int               size;     /* of the MAC, in bytes */
} ngx_http_sfu_hmac_t;


/* 0 on success; on failure the key holds nothing to free */
int ngx_http_sfu_hmac_init(ngx_http_sfu_hmac_t *key, const EVP_MD *md,
    const void *secret, size_t len);
void ngx_http_sfu_hmac_free(ngx_http_sfu_hmac_t *key);

/*
 * MAC of the concatenation of two pieces (the second may be empty) into
 * mac (key->size bytes); 0 on success.
 */
int ngx_http_sfu_hmac(ngx_http_sfu_hmac_t *key, const void *data1,
    size_t len1, const void *data2, size_t len2, unsigned char *mac);


#endif /* _NGX_HTTP_SFU_HMAC_H_INCLUDED_ */
