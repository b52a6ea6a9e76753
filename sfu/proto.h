/*
 * proto: the messages of the module <-> worker protocol (PROTOCOL.md):
 * the hello sent on accept, ping/pong, and error replies.  Room and
 * signaling messages will be routed from here to their own files.
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

/* Reports a broken frame to the peer before the connection closes. */
void sfu_proto_bad_frame(sfu_conn_t *c, const sfu_frame_decoder_t *decoder);

#endif
