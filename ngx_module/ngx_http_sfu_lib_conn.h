
/*
 * An nginx connection over a socket that a client library owns (libpq,
 * hiredis): nginx's event loop watches it, the library reads, writes and
 * closes it.
 */

#ifndef _NGX_HTTP_SFU_LIB_CONN_H_INCLUDED_
#define _NGX_HTTP_SFU_LIB_CONN_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>


/*
 * A connection for fd with data, its events' handlers and log; NULL when
 * nginx has no free connection.  No event is added yet.
 */
ngx_connection_t *ngx_http_sfu_lib_conn_get(ngx_socket_t fd, ngx_log_t *log,
    void *data, ngx_event_handler_pt read, ngx_event_handler_pt write);

/*
 * Frees c once its events are deleted, leaving the socket open: it is
 * the library's to close.
 */
void ngx_http_sfu_lib_conn_free(ngx_connection_t *c);


#endif /* _NGX_HTTP_SFU_LIB_CONN_H_INCLUDED_ */
