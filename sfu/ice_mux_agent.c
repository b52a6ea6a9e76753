/*
 * ice_mux_agent: the ICE protocol of one peer connection on the shared
 * UDP port (ice_mux.c); its operations (ice_backend.h) are ice_mux_ops.c.  Full ICE (RFC 8445), not ICE-lite:
 * some peers (aioice) never nominate towards a lite agent.
 *
 *   - Local candidates: one host candidate per mux socket, all at the
 *     shared port, and with ICE-TCP a passive TCP one per address at the
 *     same port (we never connect out: the peer's active candidates
 *     connect to us, and each connection is a path of its own).
 *   - Every binding request for our ufrag whose integrity checks is
 *     answered, and its source becomes a valid path, routed to us.  A
 *     source that is no candidate of the peer's is peer-reflexive.
 *   - Controlled: the first valid request's path carries media until the
 *     peer nominates one (USE-CANDIDATE), which then stays.
 *   - Controlling: checks to every remote candidate (and to every valid
 *     request's source: a triggered check), each with USE-CANDIDATE
 *     (aggressive nomination), sent 7 times (RFC 5389 7.2.1's Rc: at 0,
 *     0.1, 0.3, 0.7, 1.5, 3.1 and 4.7 s, the wait doubling from 100 ms up
 *     to 1.6 s) and given up 1.6 s after the last (Rm x RTO), 6.3 s in
 *     all, unless a pair is selected first; the first success selects it.
 *     Over ICE-TCP that is a check on the connection the peer opened,
 *     triggered by the peer's request on it.
 *   - An ICE-TCP connection that closes takes its path away: if it was
 *     the selected one, another valid path takes over, or FAILED.
 *   - Role conflicts (487) per RFC 8445 7.3.1.1.
 *   - Consent (RFC 7675): a request on the selected pair every 4-6 s;
 *     none answered for 30 s makes the state FAILED.
 *   - ICE restart: new local credentials; the old ones are still answered
 *     and the old pair still carries media until a new pair is selected,
 *     then the old ufrag and the old paths go.
 *
 * FAILED before a pair is selected once none can be: the remote
 * credentials are known, every check of ours has been given up (or we
 * send none: controlled), and for 10 s (FAIL_QUIET_US) nothing came that
 * could still make a pair: no remote candidate, new credentials, or
 * check from the peer that passed (whose source a controlling agent
 * checks back; controlled, it would have been selected).  So a peer that
 * cannot be reached fails 10 s after its last sign of life (at least
 * 6.3 s after its last candidate), and one whose checks keep arriving
 * never does.  End-of-candidates is not waited for (many peers never
 * signal it), nor does it shorten the wait (peer-reflexive sources come
 * after it).  During an ICE restart the old pair stays selected and only
 * consent can fail it.
 *
 * Every callback to the owner is the last thing done, or is done
 * while the object is held (free_guard.h), so the owner may free it
 * inside.
 */

#include "ice_mux_agent.h"

#include "log.h"

#include <openssl/rand.h>
#include <string.h>

#define CHECK_RTO_MIN_US   (100 * 1000)
#define CHECK_RTO_MAX_US   (1600 * 1000)
/* RFC 5389 7.2.1: Rc sends, then Rm x RTO for the last answer */
#define CHECK_SENDS        7
#define CHECK_LAST_WAIT_US (16 * CHECK_RTO_MIN_US)
/* no sign of the peer for this long, no check of ours left: FAILED */
#define FAIL_QUIET_US      (10 * G_USEC_PER_SEC)

/* RFC 7675: 5 s +-20 %, 30 s; tests may shorten (sfu_ice_mux_consent_timing) */
static gint64 consent_interval_us = 5 * G_USEC_PER_SEC;
static gint64 consent_timeout_us = 30 * G_USEC_PER_SEC;

/* RFC 8445 5.1.2.1: type preference host 126, peer-reflexive 110 */
#define TYPE_HOST          126
#define TYPE_PRFLX         110
/* RFC 6544 4.2: direction-pref of a passive candidate */
#define DIRECTION_PASSIVE  4

/*
 * A candidate's priority on socket sock (RFC 8445 5.1.2.1, component 1):
 * the local preference is 65535 minus the socket's index for UDP, and
 * for passive TCP (RFC 6544 4.2) direction-pref << 13 plus 8191 minus the
 * index, below every UDP one of ours.
 */
