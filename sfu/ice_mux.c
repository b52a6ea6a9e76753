/*
 * ice_mux: the shared ICE UDP port, its sockets, the routing tables and
 * the one GSource that reads and times for every peer connection (see
 * ice_mux.h for the routing rules).
 *
 * The GSource polls every socket and has its ready time set to the
 * earliest client's due time, so a worker with a thousand peer
 * connections wakes up for their timers as one source, not a thousand.
 * A wake-up reads each readable socket with recvmmsg, RECV_BATCH
 * datagrams at a time into buffers allocated once, up to RECV_ROUNDS
 * batches (then yields so the module link, at a higher priority, is not
 * starved; GLib comes back at once if more is queued).
 *
 * With ICE-TCP, ice_mux_tcp.c listens at the same port on each address;
 * its connections are paths the tables here do not hold (path.tcp): the
 * hooks below hand them over.
 */

#include "ice_mux.h"

#include "ice_mux_tcp.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <ifaddrs.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SOCKETS   64
#define RECV_BATCH    32
#define RECV_ROUNDS   8
#define DATAGRAM_MAX  1500
/* timers due within this of the earliest fire in the same wake-up */
#define TIMER_SLACK_US  (20 * 1000)
/* many peer connections share the socket: room for their bursts */
#define SOCKET_BUFFER (4 * 1024 * 1024)

struct sfu_ice_mux {
    GSource                 source;      /* first: GLib allocates it */
    uint16_t                port;
    unsigned                n_socks;
    int                     fd[MAX_SOCKETS];
    gpointer                tag[MAX_SOCKETS];
    sfu_ice_mux_path_t      local[MAX_SOCKETS];
    sfu_ice_mux_tcp_t      *tcp;         /* NULL: no ICE-TCP */

    GHashTable             *ufrags;      /* char * -> client */
    GHashTable             *paths;       /* path * -> client */
    GHashTable             *ids;         /* id -> client */
    uint32_t                next_id;
    sfu_ice_mux_client_t    clients;     /* list sentinels */
    sfu_ice_mux_client_t    firing;

    sfu_ice_mux_stats_t     stats;

    struct mmsghdr          msgs[RECV_BATCH];
    struct iovec            iov[RECV_BATCH];
    struct sockaddr_storage from[RECV_BATCH];
    uint8_t                 bufs[RECV_BATCH][DATAGRAM_MAX];
};

static GSList *muxes;

static void
list_init(sfu_ice_mux_client_t *head)
{
    head->prev = head->next = head;
}

static void
list_unlink(sfu_ice_mux_client_t *c)
{
    c->prev->next = c->next;
    c->next->prev = c->prev;
    c->prev = c->next = c;
}

static void
list_append(sfu_ice_mux_client_t *head, sfu_ice_mux_client_t *c)
{
    c->prev = head->prev;
    c->next = head;
    head->prev->next = c;
    head->prev = c;
}

static guint
path_hash(gconstpointer key)
{
    const sfu_ice_mux_path_t *p = key;
    guint h = p->sock * 31u;

    if (p->addr.sa.sa_family == AF_INET) {
        h = h * 31u + p->addr.sin.sin_addr.s_addr;
        h = h * 31u + p->addr.sin.sin_port;
    } else {
        for (int i = 0; i < 16; i += 4) {
            uint32_t w;

            memcpy(&w, p->addr.sin6.sin6_addr.s6_addr + i, 4);
            h = h * 31u + w;
        }
        h = h * 31u + p->addr.sin6.sin6_port;
    }
    return h;
}

bool
sfu_ice_mux_path_equal(const sfu_ice_mux_path_t *a,
                       const sfu_ice_mux_path_t *b)
{
    if (a->sock != b->sock || a->tcp != b->tcp
        || a->addr.sa.sa_family != b->addr.sa.sa_family)
    {
        return false;
    }
    if (a->addr.sa.sa_family == AF_INET) {
        return a->addr.sin.sin_port == b->addr.sin.sin_port
               && a->addr.sin.sin_addr.s_addr == b->addr.sin.sin_addr.s_addr;
    }
    return a->addr.sin6.sin6_port == b->addr.sin6.sin6_port
           && memcmp(&a->addr.sin6.sin6_addr, &b->addr.sin6.sin6_addr,
                     16) == 0;
}

static gboolean
path_equal(gconstpointer a, gconstpointer b)
{
    return sfu_ice_mux_path_equal(a, b);
}

