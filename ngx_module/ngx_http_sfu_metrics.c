
/*
 * Shared-memory counters and /metrics; the operator endpoints' common
 * request handling (/health's too).
 *
 * The (endpoint, status) table grows under the zone's mutex and is read
 * without it: a slot is filled before the slot count that publishes it is
 * raised, and counters only ever change by atomic additions.
 */

#include "ngx_http_sfu_metrics.h"
#include "ngx_http_sfu_link.h"


#define NGX_HTTP_SFU_ENDPOINT_LEN  48


typedef struct {
    u_char                        endpoint[NGX_HTTP_SFU_ENDPOINT_LEN];
    size_t                        len;
    ngx_uint_t                    status;
    ngx_atomic_t                  count;
} ngx_http_sfu_metrics_slot_t;


typedef struct {
    ngx_atomic_t                  metrics[NGX_HTTP_SFU_METRIC_LAST];
    ngx_atomic_t                  live_rooms[NGX_HTTP_SFU_LINKS_MAX];
    ngx_atomic_t                  live_participants[NGX_HTTP_SFU_LINKS_MAX];
    ngx_atomic_t                  live_cache_bytes[NGX_HTTP_SFU_LINKS_MAX];
    ngx_http_sfu_port_metrics_t   port[NGX_HTTP_SFU_LINKS_MAX];
    ngx_atomic_t                  other;       /* the table is full */
    ngx_atomic_t                  nslots;
    ngx_http_sfu_metrics_slot_t   slots[NGX_HTTP_SFU_METRICS_SLOTS];
} ngx_http_sfu_metrics_shm_t;


typedef struct {
    ngx_str_t                     name;
    ngx_str_t                     type;
    ngx_str_t                     help;
} ngx_http_sfu_metric_t;


static ngx_int_t ngx_http_sfu_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_sfu_metrics_log(ngx_http_request_t *r);
static ngx_atomic_t *ngx_http_sfu_metrics_slot(ngx_shm_zone_t *shm_zone,
    ngx_str_t *endpoint, ngx_uint_t status);
static ngx_http_sfu_metrics_shm_t *ngx_http_sfu_metrics_shm(void);
static ngx_atomic_int_t ngx_http_sfu_metrics_live_sum(ngx_atomic_t *slots);


/* in the order of ngx_http_sfu_metric_e */
static ngx_http_sfu_metric_t  ngx_http_sfu_metrics[] = {
    { ngx_string("sfu_rooms_created_total"), ngx_string("counter"),
      ngx_string("Rooms created.") },
    { ngx_string("sfu_rooms_ended_total"), ngx_string("counter"),
      ngx_string("Rooms ended.") },
    { ngx_string("sfu_participants_joined_total"), ngx_string("counter"),
      ngx_string("Participants that joined a room.") },
    { ngx_string("sfu_participants_left_total"), ngx_string("counter"),
      ngx_string("Participants that left a room.") },
    { ngx_string("webrtc_rooms_total"), ngx_string("gauge"),
      ngx_string("Rooms live on this edge's SFU workers.") },
    { ngx_string("webrtc_participants_total"), ngx_string("gauge"),
      ngx_string("Participants in rooms on this edge's SFU workers.") },
    { ngx_string("sfu_signaling_connections"), ngx_string("gauge"),
      ngx_string("Signaling WebSocket connections open now.") },
    { ngx_string("sfu_worker_packet_cache_bytes"), ngx_string("gauge"),
      ngx_string("Bytes held by the SFU workers' packet caches.") }
};


static ngx_str_t  ngx_http_sfu_metrics_type =
    ngx_string("text/plain; version=0.0.4; charset=utf-8");


ngx_int_t
ngx_http_sfu_metrics_conf(ngx_conf_t *cf, ngx_http_sfu_main_conf_t *smcf)
{
    size_t                      size;
    ngx_str_t                   name = ngx_string("sfu_metrics");
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    size = ngx_align(sizeof(ngx_http_sfu_metrics_shm_t), ngx_pagesize)
           + 8 * ngx_pagesize;

    smcf->shm_zone = ngx_shared_memory_add(cf, &name, size,
                                           &ngx_http_sfu_module);
    if (smcf->shm_zone == NULL) {
        return NGX_ERROR;
    }

    smcf->shm_zone->init = ngx_http_sfu_metrics_init_zone;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_sfu_metrics_log;

    return NGX_OK;
}