static uint32_t
priority(unsigned type, unsigned sock, bool tcp)
{
    uint32_t local = tcp ? (DIRECTION_PASSIVE << 13) + (8191 - sock)
                         : 65535 - sock;

    return (uint32_t) type << 24 | local << 8 | 255u;
}

void
sfu_ice_mux_consent_timing(gint64 interval_us, gint64 timeout_us)
{
    consent_interval_us = interval_us;
    consent_timeout_us = timeout_us;
}

static agent_t *
of_client(sfu_ice_mux_client_t *c)
{
    return (agent_t *) ((char *) c - offsetof(agent_t, client));
}

/* The owner freed a: it goes once no call holds it. */
static bool
dead(const agent_t *a)
{
    return sfu_free_guard_dead(&a->guard);
}


static gint64
consent_jitter(void)
{
    return consent_interval_us * g_random_int_range(80, 121) / 100;
}

static bool
checking(const agent_t *a)
{
    return a->controlling && !a->selected_current
           && a->cur.remote_pwd[0] != '\0';
}

/* A check of ours is still waiting for its answer. */
static bool
checks_pending(const agent_t *a)
{
    for (unsigned i = 0; i < a->n_checks && checking(a); i++) {
        if (a->checks[i].next != G_MAXINT64) {
            return true;
        }
    }
    return false;
}

/* Whether no pair can be selected any more: no check of ours pending,
   nothing from the peer that could make one (see the top). */
static bool
may_fail(const agent_t *a)
{
    return !a->selected && a->state != SFU_ICE_FAILED
           && a->cur.remote_pwd[0] != '\0' && !checks_pending(a);
}

void
sfu_ice_mux_agent_heard(agent_t *a)
{
    a->heard = g_get_monotonic_time();
}

void
sfu_ice_mux_agent_schedule(agent_t *a)
{
    gint64 due = G_MAXINT64;

    if (dead(a)) {
        return;
    }
    if (a->announce_pending) {
        due = 0;
    }
    for (unsigned i = 0; i < a->n_checks; i++) {
        due = MIN(due, a->checks[i].next);
    }
    if (may_fail(a)) {
        due = MIN(due, a->heard + FAIL_QUIET_US);
    }
    if (a->selected) {
        due = MIN(due, MIN(a->consent_next,
                           a->consent_ok + consent_timeout_us));
    }
    a->client.due = due;
    sfu_ice_mux_reschedule(a->mux, &a->client);
}

/* --- paths */

static path_slot_t *
find_path(agent_t *a, const sfu_ice_mux_path_t *p)
{
    for (unsigned i = 0; i < MAX_PATHS; i++) {
        if (a->paths[i].used && sfu_ice_mux_path_equal(&a->paths[i].path, p)) {
            return &a->paths[i];
        }
    }
    return NULL;
}

void
sfu_ice_mux_agent_drop_path(agent_t *a, path_slot_t *s)
{
    sfu_ice_mux_remove_path(a->mux, &s->path, &a->client);
    s->used = false;
}

/* The path passed a check: from now on it reaches us. */
static void
validate_path(agent_t *a, const sfu_ice_mux_path_t *p, bool old)
{
    path_slot_t *s = find_path(a, p);

    if (s == NULL) {
        for (unsigned i = 0; i < MAX_PATHS && s == NULL; i++) {
            if (!a->paths[i].used) {
                s = &a->paths[i];
            }
        }
    }
    while (s == NULL) {
        /* full: the selected path stays, another goes */
        path_slot_t *victim = &a->paths[a->evict++ % MAX_PATHS];

        if (!a->selected || !sfu_ice_mux_path_equal(&victim->path, &a->sel)) {
            sfu_ice_mux_agent_drop_path(a, victim);
            s = victim;
        }
    }
    if (!s->used) {
        s->path = *p;
        s->used = true;
        sfu_ice_mux_add_path(a->mux, &s->path, &a->client);
    }
    s->old = old;
}

/* --- sending STUN */

static void
new_tid(agent_t *a, uint8_t tid[SFU_STUN_TID_LEN])
{
    /* the mux routes responses by the id in the first four bytes */
    memcpy(tid, &a->client.id, sizeof(a->client.id));
    RAND_bytes(tid + sizeof(a->client.id),
               SFU_STUN_TID_LEN - (int) sizeof(a->client.id));
}

