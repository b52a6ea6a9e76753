
/*
 * Room password hashing in nginx's thread pool.
 *
 * A job is allocated apart from the request, with copies of its inputs:
 * a request terminated while its job runs only detaches itself (a pool
 * cleanup), and the job frees itself when the thread is done.
 */

#include "ngx_http_sfu_password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#if !(NGX_THREADS)
#error ngx_http_sfu_module needs nginx built --with-threads
#endif


#define NGX_HTTP_SFU_PASSWORD_SALT_LEN        16
#define NGX_HTTP_SFU_PASSWORD_HASH_LEN        32
#define NGX_HTTP_SFU_PASSWORD_MAX_ITERATIONS  10000000

#define NGX_HTTP_SFU_PASSWORD_PREFIX          "pbkdf2-sha256$"

#define NGX_HTTP_SFU_PASSWORD_LEN                                            \
    (sizeof(NGX_HTTP_SFU_PASSWORD_PREFIX) - 1 + NGX_INT_T_LEN + 1            \
     + ngx_base64_encoded_length(NGX_HTTP_SFU_PASSWORD_SALT_LEN) + 1         \
     + ngx_base64_encoded_length(NGX_HTTP_SFU_PASSWORD_HASH_LEN))


typedef struct {
    ngx_thread_task_t                  task;
    ngx_http_request_t                *request;   /* NULL: it went away */
    ngx_pool_cleanup_t                *cleanup;
    ngx_http_sfu_password_handler_pt   handler;

    ngx_uint_t                         iterations;   /* 0: verify */
    ngx_str_t                          password;
    ngx_str_t                          stored;

    ngx_int_t                          rc;
    ngx_str_t                          hash;
    u_char                             out[NGX_HTTP_SFU_PASSWORD_LEN];
} ngx_http_sfu_password_job_t;


static ngx_int_t ngx_http_sfu_password_post(ngx_http_request_t *r,
    ngx_str_t *password, ngx_str_t *stored, ngx_uint_t iterations,
    ngx_http_sfu_password_handler_pt handler);
static void ngx_http_sfu_password_thread(void *data, ngx_log_t *log);
static ngx_int_t ngx_http_sfu_password_hash(ngx_http_sfu_password_job_t *job);
static ngx_int_t ngx_http_sfu_password_verify(
    ngx_http_sfu_password_job_t *job);
static void ngx_http_sfu_password_done(ngx_event_t *ev);
static void ngx_http_sfu_password_detach(void *data);
static void ngx_http_sfu_password_free(ngx_http_sfu_password_job_t *job);


static ngx_str_t  ngx_http_sfu_password_pool = ngx_string("default");


