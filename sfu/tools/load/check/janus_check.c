/*
 * janus-check: drives signal_janus against a running Janus without the
 * load engine, for t/600-bench-netns.t.  Prints one line per thing seen:
 *
 *   janus-check URL
 *
 *   room ID                 create_room worked
 *   A joined / B joined     the publisher join of participant A / B
 *   A publish-answer        Janus answered A's (canned) publish offer
 *   B subscribe-offer N     B was offered A's media, N m-lines (only with
 *                           media flowing: Janus lists a publisher once its
 *                           PeerConnection is up, which canned offers never
 *                           get; so not expected here)
 *   X failed: WHY           joining a room that does not exist
 *   done                    every expectation met, within 20 s
 *
 * Exit status 0 once "done", 1 on a timeout or an unexpected failure.
 * No ICE completes (the offers are canned); only signaling is checked.
 */

#include "signal.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

/* Each m-line's ICE and DTLS lines (one transport: bundled) */
#define TRANSPORT                                                          \
    "c=IN IP4 0.0.0.0\r\n"                                                  \
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"                                           \
    "a=ice-ufrag:chk1\r\n"                                                  \
    "a=ice-pwd:janus0check0password000\r\n"                                 \
    "a=ice-options:trickle\r\n"                                             \
    "a=fingerprint:sha-256 "                                               \
    "D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:" \
    "5E:EA:6F:AF:52:CE:E6:0F\r\n"                                           \
    "a=setup:actpass\r\n"

/* A publish offer as a browser would send: Opus and VP8, bundled. */
static const char offer[] =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=msid-semantic: WMS load\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    TRANSPORT
    "a=mid:0\r\n"
    "a=sendonly\r\n"
    "a=msid:load a0\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=ssrc:1111 cname:load\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    TRANSPORT
    "a=mid:1\r\n"
    "a=sendonly\r\n"
    "a=msid:load v0\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=ssrc:2222 cname:load\r\n";

typedef struct {
    const char     *name;
    load_signal_t  *sig;
    bool            joined, answered, failed;
} who_t;

static GMainLoop *loop;
static load_signal_target_t target;
static who_t a = { .name = "A" }, b = { .name = "B" }, x = { .name = "X" };
static who_t *const all[] = { &a, &b, &x };
static const load_signal_backend_t *be = &load_signal_janus;
static int status = 1;

static void
check_done(void)
{
    if (a.answered && b.answered && x.failed) {
        printf("done\n");
        status = 0;
        g_main_loop_quit(loop);
    }
}

static void
on_joined(void *data)
{
    who_t *w = data;

    printf("%s joined\n", w->name);
    w->joined = true;
    if (be->send_sdp(w->sig, LOAD_PC_PUBLISH, offer) < 0)
        g_main_loop_quit(loop);
}

static void
on_publish_answer(const char *sdp, void *data)
{
    who_t *w = data;

    printf("%s publish-answer %s\n", w->name,
           strstr(sdp, "a=recvonly") ? "recvonly" : "(no recvonly m-line)");
    w->answered = true;
    check_done();
}

static void
on_subscribe_offer(const char *sdp, void *data)
{
    who_t *w = data;
    const char *p;
    int lines = 0;

    for (p = sdp; (p = strstr(p, "\nm=")) != NULL; p++)
        lines++;
    printf("%s subscribe-offer %d\n", w->name, lines);
    check_done();
}

static void
on_remote_candidate(load_pc_t pc, const char *candidate, void *data)
{
    (void)pc;
    (void)candidate;
    (void)data;
}

static void
on_failed(const char *why, void *data)
{
    who_t *w = data;

    printf("%s failed: %s\n", w->name, why);
    w->failed = true;
    if (w != &x)
        g_main_loop_quit(loop);
    check_done();
}

static const load_signal_events_t events = {
    .joined = on_joined,
    .publish_answer = on_publish_answer,
    .subscribe_offer = on_subscribe_offer,
    .remote_candidate = on_remote_candidate,
    .failed = on_failed,
};

static gboolean
open_b(gpointer room)
{
    /* once A publishes, B's join finds A's feed */
    if (!a.answered)
        return G_SOURCE_CONTINUE;
    b.sig = be->open(&target, room, "B", &events, &b);
    return G_SOURCE_REMOVE;
}

static void
room_made(const char *room_id, const char *error, void *data)
{
    (void)data;
    if (room_id == NULL) {
        printf("room failed: %s\n", error);
        g_main_loop_quit(loop);
        return;
    }
    printf("room %s\n", room_id);
    a.sig = be->open(&target, room_id, "A", &events, &a);
    g_timeout_add(50, open_b, g_strdup(room_id));
    /* a room nobody made: Janus refuses the join */
    x.sig = be->open(&target, "1", "X", &events, &x);
}

static gboolean
quit(gpointer data)
{
    (void)data;
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static gboolean
timed_out(gpointer data)
{
    (void)data;
    printf("timeout\n");
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: janus-check URL (e.g. http://10.201.0.1:8088/janus)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    target.url = argv[1];
    loop = g_main_loop_new(NULL, FALSE);
    be->create_room(&target, "janus-check", 4, room_made, NULL);
    g_timeout_add_seconds(20, timed_out, NULL);
    g_main_loop_run(loop);
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (all[i]->sig != NULL)
            be->close(all[i]->sig);
    }
    /* let the destroys go out */
    g_timeout_add(300, quit, NULL);
    g_main_loop_run(loop);
    return status;
}