static void
send_request(agent_t *a, const sfu_ice_mux_path_t *to, const creds_t *c,
             const uint8_t tid[SFU_STUN_TID_LEN], bool nominate)
{
    uint8_t buf[SFU_STUN_MAX_BUILD];
    char user[2 * SFU_ICE_CRED_MAX + 2];
    sfu_stun_builder_t b;
    size_t len;
    int n;

    n = g_snprintf(user, sizeof(user), "%s:%s", c->remote_ufrag, c->ufrag);
    sfu_stun_start(&b, buf, sizeof(buf), SFU_STUN_BINDING_REQUEST, tid);
    sfu_stun_add(&b, SFU_STUN_USERNAME, user, (size_t) n);
    sfu_stun_add_u32(&b, SFU_STUN_PRIORITY, priority(TYPE_PRFLX, to->sock,
                                                    to->tcp != 0));
    sfu_stun_add_u64(&b, a->controlling ? SFU_STUN_ICE_CONTROLLING
                                        : SFU_STUN_ICE_CONTROLLED,
                     a->tie_breaker);
    if (nominate && a->controlling) {
        sfu_stun_add(&b, SFU_STUN_USE_CANDIDATE, NULL, 0);
    }
    len = sfu_stun_finish(&b, c->remote_pwd, strlen(c->remote_pwd));
    if (len > 0) {
        sfu_ice_mux_send(a->mux, to, buf, len);
    }
}

static void
send_response(agent_t *a, const sfu_ice_mux_path_t *to,
              const sfu_stun_msg_t *m, const creds_t *c, unsigned error)
{
    uint8_t buf[SFU_STUN_MAX_BUILD];
    uint16_t unknown[SFU_STUN_MAX_UNKNOWN];
    sfu_stun_builder_t b;
    size_t len;

    sfu_stun_start(&b, buf, sizeof(buf), error != 0
                   ? SFU_STUN_BINDING_ERROR : SFU_STUN_BINDING_SUCCESS,
                   m->tid);
    if (error == 0) {
        sfu_stun_add_xor_address(&b, SFU_STUN_XOR_MAPPED, &to->addr.sa);
    } else if (error == SFU_STUN_ERR_UNKNOWN_ATTR) {
        for (unsigned i = 0; i < m->n_unknown; i++) {
            unknown[i] = (uint16_t) (m->unknown[i] >> 8 | m->unknown[i] << 8);
        }
        sfu_stun_add_error(&b, error, "Unknown Attribute");
        sfu_stun_add(&b, SFU_STUN_UNKNOWN_ATTRS, unknown, 2 * m->n_unknown);
    } else {
        sfu_stun_add_error(&b, error, error == SFU_STUN_ERR_ROLE_CONFLICT
                                      ? "Role Conflict" : "Unauthorized");
    }
    /* a 401 cannot be signed: the sender's key is what failed */
    len = sfu_stun_finish(&b, c != NULL ? c->pwd : NULL,
                          c != NULL ? strlen(c->pwd) : 0);
    if (len > 0) {
        sfu_ice_mux_send(a->mux, to, buf, len);
    }
}

/* --- checks (controlling) */

check_t *
sfu_ice_mux_agent_find_check(agent_t *a, const sfu_ice_mux_path_t *p)
{
    for (unsigned i = 0; i < a->n_checks; i++) {
        if (sfu_ice_mux_path_equal(&a->checks[i].path, p)) {
            return &a->checks[i];
        }
    }
    return NULL;
}

/* A check to p starts now (or starts over: a triggered check). */
void
sfu_ice_mux_agent_trigger_check(agent_t *a, const sfu_ice_mux_path_t *p)
{
    check_t *c = sfu_ice_mux_agent_find_check(a, p);

    if (c == NULL) {
        if (a->n_checks == MAX_CHECKS) {
            return;
        }
        c = &a->checks[a->n_checks++];
        c->path = *p;
    }
    c->tries = 0;
    c->next = g_get_monotonic_time();
}

