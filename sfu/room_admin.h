/*
 * room_admin: the module's own requests about rooms (PROTOCOL.md): a
 * client's connection closed (disconnect), kick, close-room, and the live
 * participants and media stats of a room for the REST API.
 */
#ifndef SFU_ROOM_ADMIN_H
#define SFU_ROOM_ADMIN_H

#include <jansson.h>

#include "conn.h"

void sfu_admin_disconnect(sfu_conn_t *c, json_t *msg);
void sfu_admin_kick(sfu_conn_t *c, json_t *msg);
void sfu_admin_close_room(sfu_conn_t *c, json_t *msg);
void sfu_admin_participants(sfu_conn_t *c, json_t *msg);
void sfu_admin_stats(sfu_conn_t *c, json_t *msg);

#endif