static ngx_int_t
ngx_http_sfu_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t             *shpool;
    ngx_http_sfu_metrics_shm_t  *sh;

    if (data) {
        /* reload: keep counting */
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_sfu_metrics_shm_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    shpool->data = sh;
    shm_zone->data = sh;

    return NGX_OK;
}


static ngx_http_sfu_metrics_shm_t *
ngx_http_sfu_metrics_shm(void)
{
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_sfu_module);

    if (smcf == NULL || smcf->shm_zone == NULL) {
        return NULL;
    }

    return smcf->shm_zone->data;
}


void
ngx_http_sfu_metrics_add(ngx_uint_t metric, ngx_atomic_int_t delta)
{
    ngx_http_sfu_metrics_shm_t  *sh;

    sh = ngx_http_sfu_metrics_shm();

    if (sh == NULL || metric >= NGX_HTTP_SFU_METRIC_LAST) {
        return;
    }

    (void) ngx_atomic_fetch_add(&sh->metrics[metric], delta);
}


void
ngx_http_sfu_metrics_live_set(ngx_uint_t link, ngx_atomic_int_t rooms,
    ngx_atomic_int_t participants)
{
    ngx_http_sfu_metrics_shm_t  *sh;

    sh = ngx_http_sfu_metrics_shm();

    if (sh == NULL || link >= NGX_HTTP_SFU_LINKS_MAX) {
        return;
    }

    sh->live_rooms[link] = (ngx_atomic_uint_t) rooms;
    sh->live_participants[link] = (ngx_atomic_uint_t) participants;
}


void
ngx_http_sfu_metrics_live_lost(ngx_uint_t link)
{
    ngx_http_sfu_metrics_shm_t  *sh;

    sh = ngx_http_sfu_metrics_shm();

    if (sh == NULL || link >= NGX_HTTP_SFU_LINKS_MAX) {
        return;
    }

    /* the participants go as the module marks them left */
    sh->live_rooms[link] = 0;
    sh->live_cache_bytes[link] = 0;
}


void
ngx_http_sfu_metrics_cache_set(ngx_uint_t link, ngx_atomic_int_t bytes)
{
    ngx_http_sfu_metrics_shm_t  *sh;

    sh = ngx_http_sfu_metrics_shm();

    if (sh == NULL || link >= NGX_HTTP_SFU_LINKS_MAX) {
        return;
    }

    sh->live_cache_bytes[link] = (ngx_atomic_uint_t) bytes;
}


ngx_http_sfu_port_metrics_t *
ngx_http_sfu_metrics_port_slot(ngx_uint_t link, ngx_shmtx_t **mutex)
{
    ngx_slab_pool_t             *shpool;
    ngx_http_sfu_main_conf_t    *smcf;
    ngx_http_sfu_metrics_shm_t  *sh;

    sh = ngx_http_sfu_metrics_shm();

    if (sh == NULL || link >= NGX_HTTP_SFU_LINKS_MAX) {
        return NULL;
    }

    smcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_sfu_module);
    shpool = (ngx_slab_pool_t *) smcf->shm_zone->shm.addr;

    *mutex = &shpool->mutex;

    return &sh->port[link];
}


void
ngx_http_sfu_metrics_participants(ngx_str_t *room, ngx_atomic_int_t delta)
{
    ngx_uint_t                   link;
    ngx_http_sfu_metrics_shm_t  *sh;

    sh = ngx_http_sfu_metrics_shm();
    link = ngx_http_sfu_link_for_room(room);

    if (sh == NULL || link >= NGX_HTTP_SFU_LINKS_MAX) {
        return;
    }

    (void) ngx_atomic_fetch_add(&sh->live_participants[link], delta);
}


/* a slot below 0 (a leave counted before a report without it) counts 0 */

