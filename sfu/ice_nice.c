/*
 * ice_nice: the default ICE backend (ice_backend.h), one libnice agent (full ICE, RFC 8445, with trickle and RFC 7675
 * consent freshness) holding the single stream and component of a
 * BUNDLEd, rtcp-muxed peer connection, on the worker's main context.
 *
 * libnice answers STUN itself and hands up only the other packets, and
 * only from remote addresses that passed a connectivity check.  Some of
 * its signals fire inside the calls made to it, so every callback to the
 * owner is the last thing a function does, and the functions that go on
 * after one (gathering, announcing again) hold the object while they do.
 */

#include "ice_backend.h"

#include "free_guard.h"
#include "log.h"
#include "sdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <nice/agent.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define ICE_COMPONENT 1


/* libnice's wait for a nomination once its checks are done (see sfu_ice_new) */
#define ICE_IDLE_TIMEOUT_MS 30000u

typedef struct {
    sfu_ice_t                      base;          /* first */
    NiceAgent                     *agent;
    guint                          stream;
    sfu_ice_callbacks_t            cb;
    void                          *data;

    sfu_ice_state_t                state;
    guint                          announce_source;
    bool                           gathered;
    bool                           filtered;      /* sockets set up */
    bool                           restart_pending;
    sfu_free_guard_t               guard;         /* g_free's it */

    /*
     * Sending straight on the selected pair's UDP socket (direct_fd >= 0)
     * instead of through nice_agent_send, which costs about 1 us a packet
     * (agent lock, component lookup, GSocket) for the same sendmsg.  Only
     * for a UDP pair whose local end is not relayed: TURN and ICE-TCP
     * need libnice's framing.  libnice still owns the socket and answers
     * STUN and consent on it.  direct_stale: the pair or the state
     * changed, look again before the next send.
     */
    int                            direct_fd;
    bool                           direct_stale;
    socklen_t                      direct_to_len;
    struct sockaddr_storage        direct_to;

    char ufrag[SFU_ICE_CRED_MAX + 1], pwd[SFU_ICE_CRED_MAX + 1];
    char remote_ufrag[SFU_ICE_CRED_MAX + 1], remote_pwd[SFU_ICE_CRED_MAX + 1];
    char local[64], remote[64];
} nice_ice_t;

/* The owner freed ice: it goes once no call holds it. */
static bool
dead(const nice_ice_t *ice)
{
    return sfu_free_guard_dead(&ice->guard);
}

static void
ice_refresh_credentials(nice_ice_t *ice)
{
    gchar *ufrag = NULL, *pwd = NULL;

    if (nice_agent_get_local_credentials(ice->agent, ice->stream,
                                         &ufrag, &pwd))
    {
        g_strlcpy(ice->ufrag, ufrag, sizeof(ice->ufrag));
        g_strlcpy(ice->pwd, pwd, sizeof(ice->pwd));
    }
    g_free(ufrag);
    g_free(pwd);
}

/* A local candidate as the SDP shows it; false for one not to show. */
static bool
ice_format_candidate(const nice_ice_t *ice, const NiceCandidate *c,
                     char *line, size_t size)
{
    static const enum sfu_sdp_candidate_type types[] = {
        [NICE_CANDIDATE_TYPE_HOST] = SFU_SDP_HOST,
        [NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE] = SFU_SDP_SRFLX,
        [NICE_CANDIDATE_TYPE_PEER_REFLEXIVE] = SFU_SDP_PRFLX,
        [NICE_CANDIDATE_TYPE_RELAYED] = SFU_SDP_RELAY,
    };
    struct sfu_sdp_candidate sc;
    char addr[NICE_ADDRESS_STRING_LEN];
    const char *shown = addr;
    size_t len;

    /*
     * Active TCP candidates only connect out (the peer learns them as
     * peer-reflexive), and peer-reflexive ones are found during checks,
     * after gathering: neither belongs in the SDP.
     */
    if (c->transport == NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE
        || c->type == NICE_CANDIDATE_TYPE_PEER_REFLEXIVE)
    {
        return false;
    }

    nice_address_to_string(&c->addr, addr);
    if (c->type == NICE_CANDIDATE_TYPE_HOST && ice->base.cfg->announce != NULL
        && (strchr(ice->base.cfg->announce, ':') != NULL)
           == (nice_address_ip_version(&c->addr) == 6))
    {
        shown = ice->base.cfg->announce;
    }

    memset(&sc, 0, sizeof(sc));
    sc.foundation = (struct sfu_sdp_str) { c->foundation,
                                           strlen(c->foundation) };
    sc.component = ICE_COMPONENT;
    sc.transport = c->transport == NICE_CANDIDATE_TRANSPORT_UDP
                   ? SFU_SDP_UDP : SFU_SDP_TCP;
    sc.priority = c->priority;
    sc.address = (struct sfu_sdp_str) { shown, strlen(shown) };
    sc.port = (uint16_t) nice_address_get_port(&c->addr);
    sc.type = types[c->type];
    if (c->transport == NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE) {
        sc.tcptype = SFU_SDP_TCPTYPE_PASSIVE;
    } else if (c->transport == NICE_CANDIDATE_TRANSPORT_TCP_SO) {
        sc.tcptype = SFU_SDP_TCPTYPE_SO;
    }

    if (sfu_sdp_write_candidate(&sc, line, size - 1, &len) != SFU_SDP_OK) {
        return false;
    }
    line[len] = '\0';
    return true;
}

