
/*
 * The signaling relay (ngx_http_sfu_signal.c): a client's WebSocket joins
 * with its join token, and from then on its validated messages go to the
 * SFU worker of its room stamped with the verified identity, and the
 * worker's messages for it come back; participants' comings and goings
 * are recorded in PostgreSQL.
 */

#ifndef _NGX_HTTP_SFU_SIGNAL_H_INCLUDED_
#define _NGX_HTTP_SFU_SIGNAL_H_INCLUDED_


#include "ngx_http_sfu_module.h"
#include "ngx_http_sfu_pg.h"


/* the "sfu_signaling" location's content handler */
ngx_int_t ngx_http_sfu_signal_handler(ngx_http_request_t *r);

/* the participant map, and the link handler; from init_process */
ngx_int_t ngx_http_sfu_signal_init_process(ngx_cycle_t *cycle);

/* a room has ended: tell its worker, which tells its participants */
void ngx_http_sfu_signal_close_room(ngx_str_t *room);

/*
 * Marks a participant left: parameters room, participant, reason.  One
 * row, the state before, when this statement was the one to do it; that
 * row goes to ngx_http_sfu_signal_count_left().
 */
extern ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_leave;
void ngx_http_sfu_signal_count_left(PGresult *res);


#endif /* _NGX_HTTP_SFU_SIGNAL_H_INCLUDED_ */
