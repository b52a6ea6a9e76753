/*
 * ice_mux_tcp: passive ICE-TCP on the shared port: listeners, the
 * connections peers open, their RFC 4571 frames in and out (see
 * ice_mux_tcp.h).
 *
 * Each connection is a GSource of its own (ICE-TCP connections are few:
 * a peer connection uses one, and only when UDP is blocked): it polls the
 * socket for reading, for writing while its send queue holds something,
 * and has its ready time at the authentication deadline until a client
 * binds it.  A connection is freed as soon as it closes, except while
 * its own dispatch runs (GLib holds it then): the dispatch looks at
 * `open` after everything that may close it.
 */

#include "ice_mux_tcp.h"

#include "ice_tcp_frame.h"
#include "log.h"
#include "peer_networks.h"

#include <errno.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LISTENERS        64
#define LISTEN_BACKLOG       128
#define ACCEPT_BATCH         16
/* connections that have not passed a check yet, over every listener */
#define MAX_UNAUTHENTICATED  64
/* reads per wake-up before other sources get their turn */
#define READ_ROUNDS          8
/* the send ring of a connection: about 1.5 s of a 1.3 Mbit/s stream */
#define SEND_QUEUE_MAX       (256 * 1024)

static gint64 auth_timeout_us = 10 * G_USEC_PER_SEC;

/* out of descriptors or memory: the listener rests this long, as the
   pending connection keeps it readable and would spin the loop */
#define ACCEPT_PAUSE_MS      100

typedef struct {
    sfu_ice_mux_tcp_t *tcp;
    int                fd;
    unsigned           sock;
    guint              source_id;   /* the fd watch, or the pause's timer */
    bool               starved;     /* paused since the last accept */
} listener_t;

typedef struct {
    GSource               source;      /* first: GLib allocates it */
    sfu_ice_mux_tcp_t    *tcp;
    int                   fd;
    gpointer              tag;
    bool                  open;
    bool                  broken;      /* a write failed: the source closes */
    sfu_ice_mux_path_t    path;
    sfu_ice_mux_client_t *client;      /* NULL: not authenticated yet */
    uint8_t              *queue;       /* SEND_QUEUE_MAX, at first need */
    size_t                q_head, q_len;
    sfu_ice_tcp_reader_t  reader;
} conn_t;

struct sfu_ice_mux_tcp {
    sfu_ice_mux_t       *mux;
    listener_t           listeners[MAX_LISTENERS];
    unsigned             n_listeners;
    GHashTable          *conns;        /* id -> conn_t */
    uint32_t             next_id;
    unsigned             unauthenticated;
    sfu_ice_mux_stats_t  stats;        /* the tcp_ counters */
};

void
sfu_ice_mux_tcp_auth_timeout(gint64 us)
{
    auth_timeout_us = us;
}

static conn_t *
find_conn(const sfu_ice_mux_tcp_t *t, const sfu_ice_mux_path_t *p)
{
    return p->tcp != 0
           ? g_hash_table_lookup(t->conns, GUINT_TO_POINTER(p->tcp)) : NULL;
}

/* The connection goes now (its memory when its dispatch, if running,
   returns); its client, if notify, learns of it last. */
static void
conn_close(conn_t *c, bool notify)
{
    sfu_ice_mux_client_t *client = notify ? c->client : NULL;
    sfu_ice_mux_path_t path = c->path;

    if (!c->open) {
        return;
    }
    c->open = false;
    if (c->client == NULL) {
        c->tcp->unauthenticated--;
    }
    c->client = NULL;
    g_hash_table_remove(c->tcp->conns, GUINT_TO_POINTER(c->path.tcp));
    close(c->fd);
    g_source_destroy(&c->source);
    if (client != NULL) {
        client->ops->closed(client, &path);
    }
}

/* --- sending */

static void
want_write(conn_t *c, bool on)
{
    g_source_modify_unix_fd(&c->source, c->tag,
                            on ? G_IO_IN | G_IO_OUT : G_IO_IN);
}

/* Called from outside the connection's dispatch: it closes there. */
static void
mark_broken(conn_t *c)
{
    sfu_log_debug("ice tcp %u: send: %s", c->path.tcp, g_strerror(errno));
    c->broken = true;
    g_source_set_ready_time(&c->source, 0);
}