/* Sends go through libnice until the selected pair is looked at again. */
static void
ice_direct_invalidate(nice_ice_t *ice)
{
    ice->direct_fd = -1;
    ice->direct_stale = true;
}

/*
 * The selected pair's socket and remote address, if packets may go to it
 * without libnice: connected, UDP, local end not relayed (libnice's own
 * nice_agent_get_selected_socket refuses the other cases too).
 */
static void
ice_direct_refresh(nice_ice_t *ice)
{
    NiceCandidate *local, *remote;
    GSocket *socket;

    ice->direct_stale = false;
    ice->direct_fd = -1;
    if (ice->state != SFU_ICE_CONNECTED
        || !nice_agent_get_selected_pair(ice->agent, ice->stream,
                                         ICE_COMPONENT, &local, &remote)
        || local->transport != NICE_CANDIDATE_TRANSPORT_UDP
        || local->type == NICE_CANDIDATE_TYPE_RELAYED)
    {
        return;
    }
    socket = nice_agent_get_selected_socket(ice->agent, ice->stream,
                                            ICE_COMPONENT);
    if (socket == NULL) {
        return;
    }
    memset(&ice->direct_to, 0, sizeof(ice->direct_to));
    nice_address_copy_to_sockaddr(&remote->addr,
                                  (struct sockaddr *) &ice->direct_to);
    ice->direct_to_len = ice->direct_to.ss_family == AF_INET6
                         ? sizeof(struct sockaddr_in6)
                         : sizeof(struct sockaddr_in);
    /* the agent keeps the socket open as long as the pair is selected */
    ice->direct_fd = g_socket_get_fd(socket);
    g_object_unref(socket);
}

static void
ice_set_state(nice_ice_t *ice, sfu_ice_state_t state)
{
    if (state == ice->state || ice->state == SFU_ICE_FAILED) {
        return;
    }
    ice->state = state;
    ice_direct_invalidate(ice);
    ice->cb.state(ice->data, state);
}

/*
 * Puts the peer-networks filter on every socket gathering made (a
 * listening ICE-TCP socket passes it on to what it accepts) and sizes its
 * receive buffer if asked; false if one refused the filter.
 */
static bool
ice_setup_sockets(nice_ice_t *ice)
{
    const sfu_peer_networks_t *nets = ice->base.cfg->peer_networks;
    int rcvbuf = (int) ice->base.cfg->recv_buffer;
    GPtrArray *sockets;
    bool ok = true;

    if ((nets == NULL || nets->n == 0) && rcvbuf == 0) {
        return true;
    }
    sockets = nice_agent_get_sockets(ice->agent, ice->stream, ICE_COMPONENT);
    for (guint i = 0; sockets != NULL && i < sockets->len; i++) {
        int fd = g_socket_get_fd(g_ptr_array_index(sockets, i));

        if (nets != NULL && nets->n > 0
            && sfu_peer_networks_attach(nets, fd) != 0)
        {
            sfu_log_error("ice: cannot filter a socket by peer network: %s",
                          g_strerror(errno));
            ok = false;
        }
        /* past net.core.rmem_max where allowed (CAP_NET_ADMIN) */
        if (rcvbuf > 0
            && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
                          sizeof(rcvbuf)) != 0)
        {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        }
    }
    if (sockets != NULL) {
        g_ptr_array_unref(sockets);
    }
    return ok;
}

