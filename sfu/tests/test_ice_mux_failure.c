/* ICE failure before a pair is selected, on the shared port (127.0.0.1), at its real timing: hand-made peers that never answer, never check, check and then go silent, or check on and answer late.  The four run at once. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "loop.h"
#include "ports.h"
#include "ice.h"
#include "log.h"
#include "stun.h"

/* ice_mux_agent.c: 10 s without a sign of the peer, our checks given up */
#define QUIET_S      10.0
/* the timer may fire late on a loaded machine */
#define SLACK_S      3.0
/* RFC 5389 Rc */
#define CHECK_SENDS  7

static const char *loopback[] = { "127.0.0.1", NULL };

/*
 * A peer of our own making on a UDP socket of 127.0.0.1: it may send a
 * binding request for the mux agent's ufrag every so often (the peer's
 * checks), and answer the agent's checks from some time on.
 */
struct peer {
    int                fd;
    uint16_t           port;
    char               ufrag[16], pwd[32];
    gint64             first_request, every, last_request;
    gint64             stop_requests, answer_from;   /* G_MAXINT64: never */
    unsigned           requests, checks_seen;
    uint8_t            tid[SFU_STUN_TID_LEN];
    bool               one_tid;             /* every check a retransmission */
};

/* A mux agent and its peer; what the agent reported, and when. */
struct scenario {
    const char        *name;
    sfu_ice_t         *ice;
    struct peer        peer;
    sfu_ice_state_t    state;
    gint64             start, failed_at, connected_at;
    bool               free_on_failure;
};

static uint16_t mux_port;

static void
peer_open(struct peer *p, const char *ufrag)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);

    memset(p, 0, sizeof(*p));
    p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(p->fd, (struct sockaddr *) &sin, sizeof(sin));
    getsockname(p->fd, (struct sockaddr *) &sin, &len);
    p->port = ntohs(sin.sin_port);
    g_strlcpy(p->ufrag, ufrag, sizeof(p->ufrag));
    g_snprintf(p->pwd, sizeof(p->pwd), "%s-password-0123456789", ufrag);
    p->first_request = p->stop_requests = p->answer_from = G_MAXINT64;
    p->one_tid = true;
}

static void
peer_send(struct peer *p, const uint8_t *buf, size_t len,
          const struct sockaddr *to, socklen_t to_len)
{
    if (len > 0) {
        sendto(p->fd, buf, len, 0, to, to_len);
    }
}

/* A check of the peer's, controlled, to the mux agent. */
static void
peer_request(struct peer *p, const sfu_ice_t *ice)
{
    struct sockaddr_in to = { .sin_family = AF_INET,
                              .sin_port = htons(mux_port) };
    uint8_t buf[SFU_STUN_MAX_BUILD], tid[SFU_STUN_TID_LEN];
    char user[64];
    sfu_stun_builder_t b;
    int n;

    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (size_t i = 0; i < sizeof(tid); i++) {
        tid[i] = (uint8_t) g_random_int();
    }
    n = g_snprintf(user, sizeof(user), "%s:%s", sfu_ice_ufrag(ice), p->ufrag);
    sfu_stun_start(&b, buf, sizeof(buf), SFU_STUN_BINDING_REQUEST, tid);
    sfu_stun_add(&b, SFU_STUN_USERNAME, user, (size_t) n);
    sfu_stun_add_u32(&b, SFU_STUN_PRIORITY, 0x6e0001ff);
    sfu_stun_add_u64(&b, SFU_STUN_ICE_CONTROLLED, 1);
    peer_send(p, buf, sfu_stun_finish(&b, sfu_ice_pwd(ice),
                                      strlen(sfu_ice_pwd(ice))),
              (struct sockaddr *) &to, sizeof(to));
    p->requests++;
    p->last_request = g_get_monotonic_time();
}

