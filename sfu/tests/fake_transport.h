/*
 * fake_transport.h: a stand-in for transport.h in unit tests of the room
 * code, so that they run without ICE, DTLS or SRTP.  A test decides when a
 * transport has gathered, connected or failed, hands it packets as if they
 * had arrived, and reads what the room code sent.  Include it in exactly
 * one test file: it defines the transport functions the library calls.
 */
#ifndef SFU_TEST_FAKE_TRANSPORT_H
#define SFU_TEST_FAKE_TRANSPORT_H

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "transport.h"

#define FAKE_MAX_SENT 256

struct fake_packet {
    uint8_t data[SFU_TRANSPORT_MTU];
    size_t len;
};

struct sfu_transport {
    bool controlling;
    const sfu_transport_handlers_t *h;
    void *data;
    char ufrag[16];
    char pwd[32];
    char remote_ufrag[257];
    bool dtls_client;
    unsigned remote_candidates;
    bool end_of_candidates;
    sfu_transport_state_t state;
    struct fake_packet rtp[FAKE_MAX_SENT];
    unsigned rtp_count;
    struct fake_packet rtcp[FAKE_MAX_SENT];
    unsigned rtcp_count;
};

static GPtrArray *fake_transports;      /* every live one, in creation order */
static unsigned fake_made;

sfu_transport_t *
sfu_transport_new(bool controlling, const sfu_transport_handlers_t *h, void *data)
{
    sfu_transport_t *t = g_new0(sfu_transport_t, 1);

    t->controlling = controlling;
    t->h = h;
    t->data = data;
    snprintf(t->ufrag, sizeof(t->ufrag), "fk%02u", ++fake_made);
    snprintf(t->pwd, sizeof(t->pwd), "fakepasswordfakepassword%02u", fake_made);
    t->state = SFU_TRANSPORT_NEW;
    if (fake_transports == NULL) {
        fake_transports = g_ptr_array_new();
    }
    g_ptr_array_add(fake_transports, t);
    return t;
}

const char *
sfu_transport_ice_ufrag(const sfu_transport_t *t)
{
    return t->ufrag;
}

const char *
sfu_transport_ice_pwd(const sfu_transport_t *t)
{
    return t->pwd;
}

const char *
sfu_transport_fingerprint_algo(void)
{
    return "sha-256";
}

const char *
sfu_transport_fingerprint(void)
{
    return "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
}

int
sfu_transport_set_remote(sfu_transport_t *t, const char *ufrag, const char *pwd, const char *fingerprint_algo,
    const char *fingerprint, bool dtls_client)
{
    (void)pwd;
    (void)fingerprint;
    if (strcmp(fingerprint_algo, "sha-256") != 0) {
        return -1;
    }
    snprintf(t->remote_ufrag, sizeof(t->remote_ufrag), "%s", ufrag);
    t->dtls_client = dtls_client;
    return 0;
}

int
sfu_transport_add_remote_candidate(sfu_transport_t *t, const char *candidate)
{
    if (strstr(candidate, ".local ") != NULL) {
        return -1;
    }
    t->remote_candidates++;
    return 0;
}

void
sfu_transport_end_of_candidates(sfu_transport_t *t)
{
    t->end_of_candidates = true;
}

int
sfu_transport_restart(sfu_transport_t *t)
{
    (void)t;
    return -1;
}

static int
fake_keep(struct fake_packet *list, unsigned *count, const uint8_t *pkt, size_t len, size_t cap)
{
    if (cap < len + SFU_TRANSPORT_TRAILER || *count == FAKE_MAX_SENT) {
        return -1;
    }
    memcpy(list[*count].data, pkt, len);
    list[(*count)++].len = len;
    return 0;
}

int
sfu_transport_send_rtp(sfu_transport_t *t, uint8_t *pkt, size_t len, size_t cap)
{
    return t->state == SFU_TRANSPORT_CONNECTED ? fake_keep(t->rtp, &t->rtp_count, pkt, len, cap) : -1;
}

int
sfu_transport_send_rtcp(sfu_transport_t *t, uint8_t *pkt, size_t len, size_t cap)
{
    return t->state == SFU_TRANSPORT_CONNECTED ? fake_keep(t->rtcp, &t->rtcp_count, pkt, len, cap) : -1;
}

sfu_transport_state_t
sfu_transport_state(const sfu_transport_t *t)
{
    return t->state;
}

void
sfu_transport_stats(const sfu_transport_t *t, sfu_transport_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    out->packets_out = t->rtp_count;
}

void
sfu_transport_free(sfu_transport_t *t)
{
    g_ptr_array_remove(fake_transports, t);
    g_free(t);
}

/* The n-th live transport (0: the oldest), or NULL. */
__attribute__((unused))
static sfu_transport_t *
fake_transport(unsigned n)
{
    return fake_transports != NULL && n < fake_transports->len ? g_ptr_array_index(fake_transports, n) : NULL;
}

/* One host candidate, then gathering done. */
__attribute__((unused))
static void
fake_gather(sfu_transport_t *t)
{
    t->h->candidate(t, "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", t->data);
    t->h->gathering_done(t, t->data);
}

__attribute__((unused))
static void
fake_set_state(sfu_transport_t *t, sfu_transport_state_t state)
{
    t->state = state;
    t->h->state(t, state, t->data);
}

/* A packet arriving from the client, unprotected, in a buffer the handler may write to. */
__attribute__((unused))
static void
fake_receive(sfu_transport_t *t, bool rtcp, const uint8_t *pkt, size_t len)
{
    uint8_t buf[SFU_TRANSPORT_MTU];

    memcpy(buf, pkt, len);
    if (rtcp) {
        t->h->rtcp(t, buf, len, t->data);
    } else {
        t->h->rtp(t, buf, len, t->data);
    }
}

#endif