static uint64_t
nice_socket_drops(sfu_ice_t *base)
{
    nice_ice_t *ice = (nice_ice_t *) base;
    GPtrArray *sockets;
    uint64_t drops = 0;

    if (dead(ice)) {
        return 0;
    }
    sockets = nice_agent_get_sockets(ice->agent, ice->stream, ICE_COMPONENT);
    for (guint i = 0; sockets != NULL && i < sockets->len; i++) {
        uint32_t info[SK_MEMINFO_VARS];
        socklen_t len = sizeof(info);

        if (getsockopt(g_socket_get_fd(g_ptr_array_index(sockets, i)),
                       SOL_SOCKET, SO_MEMINFO, info, &len) == 0
            && len > SK_MEMINFO_DROPS * sizeof(info[0]))
        {
            drops += info[SK_MEMINFO_DROPS];
        }
    }
    if (sockets != NULL) {
        g_ptr_array_unref(sockets);
    }
    return drops;
}

static void
on_new_candidate(NiceAgent *agent, NiceCandidate *c, gpointer data)
{
    nice_ice_t *ice = data;
    char line[256];

    (void) agent;
    if (ice->state == SFU_ICE_FAILED) {
        return;
    }
    /*
     * libnice signals candidates once gathering has made every socket,
     * and nothing can answer one before it has gone out: filtered now,
     * no packet from outside the peer networks ever gets in.
     */
    if (!ice->filtered) {
        ice->filtered = true;
        if (!ice_setup_sockets(ice)) {
            ice_set_state(ice, SFU_ICE_FAILED);
            return;
        }
    }
    if (ice_format_candidate(ice, c, line, sizeof(line))) {
        ice->cb.candidate(ice->data, line);
    }
}

static void
on_gathering_done(NiceAgent *agent, guint stream, gpointer data)
{
    nice_ice_t *ice = data;

    (void) agent;
    (void) stream;
    ice->gathered = true;
    ice->cb.gathering_done(ice->data);
}

static void
on_component_state(NiceAgent *agent, guint stream, guint component,
                   guint state, gpointer data)
{
    nice_ice_t *ice = data;

    (void) agent;
    (void) stream;
    (void) component;

    switch (state) {
    case NICE_COMPONENT_STATE_GATHERING:
        /* an ICE restart: checks start over, the old pair still works */
        if (ice->state == SFU_ICE_CONNECTED) {
            ice_set_state(ice, SFU_ICE_CHECKING);
        }
        break;
    case NICE_COMPONENT_STATE_CONNECTING:
        ice_set_state(ice, SFU_ICE_CHECKING);
        break;
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY:
        ice_set_state(ice, SFU_ICE_CONNECTED);
        break;
    case NICE_COMPONENT_STATE_FAILED:
        sfu_log_debug("ice %p: %s", (void *) ice,
                      ice->state == SFU_ICE_CONNECTED
                      ? "consent lost" : "no candidate pair works");
        ice_set_state(ice, SFU_ICE_FAILED);
        break;
    default:
        break;
    }
}

