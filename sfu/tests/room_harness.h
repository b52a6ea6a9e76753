/*
 * room_harness.h: the worker's room code driven as the module drives it,
 * inside one test process: messages go through a real module connection
 * (a socketpair, the real framing and routing), media through the
 * stand-in transports of fake_transport.h.  Include it in exactly one file
 * per test program, after tap.h, fixture.h and fake_transport.h.
 *
 *     setup();  client("alice", json_pack("{s:s}", "type", "join"));
 *     json_t *m = take("alice", "joined");  ...  drain();
 */
#ifndef SFU_TEST_ROOM_HARNESS_H
#define SFU_TEST_ROOM_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "proto.h"
#include "room.h"

static int module_fd;
static sfu_frame_decoder_t decoder;
static GPtrArray *inbox;                /* json_t *: what the worker sent, in order */

__attribute__((unused))
static void
on_message(sfu_conn_t *c, json_t *msg, void *data)
{
    (void)data;
    sfu_proto_message(c, msg);
}

__attribute__((unused))
static void
on_bad_frame(sfu_conn_t *c, const sfu_frame_decoder_t *d, void *data)
{
    (void)data;
    sfu_proto_bad_frame(c, d);
}

__attribute__((unused))
static void
on_closed(sfu_conn_t *c, void *data)
{
    (void)data;
    sfu_rooms_conn_closed(c);
}

static const sfu_conn_handlers_t handlers = { on_message, on_bad_frame, on_closed };

/* Runs the main loop until it is idle, collecting what the worker wrote. */
__attribute__((unused))
static void
pump(void)
{
    uint8_t buf[65536];
    json_t *msg;
    ssize_t n;
    int round;

    for (round = 0; round < 20; round++) {
        while (g_main_context_iteration(NULL, FALSE)) {
        }
        while ((n = read(module_fd, buf, sizeof(buf))) > 0) {
            sfu_frame_decoder_feed(&decoder, buf, (size_t)n);
        }
        while (sfu_frame_decoder_next(&decoder, &msg) == SFU_FRAME_OK) {
            g_ptr_array_add(inbox, msg);
        }
    }
}

__attribute__((unused))
static void
send_json(json_t *msg)
{
    size_t len, off = 0;
    uint8_t *frame = sfu_frame_encode(msg, SFU_FRAME_MAX, &len);
    ssize_t n;

    json_decref(msg);
    while (off < len) {
        n = write(module_fd, frame + off, len - off);
        if (n > 0) {
            off += (size_t)n;
        } else if (errno == EAGAIN) {
            pump();
        } else if (errno != EINTR) {
            /* the worker's end is gone: stop instead of spinning */
            printf("Bail out! writing to the worker: %s\n", strerror(errno));
            exit(1);
        }
    }
    free(frame);
    pump();
}

__attribute__((unused))
static void
client(const char *participant, json_t *msg)
{
    send_json(json_pack("{s:s, s:s, s:s, s:s, s:o}", "type", "client", "room", "r1", "participant", participant,
                        "role", "participant", "msg", msg));
}

/* Takes the first message of that type delivered to participant (NULL: none); the caller owns it. */
__attribute__((unused))
static json_t *
take(const char *participant, const char *type)
{
    guint i;

    for (i = 0; i < inbox->len; i++) {
        json_t *m = g_ptr_array_index(inbox, i), *inner = json_object_get(m, "msg");

        if (strcmp(json_string_value(json_object_get(m, "type")), "deliver") == 0
            && strcmp(json_string_value(json_object_get(m, "participant")), participant) == 0
            && strcmp(json_string_value(json_object_get(inner, "type")), type) == 0)
        {
            json_incref(inner);
            json_decref(g_ptr_array_steal_index(inbox, i));
            return inner;
        }
    }
    return NULL;
}

/* Takes the first message that is not a delivery, of that type. */
__attribute__((unused))
static json_t *
take_top(const char *type)
{
    guint i;

    for (i = 0; i < inbox->len; i++) {
        json_t *m = g_ptr_array_index(inbox, i);

        if (strcmp(json_string_value(json_object_get(m, "type")), type) == 0) {
            return g_ptr_array_steal_index(inbox, i);
        }
    }
    return NULL;
}

__attribute__((unused))
static unsigned
count_for(const char *participant)
{
    unsigned n = 0;
    guint i;

    for (i = 0; i < inbox->len; i++) {
        json_t *m = g_ptr_array_index(inbox, i);
        const char *to = json_string_value(json_object_get(m, "participant"));

        n += to != NULL && strcmp(to, participant) == 0;
    }
    return n;
}

__attribute__((unused))
static void
drain(void)
{
    g_ptr_array_set_size(inbox, 0);
}

__attribute__((unused))
static bool
has_str(json_t *obj, const char *key, const char *value)
{
    const char *v = json_string_value(json_object_get(obj, key));

    return v != NULL && strcmp(v, value) == 0;
}

__attribute__((unused))
static sfu_participant_t *
member(const char *id)
{
    return sfu_room_participant(sfu_room_find("r1"), id);
}

/* A browser's answer to the SFU's subscribe offer: recvonly, a=setup:active, its own credentials. */
__attribute__((unused))
static char *
answer_for(const char *offer_sdp)
{
    static struct sfu_sdp_session s;
    static char out[65536];
    struct sfu_sdp_error err;
    unsigned i;
    size_t len;
    char *copy = g_strdup(offer_sdp);

    if (sfu_sdp_parse(&s, copy, strlen(copy), &err) != SFU_SDP_OK) {
        printf("# offer does not parse: %s\n", err.message);
        return g_strdup("");
    }
    for (i = 0; i < s.media_count; i++) {
        struct sfu_sdp_media *m = &s.media[i];

        m->direction = m->direction == SFU_SDP_SENDONLY ? SFU_SDP_RECVONLY : m->direction;
        m->transport.setup = SFU_SDP_SETUP_ACTIVE;
        m->transport.ice_ufrag = sfu_sdp_str_from("brws");
        m->transport.ice_pwd = sfu_sdp_str_from("browserpasswordbrowser");
        m->ssrc_count = 0;
        m->ssrc_group_count = 0;
        m->candidate_count = 0;
        m->msid_stream.len = 0;
        m->msid_track.len = 0;
    }
    sfu_sdp_write(&s, out, sizeof(out), &len, &err);
    g_free(copy);
    return g_strdup(out);
}

__attribute__((unused))
static void
setup(void)
{
    int fds[2];

    socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    module_fd = fds[1];
    sfu_frame_decoder_init(&decoder, SFU_FRAME_MAX);
    inbox = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
    sfu_conn_new(fds[0], 1, &handlers, NULL);
    pump();
    drain();                            /* nothing is said before the module speaks */
}

/* The sdp of an offer or answer message, parsed into s and checked. */
__attribute__((unused))
static bool
parse_sdp_of(json_t *m, struct sfu_sdp_session *s)
{
    json_t *sdp = json_object_get(m, "sdp");
    struct sfu_sdp_error err;

    return sfu_sdp_parse(s, json_string_value(sdp), json_string_length(sdp), &err) == SFU_SDP_OK
        && sfu_sdp_check(s, &err) == SFU_SDP_OK;
}

/* participant answers the offer m (which this takes) as a browser would. */
__attribute__((unused))
static void
answer_as(const char *participant, json_t *m)
{
    char *answer = answer_for(json_string_value(json_object_get(m, "sdp")));

    json_decref(m);
    client(participant, json_pack("{s:s, s:s}", "type", "answer", "sdp", answer));
    g_free(answer);
}

#endif
