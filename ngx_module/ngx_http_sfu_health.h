
/*
 * GET /health, endpoint "health" (counted as ngx_http_sfu_metrics.h says):
 *   {"status": "ok"|"degraded", "version": "...",
 *    "postgres": {"status": "up"|"down"},
 *    "redis": {"status": "up"|"down"|"disabled"},
 *    "workers": [{"path": "...", "status": "up", "rtt_ms": N},
 *                {"path": "...", "status": "down"}, ...]}
 * 200 when PostgreSQL and every SFU worker are up, 503 otherwise; "status"
 * is "ok" when, in addition, Redis is not down.  Each answer is this worker
 * process' view.
 */

#ifndef _NGX_HTTP_SFU_HEALTH_H_INCLUDED_
#define _NGX_HTTP_SFU_HEALTH_H_INCLUDED_


#include "ngx_http_sfu_module.h"


ngx_int_t ngx_http_sfu_health_handler(ngx_http_request_t *r);


#endif /* _NGX_HTTP_SFU_HEALTH_H_INCLUDED_ */
