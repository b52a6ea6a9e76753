/*
 * dtls: DTLS 1.2 (OpenSSL) for DTLS-SRTP, RFC 5763/5764.
 *
 * One certificate per process (ECDSA P-256, self-signed, made at start):
 * browsers pin it by the fingerprint in our SDP, as we pin theirs.  The
 * peer's certificate is accepted exactly when its digest matches the SDP
 * fingerprint; no chain or date is checked.  Each session reads from a
 * memory BIO, one datagram at a time, and writes through a BIO of its own
 * that hands every datagram OpenSSL writes straight to the send callback,
 * so handshake fragments keep their datagram boundaries.  Retransmission
 * timers run on GLib timeouts from DTLSv1_get_timeout.
 *
 * The SSL object (about 55 kB with its buffers, kept by OpenSSL for the
 * connection's life) is freed as soon as the peer can need nothing more
 * from it.  Whoever sends the last flight of a handshake must keep it to
 * send it again if it is lost (RFC 6347 4.2.4); with no resumption (no
 * tickets, no session cache), that is the server, whose CCS and Finished
 * end a full DTLS 1.2 handshake.  So a client frees its SSL as soon as
 * the handshake is done and the keys are exported; a server keeps it
 * until the transport says the peer has shown it holds the keys (its
 * first SRTP or SRTCP packet that authenticates: a peer sends media only
 * once its own handshake is done, so it has our last flight).  After
 * that, records from the peer are dropped and counted.  The cost: a
 * close_notify is neither read nor sent any more, so the peer's leaving
 * is learnt from signaling (leave, the WebSocket closing) or from ICE
 * consent (10-16 s), and the peer learns of ours the same way.
 */

#include "dtls.h"

#include "log.h"

#include <glib.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

/* Payload room per datagram: fits a 1280-byte IPv6 path with headroom. */
#define DTLS_MTU 1200

/* First retransmission after 400 ms (OpenSSL's 1 s slows every lost
   flight), then doubling. */
#define DTLS_FIRST_RETRANSMIT_US 400000

#define DTLS_CERT_DAYS 365

struct sfu_dtls {
    SSL                  *ssl;           /* NULL once released */
    uint64_t              dropped;       /* datagrams after the release */
    sfu_dtls_callbacks_t  cb;
    void                 *data;
    bool                  client;
    bool                  started;
    bool                  connected;
    bool                  finished;      /* failed or closed */
    bool                  mismatch;      /* the verify callback said no */
    const EVP_MD         *md;
    unsigned char         fp[EVP_MAX_MD_SIZE];
    unsigned              fp_len;
    guint                 timer;
};

static SSL_CTX *dtls_ctx;
static BIO_METHOD *dtls_out_method;
static char dtls_fingerprint[EVP_MAX_MD_SIZE * 3];

static const struct {
    const char *name;
    const EVP_MD *(*md)(void);
} dtls_digests[] = {
    { "sha-1", EVP_sha1 },
    { "sha-224", EVP_sha224 },
    { "sha-256", EVP_sha256 },
    { "sha-384", EVP_sha384 },
    { "sha-512", EVP_sha512 },
};

static const EVP_MD *
digest_by_name(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(dtls_digests); i++) {
        if (g_ascii_strcasecmp(name, dtls_digests[i].name) == 0) {
            return dtls_digests[i].md();
        }
    }
    return NULL;
}

/* "AB:CD:..." into exactly len bytes; false if it is anything else. */
static bool
parse_fingerprint(const char *s, unsigned char *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = g_ascii_xdigit_value(s[0]);
        int lo = hi < 0 ? -1 : g_ascii_xdigit_value(s[1]);

        if (lo < 0) {
            return false;
        }
        out[i] = (unsigned char) (hi << 4 | lo);
        s += 2;
        if (i + 1 < len && *s++ != ':') {
            return false;
        }
    }
    return *s == '\0';
}

static void
format_fingerprint(const unsigned char *md, unsigned len, char *out)
{
    for (unsigned i = 0; i < len; i++) {
        sprintf(out + 3 * i, i + 1 < len ? "%02X:" : "%02X", md[i]);
    }
}

/* Replaces chain verification: the peer is who the SDP pinned, or no one. */
static int
verify_peer(X509_STORE_CTX *store, void *arg)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store,
                                          SSL_get_ex_data_X509_STORE_CTX_idx());
    sfu_dtls_t *d = SSL_get_app_data(ssl);
    X509 *cert = X509_STORE_CTX_get0_cert(store);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;

    (void) arg;
    if (cert != NULL && X509_digest(cert, d->md, md, &len) == 1
        && len == d->fp_len && CRYPTO_memcmp(md, d->fp, len) == 0)
    {
        return 1;
    }
    d->mismatch = true;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
}

