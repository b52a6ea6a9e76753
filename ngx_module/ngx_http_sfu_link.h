
/*
 * Owned by the module<->worker link (ngx_http_sfu_link.c): only the
 * prototypes /health needs, until the link lands.
 */

#ifndef _NGX_HTTP_SFU_LINK_H_INCLUDED_
#define _NGX_HTTP_SFU_LINK_H_INCLUDED_


#include "ngx_http_sfu_module.h"


/* number of configured SFU workers ("sfu_worker") */
ngx_uint_t ngx_http_sfu_link_count(void);

/*
 * Worker i's socket path and last round-trip time: NGX_OK when its link is
 * up, NGX_DECLINED when down.
 */
ngx_int_t ngx_http_sfu_link_status(ngx_uint_t i, ngx_str_t *path,
    ngx_msec_t *rtt);


#endif /* _NGX_HTTP_SFU_LINK_H_INCLUDED_ */
