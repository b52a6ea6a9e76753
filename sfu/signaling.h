/*
 * signaling: the in-room signaling of DESIGN.md on the worker's side, a
 * client's messages as the module forwards them (PROTOCOL.md, `client`).
 */
#ifndef SFU_SIGNALING_H
#define SFU_SIGNALING_H

#include <jansson.h>

#include "conn.h"

/* One `client` envelope received on c: the client's message acted on, answers delivered. */
void sfu_signaling_client(sfu_conn_t *c, json_t *msg);

#endif