static unsigned int
retransmit_timer(SSL *ssl, unsigned int previous_us)
{
    (void) ssl;
    if (previous_us == 0) {
        return DTLS_FIRST_RETRANSMIT_US;
    }
    return previous_us > UINT_MAX / 2 ? UINT_MAX : previous_us * 2;
}

static int
out_write(BIO *bio, const char *buf, int len)
{
    sfu_dtls_t *d = BIO_get_data(bio);

    d->cb.send(d->data, (const uint8_t *) buf, (size_t) len);
    return len;
}

static long
out_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
    (void) bio;
    (void) num;
    (void) ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
        return DTLS_MTU;
    default:
        return 0;
    }
}

static int
out_create(BIO *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

static X509 *
make_certificate(EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509_NAME *name;
    uint64_t serial;

    if (x == NULL) {
        return NULL;
    }
    /* a random positive 63-bit serial */
    serial = g_random_int();
    serial = (serial << 31) ^ g_random_int();
    name = X509_get_subject_name(x);
    if (X509_set_version(x, 2) != 1
        || ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1
        || X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL
        || X509_gmtime_adj(X509_getm_notAfter(x),
                           (long) DTLS_CERT_DAYS * 86400) == NULL
        || X509_set_pubkey(x, key) != 1
        || X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      (const unsigned char *) "ngx-sfu", -1,
                                      -1, 0) != 1
        || X509_set_issuer_name(x, name) != 1
        || X509_sign(x, key, EVP_sha256()) == 0)
    {
        X509_free(x);
        return NULL;
    }
    return x;
}

static const char *
srtp_profile_list(sfu_srtp_profile_t only)
{
    switch (only) {
    case SFU_SRTP_AES128_CM_SHA1_80:
        return "SRTP_AES128_CM_SHA1_80";
    case SFU_SRTP_AEAD_AES_128_GCM:
        return "SRTP_AEAD_AES_128_GCM";
    default:
        /* GCM first: it costs a fifth of AES-CM per packet here */
        return "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
    }
}

