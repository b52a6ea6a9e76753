
/*
 * GET /health: this worker process' view of PostgreSQL, Redis and each
 * SFU worker, as JSON.
 */

#include "ngx_http_sfu_health.h"
#include "ngx_http_sfu_metrics.h"
#include "ngx_http_sfu_redis.h"
#include "ngx_http_sfu_pg.h"
#include "ngx_http_sfu_link.h"


static ngx_str_t  ngx_http_sfu_health_type = ngx_string("application/json");


ngx_int_t
ngx_http_sfu_health_handler(ngx_http_request_t *r)
{
    char                      *dump;
    u_char                    *body;
    size_t                     len;
    json_t                    *health, *workers, *worker;
    ngx_int_t                  rc;
    ngx_str_t                  path;
    ngx_uint_t                 i, n, pg, up, status;
    ngx_msec_t                 rtt;
    const char                *redis;
    ngx_http_sfu_main_conf_t  *smcf;

    rc = ngx_http_sfu_metrics_start(r, "health");
    if (rc != NGX_OK) {
        return rc;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);

    pg = (ngx_http_sfu_pg_status() == NGX_OK);
    up = pg;

    workers = json_array();
    if (workers == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    n = ngx_http_sfu_link_count();

    for (i = 0; i < n; i++) {
        if (ngx_http_sfu_link_status(i, &path, &rtt) == NGX_OK) {
            worker = json_pack("{s:s%,s:s,s:I}",
                               "path", path.data, path.len,
                               "status", "up",
                               "rtt_ms", (json_int_t) rtt);

        } else {
            up = 0;
            worker = json_pack("{s:s%,s:s}",
                               "path", path.data, path.len,
                               "status", "down");
        }

        if (json_array_append_new(workers, worker) != 0) {
            json_decref(workers);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (smcf->redis_addr.len == 0) {
        redis = "disabled";

    } else if (ngx_http_sfu_redis_status() == NGX_OK) {
        redis = "up";

    } else {
        redis = "down";
    }

    health = json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:o}",
                       "status",
                       (up && ngx_strcmp(redis, "down") != 0) ? "ok"
                                                              : "degraded",
                       "version", NGX_HTTP_SFU_VERSION,
                       "postgres", "status", pg ? "up" : "down",
                       "redis", "status", redis,
                       "workers", workers);
    if (health == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    dump = json_dumps(health, JSON_COMPACT);
    json_decref(health);

    if (dump == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_strlen(dump);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        free(dump);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(body, dump, len);
    free(dump);

    status = up ? NGX_HTTP_OK : NGX_HTTP_SERVICE_UNAVAILABLE;

    return ngx_http_sfu_metrics_send(r, status, &ngx_http_sfu_health_type,
                                     body, len);
}
