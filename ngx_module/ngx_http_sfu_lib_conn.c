
/*
 * nginx connections over the sockets of libpq and hiredis.
 */

#include "ngx_http_sfu_lib_conn.h"


ngx_connection_t *
ngx_http_sfu_lib_conn_get(ngx_socket_t fd, ngx_log_t *log, void *data,
    ngx_event_handler_pt read, ngx_event_handler_pt write)
{
    ngx_connection_t  *c;

    c = ngx_get_connection(fd, log);
    if (c == NULL) {
        return NULL;
    }

    c->data = data;
    c->read->handler = read;
    c->write->handler = write;
    c->read->log = log;
    c->write->log = log;

    return c;
}


void
ngx_http_sfu_lib_conn_free(ngx_connection_t *c)
{
    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    /* the slot must not look open at exit: nginx would close the socket */
    c->fd = (ngx_socket_t) -1;

    ngx_free_connection(c);
}