static void
run_checks(agent_t *a, gint64 now)
{
    for (unsigned i = 0; i < a->n_checks; i++) {
        check_t *c = &a->checks[i];

        if (!checking(a)) {
            c->next = G_MAXINT64;
            continue;
        }
        if (c->next > now) {
            continue;
        }
        if (c->tries == CHECK_SENDS) {
            c->next = G_MAXINT64;          /* given up (a late answer counts) */
            continue;
        }
        if (c->tries == 0) {
            new_tid(a, c->tid);
        }
        send_request(a, &c->path, &a->cur, c->tid, true);
        c->tries++;
        c->next = now + (c->tries == CHECK_SENDS
                         ? CHECK_LAST_WAIT_US
                         : MIN((gint64) CHECK_RTO_MIN_US << (c->tries - 1),
                               CHECK_RTO_MAX_US));
    }
}

/* --- selection */

static void
set_state(agent_t *a, sfu_ice_state_t state)
{
    if (dead(a) || state == a->state || a->state == SFU_ICE_FAILED) {
        return;
    }
    a->state = state;
    a->cb.state(a->data, state);
}

/* The restart is over: the old ufrag and paths go (not the new pair's). */
static void
forget_old(agent_t *a)
{
    if (a->old_live) {
        sfu_ice_mux_remove_ufrag(a->mux, a->old.ufrag, &a->client);
        a->old_live = false;
    }
    for (unsigned i = 0; i < MAX_PATHS; i++) {
        if (a->paths[i].used && a->paths[i].old
            && !sfu_ice_mux_path_equal(&a->paths[i].path, &a->sel))
        {
            sfu_ice_mux_agent_drop_path(a, &a->paths[i]);
        }
    }
}

/* Media goes on p now, checked with the current credentials; the caller
   reports the state last. */
static void
select_path(agent_t *a, const sfu_ice_mux_path_t *p, bool nominated)
{
    char addr[64];

    if (a->selected && a->nominated && !nominated) {
        return;
    }
    if (!a->selected || !sfu_ice_mux_path_equal(&a->sel, p)) {
        a->consent_ok = g_get_monotonic_time();
        a->consent_next = a->consent_ok + consent_jitter();
    }
    a->selected = true;
    a->nominated = nominated;
    a->selected_current = true;
    a->sel = *p;
    a->sel_creds = a->cur;
    sfu_ice_mux_format(sfu_ice_mux_local(a->mux, p->sock), addr,
                       sizeof(addr));
    g_snprintf(a->local, sizeof(a->local), "%s %s", addr,
               p->tcp != 0 ? "tcp" : "udp");
    sfu_ice_mux_format(&p->addr.sa, addr, sizeof(addr));
    g_snprintf(a->remote, sizeof(a->remote), "%s %s", addr,
               p->tcp != 0 ? "tcp" : "udp");
    forget_old(a);
    sfu_log_debug("ice %p: selected %s -> %s%s", (void *) a, a->local,
                  a->remote, nominated ? " (nominated)" : "");
}

/* --- receiving */

static void
switch_role(agent_t *a)
{
    a->controlling = !a->controlling;
    sfu_log_debug("ice %p: role conflict, now %s", (void *) a,
                  a->controlling ? "controlling" : "controlled");
    for (unsigned i = 0; i < a->n_checks; i++) {
        a->checks[i].tries = 0;
        a->checks[i].next = g_get_monotonic_time();
    }
}

/* RFC 8445 7.3.1.1; true if the request is answered with 487 */
static bool
role_conflict(agent_t *a, const sfu_stun_msg_t *m)
{
    if (a->controlling && m->controlling) {
        if (a->tie_breaker >= m->tie_breaker) {
            return true;
        }
        switch_role(a);
    } else if (!a->controlling && m->controlled) {
        if (a->tie_breaker < m->tie_breaker) {
            return true;
        }
        switch_role(a);
    }
    return false;
}

