/*
 * ice_mux_tcp: passive ICE-TCP (RFC 6544) on the shared port: a TCP
 * listener per listen address at the shared port number, and the
 * connections peers open to it (their active candidates; we never connect
 * out).  Each connection carries RFC 4571 frames (ice_tcp_frame.h) and is
 * a path of its own (sfu_ice_mux_path_t.tcp = its id):
 *
 *   - Its first frame must be a binding request that the mux routes to a
 *     client by ufrag and that the client accepts (it binds the path, as
 *     it registers a UDP source); anything else, or nothing within the
 *     authentication timeout, closes it.  Unauthenticated connections are
 *     limited in number.
 *   - Later frames: STUN to the mux's routing, the rest to the client's
 *     data callback.
 *   - Sending frames and writes; what the socket does not take is queued
 *     in a ring allocated once per connection, up to a bound; frames
 *     beyond it are dropped and counted.  Nothing blocks.
 *   - A connection that closes (peer, error, an oversized frame) tells
 *     its client (closed); a client that unbinds a path closes it.
 *
 * Internal to ice_mux.c, which owns one of these when cfg->tcp.
 */

#ifndef SFU_ICE_MUX_TCP_H
#define SFU_ICE_MUX_TCP_H

#include "ice_mux.h"

typedef struct sfu_ice_mux_tcp sfu_ice_mux_tcp_t;

sfu_ice_mux_tcp_t *sfu_ice_mux_tcp_new(sfu_ice_mux_t *mux);
/* Closes every listener and connection, telling no client. */
void sfu_ice_mux_tcp_free(sfu_ice_mux_tcp_t *t);

/* Listens on local (its sock is the index paths will carry); 0 or -1. */
int sfu_ice_mux_tcp_listen(sfu_ice_mux_tcp_t *t,
                           const sfu_ice_mux_path_t *local,
                           const sfu_transport_config_t *cfg);

/* The connection of p now leads to c (from any other client). */
void sfu_ice_mux_tcp_bind(sfu_ice_mux_tcp_t *t, const sfu_ice_mux_path_t *p,
                          sfu_ice_mux_client_t *c);
/* c lets go of p: its connection closes (c is not told). */
void sfu_ice_mux_tcp_unbind(sfu_ice_mux_tcp_t *t,
                            const sfu_ice_mux_path_t *p,
                            sfu_ice_mux_client_t *c);

/* One frame on p's connection; 0, or -1 (gone, too long, queue full). */
int sfu_ice_mux_tcp_send(sfu_ice_mux_tcp_t *t, const sfu_ice_mux_path_t *to,
                         const uint8_t *buf, size_t len);

void sfu_ice_mux_tcp_stats(const sfu_ice_mux_tcp_t *t,
                           sfu_ice_mux_stats_t *out);

/* Tests only: how long a connection may take to authenticate (10 s). */
void sfu_ice_mux_tcp_auth_timeout(gint64 us);

#endif
