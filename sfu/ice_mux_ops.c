/*
 * ice_mux_ops: the operations of the shared-port ICE backend
 * (ice_backend.h) on one peer connection's agent (ice_mux_agent.h):
 * making it, its credentials (random ice-chars from OpenSSL's generator)
 * and their change on an ICE restart, remote credentials and candidates,
 * sending on the selected pair, freeing.
 */

#include "ice_mux_agent.h"

#include "log.h"

#include <openssl/rand.h>
#include <string.h>

#define UFRAG_LEN          8
#define PWD_LEN            24

static void
random_chars(char *out, size_t n)
{
    static const char ice_chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t r[PWD_LEN];

    RAND_bytes(r, (int) n);
    for (size_t i = 0; i < n; i++) {
        out[i] = ice_chars[r[i] & 63];
    }
    out[n] = '\0';
}

/* New local credentials in cur, registered (a ufrag is 48 random bits:
   taken only by chance, then drawn again). */
static void
new_local_creds(agent_t *a)
{
    memset(&a->cur, 0, sizeof(a->cur));
    do {
        random_chars(a->cur.ufrag, UFRAG_LEN);
    } while (sfu_ice_mux_add_ufrag(a->mux, a->cur.ufrag, &a->client) != 0);
    random_chars(a->cur.pwd, PWD_LEN);
}

static const sfu_ice_ops_t mux_ops;

sfu_ice_t *
sfu_ice_mux_agent_new(const sfu_transport_config_t *cfg, bool controlling,
                      const sfu_ice_callbacks_t *cb, void *data)
{
    sfu_ice_mux_t *mux = sfu_ice_mux_find(cfg);
    agent_t *a;

    if (mux == NULL) {
        sfu_log_error("ice: the shared UDP port %u is not open",
                      cfg->udp_port);
        return NULL;
    }
    a = g_new0(agent_t, 1);
    sfu_free_guard_init(&a->guard, g_free, a);
    a->base.ops = &mux_ops;
    a->base.cfg = cfg;
    a->mux = mux;
    a->cb = *cb;
    a->data = data;
    a->controlling = controlling;
    RAND_bytes((uint8_t *) &a->tie_breaker, sizeof(a->tie_breaker));
    a->client.ops = &sfu_ice_mux_agent_client_ops;
    sfu_ice_mux_attach(mux, &a->client);
    new_local_creds(a);
    a->announce_pending = true;
    sfu_ice_mux_agent_schedule(a);
    return &a->base;
}

static const char *
mux_ufrag(const sfu_ice_t *base)
{
    return ((const agent_t *) base)->cur.ufrag;
}

static const char *
mux_pwd(const sfu_ice_t *base)
{
    return ((const agent_t *) base)->cur.pwd;
}

/* New local credentials; the old ones and the old pair live on until a
   new pair is selected. */
static void
restart_local(agent_t *a)
{
    /* the mux keys on our strings: moved, they are registered again */
    if (a->old_live) {
        sfu_ice_mux_remove_ufrag(a->mux, a->old.ufrag, &a->client);
    }
    sfu_ice_mux_remove_ufrag(a->mux, a->cur.ufrag, &a->client);
    a->old = a->cur;
    a->old_live = sfu_ice_mux_add_ufrag(a->mux, a->old.ufrag,
                                        &a->client) == 0;
    new_local_creds(a);
    for (unsigned i = 0; i < MAX_PATHS; i++) {
        a->paths[i].old = true;
    }
    a->n_checks = 0;
    a->selected_current = false;
    a->nominated = false;
    a->announce_pending = true;
    sfu_ice_mux_agent_schedule(a);
}