/* Reads what the mux sent: its checks are counted, answered if due. */
static void
peer_read(struct peer *p, gint64 now)
{
    uint8_t in[1500], out[SFU_STUN_MAX_BUILD];
    struct sockaddr_storage from;
    socklen_t from_len = sizeof(from);
    sfu_stun_builder_t b;
    sfu_stun_msg_t m;
    ssize_t n;

    while ((n = recvfrom(p->fd, in, sizeof(in), 0, (struct sockaddr *) &from,
                         &from_len)) > 0)
    {
        if (sfu_stun_parse(&m, in, (size_t) n) != SFU_STUN_OK
            || m.type != SFU_STUN_BINDING_REQUEST)
        {
            continue;
        }
        if (p->checks_seen++ == 0) {
            memcpy(p->tid, m.tid, sizeof(p->tid));
        }
        p->one_tid = p->one_tid && memcmp(p->tid, m.tid, sizeof(p->tid)) == 0;
        if (now < p->answer_from) {
            continue;
        }
        sfu_stun_start(&b, out, sizeof(out), SFU_STUN_BINDING_SUCCESS, m.tid);
        sfu_stun_add_xor_address(&b, SFU_STUN_XOR_MAPPED,
                                 (struct sockaddr *) &from);
        peer_send(p, out, sfu_stun_finish(&b, p->pwd, strlen(p->pwd)),
                  (struct sockaddr *) &from, from_len);
        from_len = sizeof(from);
    }
}

static void
scenario_candidate(void *data, const char *candidate)
{
    (void) data;
    (void) candidate;
}

static void
scenario_gathering_done(void *data)
{
    (void) data;
}

static void
scenario_state(void *data, sfu_ice_state_t state)
{
    struct scenario *s = data;

    s->state = state;
    if (state == SFU_ICE_FAILED) {
        s->failed_at = g_get_monotonic_time();
        if (s->free_on_failure) {
            sfu_ice_free(s->ice);        /* as an owner may, from inside */
            s->ice = NULL;
        }
    } else if (state == SFU_ICE_CONNECTED && s->connected_at == 0) {
        s->connected_at = g_get_monotonic_time();
    }
}

static void
scenario_recv(void *data, uint8_t *pkt, size_t len)
{
    (void) data;
    (void) pkt;
    (void) len;
}

static const sfu_ice_callbacks_t scenario_callbacks = {
    scenario_candidate, scenario_gathering_done, scenario_state,
    scenario_recv,
};

/* The agent knows the peer's credentials and its one host candidate. */
static void
scenario_start(struct scenario *s, const char *name,
               const sfu_transport_config_t *mux, bool controlling)
{
    char candidate[128];

    memset(s, 0, sizeof(*s));
    s->name = name;
    peer_open(&s->peer, name);
    s->ice = sfu_ice_new(mux, controlling, &scenario_callbacks, s);
    sfu_ice_set_remote(s->ice, s->peer.ufrag, s->peer.pwd);
    g_snprintf(candidate, sizeof(candidate),
               "candidate:1 1 udp 2130706431 127.0.0.1 %u typ host",
               s->peer.port);
    sfu_ice_add_remote_candidate(s->ice, candidate);
    s->start = g_get_monotonic_time();
}

static double
seconds(gint64 from, gint64 to)
{
    return (double) (to - from) / G_USEC_PER_SEC;
}

/* The peers do their part; true once every scenario has its outcome. */
static bool
all_decided(void *arg)
{
    struct scenario *s = arg;
    gint64 now = g_get_monotonic_time();
    bool decided = true;

    for (; s->name != NULL; s++) {
        struct peer *p = &s->peer;

        peer_read(p, now);
        if (s->ice != NULL && s->state != SFU_ICE_FAILED
            && now >= p->first_request && now < p->stop_requests
            && (p->requests == 0 || now >= p->last_request + p->every))
        {
            peer_request(p, s->ice);
        }
        decided = decided && (s->state == SFU_ICE_FAILED
                              || s->state == SFU_ICE_CONNECTED);
    }
    return decided;
}

