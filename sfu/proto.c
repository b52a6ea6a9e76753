/*
 * proto: the messages of the module <-> worker protocol (PROTOCOL.md).
 * Every message is a JSON object whose "type" names it; a request may
 * carry an "id" that the reply (or the error) echoes.  Room messages are
 * routed to signaling.c (a client's) and room_admin.c (the module's own).
 */

#include "proto.h"
#include "ice_mux.h"
#include "log.h"
#include "packet_cache.h"
#include "room.h"
#include "room_admin.h"
#include "signaling.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef void (*proto_handler_pt)(sfu_conn_t *c, json_t *msg);

typedef struct {
    const char        *type;
    proto_handler_pt   handler;
} proto_route_t;

static void proto_ping(sfu_conn_t *c, json_t *msg);

static const proto_route_t proto_routes[] = {
    { "ping", proto_ping },
    { "client", sfu_signaling_client },
    { "disconnect", sfu_admin_disconnect },
    { "kick", sfu_admin_kick },
    { "close-room", sfu_admin_close_room },
    { "participants", sfu_admin_participants },
    { "stats", sfu_admin_stats },
};

/* Sends msg and drops the caller's reference. */
static void
proto_send(sfu_conn_t *c, json_t *msg)
{
    if (msg == NULL) {
        sfu_log_error("conn %u: out of memory building a reply", sfu_conn_id(c));
        return;
    }

    sfu_conn_send(c, msg);
    json_decref(msg);
}

void
sfu_proto_reply(sfu_conn_t *c, json_t *request, json_t *reply)
{
    json_t *id;

    id = request ? json_object_get(request, "id") : NULL;
    if (reply != NULL && id != NULL) {
        json_object_set(reply, "id", id);
    }

    proto_send(c, reply);
}

void
sfu_proto_error(sfu_conn_t *c, json_t *request, const char *code,
                const char *text)
{
    sfu_proto_reply(c, request, json_pack("{s:s, s:s, s:s}", "type", "error",
                                          "code", code, "message", text));
}

/* Adds "shared_port": {"udp_datagrams": N, ...} to msg if the worker
   serves one; 0, or -1 out of memory. */
static int
proto_shared_port(json_t *msg)
{
    sfu_ice_mux_stats_t stats;
    json_t *port;
    uint64_t value;

    if (!sfu_ice_mux_stats_all(&stats)) {
        return 0;
    }
    port = json_object();
    if (port == NULL || json_object_set_new(msg, "shared_port", port) != 0) {
        return -1;
    }
    for (size_t i = 0; i < SFU_ICE_MUX_STAT_FIELDS; i++) {
        value = sfu_ice_mux_stat_value(&stats, i);
        /* json_int_t is signed: 2^63 of anything is never reached */
        if (json_object_set_new(port, sfu_ice_mux_stat_fields[i].name,
                                json_integer((json_int_t) value))
            != 0)
        {
            return -1;
        }
    }
    return 0;
}

/*
 * The live counts and the shared port's counters: on the hello and on
 * every pong, so the module's figures follow them within a ping interval.
 * Adds them to msg and returns it.
 */
static json_t *
proto_with_live(json_t *msg)
{
    if (msg != NULL
        && (json_object_update_new(msg, json_pack(
                "{s:I, s:I, s:I}",
                "rooms", (json_int_t) sfu_rooms_count(),
                "participants", (json_int_t) sfu_rooms_participants(),
                "packet_cache_bytes", (json_int_t) sfu_packet_cache_bytes()))
            != 0
            || proto_shared_port(msg) != 0))
    {
        json_decref(msg);
        return NULL;
    }
    return msg;
}

void
sfu_proto_hello(sfu_conn_t *c, unsigned worker_id)
{
    proto_send(c, proto_with_live(json_pack(
                      "{s:s, s:I, s:I, s:s, s:I, s:I}",
                      "type", "hello",
                      "worker", (json_int_t) worker_id,
                      "protocol", (json_int_t) SFU_PROTOCOL_VERSION,
                      "version", SFU_WORKER_VERSION,
                      "pid", (json_int_t) getpid(),
                      "max_frame", (json_int_t) SFU_FRAME_MAX)));
}

static void
proto_ping(sfu_conn_t *c, json_t *msg)
{
    sfu_proto_reply(c, msg, proto_with_live(json_pack("{s:s}", "type",
                                                      "pong")));
}

void
sfu_proto_message(sfu_conn_t *c, json_t *msg)
{
    const char *type;
    char text[160];

    type = json_string_value(json_object_get(msg, "type"));

    if (type == NULL) {
        sfu_log_info("conn %u: message without a string \"type\"",
                     sfu_conn_id(c));
        sfu_proto_error(c, msg, "bad-message",
                    "a message needs a string \"type\"");
        return;
    }

    for (size_t i = 0; i < sizeof(proto_routes) / sizeof(proto_routes[0]);
         i++)
    {
        if (strcmp(type, proto_routes[i].type) == 0) {
            sfu_log_debug("conn %u: %s", sfu_conn_id(c), type);
            proto_routes[i].handler(c, msg);
            return;
        }
    }

    snprintf(text, sizeof(text), "unknown message type \"%.64s\"", type);
    sfu_log_printable(text);

    sfu_log_info("conn %u: %s", sfu_conn_id(c), text);
    sfu_proto_error(c, msg, "unknown-type", text);
}

void
sfu_proto_bad_frame(sfu_conn_t *c, const sfu_frame_decoder_t *decoder)
{
    json_t *reply;

    reply = json_pack("{s:s, s:s, s:s, s:s}", "type", "error",
                      "code", "bad-frame",
                      "reason", sfu_frame_error_name(decoder->error),
                      "message", decoder->detail);
    proto_send(c, reply);
}
