/*
 * conn: one module connection on the GLib main loop: non-blocking reads
 * into the frame decoder, a write queue drained when the socket is
 * writable, backpressure, and an orderly close after a protocol error.
 *
 * Closing from inside the connection's own dispatch only marks it dead;
 * it is freed when the dispatch unwinds, so handlers may close freely.
 */

#include "conn.h"
#include "log.h"

#include <errno.h>
#include <glib.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SFU_CONN_READ_CHUNK   65536
#define SFU_CONN_READ_BURST   16     /* reads per wake-up, for fairness */

typedef enum {
    CONN_OPEN = 0,
    CONN_DRAINING,    /* closing once the write queue is empty */
    CONN_DEAD         /* closed; freed when the dispatch unwinds */
} conn_state_t;

struct sfu_conn {
    GSource                     source;    /* first: the GSource is the conn */
    int                         fd;
    unsigned                    id;
    gpointer                    tag;
    conn_state_t                state;
    int                         paused;    /* reading held by backpressure */
    int                         in_dispatch;
    guint                       linger;
    sfu_frame_decoder_t         in;
    GByteArray                 *out;
    size_t                      out_sent;
    const sfu_conn_handlers_t  *handlers;
    void                       *data;
};

static gboolean conn_dispatch(GSource *source, GSourceFunc cb, gpointer ud);
static void conn_finalize(GSource *source);

static GSourceFuncs conn_source_funcs = {
    .dispatch = conn_dispatch,
    .finalize = conn_finalize,
};

static size_t
conn_queued(const sfu_conn_t *c)
{
    return c->out->len - c->out_sent;
}

static void
conn_update_events(sfu_conn_t *c)
{
    GIOCondition events = 0;

    if (c->state == CONN_DEAD) {
        return;
    }

    if (c->state == CONN_OPEN && !c->paused) {
        events |= G_IO_IN;
    }

    if (conn_queued(c) > 0) {
        events |= G_IO_OUT;
    }

    g_source_modify_unix_fd(&c->source, c->tag, events);
}

/* Closes the socket; the GSource (and so the conn) goes when unreferenced. */
static void
conn_destroy(sfu_conn_t *c, int notify)
{
    if (c->linger != 0) {
        g_source_remove(c->linger);
        c->linger = 0;
    }

    close(c->fd);
    c->fd = -1;

    if (notify && c->handlers->closed != NULL) {
        c->handlers->closed(c, c->data);
    }

    g_source_destroy(&c->source);
    g_source_unref(&c->source);
}

static void
conn_close_now(sfu_conn_t *c)
{
    if (c->state == CONN_DEAD) {
        return;
    }

    c->state = CONN_DEAD;

    if (c->in_dispatch == 0) {
        conn_destroy(c, 1);
    }
}

static gboolean
conn_linger_expired(gpointer data)
{
    sfu_conn_t *c = data;

    c->linger = 0;
    sfu_log_warn("conn %u: peer did not take the last %zu bytes in %d ms",
                 c->id, conn_queued(c), SFU_CONN_LINGER_MS);
    conn_close_now(c);

    return G_SOURCE_REMOVE;
}

sfu_conn_t *
sfu_conn_new(int fd, unsigned id, const sfu_conn_handlers_t *handlers,
             void *data)
{
    GSource *source;
    sfu_conn_t *c;

    source = g_source_new(&conn_source_funcs, sizeof(sfu_conn_t));
    c = (sfu_conn_t *) source;

    c->fd = fd;
    c->id = id;
    c->state = CONN_OPEN;
    c->paused = 0;
    c->in_dispatch = 0;
    c->linger = 0;
    c->out = g_byte_array_new();
    c->out_sent = 0;
    c->handlers = handlers;
    c->data = data;
    sfu_frame_decoder_init(&c->in, SFU_FRAME_MAX);

    c->tag = g_source_add_unix_fd(source, fd, G_IO_IN);
    g_source_set_priority(source, SFU_CONN_PRIORITY);
    g_source_attach(source, NULL);

    return c;
}

unsigned
sfu_conn_id(const sfu_conn_t *c)
{
    return c->id;
}

int
sfu_conn_send(sfu_conn_t *c, const json_t *msg)
{
    uint8_t *frame;
    size_t len;

    if (c->state != CONN_OPEN) {
        return -1;
    }

    frame = sfu_frame_encode(msg, SFU_FRAME_MAX, &len);
    if (frame == NULL) {
        sfu_log_error("conn %u: a message does not fit in one frame "
                      "(%u bytes at most); not sent", c->id, SFU_FRAME_MAX);
        return -1;
    }

    if (conn_queued(c) + len > SFU_CONN_QUEUE_MAX) {
        free(frame);
        sfu_log_error("conn %u: peer stopped reading (%zu bytes queued); "
                      "closing", c->id, conn_queued(c));
        conn_close_now(c);
        return -1;
    }

    g_byte_array_append(c->out, frame, (guint) len);
    free(frame);

    if (conn_queued(c) > SFU_CONN_QUEUE_HIGH && !c->paused) {
        sfu_log_debug("conn %u: %zu bytes queued, reading paused",
                      c->id, conn_queued(c));
        c->paused = 1;
    }

    conn_update_events(c);

    return 0;
}