static void
enqueue(conn_t *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t at = (c->q_head + c->q_len) % SEND_QUEUE_MAX;
        size_t chunk = MIN(n, SEND_QUEUE_MAX - at);

        memcpy(c->queue + at, p, chunk);
        c->q_len += chunk;
        p += chunk;
        n -= chunk;
    }
}

/* Queues the frame's bytes from `sent` on (the socket took the rest). */
static void
enqueue_frame(conn_t *c, const uint8_t hdr[SFU_ICE_TCP_HEADER],
              const uint8_t *buf, size_t len, size_t sent)
{
    if (c->queue == NULL) {
        c->queue = g_malloc(SEND_QUEUE_MAX);
    }
    if (sent < SFU_ICE_TCP_HEADER) {
        enqueue(c, hdr + sent, SFU_ICE_TCP_HEADER - sent);
        sent = 0;
    } else {
        sent -= SFU_ICE_TCP_HEADER;
    }
    enqueue(c, buf + sent, len - sent);
    want_write(c, true);
}

int
sfu_ice_mux_tcp_send(sfu_ice_mux_tcp_t *t, const sfu_ice_mux_path_t *to,
                     const uint8_t *buf, size_t len)
{
    conn_t *c = find_conn(t, to);
    uint8_t hdr[SFU_ICE_TCP_HEADER];
    size_t total = SFU_ICE_TCP_HEADER + len;
    struct iovec iov[2];
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
    ssize_t n;

    if (c == NULL || c->broken || len > SFU_ICE_TCP_FRAME_MAX) {
        return -1;
    }
    sfu_ice_tcp_header(hdr, len);
    if (c->q_len > 0) {
        /* behind what waits: all of the frame or none of it */
        if (SEND_QUEUE_MAX - c->q_len < total) {
            t->stats.tcp_queue_drops++;
            return -1;
        }
        enqueue_frame(c, hdr, buf, len, 0);
        return 0;
    }
    iov[0] = (struct iovec) { hdr, sizeof(hdr) };
    iov[1] = (struct iovec) { (void *) buf, len };
    do {
        n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t) total) {
        return 0;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            mark_broken(c);
            return -1;
        }
        n = 0;
    }
    enqueue_frame(c, hdr, buf, len, (size_t) n);
    return 0;
}

/* Writes what is queued, as far as the socket takes it. */
static void
flush(conn_t *c)
{
    while (c->q_len > 0) {
        size_t chunk = MIN(c->q_len, SEND_QUEUE_MAX - c->q_head);
        ssize_t n = send(c->fd, c->queue + c->q_head, chunk,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                c->broken = true;
            }
            return;
        }
        c->q_head = (c->q_head + (size_t) n) % SEND_QUEUE_MAX;
        c->q_len -= (size_t) n;
    }
    want_write(c, false);
}

/* --- receiving */

/* RFC 6544: a connection's first frame must be a binding request. */
static bool
is_binding_request(const uint8_t *frame, size_t len)
{
    return sfu_stun_looks_like(frame, len) && frame[0] == 0x00
           && frame[1] == 0x01;
}

static void
handle_frame(conn_t *c, uint8_t *frame, size_t len)
{
    sfu_ice_mux_tcp_t *t = c->tcp;

    if (c->client == NULL) {
        /* the client binds the path if the request passes its check */
        if (is_binding_request(frame, len)) {
            sfu_ice_mux_route_stun(t->mux, &c->path, frame, len);
        }
        if (c->open && c->client == NULL) {
            sfu_log_debug("ice tcp %u: first frame refused", c->path.tcp);
            t->stats.tcp_refused++;
            conn_close(c, false);
        }
        return;
    }
    if (len == 0) {
        return;
    }
    if (sfu_stun_looks_like(frame, len)) {
        sfu_ice_mux_route_stun(t->mux, &c->path, frame, len);
    } else {
        c->client->ops->data(c->client, frame, len);
    }
}

