/*
 * dtls: DTLS 1.2 (OpenSSL) over the selected ICE pair, for DTLS-SRTP
 * (RFC 5763, 5764): the process-wide certificate and its fingerprint, and
 * one handshake per transport whose peer certificate must match the
 * fingerprint from the SDP.  Records go in through sfu_dtls_handle and out
 * through the send callback, one datagram per call.  The OpenSSL session
 * is freed once the peer can need nothing more from it (see dtls.c):
 * at once for a client, on sfu_dtls_peer_keyed for a server.
 */

#ifndef SFU_DTLS_H
#define SFU_DTLS_H

#include "srtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sfu_dtls sfu_dtls_t;

/*
 * send may run inside any call here.  connected, failed and closed are
 * each the last thing done before returning, so they may free the object.
 */
typedef struct {
    void (*send)(void *data, const uint8_t *datagram, size_t len);
    void (*connected)(void *data, const sfu_srtp_keys_t *keys);
    /* handshake refused or given up, fingerprint mismatch, fatal alert */
    void (*failed)(void *data);
    /* the peer sent close_notify (seen only while the session is held) */
    void (*closed)(void *data);
} sfu_dtls_callbacks_t;

/*
 * The ECDSA P-256 self-signed certificate and the context every session
 * shares.  only: SFU_SRTP_NONE offers and accepts both SRTP profiles, GCM
 * first; otherwise just that one.  0 or -1 (logged).
 */
int sfu_dtls_global_init(sfu_srtp_profile_t only);
void sfu_dtls_global_cleanup(void);

/* The certificate's SHA-256 fingerprint, colon-separated upper-case hex. */
const char *sfu_dtls_fingerprint(void);

/*
 * A session in the given role, expecting a peer certificate with this
 * fingerprint (algorithm as in SDP: "sha-256", "sha-1", ...).  NULL for
 * an unknown algorithm or a malformed fingerprint.
 */
sfu_dtls_t *sfu_dtls_new(bool client, const char *algo,
                         const char *fingerprint,
                         const sfu_dtls_callbacks_t *cb, void *data);

/* Whether another SDP names the same peer and role as this session. */
bool sfu_dtls_same_peer(const sfu_dtls_t *d, bool client, const char *algo,
                        const char *fingerprint);

/* The path is up: a client sends its ClientHello (once). */
void sfu_dtls_start(sfu_dtls_t *d);

/* One datagram of DTLS records from the peer. */
void sfu_dtls_handle(sfu_dtls_t *d, const uint8_t *datagram, size_t len);

/*
 * The peer has shown it holds the SRTP keys (a packet of its
 * authenticated), so it has our last flight: a server frees its session
 * now (a client did when the handshake ended).  Later datagrams are
 * dropped and counted; no callback runs here or after.
 */
void sfu_dtls_peer_keyed(sfu_dtls_t *d);

/* Whether the OpenSSL session is still held. */
bool sfu_dtls_holds_session(const sfu_dtls_t *d);

/* Datagrams dropped because the session was released. */
uint64_t sfu_dtls_dropped(const sfu_dtls_t *d);

/* Sends close_notify if the session is held and done, then frees. */
void sfu_dtls_free(sfu_dtls_t *d);

#endif
