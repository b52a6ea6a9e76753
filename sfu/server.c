/*
 * server: the worker's listening Unix socket and the set of module
 * connections accepted on it (every nginx worker process holds one).
 * When one closes, the participants that joined through it leave.
 */

#include "server.h"
#include "conn.h"
#include "fd_limit.h"
#include "log.h"
#include "proto.h"
#include "room.h"

#include <errno.h>
#include <glib.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SFU_SERVER_BACKLOG        128
#define SFU_SERVER_ACCEPT_PAUSE   1000    /* ms, when out of descriptors */

struct sfu_server {
    int         fd;
    char       *path;
    unsigned    worker_id;
    guint       watch;      /* the accept watch, or the pause timer */
    unsigned    next_id;
    GList      *conns;
};

static gboolean server_accept(gint fd, GIOCondition cond, gpointer data);

static void
server_message(sfu_conn_t *c, json_t *msg, void *data)
{
    (void) data;
    sfu_proto_message(c, msg);
}

static void
server_bad_frame(sfu_conn_t *c, const sfu_frame_decoder_t *d, void *data)
{
    (void) data;
    sfu_proto_bad_frame(c, d);
}

static void
server_closed(sfu_conn_t *c, void *data)
{
    sfu_server_t *s = data;

    s->conns = g_list_remove(s->conns, c);
    sfu_rooms_conn_closed(c);
    sfu_log_info("conn %u: closed, %u left", sfu_conn_id(c),
                 g_list_length(s->conns));
}

static const sfu_conn_handlers_t server_conn_handlers = {
    .message = server_message,
    .bad_frame = server_bad_frame,
    .closed = server_closed,
};

/*
 * A socket file already at path: refuse if a worker answers on it,
 * remove it if nobody does (left by a crash).  Returns 0 if path is free.
 */
static int
server_claim_path(const char *path, const struct sockaddr_un *sun)
{
    struct stat st;
    int fd, rc, err;

    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) {
            return 0;
        }
        sfu_log_error("%s: %s", path, strerror(errno));
        return -1;
    }

    if (!S_ISSOCK(st.st_mode)) {
        sfu_log_error("%s exists and is not a socket; not replacing it", path);
        return -1;
    }

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sfu_log_error("socket: %s", strerror(errno));
        return -1;
    }

    rc = connect(fd, (const struct sockaddr *) sun, sizeof(*sun));
    err = errno;
    close(fd);

    if (rc == 0) {
        sfu_log_error("another worker is listening on %s", path);
        return -1;
    }

    if (err != ECONNREFUSED) {
        sfu_log_error("probing %s: %s", path, strerror(err));
        return -1;
    }

    if (unlink(path) != 0) {
        sfu_log_error("removing stale socket %s: %s", path, strerror(errno));
        return -1;
    }

    sfu_log_info("removed stale socket %s", path);

    return 0;
}

sfu_server_t *
sfu_server_start(const char *path, int mode, unsigned worker_id)
{
    struct sockaddr_un sun;
    sfu_server_t *s;
    int fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        sfu_log_error("socket path is longer than %zu bytes: %s",
                      sizeof(sun.sun_path) - 1, path);
        return NULL;
    }

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);

    if (server_claim_path(path, &sun) != 0) {
        return NULL;
    }

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sfu_log_error("socket: %s", strerror(errno));
        return NULL;
    }

    if (bind(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0) {
        sfu_log_error("bind %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }

    if ((mode >= 0 && chmod(path, (mode_t) mode) != 0)
        || listen(fd, SFU_SERVER_BACKLOG) != 0)
    {
        sfu_log_error("%s %s: %s", mode >= 0 ? "chmod/listen" : "listen",
                      path, strerror(errno));
        close(fd);
        unlink(path);
        return NULL;
    }

    s = g_new0(sfu_server_t, 1);
    s->fd = fd;
    s->path = g_strdup(path);
    s->worker_id = worker_id;
    s->next_id = 1;
    s->watch = g_unix_fd_add_full(SFU_CONN_PRIORITY, fd, G_IO_IN,
                                  server_accept, s, NULL);

    /* every participant holds sockets: take all the descriptors we may */
    sfu_log_info("listening on %s; up to %lu open descriptors", path,
                 sfu_fd_limit_raise());

    return s;
}

static gboolean
server_resume_accept(gpointer data)
{
    sfu_server_t *s = data;

    s->watch = g_unix_fd_add_full(SFU_CONN_PRIORITY, s->fd, G_IO_IN,
                                  server_accept, s, NULL);

    return G_SOURCE_REMOVE;
}

static gboolean
server_accept(gint lfd, GIOCondition cond, gpointer data)
{
    sfu_server_t *s = data;
    sfu_conn_t *c;
    int fd;

    (void) cond;

    for ( ;; ) {
        fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }

            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS
                || errno == ENOMEM)
            {
                sfu_log_error("accept: %s; pausing %d ms", strerror(errno),
                              SFU_SERVER_ACCEPT_PAUSE);
                s->watch = g_timeout_add(SFU_SERVER_ACCEPT_PAUSE,
                                         server_resume_accept, s);
                return G_SOURCE_REMOVE;
            }

            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                sfu_log_error("accept: %s", strerror(errno));
            }

            return G_SOURCE_CONTINUE;
        }

        c = sfu_conn_new(fd, s->next_id++, &server_conn_handlers, s);
        s->conns = g_list_prepend(s->conns, c);

        sfu_log_info("conn %u: accepted, %u open", sfu_conn_id(c),
                     g_list_length(s->conns));

        sfu_proto_hello(c, s->worker_id);
    }
}

void
sfu_server_stop(sfu_server_t *s)
{
    unsigned n;

    n = g_list_length(s->conns);
    g_list_free_full(s->conns, (GDestroyNotify) sfu_conn_free);

    g_source_remove(s->watch);
    close(s->fd);

    if (unlink(s->path) != 0) {
        sfu_log_warn("unlink %s: %s", s->path, strerror(errno));
    }

    sfu_log_info("closed %u connections and %s", n, s->path);

    g_free(s->path);
    g_free(s);
}