int
main(void)
{
    sfu_transport_config_t mux = { .listen = loopback, .udp = true };
    struct scenario s[5];
    char want[64];
    struct scenario *silent = &s[0], *unchecked = &s[1], *gone = &s[2],
                    *slow = &s[3];

    sfu_log_init(SFU_LOG_WARN, 0);
    mux.udp_port = mux_port = free_loopback_port(SOCK_DGRAM);
    if (!ok(sfu_ice_global_init(&mux) == 0, "the shared port opens (%u)",
            mux.udp_port))
    {
        return tap_done();
    }

    /* controlling, our checks to the peer's one candidate go unanswered */
    scenario_start(silent, "silent", &mux, true);
    /* controlled: the peer's checks never come */
    scenario_start(unchecked, "unchecked", &mux, false);
    unchecked->free_on_failure = true;
    /* controlling: the peer checks at 2, 5 and 8 s, never answers ours */
    scenario_start(gone, "gone", &mux, true);
    gone->peer.first_request = gone->start + 2 * G_USEC_PER_SEC;
    gone->peer.every = 3 * G_USEC_PER_SEC;
    gone->peer.stop_requests = gone->start + 9 * G_USEC_PER_SEC;
    /* controlling: the peer checks every 3 s, answers ours from 16 s on */
    scenario_start(slow, "slow", &mux, true);
    slow->peer.first_request = slow->start + 2 * G_USEC_PER_SEC;
    slow->peer.every = 3 * G_USEC_PER_SEC;
    slow->peer.answer_from = slow->start + 16 * G_USEC_PER_SEC;
    s[4].name = NULL;

    ok(run_until(all_decided, s, 40), "every agent connected or failed");

    ok(silent->state == SFU_ICE_FAILED
       && seconds(silent->start, silent->failed_at) >= QUIET_S
       && seconds(silent->start, silent->failed_at) <= QUIET_S + SLACK_S,
       "a peer that never answers: FAILED %.1f s after its candidate "
       "(bound %.0f s)", seconds(silent->start, silent->failed_at), QUIET_S);
    ok(silent->peer.checks_seen == CHECK_SENDS && silent->peer.one_tid,
       "... after one check sent %u times (RFC 5389 Rc: %d)",
       silent->peer.checks_seen, CHECK_SENDS);

    ok(unchecked->state == SFU_ICE_FAILED
       && seconds(unchecked->start, unchecked->failed_at) >= QUIET_S
       && seconds(unchecked->start, unchecked->failed_at)
          <= QUIET_S + SLACK_S,
       "controlled, no check from the peer: FAILED after %.1f s",
       seconds(unchecked->start, unchecked->failed_at));
    is_int(unchecked->peer.checks_seen, 0, "... having sent none itself");
    ok(unchecked->ice == NULL, "... and freed by its owner on FAILED");

    ok(gone->state == SFU_ICE_FAILED && gone->peer.requests == 3
       && seconds(gone->peer.last_request, gone->failed_at) >= QUIET_S
       && seconds(gone->peer.last_request, gone->failed_at)
          <= QUIET_S + SLACK_S,
       "a peer whose checks stop: FAILED %.1f s after its last one "
       "(%.1f s in)", seconds(gone->peer.last_request, gone->failed_at),
       seconds(gone->start, gone->failed_at));
    ok(gone->peer.checks_seen > CHECK_SENDS,
       "... its checks were checked back (%u requests to it)",
       gone->peer.checks_seen);

    ok(slow->state == SFU_ICE_CONNECTED && slow->failed_at == 0
       && seconds(slow->start, slow->connected_at) >= 16,
       "a peer that checks on and answers after 16 s: CONNECTED at %.1f s, "
       "never FAILED", seconds(slow->start, slow->connected_at));
    g_snprintf(want, sizeof(want), "127.0.0.1:%u udp", slow->peer.port);
    is_str(slow->ice != NULL ? sfu_ice_remote(slow->ice) : NULL, want,
           "... on the pair its checks came from");

    for (unsigned i = 0; s[i].name != NULL; i++) {
        sfu_ice_free(s[i].ice);
        close(s[i].peer.fd);
    }
    sfu_ice_global_cleanup();
    return tap_done();
}
