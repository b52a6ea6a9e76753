
/*
 * Owned by the lead (ngx_http_sfu_pg.c): only the prototype /health needs,
 * until the PostgreSQL pool lands.
 */

#ifndef _NGX_HTTP_SFU_PG_H_INCLUDED_
#define _NGX_HTTP_SFU_PG_H_INCLUDED_


#include "ngx_http_sfu_module.h"


/* NGX_OK when PostgreSQL is reachable from this worker process */
ngx_int_t ngx_http_sfu_pg_status(void);


#endif /* _NGX_HTTP_SFU_PG_H_INCLUDED_ */