int
sfu_ice_mux_path_set(sfu_ice_mux_path_t *p, const char *ip, uint16_t port)
{
    memset(p, 0, sizeof(*p));
    if (inet_pton(AF_INET, ip, &p->addr.sin.sin_addr) == 1) {
        p->addr.sin.sin_family = AF_INET;
        p->addr.sin.sin_port = htons(port);
        p->len = sizeof(p->addr.sin);
        return 0;
    }
    if (inet_pton(AF_INET6, ip, &p->addr.sin6.sin6_addr) == 1) {
        p->addr.sin6.sin6_family = AF_INET6;
        p->addr.sin6.sin6_port = htons(port);
        p->len = sizeof(p->addr.sin6);
        return 0;
    }
    return -1;
}

void
sfu_ice_mux_format(const struct sockaddr *sa, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) sa;

        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        port = ntohs(sin->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) sa;

        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
        port = ntohs(sin6->sin6_port);
    }
    g_snprintf(out, size, "%s:%u", ip, port);
}

/* --- timers */

static gint64
earliest_due(const sfu_ice_mux_t *mux)
{
    gint64 due = G_MAXINT64;

    for (const sfu_ice_mux_client_t *c = mux->clients.next;
         c != &mux->clients; c = c->next)
    {
        due = MIN(due, c->due);
    }
    return due;
}

static void
set_ready_time(sfu_ice_mux_t *mux, gint64 due)
{
    g_source_set_ready_time(&mux->source, due == G_MAXINT64 ? -1 : due);
}

void
sfu_ice_mux_reschedule(sfu_ice_mux_t *mux, sfu_ice_mux_client_t *c)
{
    gint64 ready = g_source_get_ready_time(&mux->source);

    if (c->due != G_MAXINT64 && (ready < 0 || c->due < ready)) {
        set_ready_time(mux, c->due);
    }
}

/*
 * Moves the due clients to a list of their own first: a timer may free
 * any client (its detach unlinks it from whichever list holds it).
 */
static void
run_timers(sfu_ice_mux_t *mux)
{
    gint64 now = g_get_monotonic_time();
    sfu_ice_mux_client_t *c, *next;

    for (c = mux->clients.next; c != &mux->clients; c = next) {
        next = c->next;
        if (c->due <= now + TIMER_SLACK_US) {
            list_unlink(c);
            list_append(&mux->firing, c);
        }
    }
    while (mux->firing.next != &mux->firing) {
        c = mux->firing.next;
        list_unlink(c);
        list_append(&mux->clients, c);
        c->due = G_MAXINT64;
        c->ops->timer(c, now);
    }
    set_ready_time(mux, earliest_due(mux));
}

/* --- receiving */

static void
answer_unauthorized(sfu_ice_mux_t *mux, const sfu_ice_mux_path_t *from,
                    const sfu_stun_msg_t *m, unsigned code)
{
    uint8_t buf[SFU_STUN_MAX_BUILD];
    sfu_stun_builder_t b;
    size_t len;

    sfu_stun_start(&b, buf, sizeof(buf), SFU_STUN_BINDING_ERROR, m->tid);
    sfu_stun_add_error(&b, code, code == SFU_STUN_ERR_UNAUTHORIZED
                                 ? "Unauthorized" : "Bad Request");
    len = sfu_stun_finish(&b, NULL, 0);
    if (len > 0) {
        sfu_ice_mux_send(mux, from, buf, len);
    }
}

void
sfu_ice_mux_route_stun(sfu_ice_mux_t *mux, const sfu_ice_mux_path_t *from,
                       const uint8_t *buf, size_t len)
{
    char ufrag[SFU_STUN_MAX_BUILD];
    sfu_ice_mux_client_t *c = NULL;
    const uint8_t *colon;
    sfu_stun_msg_t m;
    uint32_t id;

    if (sfu_stun_parse(&m, buf, len) != SFU_STUN_OK) {
        mux->stats.stun_bad++;
        return;
    }
    if (m.type == SFU_STUN_BINDING_REQUEST) {
        mux->stats.stun_requests++;
        colon = m.username != NULL
                ? memchr(m.username, ':', m.username_len) : NULL;
        if (colon == NULL || m.integrity_at == 0) {
            mux->stats.stun_unknown_ufrag++;
            answer_unauthorized(mux, from, &m, SFU_STUN_ERR_BAD_REQUEST);
            return;
        }
        if ((size_t) (colon - m.username) < sizeof(ufrag)) {
            memcpy(ufrag, m.username, (size_t) (colon - m.username));
            ufrag[colon - m.username] = '\0';
            c = g_hash_table_lookup(mux->ufrags, ufrag);
        }
        if (c == NULL) {
            mux->stats.stun_unknown_ufrag++;
            answer_unauthorized(mux, from, &m, SFU_STUN_ERR_UNAUTHORIZED);
            return;
        }
    } else if (m.type == SFU_STUN_BINDING_SUCCESS
               || m.type == SFU_STUN_BINDING_ERROR)
    {
        mux->stats.stun_responses++;
        memcpy(&id, m.tid, sizeof(id));
        c = g_hash_table_lookup(mux->ids, GUINT_TO_POINTER(id));
    }
    if (c == NULL) {
        mux->stats.stun_unrouted++;
        return;
    }
    c->ops->stun(c, from, &m, buf, len);
}