static ngx_atomic_int_t
ngx_http_sfu_metrics_live_sum(ngx_atomic_t *slots)
{
    ngx_uint_t        i, n;
    ngx_atomic_int_t  sum, value;

    n = ngx_min(ngx_http_sfu_link_count(), NGX_HTTP_SFU_LINKS_MAX);
    sum = 0;

    for (i = 0; i < n; i++) {
        value = (ngx_atomic_int_t) slots[i];
        sum += ngx_max(value, 0);
    }

    return sum;
}


static ngx_int_t
ngx_http_sfu_metrics_log(ngx_http_request_t *r)
{
    ngx_str_t                  endpoint;
    ngx_uint_t                 status;
    ngx_atomic_t              *count;
    ngx_http_sfu_ctx_t        *ctx;
    ngx_http_sfu_loc_conf_t   *slcf;
    ngx_http_sfu_main_conf_t  *smcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sfu_module);

    if (slcf->handler == NGX_HTTP_SFU_HANDLER_NONE) {
        return NGX_OK;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    if (ctx != NULL && ctx->endpoint.len) {
        endpoint = ctx->endpoint;

    } else {
        ngx_str_set(&endpoint, "unknown");
    }

    /* as $status */

    if (r->err_status) {
        status = r->err_status;

    } else {
        status = r->headers_out.status;
    }

    count = ngx_http_sfu_metrics_slot(smcf->shm_zone, &endpoint, status);

    (void) ngx_atomic_fetch_add(count, 1);

    return NGX_OK;
}