static void
handle_frames(conn_t *c)
{
    uint8_t *frame;
    size_t len;

    while (c->open) {
        switch (sfu_ice_tcp_reader_next(&c->reader, &frame, &len)) {
        case SFU_ICE_TCP_FRAME:
            handle_frame(c, frame, len);
            break;
        case SFU_ICE_TCP_MORE:
            return;
        case SFU_ICE_TCP_TOO_LONG:
            sfu_log_debug("ice tcp %u: frame too long", c->path.tcp);
            if (c->client == NULL) {
                c->tcp->stats.tcp_refused++;
            }
            conn_close(c, true);
            return;
        }
    }
}

static void
read_frames(conn_t *c)
{
    for (int round = 0; round < READ_ROUNDS && c->open; round++) {
        size_t room;
        uint8_t *p = sfu_ice_tcp_reader_space(&c->reader, &room);
        ssize_t n = recv(c->fd, p, room, MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK
                      || errno == EINTR))
        {
            return;
        }
        if (n <= 0) {
            sfu_log_debug("ice tcp %u: %s", c->path.tcp,
                          n == 0 ? "closed by the peer" : g_strerror(errno));
            conn_close(c, true);
            return;
        }
        sfu_ice_tcp_reader_filled(&c->reader, (size_t) n);
        handle_frames(c);
        if ((size_t) n < room) {
            return;
        }
    }
}

static gboolean
conn_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
    conn_t *c = (conn_t *) source;
    GIOCondition ev = g_source_query_unix_fd(source, c->tag);
    gint64 deadline = g_source_get_ready_time(source);

    (void) callback;
    (void) data;
    if (!c->broken && (ev & G_IO_OUT)) {
        flush(c);
    }
    if (!c->broken && (ev & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
        read_frames(c);
    }
    if (c->open && c->broken) {
        conn_close(c, true);
    }
    if (c->open && c->client == NULL && deadline >= 0
        && g_get_monotonic_time() >= deadline)
    {
        sfu_log_debug("ice tcp %u: no check in time", c->path.tcp);
        c->tcp->stats.tcp_timed_out++;
        conn_close(c, false);
    }
    return c->open ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
conn_finalize(GSource *source)
{
    g_free(((conn_t *) source)->queue);
}

static GSourceFuncs conn_funcs = {
    .dispatch = conn_dispatch,
    .finalize = conn_finalize,
};

static void
conn_new(sfu_ice_mux_tcp_t *t, const listener_t *l, int fd,
         const struct sockaddr_storage *from, socklen_t len)
{
    conn_t *c = (conn_t *) g_source_new(&conn_funcs, sizeof(*c));
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    g_source_set_name(&c->source, "sfu ice tcp");
    g_source_set_priority(&c->source, G_PRIORITY_DEFAULT);
    c->tcp = t;
    c->fd = fd;
    c->open = true;
    memcpy(&c->path.addr, from, len);
    c->path.len = len;
    c->path.sock = l->sock;
    do {
        c->path.tcp = ++t->next_id;
    } while (c->path.tcp == 0
             || g_hash_table_contains(t->conns,
                                      GUINT_TO_POINTER(c->path.tcp)));
    sfu_ice_tcp_reader_init(&c->reader);
    c->tag = g_source_add_unix_fd(&c->source, fd, G_IO_IN);
    g_source_set_ready_time(&c->source,
                            g_get_monotonic_time() + auth_timeout_us);
    g_hash_table_insert(t->conns, GUINT_TO_POINTER(c->path.tcp), c);
    t->unauthenticated++;
    t->stats.tcp_accepted++;
    g_source_attach(&c->source, NULL);
    g_source_unref(&c->source);
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data);

static gboolean
accept_resume(gpointer data)
{
    listener_t *l = data;

    l->source_id = g_unix_fd_add(l->fd, G_IO_IN, on_accept, l);
    return G_SOURCE_REMOVE;
}

static gboolean
on_accept(gint fd, GIOCondition cond, gpointer data)
{
    listener_t *l = data;
    sfu_ice_mux_tcp_t *t = l->tcp;

    (void) cond;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage from;
        socklen_t len = sizeof(from);
        int c = accept4(fd, (struct sockaddr *) &from, &len,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (c < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
                || errno == ECONNABORTED)
            {
                break;
            }
            if (!l->starved) {
                sfu_log_warn("ice tcp: accept: %s; pausing new connections",
                             g_strerror(errno));
                l->starved = true;
            }
            t->stats.tcp_accept_paused++;
            l->source_id = g_timeout_add(ACCEPT_PAUSE_MS, accept_resume, l);
            return G_SOURCE_REMOVE;
        }
        l->starved = false;
        if (t->unauthenticated >= MAX_UNAUTHENTICATED
            || len > sizeof(((sfu_ice_mux_path_t *) NULL)->addr))
        {
            t->stats.tcp_overflow++;
            close(c);
            continue;
        }
        conn_new(t, l, c, &from, len);
    }
    return G_SOURCE_CONTINUE;
}