static void
route(sfu_ice_mux_t *mux, unsigned sock, unsigned i)
{
    sfu_ice_mux_path_t from;
    sfu_ice_mux_client_t *c;
    size_t len = mux->msgs[i].msg_len;
    socklen_t alen = mux->msgs[i].msg_hdr.msg_namelen;

    mux->stats.datagrams++;
    if (alen > sizeof(from.addr) || (mux->msgs[i].msg_hdr.msg_flags
                                     & MSG_TRUNC))
    {
        return;
    }
    memset(&from, 0, sizeof(from));
    memcpy(&from.addr, &mux->from[i], alen);
    from.len = alen;
    from.sock = sock;

    if (sfu_stun_looks_like(mux->bufs[i], len)) {
        sfu_ice_mux_route_stun(mux, &from, mux->bufs[i], len);
        return;
    }
    c = g_hash_table_lookup(mux->paths, &from);
    if (c == NULL) {
        mux->stats.unknown_source++;
        return;
    }
    c->ops->data(c, mux->bufs[i], len);
}

static void
read_socket(sfu_ice_mux_t *mux, unsigned sock)
{
    for (int round = 0; round < RECV_ROUNDS; round++) {
        int n;

        for (unsigned i = 0; i < RECV_BATCH; i++) {
            mux->msgs[i].msg_hdr.msg_namelen = sizeof(mux->from[i]);
        }
        n = recvmmsg(mux->fd[sock], mux->msgs, RECV_BATCH, MSG_DONTWAIT,
                     NULL);
        if (n <= 0) {
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK
                && errno != EINTR)
            {
                sfu_log_debug("ice mux: recvmmsg: %s", g_strerror(errno));
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            route(mux, sock, (unsigned) i);
        }
        if (n < RECV_BATCH) {
            return;
        }
    }
}