void
sfu_conn_close_after_flush(sfu_conn_t *c)
{
    if (c->state != CONN_OPEN) {
        return;
    }

    if (conn_queued(c) == 0) {
        conn_close_now(c);
        return;
    }

    c->state = CONN_DRAINING;
    c->linger = g_timeout_add(SFU_CONN_LINGER_MS, conn_linger_expired, c);
    conn_update_events(c);
}

void
sfu_conn_free(sfu_conn_t *c)
{
    c->state = CONN_DEAD;
    conn_destroy(c, 0);
}

/* Hands every complete buffered frame to the handlers. */
static void
conn_process(sfu_conn_t *c)
{
    json_t *msg;

    while (c->state == CONN_OPEN && !c->paused) {
        switch (sfu_frame_decoder_next(&c->in, &msg)) {

        case SFU_FRAME_OK:
            c->handlers->message(c, msg, c->data);
            json_decref(msg);
            break;

        case SFU_FRAME_AGAIN:
            return;

        case SFU_FRAME_ERROR:
            sfu_log_warn("conn %u: protocol error: %s; closing",
                         c->id, c->in.detail);
            c->handlers->bad_frame(c, &c->in, c->data);
            sfu_conn_close_after_flush(c);
            return;
        }
    }
}

static void
conn_read(sfu_conn_t *c)
{
    uint8_t buf[SFU_CONN_READ_CHUNK];
    ssize_t n;

    for (int i = 0; i < SFU_CONN_READ_BURST; i++) {
        if (c->state != CONN_OPEN || c->paused) {
            return;
        }

        n = recv(c->fd, buf, sizeof(buf), 0);

        if (n > 0) {
            if (sfu_frame_decoder_feed(&c->in, buf, (size_t) n) != 0) {
                sfu_log_error("conn %u: out of memory; closing", c->id);
                conn_close_now(c);
                return;
            }
            conn_process(c);
            continue;
        }

        if (n == 0) {
            if (sfu_frame_decoder_pending(&c->in) > 0) {
                sfu_log_warn("conn %u: peer closed inside a frame "
                             "(%zu bytes of it received)", c->id,
                             sfu_frame_decoder_pending(&c->in));
            } else {
                sfu_log_info("conn %u: closed by peer", c->id);
            }
            conn_close_now(c);
            return;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno == ECONNRESET) {
            sfu_log_info("conn %u: reset by peer", c->id);
            conn_close_now(c);

        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            sfu_log_warn("conn %u: recv: %s; closing", c->id, strerror(errno));
            conn_close_now(c);
        }

        return;
    }
}

static void
conn_write(sfu_conn_t *c)
{
    ssize_t n;

    while (conn_queued(c) > 0) {
        n = send(c->fd, c->out->data + c->out_sent, conn_queued(c),
                 MSG_NOSIGNAL);

        if (n >= 0) {
            c->out_sent += (size_t) n;
            continue;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            sfu_log_info("conn %u: send: %s; closing", c->id, strerror(errno));
            conn_close_now(c);
            return;
        }

        break;
    }

    if (conn_queued(c) == 0) {
        g_byte_array_set_size(c->out, 0);
        c->out_sent = 0;

    } else if (c->out_sent > c->out->len / 2) {
        g_byte_array_remove_range(c->out, 0, (guint) c->out_sent);
        c->out_sent = 0;
    }

    if (c->state == CONN_DRAINING && conn_queued(c) == 0) {
        conn_close_now(c);
        return;
    }

    if (c->paused && conn_queued(c) < SFU_CONN_QUEUE_LOW) {
        sfu_log_debug("conn %u: queue drained, reading resumed", c->id);
        c->paused = 0;
        conn_process(c);
    }
}

static gboolean
conn_dispatch(GSource *source, GSourceFunc cb, gpointer ud)
{
    sfu_conn_t *c = (sfu_conn_t *) source;
    GIOCondition revents;

    (void) cb;
    (void) ud;

    revents = g_source_query_unix_fd(source, c->tag);
    c->in_dispatch++;

    if (revents & G_IO_OUT) {
        conn_write(c);
    }

    if (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
        if (c->state == CONN_OPEN && !c->paused) {
            conn_read(c);

        } else if (c->state != CONN_DEAD
                   && (revents & (G_IO_HUP | G_IO_ERR)))
        {
            /* paused or draining: what is queued can no longer be read */
            sfu_log_info("conn %u: peer gone with %zu bytes unsent",
                         c->id, conn_queued(c));
            conn_close_now(c);
        }
    }

    c->in_dispatch--;

    if (c->state == CONN_DEAD) {
        conn_destroy(c, 1);
        return G_SOURCE_REMOVE;
    }

    conn_update_events(c);

    return G_SOURCE_CONTINUE;
}

static void
conn_finalize(GSource *source)
{
    sfu_conn_t *c = (sfu_conn_t *) source;

    sfu_frame_decoder_free(&c->in);
    g_byte_array_unref(c->out);
}