static SSL_CTX *
make_context(X509 *cert, EVP_PKEY *key, sfu_srtp_profile_t only)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());

    if (ctx == NULL) {
        return NULL;
    }
    if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1
        || SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1
        || SSL_CTX_use_certificate(ctx, cert) != 1
        || SSL_CTX_use_PrivateKey(ctx, key) != 1
        || SSL_CTX_check_private_key(ctx) != 1
        /* 0 is success here */
        || SSL_CTX_set_tlsext_use_srtp(ctx, srtp_profile_list(only)) != 0)
    {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       NULL);
    SSL_CTX_set_cert_verify_callback(ctx, verify_peer, NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION
                             | SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /*
     * The write buffer is sized for the largest record we may send, 16 kB
     * by default, and stays with every peer connection for its life
     * (OpenSSL 3.0 never releases a DTLS record buffer, even with
     * SSL_MODE_RELEASE_BUFFERS).  We send nothing but handshake flights,
     * fragmented to DTLS_MTU anyway, and alerts: records of DTLS_MTU at
     * most make it about 1.3 kB.
     */
    if (SSL_CTX_set_max_send_fragment(ctx, DTLS_MTU) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int
sfu_dtls_global_init(sfu_srtp_profile_t only)
{
    EVP_PKEY *key;
    X509 *cert = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len;

    key = EVP_EC_gen("P-256");
    if (key != NULL) {
        cert = make_certificate(key);
    }
    if (cert != NULL && X509_digest(cert, EVP_sha256(), md, &len) == 1) {
        format_fingerprint(md, len, dtls_fingerprint);
        dtls_ctx = make_context(cert, key, only);
    }
    X509_free(cert);
    EVP_PKEY_free(key);

    dtls_out_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                   "sfu dtls datagrams");
    if (dtls_ctx == NULL || dtls_out_method == NULL
        || BIO_meth_set_write(dtls_out_method, out_write) != 1
        || BIO_meth_set_ctrl(dtls_out_method, out_ctrl) != 1
        || BIO_meth_set_create(dtls_out_method, out_create) != 1)
    {
        sfu_log_error("dtls: no certificate or context: %s",
                      ERR_error_string(ERR_get_error(), NULL));
        sfu_dtls_global_cleanup();
        return -1;
    }
    sfu_log_info("dtls: certificate sha-256 %s", dtls_fingerprint);
    return 0;
}

void
sfu_dtls_global_cleanup(void)
{
    SSL_CTX_free(dtls_ctx);
    BIO_meth_free(dtls_out_method);
    dtls_ctx = NULL;
    dtls_out_method = NULL;
    dtls_fingerprint[0] = '\0';
}

const char *
sfu_dtls_fingerprint(void)
{
    return dtls_fingerprint;
}

sfu_dtls_t *
sfu_dtls_new(bool client, const char *algo, const char *fingerprint,
             const sfu_dtls_callbacks_t *cb, void *data)
{
    const EVP_MD *md = digest_by_name(algo);
    sfu_dtls_t *d;
    BIO *in, *out;

    if (md == NULL) {
        return NULL;
    }
    d = g_new0(sfu_dtls_t, 1);
    d->md = md;
    d->fp_len = (unsigned) EVP_MD_get_size(md);
    if (!parse_fingerprint(fingerprint, d->fp, d->fp_len)) {
        g_free(d);
        return NULL;
    }
    d->client = client;
    d->cb = *cb;
    d->data = data;

    d->ssl = SSL_new(dtls_ctx);
    in = BIO_new(BIO_s_mem());
    out = BIO_new(dtls_out_method);
    if (d->ssl == NULL || in == NULL || out == NULL) {
        sfu_log_error("dtls: no memory for a session");
        BIO_free(in);
        BIO_free(out);
        SSL_free(d->ssl);
        g_free(d);
        return NULL;
    }
    BIO_set_mem_eof_return(in, -1);
    BIO_set_data(out, d);
    SSL_set_bio(d->ssl, in, out);
    SSL_set_app_data(d->ssl, d);
    SSL_set_mtu(d->ssl, DTLS_MTU);
    DTLS_set_timer_cb(d->ssl, retransmit_timer);
    if (client) {
        SSL_set_connect_state(d->ssl);
    } else {
        SSL_set_accept_state(d->ssl);
    }
    return d;
}

bool
sfu_dtls_same_peer(const sfu_dtls_t *d, bool client, const char *algo,
                   const char *fingerprint)
{
    unsigned char fp[EVP_MAX_MD_SIZE];

    return client == d->client && digest_by_name(algo) == d->md
           && parse_fingerprint(fingerprint, fp, d->fp_len)
           && memcmp(fp, d->fp, d->fp_len) == 0;
}

static gboolean on_timer(gpointer data);

static void
arm_timer(sfu_dtls_t *d)
{
    struct timeval tv;

    if (d->timer != 0) {
        g_source_remove(d->timer);
        d->timer = 0;
    }
    if (!d->finished && d->ssl != NULL
        && DTLSv1_get_timeout(d->ssl, &tv) == 1)
    {
        d->timer = g_timeout_add((guint) (tv.tv_sec * 1000
                                          + (tv.tv_usec + 999) / 1000),
                                 on_timer, d);
    }
}

/* The peer can need nothing more from the session: its state goes. */
static void
release_session(sfu_dtls_t *d)
{
    if (d->timer != 0) {
        g_source_remove(d->timer);
        d->timer = 0;
    }
    SSL_free(d->ssl);
    d->ssl = NULL;
    sfu_log_debug("dtls: %s session released", d->client ? "client"
                                                          : "server");
}

static void
fail(sfu_dtls_t *d, const char *when)
{
    unsigned long err = ERR_peek_last_error();

    if (d->mismatch) {
        sfu_log_info("dtls: %s: the peer's certificate does not match the "
                     "SDP fingerprint", when);
    } else {
        sfu_log_info("dtls: %s: %s", when,
                     err != 0 ? ERR_reason_error_string(err) : "failed");
    }
    d->finished = true;
    arm_timer(d);
    d->cb.failed(d->data);
}

/* The handshake is done: SRTP keys from the exporter, RFC 5764 4.2. */
static void
finish_handshake(sfu_dtls_t *d)
{
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    unsigned char material[2 * SFU_SRTP_MASTER_MAX];
    sfu_srtp_keys_t keys;
    const unsigned char *client_key, *server_key, *client_salt, *server_salt;
    size_t key, salt;

    keys.profile = p == NULL ? SFU_SRTP_NONE
                   : p->id == SRTP_AES128_CM_SHA1_80 ? SFU_SRTP_AES128_CM_SHA1_80
                   : p->id == SRTP_AEAD_AES_128_GCM ? SFU_SRTP_AEAD_AES_128_GCM
                   : SFU_SRTP_NONE;
    key = sfu_srtp_key_len(keys.profile);
    salt = sfu_srtp_salt_len(keys.profile);
    if (keys.profile == SFU_SRTP_NONE
        || SSL_export_keying_material(d->ssl, material, 2 * (key + salt),
                                      "EXTRACTOR-dtls_srtp", 19, NULL, 0,
                                      0) != 1)
    {
        fail(d, "keying");
        return;
    }

    /* the exporter's order: client key, server key, client salt, server salt */
    client_key = material;
    server_key = material + key;
    client_salt = material + 2 * key;
    server_salt = client_salt + salt;
    memcpy(keys.local, d->client ? client_key : server_key, key);
    memcpy(keys.local + key, d->client ? client_salt : server_salt, salt);
    memcpy(keys.remote, d->client ? server_key : client_key, key);
    memcpy(keys.remote + key, d->client ? server_salt : client_salt, salt);
    OPENSSL_cleanse(material, sizeof(material));

    d->connected = true;
    if (d->client) {
        /* the server's flight ended the handshake: nothing to resend */
        release_session(d);
    } else {
        arm_timer(d);
    }
    d->cb.connected(d->data, &keys);
    OPENSSL_cleanse(&keys, sizeof(keys));
}

static void
handshake(sfu_dtls_t *d)
{
    int r;

    d->started = true;
    ERR_clear_error();
    r = SSL_do_handshake(d->ssl);
    if (r == 1) {
        finish_handshake(d);
        return;
    }
    switch (SSL_get_error(d->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        arm_timer(d);
        return;
    default:
        fail(d, "handshake");
        return;
    }
}

/* After the handshake: retransmitted flights, alerts; no data is expected. */
static void
read_records(sfu_dtls_t *d)
{
    unsigned char discard[2048];
    int r;

    ERR_clear_error();
    while ((r = SSL_read(d->ssl, discard, sizeof(discard))) > 0) {
        /* application data (a data channel) is not supported: dropped */
    }
    switch (SSL_get_error(d->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        arm_timer(d);
        return;
    case SSL_ERROR_ZERO_RETURN:
        sfu_log_debug("dtls: the peer closed the session");
        d->finished = true;
        arm_timer(d);
        d->cb.closed(d->data);
        return;
    default:
        fail(d, "after the handshake");
        return;
    }
}

static gboolean
on_timer(gpointer data)
{
    sfu_dtls_t *d = data;

    d->timer = 0;
    ERR_clear_error();
    if (DTLSv1_handle_timeout(d->ssl) < 0) {
        fail(d, "retransmission");
        return G_SOURCE_REMOVE;
    }
    arm_timer(d);
    return G_SOURCE_REMOVE;
}

void
sfu_dtls_start(sfu_dtls_t *d)
{
    if (d->client && !d->started && !d->finished) {
        handshake(d);
    }
}

void
sfu_dtls_handle(sfu_dtls_t *d, const uint8_t *datagram, size_t len)
{
    if (d->finished || len > INT_MAX) {
        return;
    }
    if (d->ssl == NULL) {
        d->dropped++;
        sfu_log_debug("dtls: a datagram after the session was released, "
                      "dropped (%" G_GUINT64_FORMAT " so far)", d->dropped);
        return;
    }
    BIO_write(SSL_get_rbio(d->ssl), datagram, (int) len);
    if (d->connected) {
        read_records(d);
    } else {
        handshake(d);
    }
}

void
sfu_dtls_peer_keyed(sfu_dtls_t *d)
{
    if (d->connected && !d->finished && d->ssl != NULL) {
        release_session(d);
    }
}

bool
sfu_dtls_holds_session(const sfu_dtls_t *d)
{
    return d->ssl != NULL;
}

uint64_t
sfu_dtls_dropped(const sfu_dtls_t *d)
{
    return d->dropped;
}

void
sfu_dtls_free(sfu_dtls_t *d)
{
    if (d == NULL) {
        return;
    }
    if (d->timer != 0) {
        g_source_remove(d->timer);
    }
    if (d->connected && !d->finished && d->ssl != NULL) {
        ERR_clear_error();
        SSL_shutdown(d->ssl);
    }
    SSL_free(d->ssl);
    g_free(d);
}