static gboolean
mux_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
    sfu_ice_mux_t *mux = (sfu_ice_mux_t *) source;
    gint64 ready = g_source_get_ready_time(source);

    (void) callback;
    (void) data;
    for (unsigned s = 0; s < mux->n_socks; s++) {
        if (g_source_query_unix_fd(source, mux->tag[s]) & G_IO_IN) {
            read_socket(mux, s);
        }
    }
    if (ready >= 0 && ready <= g_get_monotonic_time()) {
        run_timers(mux);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs mux_funcs = {
    .dispatch = mux_dispatch,
};

/* --- sockets */

static int
open_socket(sfu_ice_mux_t *mux, const struct sockaddr *sa, socklen_t len,
            const sfu_transport_config_t *cfg)
{
    int one = 1, size = SOCKET_BUFFER;
    char name[64];
    int fd;

    sfu_ice_mux_format(sa, name, sizeof(name));
    if (mux->n_socks == MAX_SOCKETS) {
        sfu_log_warn("ice mux: more than %d addresses, %s left out",
                     MAX_SOCKETS, name);
        return 0;
    }
    fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sfu_log_error("ice mux: socket for %s: %s", name, g_strerror(errno));
        return -1;
    }
    if (sa->sa_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    if (bind(fd, sa, len) != 0) {
        sfu_log_error("ice mux: cannot bind %s: %s", name, g_strerror(errno));
        close(fd);
        return -1;
    }
    if (cfg->peer_networks != NULL && cfg->peer_networks->n > 0
        && sfu_peer_networks_attach(cfg->peer_networks, fd) != 0)
    {
        sfu_log_error("ice mux: cannot filter %s by peer network: %s", name,
                      g_strerror(errno));
        close(fd);
        return -1;
    }
    mux->fd[mux->n_socks] = fd;
    memcpy(&mux->local[mux->n_socks].addr, sa, len);
    mux->local[mux->n_socks].len = len;
    mux->local[mux->n_socks].sock = mux->n_socks;
    if (mux->tcp != NULL
        && sfu_ice_mux_tcp_listen(mux->tcp, &mux->local[mux->n_socks], cfg)
           != 0)
    {
        close(fd);
        return -1;
    }
    mux->tag[mux->n_socks] = g_source_add_unix_fd(&mux->source, fd, G_IO_IN);
    mux->n_socks++;
    sfu_log_info("ice mux: serving ICE on udp %s", name);
    return 0;
}

static int
open_listen(sfu_ice_mux_t *mux, const char *ip,
            const sfu_transport_config_t *cfg)
{
    sfu_ice_mux_path_t p;

    if (sfu_ice_mux_path_set(&p, ip, cfg->udp_port) != 0) {
        sfu_log_error("ice mux: \"%s\" is not an IP", ip);
        return -1;
    }
    return open_socket(mux, &p.addr.sa, p.len, cfg);
}

/* No --rtc-listen: every interface address but loopback and IPv6
   link-local ones (as libnice gathers). */
static int
open_interfaces(sfu_ice_mux_t *mux, const sfu_transport_config_t *cfg)
{
    struct ifaddrs *ifs, *i;
    int rc = 0;

    if (getifaddrs(&ifs) != 0) {
        sfu_log_error("ice mux: getifaddrs: %s", g_strerror(errno));
        return -1;
    }
    for (i = ifs; i != NULL && rc == 0; i = i->ifa_next) {
        char ip[INET6_ADDRSTRLEN];
        int family = i->ifa_addr != NULL ? i->ifa_addr->sa_family : 0;

        if ((family != AF_INET && family != AF_INET6)
            || (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP)
            || (family == AF_INET6
                && IN6_IS_ADDR_LINKLOCAL(
                       &((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr)))
        {
            continue;
        }
        inet_ntop(family, family == AF_INET
                  ? (void *) &((struct sockaddr_in *) i->ifa_addr)->sin_addr
                  : (void *) &((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr,
                  ip, sizeof(ip));
        rc = open_listen(mux, ip, cfg);
    }
    freeifaddrs(ifs);
    return rc;
}

static void
mux_free(sfu_ice_mux_t *mux)
{
    if (mux->tcp != NULL) {
        sfu_ice_mux_tcp_free(mux->tcp);
    }
    for (unsigned s = 0; s < mux->n_socks; s++) {
        close(mux->fd[s]);
    }
    g_hash_table_destroy(mux->ufrags);
    g_hash_table_destroy(mux->paths);
    g_hash_table_destroy(mux->ids);
    g_source_destroy(&mux->source);
    g_source_unref(&mux->source);
}

int
sfu_ice_mux_open(const sfu_transport_config_t *cfg)
{
    sfu_ice_mux_t *mux;
    int rc = 0;

    if (cfg->udp_port == 0 || sfu_ice_mux_find(cfg) != NULL) {
        return 0;
    }
    mux = (sfu_ice_mux_t *) g_source_new(&mux_funcs, sizeof(*mux));
    g_source_set_name(&mux->source, "sfu ice mux");
    /* as libnice's sockets: below the module link (SFU_CONN_PRIORITY) */
    g_source_set_priority(&mux->source, G_PRIORITY_DEFAULT);
    mux->port = cfg->udp_port;
    mux->ufrags = g_hash_table_new(g_str_hash, g_str_equal);
    mux->paths = g_hash_table_new(path_hash, path_equal);
    mux->ids = g_hash_table_new(g_direct_hash, g_direct_equal);
    list_init(&mux->clients);
    list_init(&mux->firing);
    if (cfg->tcp) {
        mux->tcp = sfu_ice_mux_tcp_new(mux);
    }
    for (unsigned i = 0; i < RECV_BATCH; i++) {
        mux->iov[i].iov_base = mux->bufs[i];
        mux->iov[i].iov_len = DATAGRAM_MAX;
        mux->msgs[i].msg_hdr.msg_iov = &mux->iov[i];
        mux->msgs[i].msg_hdr.msg_iovlen = 1;
        mux->msgs[i].msg_hdr.msg_name = &mux->from[i];
    }

    if (cfg->listen != NULL) {
        for (const char **l = cfg->listen; *l != NULL && rc == 0; l++) {
            rc = open_listen(mux, *l, cfg);
        }
    } else {
        rc = open_interfaces(mux, cfg);
    }
    if (rc == 0 && mux->n_socks == 0) {
        sfu_log_error("ice mux: no address to serve udp port %u on",
                      cfg->udp_port);
        rc = -1;
    }
    if (rc != 0) {
        mux_free(mux);
        return -1;
    }
    g_source_attach(&mux->source, NULL);
    muxes = g_slist_prepend(muxes, mux);
    return 0;
}

void
sfu_ice_mux_close_all(void)
{
    g_slist_free_full(muxes, (GDestroyNotify) mux_free);
    muxes = NULL;
}

sfu_ice_mux_t *
sfu_ice_mux_find(const sfu_transport_config_t *cfg)
{
    for (GSList *l = muxes; l != NULL; l = l->next) {
        sfu_ice_mux_t *mux = l->data;

        if (mux->port == cfg->udp_port) {
            return mux;
        }
    }
    return NULL;
}

unsigned
sfu_ice_mux_n_sockets(const sfu_ice_mux_t *mux)
{
    return mux->n_socks;
}

const struct sockaddr *
sfu_ice_mux_local(const sfu_ice_mux_t *mux, unsigned i)
{
    return &mux->local[i].addr.sa;
}

/* --- clients and tables */

void
sfu_ice_mux_attach(sfu_ice_mux_t *mux, sfu_ice_mux_client_t *c)
{
    /* ids in transaction ids route responses: never 0, never in use */
    do {
        c->id = ++mux->next_id;
    } while (c->id == 0
             || g_hash_table_contains(mux->ids, GUINT_TO_POINTER(c->id)));
    g_hash_table_insert(mux->ids, GUINT_TO_POINTER(c->id), c);
    c->due = G_MAXINT64;
    list_append(&mux->clients, c);
}

void
sfu_ice_mux_detach(sfu_ice_mux_t *mux, sfu_ice_mux_client_t *c)
{
    g_hash_table_remove(mux->ids, GUINT_TO_POINTER(c->id));
    list_unlink(c);
}

int
sfu_ice_mux_add_ufrag(sfu_ice_mux_t *mux, const char *ufrag,
                      sfu_ice_mux_client_t *c)
{
    if (g_hash_table_contains(mux->ufrags, ufrag)) {
        return -1;
    }
    g_hash_table_insert(mux->ufrags, (gpointer) ufrag, c);
    return 0;
}

void
sfu_ice_mux_remove_ufrag(sfu_ice_mux_t *mux, const char *ufrag,
                         sfu_ice_mux_client_t *c)
{
    if (g_hash_table_lookup(mux->ufrags, ufrag) == c) {
        g_hash_table_remove(mux->ufrags, ufrag);
    }
}

void
sfu_ice_mux_add_path(sfu_ice_mux_t *mux, const sfu_ice_mux_path_t *p,
                     sfu_ice_mux_client_t *c)
{
    if (p->tcp != 0) {
        sfu_ice_mux_tcp_bind(mux->tcp, p, c);
        return;
    }
    /* replace: the key must be the caller's copy, which it keeps */
    g_hash_table_replace(mux->paths, (gpointer) p, c);
}

void
sfu_ice_mux_remove_path(sfu_ice_mux_t *mux, const sfu_ice_mux_path_t *p,
                        sfu_ice_mux_client_t *c)
{
    gpointer key, owner;

    if (p->tcp != 0) {
        sfu_ice_mux_tcp_unbind(mux->tcp, p, c);
        return;
    }
    if (g_hash_table_lookup_extended(mux->paths, p, &key, &owner)
        && owner == c && key == p)
    {
        g_hash_table_remove(mux->paths, p);
    }
}

int
sfu_ice_mux_send(sfu_ice_mux_t *mux, const sfu_ice_mux_path_t *to,
                 const uint8_t *buf, size_t len)
{
    ssize_t n;

    if (to->tcp != 0) {
        return sfu_ice_mux_tcp_send(mux->tcp, to, buf, len);
    }
    do {
        n = sendto(mux->fd[to->sock], buf, len, 0, &to->addr.sa, to->len);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t) len ? 0 : -1;
}

void
sfu_ice_mux_count_bad_credentials(sfu_ice_mux_t *mux)
{
    mux->stats.stun_bad_credentials++;
}

/*
 * The kernel's sk_drops of a socket, as /proc/net/udp's "drops" shows it:
 * datagrams it could not queue (the receive buffer full) or checksum, and
 * those the --rtc-peer-networks filter refused.  0 if the kernel cannot
 * say (SO_MEMINFO is Linux 4.12).
 */
static uint64_t
socket_drops(int fd)
{
    uint32_t meminfo[SK_MEMINFO_VARS];
    socklen_t len = sizeof(meminfo);

    if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len) != 0
        || len <= SK_MEMINFO_DROPS * sizeof(meminfo[0]))
    {
        return 0;
    }
    return meminfo[SK_MEMINFO_DROPS];
}

void
sfu_ice_mux_stats(const sfu_ice_mux_t *mux, sfu_ice_mux_stats_t *out)
{
    *out = mux->stats;
    for (unsigned s = 0; s < mux->n_socks; s++) {
        out->kernel_drops += socket_drops(mux->fd[s]);
    }
    if (mux->tcp != NULL) {
        sfu_ice_mux_tcp_stats(mux->tcp, out);
    }
}

/* Every counter by its name in pong's "shared_port" (PROTOCOL.md); the
   one list the sum and the report both walk, so a counter added to the
   struct must be named here. */
_Static_assert(sizeof(sfu_ice_mux_stats_t)
               == SFU_ICE_MUX_STAT_FIELDS * sizeof(uint64_t),
               "sfu_ice_mux_stat_fields names every counter");
const sfu_ice_mux_stat_field_t sfu_ice_mux_stat_fields[SFU_ICE_MUX_STAT_FIELDS] = {
    { "udp_datagrams", offsetof(sfu_ice_mux_stats_t, datagrams) },
    { "udp_unknown_source", offsetof(sfu_ice_mux_stats_t, unknown_source) },
    { "udp_kernel_drops", offsetof(sfu_ice_mux_stats_t, kernel_drops) },
    { "stun_requests", offsetof(sfu_ice_mux_stats_t, stun_requests) },
    { "stun_responses", offsetof(sfu_ice_mux_stats_t, stun_responses) },
    { "stun_malformed", offsetof(sfu_ice_mux_stats_t, stun_bad) },
    { "stun_unknown_ufrag",
      offsetof(sfu_ice_mux_stats_t, stun_unknown_ufrag) },
    { "stun_bad_credentials",
      offsetof(sfu_ice_mux_stats_t, stun_bad_credentials) },
    { "stun_unrouted", offsetof(sfu_ice_mux_stats_t, stun_unrouted) },
    { "tcp_accepted", offsetof(sfu_ice_mux_stats_t, tcp_accepted) },
    { "tcp_refused", offsetof(sfu_ice_mux_stats_t, tcp_refused) },
    { "tcp_auth_timeouts", offsetof(sfu_ice_mux_stats_t, tcp_timed_out) },
    { "tcp_over_limit", offsetof(sfu_ice_mux_stats_t, tcp_overflow) },
    { "tcp_accept_pauses",
      offsetof(sfu_ice_mux_stats_t, tcp_accept_paused) },
    { "tcp_send_drops", offsetof(sfu_ice_mux_stats_t, tcp_queue_drops) },
};

uint64_t
sfu_ice_mux_stat_value(const sfu_ice_mux_stats_t *s, size_t i)
{
    uint64_t v;

    memcpy(&v, (const char *) s + sfu_ice_mux_stat_fields[i].offset,
           sizeof(v));
    return v;
}

bool
sfu_ice_mux_stats_all(sfu_ice_mux_stats_t *out)
{
    sfu_ice_mux_stats_t s;
    uint64_t sum;

    memset(out, 0, sizeof(*out));
    for (GSList *l = muxes; l != NULL; l = l->next) {
        sfu_ice_mux_stats(l->data, &s);
        for (size_t i = 0; i < SFU_ICE_MUX_STAT_FIELDS; i++) {
            sum = sfu_ice_mux_stat_value(out, i)
                  + sfu_ice_mux_stat_value(&s, i);
            memcpy((char *) out + sfu_ice_mux_stat_fields[i].offset, &sum,
                   sizeof(sum));
        }
    }
    return muxes != NULL;
}

bool
sfu_ice_mux_has_tcp(const sfu_ice_mux_t *mux)
{
    return mux->tcp != NULL;
}