ngx_int_t
ngx_http_sfu_password_conf(ngx_conf_t *cf, ngx_http_sfu_main_conf_t *smcf)
{
    if (smcf->password_iterations == 0
        || smcf->password_iterations > NGX_HTTP_SFU_PASSWORD_MAX_ITERATIONS)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_password_iterations\" must be between 1 "
                           "and %d", NGX_HTTP_SFU_PASSWORD_MAX_ITERATIONS);
        return NGX_ERROR;
    }

    if (ngx_thread_pool_add(cf, &ngx_http_sfu_password_pool) == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_sfu_password_hash_async(ngx_http_request_t *r, ngx_str_t *password,
    ngx_http_sfu_password_handler_pt handler)
{
    ngx_str_t                  none = ngx_null_string;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    return ngx_http_sfu_password_post(r, password, &none,
                                      smcf->password_iterations, handler);
}


ngx_int_t
ngx_http_sfu_password_verify_async(ngx_http_request_t *r, ngx_str_t *password,
    ngx_str_t *stored, ngx_http_sfu_password_handler_pt handler)
{
    return ngx_http_sfu_password_post(r, password, stored, 0, handler);
}


static ngx_int_t
ngx_http_sfu_password_post(ngx_http_request_t *r, ngx_str_t *password,
    ngx_str_t *stored, ngx_uint_t iterations,
    ngx_http_sfu_password_handler_pt handler)
{
    u_char                       *p;
    ngx_thread_pool_t            *tp;
    ngx_pool_cleanup_t           *cln;
    ngx_http_sfu_password_job_t  *job;

    tp = ngx_thread_pool_get((ngx_cycle_t *) ngx_cycle,
                             &ngx_http_sfu_password_pool);
    if (tp == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "sfu: thread pool \"%V\" not found",
                      &ngx_http_sfu_password_pool);
        return NGX_ERROR;
    }

    job = ngx_calloc(sizeof(ngx_http_sfu_password_job_t)
                     + password->len + stored->len, r->connection->log);
    if (job == NULL) {
        return NGX_ERROR;
    }

    p = (u_char *) (job + 1);

    job->password.data = p;
    job->password.len = password->len;
    p = ngx_cpymem(p, password->data, password->len);

    job->stored.data = p;
    job->stored.len = stored->len;
    ngx_memcpy(p, stored->data, stored->len);

    job->iterations = iterations;
    job->handler = handler;
    job->request = r;

    job->task.ctx = job;
    job->task.handler = ngx_http_sfu_password_thread;
    job->task.event.data = job;
    job->task.event.handler = ngx_http_sfu_password_done;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        ngx_http_sfu_password_free(job);
        return NGX_ERROR;
    }

    if (ngx_thread_task_post(tp, &job->task) != NGX_OK) {
        ngx_http_sfu_password_free(job);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_sfu_password_detach;
    cln->data = job;
    job->cleanup = cln;

    r->main->count++;

    return NGX_AGAIN;
}


/* in a thread: no pools, no logging */

static void
ngx_http_sfu_password_thread(void *data, ngx_log_t *log)
{
    ngx_http_sfu_password_job_t  *job = data;

    if (job->iterations) {
        job->rc = ngx_http_sfu_password_hash(job);

    } else {
        job->rc = ngx_http_sfu_password_verify(job);
    }
}


static ngx_int_t
ngx_http_sfu_password_hash(ngx_http_sfu_password_job_t *job)
{
    u_char     *p;
    ngx_str_t   src, dst;
    u_char      salt[NGX_HTTP_SFU_PASSWORD_SALT_LEN];
    u_char      hash[NGX_HTTP_SFU_PASSWORD_HASH_LEN];

    if (RAND_bytes(salt, sizeof(salt)) != 1) {
        return NGX_ERROR;
    }

    if (PKCS5_PBKDF2_HMAC((char *) job->password.data,
                          (int) job->password.len, salt, sizeof(salt),
                          (int) job->iterations, EVP_sha256(),
                          sizeof(hash), hash)
        != 1)
    {
        return NGX_ERROR;
    }

    p = ngx_sprintf(job->out, NGX_HTTP_SFU_PASSWORD_PREFIX "%ui$",
                    job->iterations);

    src.data = salt;
    src.len = sizeof(salt);
    dst.data = p;
    ngx_encode_base64(&dst, &src);
    p += dst.len;

    *p++ = '$';

    src.data = hash;
    src.len = sizeof(hash);
    dst.data = p;
    ngx_encode_base64(&dst, &src);
    p += dst.len;

    job->hash.data = job->out;
    job->hash.len = p - job->out;

    return NGX_OK;
}


