
/*
 * Room passwords: PBKDF2-HMAC-SHA256 with a 16-byte random salt, stored as
 *     pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>
 * and compared in constant time.
 *
 * 100,000 iterations cost about 55 ms of CPU here, so the work runs in
 * nginx's thread pool "default" and the API is asynchronous.  Both calls
 * follow ngx_http_read_client_request_body()'s convention:
 *   NGX_AGAIN  queued; r->main->count has been raised: end the current step
 *              with NGX_DONE (return it from the content handler, or
 *              ngx_http_finalize_request(r, NGX_DONE) from a body handler).
 *              The handler runs once, later, in the event loop -- unless the
 *              request is terminated first -- and must finalize the request
 *              (ngx_http_finalize_request(r, rc));
 *   NGX_ERROR  nothing queued (out of memory, the thread pool's queue is
 *              full); the handler is not called.
 */

#ifndef _NGX_HTTP_SFU_PASSWORD_H_INCLUDED_
#define _NGX_HTTP_SFU_PASSWORD_H_INCLUDED_


#include "ngx_http_sfu_module.h"


/*
 * rc, for a hash: NGX_OK with *hash the stored form (in r->pool), or
 * NGX_ERROR.  For a verification: NGX_OK the password matches, NGX_DECLINED
 * it does not, NGX_ERROR the stored value is malformed (hash is NULL).
 */
typedef void (*ngx_http_sfu_password_handler_pt)(ngx_http_request_t *r,
    ngx_int_t rc, ngx_str_t *hash);


/*
 * Checks "sfu_password_iterations" and adds the thread pool.  Call from
 * postconfiguration.
 */
ngx_int_t ngx_http_sfu_password_conf(ngx_conf_t *cf,
    ngx_http_sfu_main_conf_t *smcf);

/* Hashes password with "sfu_password_iterations". */
ngx_int_t ngx_http_sfu_password_hash_async(ngx_http_request_t *r,
    ngx_str_t *password, ngx_http_sfu_password_handler_pt handler);

/* Checks password against a stored hash. */
ngx_int_t ngx_http_sfu_password_verify_async(ngx_http_request_t *r,
    ngx_str_t *password, ngx_str_t *stored,
    ngx_http_sfu_password_handler_pt handler);


#endif /* _NGX_HTTP_SFU_PASSWORD_H_INCLUDED_ */