static void
format_pair_end(const NiceCandidate *c, char *out, size_t size)
{
    char addr[NICE_ADDRESS_STRING_LEN];

    nice_address_to_string(&c->addr, addr);
    g_snprintf(out, size, "%s:%u %s", addr, nice_address_get_port(&c->addr),
               c->transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp");
}

static void
on_selected_pair(NiceAgent *agent, guint stream, guint component,
                 NiceCandidate *local, NiceCandidate *remote, gpointer data)
{
    nice_ice_t *ice = data;

    (void) agent;
    (void) stream;
    (void) component;
    ice_direct_invalidate(ice);
    format_pair_end(local, ice->local, sizeof(ice->local));
    format_pair_end(remote, ice->remote, sizeof(ice->remote));
    sfu_log_debug("ice %p: selected %s -> %s", (void *) ice, ice->local,
                  ice->remote);
}

static void
on_recv(NiceAgent *agent, guint stream, guint component, guint len,
        gchar *buf, gpointer data)
{
    nice_ice_t *ice = data;

    (void) agent;
    (void) stream;
    (void) component;
    ice->cb.recv(ice->data, (uint8_t *) buf, len);
}

/*
 * From the main loop: the first time gathers, after an ICE restart
 * announces the (unchanged) local candidates again, for the new
 * credentials.
 */
static gboolean
ice_announce(gpointer data)
{
    nice_ice_t *ice = data;
    GSList *list, *l;

    ice->announce_source = 0;

    if (!ice->gathered) {
        sfu_free_guard_hold(&ice->guard);
        if (!nice_agent_gather_candidates(ice->agent, ice->stream)) {
            if (sfu_free_guard_release(&ice->guard)) {
                sfu_log_warn("ice: no address to gather candidates on");
                ice_set_state(ice, SFU_ICE_FAILED);
            }
            return G_SOURCE_REMOVE;
        }
        sfu_free_guard_release(&ice->guard);
        return G_SOURCE_REMOVE;
    }

    list = nice_agent_get_local_candidates(ice->agent, ice->stream,
                                           ICE_COMPONENT);
    sfu_free_guard_hold(&ice->guard);
    for (l = list; l != NULL && !dead(ice); l = l->next) {
        on_new_candidate(ice->agent, l->data, ice);
    }
    g_slist_free_full(list, (GDestroyNotify) nice_candidate_free);
    if (sfu_free_guard_release(&ice->guard)) {
        ice->cb.gathering_done(ice->data);
    }
    return G_SOURCE_REMOVE;
}

static void
ice_schedule_announce(nice_ice_t *ice)
{
    if (ice->announce_source == 0) {
        ice->announce_source = g_idle_add(ice_announce, ice);
    }
}

static const sfu_ice_ops_t nice_ops;

sfu_ice_t *
sfu_ice_nice_new(const sfu_transport_config_t *cfg, bool controlling,
                 const sfu_ice_callbacks_t *cb, void *data)
{
    nice_ice_t *ice;
    NiceAddress addr;

    ice = g_new0(nice_ice_t, 1);
    ice->base.ops = &nice_ops;
    ice->base.cfg = cfg;
    ice->cb = *cb;
    ice->data = data;
    ice->direct_fd = -1;
    sfu_free_guard_init(&ice->guard, g_free, ice);

    ice->agent = nice_agent_new_full(g_main_context_default(),
                                     NICE_COMPATIBILITY_RFC5245,
                                     NICE_AGENT_OPTION_ICE_TRICKLE
                                     | NICE_AGENT_OPTION_CONSENT_FRESHNESS
                                     | NICE_AGENT_OPTION_REGULAR_NOMINATION);
    /*
     * idle-timeout: how long libnice waits, once its checks are done, for
     * the controlling side to nominate a pair before it fails.  Its 5 s
     * default loses ICE restarts from browsers: Chromium keeps its old pair
     * selected until that pair stops answering (libnice drops the old
     * credentials at once), about 5 s, and only then nominates a new one.
     * The transport's own 30 s limit on connecting is the same bound.
     */
    g_object_set(ice->agent, "controlling-mode", controlling,
                 "ice-udp", cfg->udp, "ice-tcp", cfg->tcp,
                 "upnp", FALSE, "idle-timeout", ICE_IDLE_TIMEOUT_MS, NULL);

    for (const char **l = cfg->listen; l != NULL && *l != NULL; l++) {
        nice_address_init(&addr);
        if (nice_address_set_from_string(&addr, *l)) {
            nice_agent_add_local_address(ice->agent, &addr);
        }
    }

    ice->stream = nice_agent_add_stream(ice->agent, 1);
    if (ice->stream == 0) {
        sfu_log_error("ice: libnice refused a stream");
        g_object_unref(ice->agent);
        g_free(ice);
        return NULL;
    }
    if (cfg->port_min != 0) {
        nice_agent_set_port_range(ice->agent, ice->stream, ICE_COMPONENT,
                                  cfg->port_min, cfg->port_max);
    }

    g_signal_connect(ice->agent, "new-candidate-full",
                     G_CALLBACK(on_new_candidate), ice);
    g_signal_connect(ice->agent, "candidate-gathering-done",
                     G_CALLBACK(on_gathering_done), ice);
    g_signal_connect(ice->agent, "component-state-changed",
                     G_CALLBACK(on_component_state), ice);
    g_signal_connect(ice->agent, "new-selected-pair-full",
                     G_CALLBACK(on_selected_pair), ice);
    nice_agent_attach_recv(ice->agent, ice->stream, ICE_COMPONENT,
                           g_main_context_default(), on_recv, ice);

    ice_refresh_credentials(ice);
    ice_schedule_announce(ice);
    return &ice->base;
}

static const char *
nice_ufrag(const sfu_ice_t *base)
{
    const nice_ice_t *ice = (const nice_ice_t *) base;

    return ice->ufrag;
}

static const char *
nice_pwd(const sfu_ice_t *base)
{
    const nice_ice_t *ice = (const nice_ice_t *) base;

    return ice->pwd;
}

/* New local credentials; the candidates go out again from the main loop. */
static void
ice_restart_local(nice_ice_t *ice)
{
    ice_direct_invalidate(ice);
    nice_agent_restart_stream(ice->agent, ice->stream);
    if (dead(ice)) {
        return;
    }
    ice_refresh_credentials(ice);
    if (ice->gathered) {
        ice_schedule_announce(ice);
    }
}

static int
nice_set_remote(sfu_ice_t *base, const char *ufrag, const char *pwd)
{
    nice_ice_t *ice = (nice_ice_t *) base;

    if (strcmp(ufrag, ice->remote_ufrag) == 0
        && strcmp(pwd, ice->remote_pwd) == 0)
    {
        return 0;
    }

    if (ice->remote_ufrag[0] != '\0') {
        if (ice->restart_pending) {
            ice->restart_pending = false;
        } else {
            sfu_log_debug("ice %p: the peer restarts ICE", (void *) ice);
            sfu_free_guard_hold(&ice->guard);
            ice_restart_local(ice);
            if (!sfu_free_guard_release(&ice->guard)) {
                return -1;
            }
        }
    }
    g_strlcpy(ice->remote_ufrag, ufrag, sizeof(ice->remote_ufrag));
    g_strlcpy(ice->remote_pwd, pwd, sizeof(ice->remote_pwd));

    /* last: libnice may report a state change from inside */
    return nice_agent_set_remote_credentials(ice->agent, ice->stream,
                                             ufrag, pwd) ? 0 : -1;
}

static int
nice_restart(sfu_ice_t *base)
{
    nice_ice_t *ice = (nice_ice_t *) base;

    if (dead(ice)) {
        return -1;
    }
    ice->restart_pending = true;
    sfu_free_guard_hold(&ice->guard);
    ice_restart_local(ice);
    return sfu_free_guard_release(&ice->guard) ? 0 : -1;
}

/* c passed sfu_ice_add_remote_candidate's checks; ip is its address */
static int
nice_add_remote_candidate(sfu_ice_t *base, const struct sfu_sdp_candidate *c,
                          const char *ip)
{
    static const NiceCandidateType types[] = {
        [SFU_SDP_HOST] = NICE_CANDIDATE_TYPE_HOST,
        [SFU_SDP_SRFLX] = NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE,
        [SFU_SDP_PRFLX] = NICE_CANDIDATE_TYPE_PEER_REFLEXIVE,
        [SFU_SDP_RELAY] = NICE_CANDIDATE_TYPE_RELAYED,
    };
    static const NiceCandidateTransport tcp_types[] = {
        [SFU_SDP_TCPTYPE_ACTIVE] = NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE,
        [SFU_SDP_TCPTYPE_PASSIVE] = NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE,
        [SFU_SDP_TCPTYPE_SO] = NICE_CANDIDATE_TRANSPORT_TCP_SO,
    };
    nice_ice_t *ice = (nice_ice_t *) base;
    GSList list = { NULL, NULL };
    NiceCandidate *nc;
    size_t n;
    int added;

    nc = nice_candidate_new(types[c->type]);
    nc->stream_id = ice->stream;
    nc->component_id = ICE_COMPONENT;
    nc->transport = c->transport == SFU_SDP_UDP
                    ? NICE_CANDIDATE_TRANSPORT_UDP : tcp_types[c->tcptype];
    nc->priority = c->priority;
    n = MIN(sizeof(nc->foundation) - 1, c->foundation.len);
    memcpy(nc->foundation, c->foundation.p, n);
    nc->foundation[n] = '\0';
    nice_address_set_from_string(&nc->addr, ip);
    nice_address_set_port(&nc->addr, c->port);

    list.data = nc;
    added = nice_agent_set_remote_candidates(ice->agent, ice->stream,
                                             ICE_COMPONENT, &list);
    nice_candidate_free(nc);
    return added < 0 ? -1 : 0;
}

static void
nice_end_of_candidates(sfu_ice_t *base)
{
    nice_ice_t *ice = (nice_ice_t *) base;

    nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream);
}