static ngx_int_t
ngx_http_sfu_password_verify(ngx_http_sfu_password_job_t *job)
{
    u_char     *p, *last, *dollar;
    ngx_int_t   iterations;
    ngx_str_t   src, salt, hash;
    u_char      salt_buf[NGX_HTTP_SFU_PASSWORD_SALT_LEN * 2];
    u_char      hash_buf[NGX_HTTP_SFU_PASSWORD_HASH_LEN * 2];
    u_char      derived[NGX_HTTP_SFU_PASSWORD_HASH_LEN * 2];

    p = job->stored.data;
    last = p + job->stored.len;

    if ((size_t) (last - p) < sizeof(NGX_HTTP_SFU_PASSWORD_PREFIX) - 1
        || ngx_strncmp(p, NGX_HTTP_SFU_PASSWORD_PREFIX,
                       sizeof(NGX_HTTP_SFU_PASSWORD_PREFIX) - 1)
           != 0)
    {
        return NGX_ERROR;
    }

    p += sizeof(NGX_HTTP_SFU_PASSWORD_PREFIX) - 1;

    dollar = ngx_strlchr(p, last, '$');
    if (dollar == NULL) {
        return NGX_ERROR;
    }

    iterations = ngx_atoi(p, dollar - p);
    if (iterations < 1 || iterations > NGX_HTTP_SFU_PASSWORD_MAX_ITERATIONS) {
        return NGX_ERROR;
    }

    p = dollar + 1;

    dollar = ngx_strlchr(p, last, '$');
    if (dollar == NULL) {
        return NGX_ERROR;
    }

    src.data = p;
    src.len = dollar - p;

    if (src.len == 0
        || ngx_base64_decoded_length(src.len) > sizeof(salt_buf))
    {
        return NGX_ERROR;
    }

    salt.data = salt_buf;

    if (ngx_decode_base64(&salt, &src) != NGX_OK) {
        return NGX_ERROR;
    }

    src.data = dollar + 1;
    src.len = last - src.data;

    if (src.len == 0
        || ngx_base64_decoded_length(src.len) > sizeof(hash_buf))
    {
        return NGX_ERROR;
    }

    hash.data = hash_buf;

    if (ngx_decode_base64(&hash, &src) != NGX_OK || hash.len == 0) {
        return NGX_ERROR;
    }

    if (PKCS5_PBKDF2_HMAC((char *) job->password.data,
                          (int) job->password.len, salt.data, (int) salt.len,
                          (int) iterations, EVP_sha256(),
                          (int) hash.len, derived)
        != 1)
    {
        return NGX_ERROR;
    }

    return CRYPTO_memcmp(derived, hash.data, hash.len) == 0
           ? NGX_OK : NGX_DECLINED;
}


static void
ngx_http_sfu_password_done(ngx_event_t *ev)
{
    ngx_http_sfu_password_job_t  *job = ev->data;

    ngx_int_t                          rc;
    ngx_str_t                         *hash;
    ngx_connection_t                  *c;
    ngx_http_request_t                *r;
    ngx_http_sfu_password_handler_pt   handler;

    r = job->request;

    if (r == NULL) {
        ngx_http_sfu_password_free(job);
        return;
    }

    job->cleanup->handler = NULL;

    c = r->connection;
    ngx_http_set_log_request(c->log, r);

    rc = job->rc;
    hash = NULL;

    if (rc == NGX_OK && job->iterations) {
        hash = ngx_palloc(r->pool, sizeof(ngx_str_t));

        if (hash != NULL) {
            hash->len = job->hash.len;
            hash->data = ngx_pstrdup(r->pool, &job->hash);
        }

        if (hash == NULL || hash->data == NULL) {
            rc = NGX_ERROR;
            hash = NULL;
        }
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "sfu password %s: %i",
                   job->iterations ? "hash" : "verify", rc);

    handler = job->handler;

    ngx_http_sfu_password_free(job);

    handler(r, rc, hash);

    ngx_http_run_posted_requests(c);
}


static void
ngx_http_sfu_password_detach(void *data)
{
    ngx_http_sfu_password_job_t  *job = data;

    job->request = NULL;
}


static void
ngx_http_sfu_password_free(ngx_http_sfu_password_job_t *job)
{
    /* the plaintext does not outlive its use */
    OPENSSL_cleanse(job->password.data, job->password.len);

    ngx_free(job);
}
