/*
 * ice_mux_agent.h: what the two halves of the shared-port ICE backend
 * share: the per-peer-connection state (agent_t), and the functions the
 * backend's operations (ice_mux_ops.c: new, credentials, candidates,
 * restart, send, free) call in the protocol (ice_mux_agent.c: checks,
 * answers, selection, consent, the timer).  Internal to those two files.
 */

#ifndef SFU_ICE_MUX_AGENT_H
#define SFU_ICE_MUX_AGENT_H

#include "free_guard.h"
#include "ice_backend.h"
#include "ice_mux.h"

#define MAX_CHECKS         16
#define MAX_PATHS          8

typedef struct {
    char ufrag[SFU_ICE_CRED_MAX + 1], pwd[SFU_ICE_CRED_MAX + 1];
    char remote_ufrag[SFU_ICE_CRED_MAX + 1], remote_pwd[SFU_ICE_CRED_MAX + 1];
} creds_t;

typedef struct {
    sfu_ice_mux_path_t path;
    uint8_t            tid[SFU_STUN_TID_LEN];
    unsigned           tries;
    gint64             next;       /* G_MAXINT64: not sending */
} check_t;

typedef struct {
    sfu_ice_mux_path_t path;       /* registered with the mux while used */
    bool               used;
    bool               old;        /* validated before an ICE restart */
} path_slot_t;

typedef struct {
    sfu_ice_t             base;        /* first */
    sfu_ice_mux_client_t  client;
    sfu_ice_mux_t        *mux;
    sfu_ice_callbacks_t   cb;
    void                 *data;
    sfu_ice_state_t       state;
    bool                  controlling;
    uint64_t              tie_breaker;
    sfu_free_guard_t      guard;           /* g_free's it */
    bool                  announce_pending;
    bool                  restart_pending;  /* ours: the answer is due */

    creds_t               cur, old;
    bool                  old_live;         /* old.ufrag still answered */

    check_t               checks[MAX_CHECKS];
    unsigned              n_checks;
    path_slot_t           paths[MAX_PATHS];
    unsigned              evict;

    /* before a pair is selected: when the peer last gave hope (remote
       credentials or candidates, a check of its that passed) */
    gint64                heard;

    bool                  selected, nominated, selected_current;
    sfu_ice_mux_path_t    sel;
    creds_t               sel_creds;
    gint64                consent_next, consent_ok;
    uint8_t               consent_tid[SFU_STUN_TID_LEN];

    char                  local[64], remote[64];
} agent_t;

extern const sfu_ice_mux_client_ops_t sfu_ice_mux_agent_client_ops;

/* client.due from what is pending; the mux wakes up for it */
void sfu_ice_mux_agent_schedule(agent_t *a);
check_t *sfu_ice_mux_agent_find_check(agent_t *a,
                                      const sfu_ice_mux_path_t *p);
/* A check to p starts now (or starts over: a triggered check). */
void sfu_ice_mux_agent_trigger_check(agent_t *a,
                                     const sfu_ice_mux_path_t *p);
void sfu_ice_mux_agent_drop_path(agent_t *a, path_slot_t *s);
/* The peer gave a sign of life before a pair was selected (see heard). */
void sfu_ice_mux_agent_heard(agent_t *a);

#endif