static int
mux_set_remote(sfu_ice_t *base, const char *ufrag, const char *pwd)
{
    agent_t *a = (agent_t *) base;

    if (strcmp(ufrag, a->cur.remote_ufrag) == 0
        && strcmp(pwd, a->cur.remote_pwd) == 0)
    {
        return 0;
    }
    if (a->cur.remote_ufrag[0] != '\0' || a->restart_pending) {
        if (a->restart_pending) {
            a->restart_pending = false;
        } else {
            sfu_log_debug("ice %p: the peer restarts ICE", (void *) a);
            restart_local(a);
        }
    }
    g_strlcpy(a->cur.remote_ufrag, ufrag, sizeof(a->cur.remote_ufrag));
    g_strlcpy(a->cur.remote_pwd, pwd, sizeof(a->cur.remote_pwd));
    for (unsigned i = 0; i < a->n_checks; i++) {
        a->checks[i].tries = 0;
        a->checks[i].next = g_get_monotonic_time();
    }
    sfu_ice_mux_agent_heard(a);
    sfu_ice_mux_agent_schedule(a);
    return 0;
}

static int
mux_add_remote_candidate(sfu_ice_t *base, const struct sfu_sdp_candidate *c,
                         const char *ip)
{
    agent_t *a = (agent_t *) base;
    sfu_ice_mux_path_t p;

    if (sfu_ice_mux_path_set(&p, ip, c->port) != 0) {
        return -1;
    }
    sfu_ice_mux_agent_heard(a);
    if (c->transport != SFU_SDP_UDP) {
        sfu_ice_mux_agent_schedule(a);
        return 0;                 /* passive ICE-TCP: peers connect to us */
    }
    for (unsigned s = 0; s < sfu_ice_mux_n_sockets(a->mux); s++) {
        p.sock = s;
        if (sfu_ice_mux_local(a->mux, s)->sa_family == p.addr.sa.sa_family
            && sfu_ice_mux_agent_find_check(a, &p) == NULL)
        {
            sfu_ice_mux_agent_trigger_check(a, &p);
        }
    }
    sfu_ice_mux_agent_schedule(a);
    return 0;
}

static void
mux_end_of_candidates(sfu_ice_t *base)
{
    (void) base;                  /* checks go on until one succeeds */
}

static int
mux_restart(sfu_ice_t *base)
{
    agent_t *a = (agent_t *) base;

    a->restart_pending = true;
    restart_local(a);
    return 0;
}

static int
mux_send(sfu_ice_t *base, const uint8_t *pkt, size_t len)
{
    agent_t *a = (agent_t *) base;

    if (!a->selected) {
        return -1;
    }
    return sfu_ice_mux_send(a->mux, &a->sel, pkt, len);
}

static bool
mux_sends_direct(const sfu_ice_t *base)
{
    return ((const agent_t *) base)->selected;
}

static const char *
mux_local(const sfu_ice_t *base)
{
    return ((const agent_t *) base)->local;
}

static const char *
mux_remote(const sfu_ice_t *base)
{
    return ((const agent_t *) base)->remote;
}

static void
mux_free(sfu_ice_t *base)
{
    agent_t *a = (agent_t *) base;

    if (sfu_free_guard_dead(&a->guard)) {
        return;
    }
    for (unsigned i = 0; i < MAX_PATHS; i++) {
        if (a->paths[i].used) {
            sfu_ice_mux_agent_drop_path(a, &a->paths[i]);
        }
    }
    sfu_ice_mux_remove_ufrag(a->mux, a->cur.ufrag, &a->client);
    if (a->old_live) {
        sfu_ice_mux_remove_ufrag(a->mux, a->old.ufrag, &a->client);
    }
    sfu_ice_mux_detach(a->mux, &a->client);
    sfu_free_guard_kill(&a->guard);
}

static const sfu_ice_ops_t mux_ops = {
    .ufrag = mux_ufrag,
    .pwd = mux_pwd,
    .set_remote = mux_set_remote,
    .add_remote_candidate = mux_add_remote_candidate,
    .end_of_candidates = mux_end_of_candidates,
    .restart = mux_restart,
    .send = mux_send,
    .sends_direct = mux_sends_direct,
    .local = mux_local,
    .remote = mux_remote,
    .free = mux_free,
};
