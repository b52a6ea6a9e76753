/*
 * test_conn: a module connection is served before media on a saturated
 * main loop.  Many always-ready sources at the default priority stand in
 * for busy media sockets; a ping written to the connection must be handled
 * before they run again, not after a whole round of them.
 */

#include "conn.h"
#include "tap.h"
#include "loop.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUSY_SOURCES  40

static unsigned busy_runs;          /* media dispatches so far */
static int busy_runs_at_message = -1;

static gboolean
busy_media(gpointer data)
{
    (void) data;
    busy_runs++;
    return G_SOURCE_CONTINUE;
}

static void
on_message(sfu_conn_t *c, json_t *msg, void *data)
{
    (void) c;
    (void) msg;
    (void) data;
    if (busy_runs_at_message < 0) {
        busy_runs_at_message = (int) busy_runs;
    }
}

static void
on_bad_frame(sfu_conn_t *c, const sfu_frame_decoder_t *d, void *data)
{
    (void) c;
    (void) d;
    (void) data;
}

static void
on_closed(sfu_conn_t *c, void *data)
{
    (void) c;
    (void) data;
}

static const sfu_conn_handlers_t handlers = {
    on_message, on_bad_frame, on_closed
};

static bool
message_seen(void *arg)
{
    (void) arg;
    return busy_runs_at_message >= 0;
}

static void
test_served_before_media(void)
{
    int sv[2], i;
    guint busy[BUSY_SOURCES];
    sfu_conn_t *c;
    json_t *ping;
    uint8_t *frame;
    size_t len;
    unsigned before;

    ok(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0, "socketpair");

    /* the media first: a connection accepted later goes after them in the
       loop's list of sources of its priority */
    for (i = 0; i < BUSY_SOURCES; i++) {
        busy[i] = g_idle_add_full(G_PRIORITY_DEFAULT, busy_media, NULL, NULL);
    }
    c = sfu_conn_new(sv[0], 1, &handlers, NULL);

    /* the loop is running flat out before the ping arrives */
    for (i = 0; i < 3; i++) {
        g_main_context_iteration(NULL, FALSE);
    }

    ping = json_pack("{s:s, s:i}", "type", "ping", "id", 1);
    frame = sfu_frame_encode(ping, SFU_FRAME_MAX, &len);
    ok(write(sv[1], frame, len) == (ssize_t) len, "the ping is written");
    before = busy_runs;

    ok(run_until(message_seen, NULL, 5), "the ping is handled");
    ok(busy_runs_at_message >= 0 && (unsigned) busy_runs_at_message - before < BUSY_SOURCES,
       "... before a whole round of the busy media sources (%d of %d ran first)",
       busy_runs_at_message - (int) before, BUSY_SOURCES);

    for (i = 0; i < BUSY_SOURCES; i++) {
        g_source_remove(busy[i]);
    }
    sfu_conn_free(c);
    close(sv[1]);
    free(frame);
    json_decref(ping);
}

int
main(void)
{
    test_served_before_media();

    return tap_done();
}
