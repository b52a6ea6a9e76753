/*
 * proto: the messages of the module <-> worker protocol (PROTOCOL.md):
 * the hello sent on accept, ping/pong, error replies, and the routing of
 * room and signaling messages to their own files.
 */

#ifndef SFU_PROTO_H
#define SFU_PROTO_H

#include <jansson.h>

#include "conn.h"
#include "frame.h"

#define SFU_WORKER_VERSION   "0.1.0"
#define SFU_PROTOCOL_VERSION 1

/* Greets a new connection: {"type":"hello", "worker":N, ...}. */
void sfu_proto_hello(sfu_conn_t *c, unsigned worker_id);

/* Answers one message received on c. */
void sfu_proto_message(sfu_conn_t *c, json_t *msg);

/* Sends reply (taking it) with the request's id, when it had one. */
void sfu_proto_reply(sfu_conn_t *c, json_t *request, json_t *reply);

/* {"type":"error", code, message} with the request's id, when it had one. */
void sfu_proto_error(sfu_conn_t *c, json_t *request, const char *code,
                     const char *text);

/* Reports a broken frame to the peer before the connection closes. */
void sfu_proto_bad_frame(sfu_conn_t *c, const sfu_frame_decoder_t *decoder);

#endif
