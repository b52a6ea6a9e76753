/*
 * ice_backend: what sfu_ice_* (ice.c) dispatches to.  Two backends
 * implement ice.h: ice_nice.c (a libnice agent per peer connection, the
 * default) and ice_mux_ops.c with ice_mux_agent.c (the shared UDP port
 * of ice_mux.c, with --rtc-udp-port).  Each backend's object starts with sfu_ice_t, whose
 * ops the public functions call.
 */

#ifndef SFU_ICE_BACKEND_H
#define SFU_ICE_BACKEND_H

#include "ice.h"
#include "sdp.h"

#include <glib.h>

typedef struct {
    const char *(*ufrag)(const sfu_ice_t *ice);
    const char *(*pwd)(const sfu_ice_t *ice);
    int  (*set_remote)(sfu_ice_t *ice, const char *ufrag, const char *pwd);
    /* c passed sfu_ice_remote_candidate_usable; ip is its address */
    int  (*add_remote_candidate)(sfu_ice_t *ice,
                                 const struct sfu_sdp_candidate *c,
                                 const char *ip);
    void (*end_of_candidates)(sfu_ice_t *ice);
    int  (*restart)(sfu_ice_t *ice);
    int  (*send)(sfu_ice_t *ice, const uint8_t *pkt, size_t len);
    bool (*sends_direct)(const sfu_ice_t *ice);
    /* optional: NULL where datagrams are not read per connection (the
       shared port), and sfu_ice_arrival / _socket_drops say so */
    bool (*arrival)(sfu_ice_t *ice, struct timespec *at);
    uint64_t (*socket_drops)(sfu_ice_t *ice);
    const char *(*local)(const sfu_ice_t *ice);
    const char *(*remote)(const sfu_ice_t *ice);
    void (*free)(sfu_ice_t *ice);
} sfu_ice_ops_t;

struct sfu_ice {
    const sfu_ice_ops_t          *ops;
    const sfu_transport_config_t *cfg;
};

/* RFC 8839 5.4: ice-ufrag is 4-256 ice-chars, ice-pwd 22-256. */
#define SFU_ICE_CRED_MAX 256

bool sfu_ice_is_ip_literal(const char *s);

sfu_ice_t *sfu_ice_nice_new(const sfu_transport_config_t *cfg,
                            bool controlling, const sfu_ice_callbacks_t *cb,
                            void *data);
sfu_ice_t *sfu_ice_mux_agent_new(const sfu_transport_config_t *cfg,
                                 bool controlling,
                                 const sfu_ice_callbacks_t *cb, void *data);

/*
 * Tests only: consent checks every interval (+-20 %) and the time without
 * an answer that fails the pair, on the shared port (RFC 7675's 5 s and
 * 30 s otherwise).
 */
void sfu_ice_mux_consent_timing(gint64 interval_us, gint64 timeout_us);

#endif