static int
nice_send(sfu_ice_t *base, const uint8_t *pkt, size_t len)
{
    nice_ice_t *ice = (nice_ice_t *) base;
    ssize_t n;

    if (ice->direct_stale) {
        ice_direct_refresh(ice);
    }
    if (ice->direct_fd >= 0) {
        do {
            n = sendto(ice->direct_fd, pkt, len, 0,
                       (const struct sockaddr *) &ice->direct_to,
                       ice->direct_to_len);
        } while (n < 0 && errno == EINTR);
        return n == (ssize_t) len ? 0 : -1;
    }
    return nice_agent_send(ice->agent, ice->stream, ICE_COMPONENT,
                           (guint) len, (const gchar *) pkt) == (gint) len
           ? 0 : -1;
}

static bool
nice_sends_direct(const sfu_ice_t *base)
{
    const nice_ice_t *ice = (const nice_ice_t *) base;

    return ice->direct_fd >= 0 && !ice->direct_stale;
}

static bool
nice_arrival(sfu_ice_t *base, struct timespec *at)
{
    nice_ice_t *ice = (nice_ice_t *) base;

    if (ice->direct_stale) {
        ice_direct_refresh(ice);
    }
    return ice->direct_fd >= 0 && ioctl(ice->direct_fd, SIOCGSTAMPNS, at) == 0;
}

