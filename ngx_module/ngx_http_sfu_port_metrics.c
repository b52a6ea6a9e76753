
/*
 * The SFU workers' shared-port counters on /metrics: their slots in the
 * metrics zone, updated under the zone's mutex, and their series.
 */

#include "ngx_http_sfu_port_metrics.h"
#include "ngx_http_sfu_metrics.h"
#include "ngx_http_sfu_link.h"


void
ngx_http_sfu_port_metrics_set(ngx_uint_t link, ngx_atomic_int_t pid,
    const uint64_t *values)
{
    ngx_uint_t                    i;
    ngx_shmtx_t                  *mutex;
    ngx_http_sfu_port_metrics_t  *port;

    port = ngx_http_sfu_metrics_port_slot(link, &mutex);

    if (port == NULL) {
        return;
    }

    ngx_shmtx_lock(mutex);

    if (values == NULL) {
        port->reported = 0;

    } else if (!port->reported || port->pid != (ngx_atomic_uint_t) pid) {
        for (i = 0; i < NGX_HTTP_SFU_PORT_COUNTERS; i++) {
            port->values[i] = (ngx_atomic_uint_t) values[i];
        }

        port->pid = (ngx_atomic_uint_t) pid;
        port->reported = 1;

    } else {
        for (i = 0; i < NGX_HTTP_SFU_PORT_COUNTERS; i++) {
            port->values[i] = ngx_max(port->values[i],
                                      (ngx_atomic_uint_t) values[i]);
        }
    }

    ngx_shmtx_unlock(mutex);
}


/* the counters' help, and a line per counter and worker, its path escaped */

size_t
ngx_http_sfu_port_metrics_size(void)
{
    size_t      size;
    ngx_str_t   path;
    ngx_uint_t  i;
    ngx_msec_t  rtt;

    size = NGX_HTTP_SFU_PORT_COUNTERS * 512;

    for (i = 0; ngx_http_sfu_link_status(i, &path, &rtt) != NGX_ERROR; i++) {
        size += NGX_HTTP_SFU_PORT_COUNTERS * (128 + 2 * path.len);
    }

    return size;
}


u_char *
ngx_http_sfu_port_metrics_write(u_char *p, u_char *last,
    ngx_http_sfu_port_metrics_t *ports)
{
    ngx_str_t                           path;
    ngx_msec_t                          rtt;
    ngx_uint_t                          i, k, n;
    const ngx_http_sfu_port_counter_t  *c;

    n = ngx_min(ngx_http_sfu_link_count(), NGX_HTTP_SFU_LINKS_MAX);

    for (k = 0; k < n; k++) {
        if (ports[k].reported) {
            break;
        }
    }

    if (k == n) {
        return p;
    }

    for (i = 0; i < NGX_HTTP_SFU_PORT_COUNTERS; i++) {
        c = &ngx_http_sfu_port_counters[i];

        p = ngx_slprintf(p, last, "# HELP %s %s\n# TYPE %s counter\n",
                         c->metric, c->help, c->metric);

        for (k = 0; k < n; k++) {
            if (!ports[k].reported
                || ngx_http_sfu_link_status(k, &path, &rtt) == NGX_ERROR)
            {
                continue;
            }

            p = ngx_slprintf(p, last, "%s{worker=\"", c->metric);
            p = ngx_http_sfu_metrics_label(p, last, path.data, path.len);
            p = ngx_slprintf(p, last, "\"} %uA\n", ports[k].values[i]);
        }
    }

    return p;
}
