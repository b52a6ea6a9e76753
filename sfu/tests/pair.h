/*
 * pair.h: two transports in one process wired to each other the way the
 * room code and signaling would: e[0] controls ICE and is the DTLS
 * client, e[1] is controlled and the DTLS server; candidates trickle
 * through the handlers; whatever arrives is kept for the test to look at.
 */

#ifndef SFU_TEST_PAIR_H
#define SFU_TEST_PAIR_H

#include <glib.h>
#include <string.h>

#include "loop.h"
#include "transport.h"

#define PAIR_MAX_CANDIDATES 16

struct pair_end {
    sfu_transport_t *t;
    struct pair_end *peer;
    sfu_transport_state_t state;
    bool free_on_final;     /* free the transport from its state handler */
    bool free_on_rtp;       /* ... from its rtp handler */
    unsigned gathered;      /* gathering_done calls */
    unsigned rtp, rtcp;     /* packets handed up */
    bool arrival_known;     /* sfu_transport_arrival, in the last rtp */
    struct timespec arrival;
    uint8_t last[SFU_TRANSPORT_MTU];
    size_t last_len;
    char candidates[PAIR_MAX_CANDIDATES][256];
    unsigned ncandidates;
};

struct pair {
    struct pair_end e[2];
};

static void
pair_on_candidate(sfu_transport_t *t, const char *candidate, void *data)
{
    struct pair_end *e = data;

    (void) t;
    if (e->ncandidates < PAIR_MAX_CANDIDATES) {
        g_strlcpy(e->candidates[e->ncandidates++], candidate, 256);
    }
    if (e->peer->t != NULL) {
        sfu_transport_add_remote_candidate(e->peer->t, candidate);
    }
}

static void
pair_on_gathering_done(sfu_transport_t *t, void *data)
{
    struct pair_end *e = data;

    (void) t;
    e->gathered++;
    if (e->peer->t != NULL) {
        sfu_transport_end_of_candidates(e->peer->t);
    }
}

static void
pair_on_state(sfu_transport_t *t, sfu_transport_state_t state, void *data)
{
    struct pair_end *e = data;

    e->state = state;
    if (e->free_on_final && (state == SFU_TRANSPORT_FAILED
                             || state == SFU_TRANSPORT_CLOSED))
    {
        sfu_transport_free(t);
        e->t = NULL;
    }
}

static void
pair_keep(struct pair_end *e, const uint8_t *pkt, size_t len)
{
    memcpy(e->last, pkt, len);
    e->last_len = len;
}

static void
pair_on_rtp(sfu_transport_t *t, uint8_t *pkt, size_t len, void *data)
{
    struct pair_end *e = data;

    e->rtp++;
    pair_keep(e, pkt, len);
    e->arrival_known = sfu_transport_arrival(t, &e->arrival);
    if (e->free_on_rtp) {
        sfu_transport_free(t);
        e->t = NULL;
    }
}

static void
pair_on_rtcp(sfu_transport_t *t, uint8_t *pkt, size_t len, void *data)
{
    (void) t;
    ((struct pair_end *) data)->rtcp++;
    pair_keep(data, pkt, len);
}

static const sfu_transport_handlers_t pair_handlers = {
    pair_on_candidate, pair_on_gathering_done, pair_on_state,
    pair_on_rtp, pair_on_rtcp,
};

static void
pair_new(struct pair *p)
{
    memset(p, 0, sizeof(*p));
    p->e[0].peer = &p->e[1];
    p->e[1].peer = &p->e[0];
    p->e[0].t = sfu_transport_new(true, &pair_handlers, &p->e[0]);
    p->e[1].t = sfu_transport_new(false, &pair_handlers, &p->e[1]);
}

/* What each side's SDP would tell the other; fingerprint_for[i] is what
   e[i] expects of its peer. */
static int
pair_exchange_fp(struct pair *p, const char *fingerprint_for[2])
{
    int rc = 0;

    for (int i = 0; i < 2; i++) {
        rc |= sfu_transport_set_remote(p->e[i].t,
                                       sfu_transport_ice_ufrag(p->e[!i].t),
                                       sfu_transport_ice_pwd(p->e[!i].t),
                                       sfu_transport_fingerprint_algo(),
                                       fingerprint_for[i], i == 0);
    }
    return rc;
}

__attribute__((unused))
static int
pair_exchange(struct pair *p)
{
    const char *fp[2] = { sfu_transport_fingerprint(),
                          sfu_transport_fingerprint() };

    return pair_exchange_fp(p, fp);
}

static bool
pair_connected(void *arg)
{
    struct pair *p = arg;

    return p->e[0].state == SFU_TRANSPORT_CONNECTED
           && p->e[1].state == SFU_TRANSPORT_CONNECTED;
}

static void
pair_free(struct pair *p)
{
    for (int i = 0; i < 2; i++) {
        sfu_transport_free(p->e[i].t);
        p->e[i].t = NULL;
    }
}

#endif
