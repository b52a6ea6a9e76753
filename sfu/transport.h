/*
 * transport: the network path of one peer connection.  An ICE agent
 * (libnice: one stream, one component, since every peer connection is
 * BUNDLEd and rtcp-muxed), DTLS 1.2 over the selected pair (OpenSSL),
 * and the two SRTP sessions keyed from it (libsrtp2).  Packets arriving
 * on the pair are told apart by their first byte (RFC 7983): STUN stays
 * in libnice, DTLS feeds the handshake, SRTP/SRTCP is unprotected and
 * handed up.  The room decides what to send; the transport protects it
 * in place and sends it.
 *
 * Everything runs on the worker's GLib main context; no call blocks.
 *
 * This header is the contract between the transport (transport.c, ice.c,
 * dtls.c, srtp.c) and the room code (room.c, peer.c, forward.c, ...).
 */

#ifndef SFU_TRANSPORT_H
#define SFU_TRANSPORT_H

#include "peer_networks.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>


/* Room an outgoing packet needs past its length for the SRTP(C) trailer. */
#define SFU_TRANSPORT_TRAILER  148

/* Largest packet handed up or accepted for sending, trailer included. */
#define SFU_TRANSPORT_MTU      1500

typedef struct sfu_transport sfu_transport_t;

/* An SRTP protection profile (RFC 5764, RFC 7714). */
typedef enum {
    SFU_SRTP_NONE,
    SFU_SRTP_AES128_CM_SHA1_80,
    SFU_SRTP_AEAD_AES_128_GCM,
} sfu_srtp_profile_t;

/*
 * Process-wide settings, from the worker's command line.  Consent
 * freshness (RFC 7675): with libnice a check every 4-6 s, and a peer that
 * has not answered for 10 s (fixed in libnice 0.1.21) makes the transport
 * FAILED, so a silent peer is dropped 10-16 s after it stops answering;
 * on the shared UDP port (udp_port) a check every 4-6 s and RFC 7675's
 * 30 s, so 30-36 s.
 */
typedef struct {
    uint16_t     port_min;        /* UDP/TCP host candidate ports; 0 = any */
    uint16_t     port_max;
    const char **listen;          /* IP literals to gather on, NULL-ended;
                                     NULL = every interface address */
    const char  *announce;        /* IP written in host candidates of its
                                     address family instead of the bound one
                                     (1:1 NAT); NULL = none */
    const sfu_peer_networks_t *peer_networks;
                                  /* remote addresses ICE may talk to;
                                     NULL or empty = any */
    bool         udp;             /* gather UDP candidates */
    bool         tcp;             /* gather ICE-TCP passive candidates */
    uint16_t     udp_port;        /* non-zero: every peer connection's ICE
                                     on this one UDP port per listen
                                     address (ice_mux.h), with tcp also
                                     on that TCP port; no libnice;
                                     port_min/max unused */
    sfu_srtp_profile_t srtp_only; /* SFU_SRTP_NONE: offer and accept both,
                                     GCM first; else only this profile */
    unsigned     recv_buffer;     /* bytes of SO_RCVBUF per ICE socket;
                                     0 = the system's default */
} sfu_transport_config_t;

typedef enum {
    SFU_TRANSPORT_NEW,
    SFU_TRANSPORT_CONNECTING,     /* ICE checking, or DTLS handshaking */
    SFU_TRANSPORT_CONNECTED,      /* DTLS done, SRTP keyed: media flows */
    SFU_TRANSPORT_FAILED,         /* ICE failed, consent lost, DTLS alert,
                                     or fingerprint mismatch */
    SFU_TRANSPORT_CLOSED,         /* the peer sent a DTLS close_notify
                                     (seen only while the DTLS session is
                                     held: see dtls.h) */
} sfu_transport_state_t;

/*
 * States only move forward, NEW -> CONNECTING -> CONNECTED, then FAILED or
 * CLOSED, which are final (free the transport).  A transport still not
 * CONNECTED 30 s after sfu_transport_set_remote fails.  An ICE restart
 * does not leave CONNECTED: media stays on the previous pair until the new
 * checks succeed (RFC 8445 9); a restart that fails makes it FAILED.
 */

/*
 * Handlers run on the main context, never inside sfu_transport_new or
 * sfu_transport_free; they may run inside the other calls (libnice reports
 * some changes synchronously).  A handler may free its transport.
 */
typedef struct {
    /* A local candidate, as "candidate:..." (no "a=", no line end). */
    void (*candidate)(sfu_transport_t *t, const char *candidate, void *data);
    /* Local gathering finished (after the last candidate). */
    void (*gathering_done)(sfu_transport_t *t, void *data);
    void (*state)(sfu_transport_t *t, sfu_transport_state_t state,
                  void *data);
    /*
     * An unprotected RTP or RTCP packet (RTCP may be compound).  The
     * buffer is the transport's, writable, valid during the call only, and
     * has SFU_TRANSPORT_TRAILER bytes of room past len.
     */
    void (*rtp)(sfu_transport_t *t, uint8_t *pkt, size_t len, void *data);
    void (*rtcp)(sfu_transport_t *t, uint8_t *pkt, size_t len, void *data);
} sfu_transport_handlers_t;