static void
on_request(agent_t *a, const sfu_ice_mux_path_t *from,
           const sfu_stun_msg_t *m, const uint8_t *buf)
{
    const creds_t *c = NULL;
    const uint8_t *colon = memchr(m->username, ':', m->username_len);
    size_t llen = (size_t) (colon - m->username);
    size_t rlen = m->username_len - llen - 1;
    bool current;

    if (llen == strlen(a->cur.ufrag)
        && memcmp(m->username, a->cur.ufrag, llen) == 0)
    {
        c = &a->cur;
    } else if (a->old_live && llen == strlen(a->old.ufrag)
               && memcmp(m->username, a->old.ufrag, llen) == 0)
    {
        c = &a->old;
    }
    if (c == NULL || !sfu_stun_check_integrity(m, buf, c->pwd, strlen(c->pwd))
        || (c->remote_ufrag[0] != '\0'
            && (rlen != strlen(c->remote_ufrag)
                || memcmp(colon + 1, c->remote_ufrag, rlen) != 0)))
    {
        sfu_log_debug("ice %p: binding request refused (credentials)",
                      (void *) a);
        sfu_ice_mux_count_bad_credentials(a->mux);
        send_response(a, from, m, NULL, SFU_STUN_ERR_UNAUTHORIZED);
        return;
    }
    if (m->n_unknown > 0) {
        send_response(a, from, m, c, SFU_STUN_ERR_UNKNOWN_ATTR);
        return;
    }
    if (c == &a->cur) {
        sfu_ice_mux_agent_heard(a);
    }
    if (role_conflict(a, m)) {
        send_response(a, from, m, c, SFU_STUN_ERR_ROLE_CONFLICT);
        return;
    }
    send_response(a, from, m, c, 0);

    current = c == &a->cur;
    validate_path(a, from, !current);
    if (!current) {
        return;
    }
    if (a->controlling) {
        if (!a->selected_current && a->cur.remote_pwd[0] != '\0') {
            sfu_ice_mux_agent_trigger_check(a, from);
        }
    } else if (m->use_candidate || !a->selected) {
        select_path(a, from, m->use_candidate);
    }
}

static void
on_response(agent_t *a, const sfu_ice_mux_path_t *from,
            const sfu_stun_msg_t *m, const uint8_t *buf)
{
    check_t *c = NULL;

    if (a->selected && memcmp(m->tid, a->consent_tid, SFU_STUN_TID_LEN) == 0) {
        if (m->type == SFU_STUN_BINDING_SUCCESS
            && sfu_ice_mux_path_equal(from, &a->sel)
            && sfu_stun_check_integrity(m, buf, a->sel_creds.remote_pwd,
                                        strlen(a->sel_creds.remote_pwd)))
        {
            a->consent_ok = g_get_monotonic_time();
        }
        return;
    }
    for (unsigned i = 0; i < a->n_checks && c == NULL; i++) {
        if (a->checks[i].tries > 0
            && memcmp(a->checks[i].tid, m->tid, SFU_STUN_TID_LEN) == 0)
        {
            c = &a->checks[i];
        }
    }
    /* RFC 8445 7.2.5.2.1: a response from elsewhere is no success */
    if (c == NULL || !sfu_ice_mux_path_equal(from, &c->path)
        || !sfu_stun_check_integrity(m, buf, a->cur.remote_pwd,
                                     strlen(a->cur.remote_pwd)))
    {
        return;
    }
    if (m->type == SFU_STUN_BINDING_ERROR) {
        if (m->error_code == SFU_STUN_ERR_ROLE_CONFLICT) {
            switch_role(a);
        }
        return;
    }
    c->next = G_MAXINT64;
    validate_path(a, from, false);
    if (a->controlling || !a->selected) {
        select_path(a, from, a->controlling);
    }
}

static void
agent_stun(sfu_ice_mux_client_t *client, const sfu_ice_mux_path_t *from,
           const sfu_stun_msg_t *m, const uint8_t *buf, size_t len)
{
    agent_t *a = of_client(client);

    (void) len;
    if (m->type == SFU_STUN_BINDING_REQUEST) {
        on_request(a, from, m, buf);
    } else {
        on_response(a, from, m, buf);
    }
    sfu_ice_mux_agent_schedule(a);
    if (a->selected) {
        set_state(a, SFU_ICE_CONNECTED);
    }
}

static void
agent_data(sfu_ice_mux_client_t *client, uint8_t *buf, size_t len)
{
    agent_t *a = of_client(client);

    a->cb.recv(a->data, buf, len);
}