static ngx_atomic_t *
ngx_http_sfu_metrics_slot(ngx_shm_zone_t *shm_zone, ngx_str_t *endpoint,
    ngx_uint_t status)
{
    ngx_uint_t                    i, n;
    ngx_slab_pool_t              *shpool;
    ngx_atomic_t                 *count;
    ngx_http_sfu_metrics_shm_t   *sh;
    ngx_http_sfu_metrics_slot_t  *slot;

    sh = shm_zone->data;

    n = sh->nslots;

    for (i = 0; i < n; i++) {
        slot = &sh->slots[i];

        if (slot->status == status
            && slot->len == ngx_min(endpoint->len, NGX_HTTP_SFU_ENDPOINT_LEN)
            && ngx_strncmp(slot->endpoint, endpoint->data, slot->len) == 0)
        {
            return &slot->count;
        }
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    /* another process may have added it meanwhile */

    for ( /* void */ ; i < sh->nslots; i++) {
        slot = &sh->slots[i];

        if (slot->status == status
            && slot->len == ngx_min(endpoint->len, NGX_HTTP_SFU_ENDPOINT_LEN)
            && ngx_strncmp(slot->endpoint, endpoint->data, slot->len) == 0)
        {
            ngx_shmtx_unlock(&shpool->mutex);
            return &slot->count;
        }
    }

    if (i == NGX_HTTP_SFU_METRICS_SLOTS) {
        count = &sh->other;

    } else {
        slot = &sh->slots[i];

        slot->len = ngx_min(endpoint->len, NGX_HTTP_SFU_ENDPOINT_LEN);
        ngx_memcpy(slot->endpoint, endpoint->data, slot->len);
        slot->status = status;

        ngx_memory_barrier();

        sh->nslots = i + 1;

        count = &slot->count;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return count;
}


ngx_int_t
ngx_http_sfu_metrics_handler(ngx_http_request_t *r)
{
    u_char                       *p, *last, *body;
    size_t                        size;
    ngx_int_t                     rc;
    ngx_uint_t                    i, n;
    ngx_core_conf_t              *ccf;
    ngx_atomic_int_t              value;
    ngx_http_sfu_metric_t        *m;
    ngx_http_sfu_main_conf_t     *smcf;
    ngx_http_sfu_metrics_shm_t   *sh;
    ngx_http_sfu_metrics_slot_t  *slot;

    rc = ngx_http_sfu_metrics_start(r, "metrics");
    if (rc != NGX_OK) {
        return rc;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sfu_module);
    sh = smcf->shm_zone->data;

    ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                           ngx_core_module);

    n = sh->nslots;

    /*
     * fixed text, then a line per slot: endpoint escaped at most twice;
     * then the shared-port counters
     */
    size = 2048 + (n + 1) * (128 + 2 * NGX_HTTP_SFU_ENDPOINT_LEN)
           + ngx_http_sfu_port_metrics_size();

    body = ngx_pnalloc(r->pool, size);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body;
    last = body + size;

    p = ngx_slprintf(p, last,
                     "# HELP sfu_build_info The ngx-sfu module's version.\n"
                     "# TYPE sfu_build_info gauge\n"
                     "sfu_build_info{version=\"%s\"} 1\n"
                     "# HELP sfu_nginx_worker_processes "
                     "nginx worker processes configured.\n"
                     "# TYPE sfu_nginx_worker_processes gauge\n"
                     "sfu_nginx_worker_processes %i\n"
                     "# HELP sfu_http_requests_total "
                     "HTTP requests by endpoint and status.\n"
                     "# TYPE sfu_http_requests_total counter\n",
                     NGX_HTTP_SFU_VERSION, ccf->worker_processes);

    for (i = 0; i < n; i++) {
        slot = &sh->slots[i];

        p = ngx_slprintf(p, last, "sfu_http_requests_total{endpoint=\"");
        p = ngx_http_sfu_metrics_label(p, last, slot->endpoint, slot->len);
        p = ngx_slprintf(p, last, "\",status=\"%03ui\"} %uA\n",
                         slot->status, slot->count);
    }

    if (sh->other) {
        p = ngx_slprintf(p, last,
                         "sfu_http_requests_total"
                         "{endpoint=\"other\",status=\"other\"} %uA\n",
                         sh->other);
    }

    for (i = 0; i < NGX_HTTP_SFU_METRIC_LAST; i++) {
        m = &ngx_http_sfu_metrics[i];

        switch (i) {

        case NGX_HTTP_SFU_METRIC_ROOMS:
            value = ngx_http_sfu_metrics_live_sum(sh->live_rooms);
            break;

        case NGX_HTTP_SFU_METRIC_PARTICIPANTS:
            value = ngx_http_sfu_metrics_live_sum(sh->live_participants);
            break;

        case NGX_HTTP_SFU_METRIC_PACKET_CACHE_BYTES:
            value = ngx_http_sfu_metrics_live_sum(sh->live_cache_bytes);
            break;

        default:
            value = (ngx_atomic_int_t) sh->metrics[i];
        }

        p = ngx_slprintf(p, last, "# HELP %V %V\n# TYPE %V %V\n%V %A\n",
                         &m->name, &m->help, &m->name, &m->type,
                         &m->name, value);
    }

    p = ngx_http_sfu_port_metrics_write(p, last, sh->port);

    return ngx_http_sfu_metrics_send(r, NGX_HTTP_OK,
                                     &ngx_http_sfu_metrics_type,
                                     body, p - body);
}


u_char *
ngx_http_sfu_metrics_label(u_char *p, u_char *last, u_char *value, size_t len)
{
    u_char  *end;

    for (end = value + len; value < end && p + 2 <= last; value++) {
        switch (*value) {

        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = *value;
            break;

        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;

        default:
            *p++ = *value;
        }
    }

    return p;
}


ngx_int_t
ngx_http_sfu_metrics_start(ngx_http_request_t *r, const char *endpoint)
{
    ngx_int_t            rc;
    ngx_http_sfu_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sfu_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_sfu_ctx_t));
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_sfu_module);
    }

    ctx->endpoint.data = (u_char *) endpoint;
    ctx->endpoint.len = ngx_strlen(endpoint);

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_sfu_metrics_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len)
{
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    ngx_table_elt_t  *cc;

    r->headers_out.status = status;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_length_n = len;

    cc = ngx_list_push(&r->headers_out.headers);
    if (cc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cc->hash = 1;
    ngx_str_set(&cc->key, "Cache-Control");
    ngx_str_set(&cc->value, "no-store");

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}
