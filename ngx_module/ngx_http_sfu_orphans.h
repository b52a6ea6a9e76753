
/*
 * Orphaned participants (ngx_http_sfu_orphans.c): a participant claimed
 * by a signaling WebSocket records its holder, this edge and this nginx
 * worker process; participants whose holder process died without closing
 * its WebSockets are marked left by the live workers of the same edge.
 */

#ifndef _NGX_HTTP_SFU_ORPHANS_H_INCLUDED_
#define _NGX_HTTP_SFU_ORPHANS_H_INCLUDED_


#include "ngx_http_sfu_module.h"


#define NGX_HTTP_SFU_HOLDER_PARAMS  3


/* the checks of sfu_edge_id and sfu_orphan_sweep, run as they are read */
extern ngx_conf_post_t  ngx_http_sfu_orphans_edge_id_post;
extern ngx_conf_post_t  ngx_http_sfu_orphans_sweep_post;

/* their defaults: the host name, 30s */
char *ngx_http_sfu_orphans_init_conf(ngx_conf_t *cf,
    ngx_http_sfu_main_conf_t *smcf);

/* this process's identity, and the first sweep */
ngx_int_t ngx_http_sfu_orphans_init_process(ngx_cycle_t *cycle);

/*
 * The holder parameters of sfu_connect(): edge, pid, incarnation; SQL
 * NULLs when this process's incarnation could not be read.
 */
void ngx_http_sfu_orphans_holder(ngx_str_t *params);


#endif /* _NGX_HTTP_SFU_ORPHANS_H_INCLUDED_ */