/* The path's ICE-TCP connection closed (the mux forgot the path). */
static void
agent_closed(sfu_ice_mux_client_t *client, const sfu_ice_mux_path_t *p)
{
    agent_t *a = of_client(client);
    path_slot_t *s = find_path(a, p);
    check_t *c = sfu_ice_mux_agent_find_check(a, p);

    if (s != NULL) {
        s->used = false;
    }
    if (c != NULL) {
        *c = a->checks[--a->n_checks];
    }
    if (!a->selected || !sfu_ice_mux_path_equal(&a->sel, p)) {
        sfu_ice_mux_agent_schedule(a);
        return;
    }
    sfu_log_debug("ice %p: the selected ICE-TCP connection closed",
                  (void *) a);
    a->selected = a->nominated = a->selected_current = false;
    a->local[0] = a->remote[0] = '\0';
    for (unsigned i = 0; i < MAX_PATHS && !a->selected; i++) {
        if (a->paths[i].used && !a->paths[i].old) {
            select_path(a, &a->paths[i].path, false);
        }
    }
    sfu_ice_mux_agent_schedule(a);
    set_state(a, a->selected ? SFU_ICE_CONNECTED : SFU_ICE_FAILED);
}

static void
format_candidate(agent_t *a, unsigned sock, bool tcp, char *line,
                 size_t size)
{
    const struct sockaddr *sa = sfu_ice_mux_local(a->mux, sock);
    const char *announce = a->base.cfg->announce;
    struct sfu_sdp_candidate sc;
    char addr[64], foundation[16];
    char *colon;
    size_t len;

    sfu_ice_mux_format(sa, addr, sizeof(addr));
    colon = strrchr(addr, ':');
    *colon = '\0';
    if (announce != NULL
        && (strchr(announce, ':') != NULL) == (sa->sa_family == AF_INET6))
    {
        g_strlcpy(addr, announce, sizeof(addr));
    }
    /* RFC 8445 5.1.1.3: transports differ, so do foundations */
    g_snprintf(foundation, sizeof(foundation), "%u", 2 * sock + 1 + tcp);
    memset(&sc, 0, sizeof(sc));
    sc.foundation = (struct sfu_sdp_str) { foundation, strlen(foundation) };
    sc.component = 1;
    sc.transport = tcp ? SFU_SDP_TCP : SFU_SDP_UDP;
    sc.tcptype = tcp ? SFU_SDP_TCPTYPE_PASSIVE : SFU_SDP_TCPTYPE_NONE;
    sc.priority = priority(TYPE_HOST, sock, tcp);
    sc.address = (struct sfu_sdp_str) { addr, strlen(addr) };
    sc.port = a->base.cfg->udp_port;
    sc.type = SFU_SDP_HOST;
    if (sfu_sdp_write_candidate(&sc, line, size - 1, &len) != SFU_SDP_OK) {
        len = 0;
    }
    line[len] = '\0';
}

/* The local candidates and gathering_done, for the current credentials. */
static bool
announce(agent_t *a)
{
    char line[256];

    a->announce_pending = false;
    for (unsigned s = 0; s < sfu_ice_mux_n_sockets(a->mux) && !dead(a); s++) {
        for (int tcp = 0; tcp <= sfu_ice_mux_has_tcp(a->mux) && !dead(a);
             tcp++)
        {
            format_candidate(a, s, tcp, line, sizeof(line));
            if (line[0] != '\0') {
                a->cb.candidate(a->data, line);
            }
        }
    }
    if (!dead(a)) {
        a->cb.gathering_done(a->data);
    }
    return !dead(a);
}

static void
agent_timer(sfu_ice_mux_client_t *client, gint64 now)
{
    agent_t *a = of_client(client);
    bool ok = true;

    if (a->announce_pending) {
        sfu_free_guard_hold(&a->guard);
        ok = announce(a);
        if (!sfu_free_guard_release(&a->guard) || !ok) {
            return;
        }
    }
    run_checks(a, now);
    if (may_fail(a) && now - a->heard >= FAIL_QUIET_US) {
        sfu_log_debug("ice %p: no candidate pair works", (void *) a);
        set_state(a, SFU_ICE_FAILED);
        return;
    }
    if (a->selected && now - a->consent_ok >= consent_timeout_us) {
        sfu_log_debug("ice %p: consent lost", (void *) a);
        set_state(a, SFU_ICE_FAILED);
        return;
    }
    if (a->selected && now >= a->consent_next) {
        new_tid(a, a->consent_tid);
        send_request(a, &a->sel, &a->sel_creds, a->consent_tid, false);
        a->consent_next = now + consent_jitter();
    }
    sfu_ice_mux_agent_schedule(a);
}

const sfu_ice_mux_client_ops_t sfu_ice_mux_agent_client_ops = {
    agent_stun, agent_data, agent_timer, agent_closed,
};
