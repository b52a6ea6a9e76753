/*
 * ice_ends.h: two ICE agents (sfu_ice_t, either backend) in one process,
 * wired to each other the way signaling would: e[0] controls, e[1] is
 * controlled, candidates trickle as they come, and what each receives is
 * kept for the test to look at.
 */

#ifndef SFU_TEST_ICE_ENDS_H
#define SFU_TEST_ICE_ENDS_H

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice.h"
#include "loop.h"
#include "ports.h"

#define MAX_CANDIDATES 16

struct end {
    sfu_ice_t *ice;
    struct end *peer;
    sfu_ice_state_t state;
    bool trickle;           /* hand candidates to the peer as they come */
    bool gathered;
    char candidates[MAX_CANDIDATES][256];
    unsigned ncandidates;
    unsigned received;
    char last[64];
};

__attribute__((unused))
static void
on_candidate(void *data, const char *candidate)
{
    struct end *e = data;

    if (e->ncandidates < MAX_CANDIDATES) {
        g_strlcpy(e->candidates[e->ncandidates++], candidate, 256);
    }
    if (e->trickle && e->peer->ice != NULL) {
        sfu_ice_add_remote_candidate(e->peer->ice, candidate);
    }
}

__attribute__((unused))
static void
on_gathering_done(void *data)
{
    struct end *e = data;

    e->gathered = true;
    if (e->trickle && e->peer->ice != NULL) {
        sfu_ice_end_of_candidates(e->peer->ice);
    }
}

__attribute__((unused))
static void
on_state(void *data, sfu_ice_state_t state)
{
    ((struct end *) data)->state = state;
}

__attribute__((unused))
static void
on_recv(void *data, uint8_t *pkt, size_t len)
{
    struct end *e = data;

    e->received++;
    g_strlcpy(e->last, (const char *) pkt, MIN(len + 1, sizeof(e->last)));
}

static const sfu_ice_callbacks_t callbacks = {
    on_candidate, on_gathering_done, on_state, on_recv,
};

__attribute__((unused))
static bool
both_connected(void *arg)
{
    struct end *e = arg;

    return e[0].state == SFU_ICE_CONNECTED && e[1].state == SFU_ICE_CONNECTED;
}

__attribute__((unused))
static bool
both_gathered(void *arg)
{
    struct end *e = arg;

    return e[0].gathered && e[1].gathered;
}

__attribute__((unused))
static bool
is_failed(void *arg)
{
    return ((struct end *) arg)->state == SFU_ICE_FAILED;
}

__attribute__((unused))
static bool
got_both(void *arg)
{
    struct end *e = arg;

    return e[0].received > 0 && e[1].received > 0;
}

/* e[0] controls with cfg0, e[1] is controlled with cfg1; both trickle. */
__attribute__((unused))
static void
pair_new_apart(struct end e[2], const sfu_transport_config_t *cfg0,
               const sfu_transport_config_t *cfg1)
{
    memset(e, 0, 2 * sizeof(*e));
    e[0].peer = &e[1];
    e[1].peer = &e[0];
    e[0].trickle = e[1].trickle = true;
    e[0].ice = sfu_ice_new(cfg0, true, &callbacks, &e[0]);
    e[1].ice = sfu_ice_new(cfg1, false, &callbacks, &e[1]);
}

__attribute__((unused))
static void
pair_new(struct end e[2], const sfu_transport_config_t *cfg)
{
    pair_new_apart(e, cfg, cfg);
}

__attribute__((unused))
static void
pair_exchange_credentials(struct end e[2])
{
    sfu_ice_set_remote(e[0].ice, sfu_ice_ufrag(e[1].ice),
                       sfu_ice_pwd(e[1].ice));
    sfu_ice_set_remote(e[1].ice, sfu_ice_ufrag(e[0].ice),
                       sfu_ice_pwd(e[0].ice));
}

/* Sends "name" both ways until each side has something new. */
__attribute__((unused))
static bool
pair_talks(struct end e[2], const char *what)
{
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    e[0].received = e[1].received = 0;
    while (!got_both(e) && g_get_monotonic_time() < end) {
        sfu_ice_send(e[0].ice, (const uint8_t *) what, strlen(what));
        sfu_ice_send(e[1].ice, (const uint8_t *) what, strlen(what));
        run_until(got_both, e, 0.05);
    }
    return got_both(e) && strcmp(e[0].last, what) == 0
           && strcmp(e[1].last, what) == 0;
}

/* Both connected within 20 s, then "what" both ways. */
__attribute__((unused))
static bool
both_connected_and_talk(struct end e[2], const char *what)
{
    return run_until(both_connected, e, 20) && pair_talks(e, what);
}

__attribute__((unused))
static void
pair_free(struct end e[2])
{
    sfu_ice_free(e[0].ice);
    sfu_ice_free(e[1].ice);
    e[0].ice = e[1].ice = NULL;
}
#endif