static const char *
nice_local(const sfu_ice_t *base)
{
    const nice_ice_t *ice = (const nice_ice_t *) base;

    return ice->local;
}

static const char *
nice_remote(const sfu_ice_t *base)
{
    const nice_ice_t *ice = (const nice_ice_t *) base;

    return ice->remote;
}

static void
on_agent_closed(GObject *agent, GAsyncResult *res, gpointer data)
{
    (void) res;
    (void) data;
    g_object_unref(agent);
}

static void
ice_destroy(nice_ice_t *ice)
{
    if (ice->announce_source != 0) {
        g_source_remove(ice->announce_source);
        ice->announce_source = 0;
    }
    ice_direct_invalidate(ice);
    g_signal_handlers_disconnect_by_data(ice->agent, ice);
    nice_agent_attach_recv(ice->agent, ice->stream, ICE_COMPONENT,
                           g_main_context_default(), NULL, NULL);
    /* the agent may be inside one of its own signals: it goes later */
    nice_agent_close_async(ice->agent, on_agent_closed, NULL);
    ice->agent = NULL;
}

static void
nice_free(sfu_ice_t *base)
{
    nice_ice_t *ice = (nice_ice_t *) base;

    if (dead(ice)) {
        return;
    }
    ice_destroy(ice);
    sfu_free_guard_kill(&ice->guard);
}

static const sfu_ice_ops_t nice_ops = {
    .ufrag = nice_ufrag,
    .pwd = nice_pwd,
    .set_remote = nice_set_remote,
    .add_remote_candidate = nice_add_remote_candidate,
    .end_of_candidates = nice_end_of_candidates,
    .restart = nice_restart,
    .send = nice_send,
    .sends_direct = nice_sends_direct,
    .arrival = nice_arrival,
    .socket_drops = nice_socket_drops,
    .local = nice_local,
    .remote = nice_remote,
    .free = nice_free,
};
