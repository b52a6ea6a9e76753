/*
 * ice: full ICE (RFC 8445, with trickle and RFC 7675 consent freshness)
 * for the single stream and component of a BUNDLEd, rtcp-muxed peer
 * connection, on the worker's main context: a libnice agent of its own
 * (the default), or a client of the worker's shared UDP port
 * (--rtc-udp-port, ice_mux.h).  Writes local candidates out (announced
 * address applied), reads remote ones with the SDP candidate parser,
 * tells ICE restarts apart, and moves the packets that are not STUN
 * between the selected pair and its owner.
 */

#ifndef SFU_ICE_H
#define SFU_ICE_H

#include "transport.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct sfu_ice sfu_ice_t;

typedef enum {
    SFU_ICE_NEW,
    SFU_ICE_CHECKING,             /* also while an ICE restart checks */
    SFU_ICE_CONNECTED,            /* a pair is selected: data can flow */
    SFU_ICE_FAILED,               /* no pair works, consent lost, or
                                     gathering found no address */
} sfu_ice_state_t;

/*
 * The owner's callbacks.  Each is the last thing ice.c does before it
 * returns to libnice, so one of them may free the agent.
 */
typedef struct {
    void (*candidate)(void *data, const char *candidate);
    void (*gathering_done)(void *data);
    void (*state)(void *data, sfu_ice_state_t state);
    /* A packet that is not STUN, from a validated remote address. */
    void (*recv)(void *data, uint8_t *pkt, size_t len);
} sfu_ice_callbacks_t;

/* Checks cfg's addresses (IP literals only); 0 or -1. */
int sfu_ice_check_config(const sfu_transport_config_t *cfg);

/*
 * Once per process, before any sfu_ice_new: checks cfg and, with
 * cfg->udp_port, opens the shared port (a mux per port, so a test may
 * open two).  0 or -1 (logged).
 */
int sfu_ice_global_init(const sfu_transport_config_t *cfg);
void sfu_ice_global_cleanup(void);

/* Gathering starts from the main loop, never inside this call. */
sfu_ice_t *sfu_ice_new(const sfu_transport_config_t *cfg, bool controlling,
                       const sfu_ice_callbacks_t *cb, void *data);

const char *sfu_ice_ufrag(const sfu_ice_t *ice);
const char *sfu_ice_pwd(const sfu_ice_t *ice);

/* Remote credentials; other ones than before restart ICE (see transport.h). */
int sfu_ice_set_remote(sfu_ice_t *ice, const char *ufrag, const char *pwd);
int sfu_ice_add_remote_candidate(sfu_ice_t *ice, const char *candidate);
void sfu_ice_end_of_candidates(sfu_ice_t *ice);
int sfu_ice_restart(sfu_ice_t *ice);

/*
 * Sends on the selected pair; 0, or -1 if there is none or it failed.  On
 * a UDP pair that is not relayed it goes straight to the socket, not
 * through libnice; sfu_ice_sends_direct says whether the last send did.
 */
int sfu_ice_send(sfu_ice_t *ice, const uint8_t *pkt, size_t len);
bool sfu_ice_sends_direct(const sfu_ice_t *ice);

/*
 * When the datagram being delivered (call it from the recv callback)
 * reached the selected pair's socket, by the kernel's CLOCK_REALTIME
 * stamp; false without one: no UDP pair of our own, or at the first call,
 * which turns the socket's receive stamps on (SIOCGSTAMPNS), if the
 * kernel stamped nothing yet.  sfu-load
 * uses it to measure latency apart from its own lateness in reading.
 */
bool sfu_ice_arrival(sfu_ice_t *ice, struct timespec *at);

/* Datagrams the kernel dropped at our sockets, their receive buffer full. */
uint64_t sfu_ice_socket_drops(sfu_ice_t *ice);
/* (Both are the libnice backend's: on the shared port one socket carries
   every connection, so they are false and 0 there.) */

/* The selected pair as "ip:port proto", "" before there is one. */
const char *sfu_ice_local(const sfu_ice_t *ice);
const char *sfu_ice_remote(const sfu_ice_t *ice);

/* No callback runs after this; the agent closes from the main loop. */
void sfu_ice_free(sfu_ice_t *ice);

#endif