typedef struct {
    uint64_t             packets_in, bytes_in, packets_out, bytes_out;
    uint64_t             srtp_errors;     /* failed unprotect (incl. replay) */
    uint64_t             send_errors;     /* send_rtp/send_rtcp that gave -1 */
    uint64_t             dtls_dropped;    /* DTLS datagrams after the DTLS
                                             session was released */
    bool                 dtls_held;       /* the DTLS session is kept: a
                                             server until the peer's first
                                             packet that authenticates */
    sfu_srtp_profile_t   profile;
    char                 local[64];       /* selected pair, "ip:port proto" */
    char                 remote[64];
} sfu_transport_stats_t;

/*
 * Once per process, before any transport: keeps cfg (which must outlive
 * every transport), makes the DTLS certificate (ECDSA P-256, self-signed)
 * and initialises libsrtp2.  0 or -1 (logged).
 */
int sfu_transport_global_init(const sfu_transport_config_t *cfg);
void sfu_transport_global_cleanup(void);

/* "sha-256" and the certificate's fingerprint as colon-separated hex. */
const char *sfu_transport_fingerprint_algo(void);
const char *sfu_transport_fingerprint(void);

/*
 * A transport that gathers at once; candidates arrive through handlers.
 * controlling: the ICE role (the side that sent the offer controls).
 */
sfu_transport_t *sfu_transport_new(bool controlling,
                                   const sfu_transport_handlers_t *h,
                                   void *data);

/* Local ICE credentials, for the SDP this side writes (they change on an
   ICE restart). */
const char *sfu_transport_ice_ufrag(const sfu_transport_t *t);
const char *sfu_transport_ice_pwd(const sfu_transport_t *t);

/*
 * The remote side from its SDP: ICE credentials, and the DTLS fingerprint
 * that the peer's certificate must match.  dtls_client: this side sends
 * the ClientHello (a=setup:active on our side).  Checks start once the
 * remote credentials are known.  Calling it again with other credentials
 * is an ICE restart: the answer to ours (sfu_transport_restart), or the
 * peer's, which restarts our side too (new local credentials, candidates
 * announced again), so read the local credentials after this call.  The
 * DTLS session outlives ICE restarts: once it has started, another
 * fingerprint or role is refused.  0, or -1 for an unusable fingerprint
 * (unknown algorithm, malformed or changed).
 */
int sfu_transport_set_remote(sfu_transport_t *t, const char *ufrag,
                             const char *pwd, const char *fingerprint_algo,
                             const char *fingerprint, bool dtls_client);

/*
 * A remote candidate, "candidate:..." with or without "a=".  0, or -1 for
 * a line that does not parse or a candidate that is refused (an mDNS
 * name, which the worker does not resolve, or an address outside the
 * configured peer networks).  A candidate for a component
 * other than 1 (rtcp-mux) or a protocol that is turned off is ignored (0).
 */
int sfu_transport_add_remote_candidate(sfu_transport_t *t,
                                       const char *candidate);
void sfu_transport_end_of_candidates(sfu_transport_t *t);

/*
 * ICE restart from our side: new local credentials; the local candidates
 * are announced again through the handlers, then gathering_done.  The
 * peer's new credentials come through sfu_transport_set_remote.  0 or -1.
 */
int sfu_transport_restart(sfu_transport_t *t);

/*
 * From an rtp or rtcp handler: when the packet reached our socket, by the
 * kernel's CLOCK_REALTIME stamp (see sfu_ice_arrival); false without one.
 */
bool sfu_transport_arrival(sfu_transport_t *t, struct timespec *at);

/* Datagrams the kernel dropped at its sockets, their receive buffer full. */
uint64_t sfu_transport_socket_drops(sfu_transport_t *t);

/*
 * Protects pkt in place (cap >= len + SFU_TRANSPORT_TRAILER) and sends it
 * on the selected pair.  0 sent, -1 dropped (not connected, protect or
 * send failed; counted in send_errors, not logged per packet; pkt may be
 * left protected).  Nothing is allocated here over UDP, inside libsrtp2
 * (built by sfu/libsrtp2) and libnice included; see sfu/README.md.
 * Resending an RTP packet with a sequence number already sent on its SSRC
 * works under AES_CM_128_HMAC_SHA1_80 but is refused under
 * AEAD_AES_128_GCM, where it would reuse a nonce: retransmit through RTX.
 */
int sfu_transport_send_rtp(sfu_transport_t *t, uint8_t *pkt, size_t len,
                           size_t cap);
int sfu_transport_send_rtcp(sfu_transport_t *t, uint8_t *pkt, size_t len,
                            size_t cap);

sfu_transport_state_t sfu_transport_state(const sfu_transport_t *t);
void sfu_transport_stats(const sfu_transport_t *t,
                         sfu_transport_stats_t *out);

/*
 * Closes (DTLS close_notify if connected and the DTLS session is still
 * held) and frees; no handler runs after it.  Safe inside a handler of
 * the same transport.
 */
void sfu_transport_free(sfu_transport_t *t);

#endif