/* --- listeners and the table */

sfu_ice_mux_tcp_t *
sfu_ice_mux_tcp_new(sfu_ice_mux_t *mux)
{
    sfu_ice_mux_tcp_t *t = g_new0(sfu_ice_mux_tcp_t, 1);

    t->mux = mux;
    t->conns = g_hash_table_new(g_direct_hash, g_direct_equal);
    return t;
}

int
sfu_ice_mux_tcp_listen(sfu_ice_mux_tcp_t *t, const sfu_ice_mux_path_t *local,
                       const sfu_transport_config_t *cfg)
{
    listener_t *l;
    int one = 1;
    char name[64];
    int fd;

    sfu_ice_mux_format(&local->addr.sa, name, sizeof(name));
    if (t->n_listeners == MAX_LISTENERS) {
        return 0;
    }
    fd = socket(local->addr.sa.sa_family,
                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sfu_log_error("ice tcp: socket for %s: %s", name, g_strerror(errno));
        return -1;
    }
    if (local->addr.sa.sa_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    /* a restarted worker binds again while old connections linger */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, &local->addr.sa, local->len) != 0
        || (cfg->peer_networks != NULL && cfg->peer_networks->n > 0
            && sfu_peer_networks_attach(cfg->peer_networks, fd) != 0)
        || listen(fd, LISTEN_BACKLOG) != 0)
    {
        sfu_log_error("ice tcp: cannot listen on %s: %s", name,
                      g_strerror(errno));
        close(fd);
        return -1;
    }
    l = &t->listeners[t->n_listeners++];
    l->tcp = t;
    l->fd = fd;
    l->sock = local->sock;
    l->source_id = g_unix_fd_add(fd, G_IO_IN, on_accept, l);
    sfu_log_info("ice mux: serving ICE-TCP on tcp %s", name);
    return 0;
}

void
sfu_ice_mux_tcp_free(sfu_ice_mux_tcp_t *t)
{
    GList *conns = g_hash_table_get_values(t->conns);

    for (GList *i = conns; i != NULL; i = i->next) {
        conn_close(i->data, false);
    }
    g_list_free(conns);
    for (unsigned i = 0; i < t->n_listeners; i++) {
        g_source_remove(t->listeners[i].source_id);
        close(t->listeners[i].fd);
    }
    g_hash_table_destroy(t->conns);
    g_free(t);
}

void
sfu_ice_mux_tcp_bind(sfu_ice_mux_tcp_t *t, const sfu_ice_mux_path_t *p,
                     sfu_ice_mux_client_t *c)
{
    conn_t *conn = find_conn(t, p);

    if (conn == NULL) {
        return;
    }
    if (conn->client == NULL) {
        t->unauthenticated--;
        g_source_set_ready_time(&conn->source, -1);
    }
    conn->client = c;
}

void
sfu_ice_mux_tcp_unbind(sfu_ice_mux_tcp_t *t, const sfu_ice_mux_path_t *p,
                       sfu_ice_mux_client_t *c)
{
    conn_t *conn = find_conn(t, p);

    if (conn != NULL && conn->client == c) {
        conn_close(conn, false);
    }
}

void
sfu_ice_mux_tcp_stats(const sfu_ice_mux_tcp_t *t, sfu_ice_mux_stats_t *out)
{
    out->tcp_accepted = t->stats.tcp_accepted;
    out->tcp_refused = t->stats.tcp_refused;
    out->tcp_timed_out = t->stats.tcp_timed_out;
    out->tcp_overflow = t->stats.tcp_overflow;
    out->tcp_accept_paused = t->stats.tcp_accept_paused;
    out->tcp_queue_drops = t->stats.tcp_queue_drops;
}
