
/*
 * ngx_http_sfu_module: directives, configuration merging, process
 * initialisation and the content handlers' entry points.
 */

#include "ngx_http_sfu_module.h"
#include "ngx_http_sfu_api.h"
#include "ngx_http_sfu_pg.h"
#include "ngx_http_sfu_redis.h"
#include "ngx_http_sfu_metrics.h"
#include "ngx_http_sfu_health.h"
#include "ngx_http_sfu_password.h"
#include "ngx_http_sfu_token.h"
#include "ngx_http_sfu_turn.h"
#include "ngx_http_sfu_link.h"
#include "ngx_http_sfu_signal.h"
#include "ngx_http_sfu_orphans.h"
#include "ngx_http_sfu_ratelimit.h"


static void *ngx_http_sfu_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_sfu_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_sfu_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_sfu_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_sfu_set_handler(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_sfu_api_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_sfu_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_sfu_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_sfu_init_process(ngx_cycle_t *cycle);
static void ngx_http_sfu_exit_process(ngx_cycle_t *cycle);


static ngx_conf_enum_t  ngx_http_sfu_fail_modes[] = {
    { ngx_string("open"), NGX_HTTP_SFU_FAIL_OPEN },
    { ngx_string("closed"), NGX_HTTP_SFU_FAIL_CLOSED },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_sfu_commands[] = {

    { ngx_string("sfu_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_sfu_set_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) NGX_HTTP_SFU_HANDLER_API },

    { ngx_string("sfu_health"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_sfu_set_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) NGX_HTTP_SFU_HANDLER_HEALTH },

    { ngx_string("sfu_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_sfu_set_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) NGX_HTTP_SFU_HANDLER_METRICS },

    { ngx_string("sfu_signaling"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_sfu_set_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) NGX_HTTP_SFU_HANDLER_SIGNALING },

    { ngx_string("sfu_ws_max_message_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_sfu_loc_conf_t, ws_max_message),
      NULL },

    { ngx_string("sfu_ws_ping_interval"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_sfu_loc_conf_t, ws_ping_interval),
      NULL },

    { ngx_string("sfu_ws_ping_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_sfu_loc_conf_t, ws_ping_timeout),
      NULL },

    { ngx_string("sfu_ws_join_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_sfu_loc_conf_t, ws_join_timeout),
      NULL },

    { ngx_string("sfu_ws_message_rate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_sfu_rate_conf_bucket,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_sfu_loc_conf_t, ws_message_rate),
      NULL },

    { ngx_string("sfu_postgres"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, pg_conninfo),
      NULL },

    { ngx_string("sfu_postgres_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, pg_pool_size),
      NULL },

    { ngx_string("sfu_postgres_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, pg_timeout),
      NULL },

    { ngx_string("sfu_edge_id"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, edge_id),
      &ngx_http_sfu_orphans_edge_id_post },

    { ngx_string("sfu_orphan_sweep"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, orphan_sweep),
      &ngx_http_sfu_orphans_sweep_post },

    { ngx_string("sfu_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, redis_addr),
      NULL },

    { ngx_string("sfu_redis_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, redis_timeout),
      NULL },

    { ngx_string("sfu_redis_fail_mode"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, redis_fail_mode),
      &ngx_http_sfu_fail_modes },

    { ngx_string("sfu_api_key"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_sfu_api_key,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sfu_token_secret"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, jwt_secret),
      NULL },

    { ngx_string("sfu_token_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, token_ttl),
      NULL },

    { ngx_string("sfu_turn_secret"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, turn_secret),
      NULL },

    { ngx_string("sfu_turn_realm"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, turn_realm),
      NULL },

    { ngx_string("sfu_turn_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, turn_ttl),
      NULL },

    { ngx_string("sfu_turn_uri"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_array_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, turn_uris),
      NULL },

    { ngx_string("sfu_stun_uri"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_array_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, stun_uris),
      NULL },

    { ngx_string("sfu_turn_secret_refresh"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, turn_secret_refresh),
      NULL },

    { ngx_string("sfu_room_create_rate"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_sfu_rate_conf_limit,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, create_rate),
      NULL },

    { ngx_string("sfu_join_rate"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_sfu_rate_conf_limit,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, join_rate),
      NULL },

    { ngx_string("sfu_public_url"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, public_url),
      NULL },

    { ngx_string("sfu_signaling_path"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, signaling_path),
      NULL },

    { ngx_string("sfu_password_iterations"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, password_iterations),
      NULL },

    { ngx_string("sfu_max_body_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, max_body_size),
      NULL },

    { ngx_string("sfu_worker"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_sfu_link_conf_worker,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sfu_worker_ping_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, worker_ping_interval),
      NULL },

    { ngx_string("sfu_worker_ping_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, worker_ping_timeout),
      NULL },

    { ngx_string("sfu_worker_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_sfu_main_conf_t, worker_timeout),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_sfu_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_sfu_postconfiguration,        /* postconfiguration */

    ngx_http_sfu_create_main_conf,         /* create main configuration */
    ngx_http_sfu_init_main_conf,           /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_sfu_create_loc_conf,          /* create location configuration */
    ngx_http_sfu_merge_loc_conf            /* merge location configuration */
};


ngx_module_t  ngx_http_sfu_module = {
    NGX_MODULE_V1,
    &ngx_http_sfu_module_ctx,              /* module context */
    ngx_http_sfu_commands,                 /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_sfu_init_process,             /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_sfu_exit_process,             /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_sfu_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_sfu_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     smcf->pg_conninfo = { 0, NULL };
     *     smcf->edge_id = { 0, NULL };
     *     smcf->redis_addr = { 0, NULL };
     *     smcf->jwt_secret = { 0, NULL };
     *     smcf->turn_secret = { 0, NULL };
     *     smcf->turn_realm = { 0, NULL };
     *     smcf->public_url = { 0, NULL };
     *     smcf->signaling_path = { 0, NULL };
     *     smcf->create_rate = { 0, 0 };
     *     smcf->join_rate = { 0, 0 };
     *     smcf->shm_zone = NULL;
     */

    smcf->pg_pool_size = NGX_CONF_UNSET_UINT;
    smcf->pg_timeout = NGX_CONF_UNSET_MSEC;
    smcf->orphan_sweep = NGX_CONF_UNSET_MSEC;
    smcf->redis_timeout = NGX_CONF_UNSET_MSEC;
    smcf->redis_fail_mode = NGX_CONF_UNSET_UINT;
    smcf->api_keys = NGX_CONF_UNSET_PTR;
    smcf->token_ttl = NGX_CONF_UNSET;
    smcf->turn_ttl = NGX_CONF_UNSET;
    smcf->turn_uris = NGX_CONF_UNSET_PTR;
    smcf->stun_uris = NGX_CONF_UNSET_PTR;
    smcf->turn_secret_refresh = NGX_CONF_UNSET_MSEC;
    smcf->password_iterations = NGX_CONF_UNSET_UINT;
    smcf->max_body_size = NGX_CONF_UNSET_SIZE;
    smcf->workers = NGX_CONF_UNSET_PTR;
    smcf->worker_ping_interval = NGX_CONF_UNSET_MSEC;
    smcf->worker_ping_timeout = NGX_CONF_UNSET_MSEC;
    smcf->worker_timeout = NGX_CONF_UNSET_MSEC;

    return smcf;
}


static char *
ngx_http_sfu_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_sfu_main_conf_t *smcf = conf;

    ngx_conf_init_uint_value(smcf->pg_pool_size, 4);
    ngx_conf_init_msec_value(smcf->pg_timeout, 5000);
    ngx_conf_init_msec_value(smcf->redis_timeout, 1000);
    ngx_conf_init_uint_value(smcf->redis_fail_mode, NGX_HTTP_SFU_FAIL_OPEN);
    ngx_conf_init_ptr_value(smcf->api_keys, NULL);
    ngx_conf_init_value(smcf->token_ttl, 3600);
    ngx_conf_init_value(smcf->turn_ttl, 86400);
    ngx_conf_init_ptr_value(smcf->turn_uris, NULL);
    ngx_conf_init_ptr_value(smcf->stun_uris, NULL);
    ngx_conf_init_msec_value(smcf->turn_secret_refresh, 10000);
    ngx_conf_init_uint_value(smcf->password_iterations, 100000);
    ngx_conf_init_size_value(smcf->max_body_size, 16384);
    ngx_conf_init_ptr_value(smcf->workers, NULL);
    ngx_conf_init_msec_value(smcf->worker_ping_interval, 5000);
    ngx_conf_init_msec_value(smcf->worker_ping_timeout, 30000);
    ngx_conf_init_msec_value(smcf->worker_timeout, 5000);

    if (smcf->turn_realm.len == 0) {
        ngx_str_set(&smcf->turn_realm, "ngx-sfu");
    }

    if (smcf->signaling_path.len == 0) {
        ngx_str_set(&smcf->signaling_path, "/ws");
    }

    if (smcf->pg_pool_size == 0 || smcf->pg_pool_size > 64) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_postgres_pool\" must be 1 to 64");
        return NGX_CONF_ERROR;
    }

    if (smcf->pg_conninfo.len
        && ngx_http_sfu_pg_check_conf(cf, smcf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_sfu_orphans_init_conf(cf, smcf) != NGX_CONF_OK
        || ngx_http_sfu_redis_check_conf(cf, smcf) != NGX_CONF_OK
        || ngx_http_sfu_token_check_conf(cf, smcf) != NGX_CONF_OK
        || ngx_http_sfu_turn_check_conf(cf, smcf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (smcf->worker_ping_interval < 10) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_worker_ping_interval\" must be at least "
                           "10ms");
        return NGX_CONF_ERROR;
    }

    /* the worker must have time to answer a ping before it counts as lost */

    if (smcf->worker_ping_timeout <= smcf->worker_ping_interval) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_worker_ping_timeout\" (%M ms) must be "
                           "longer than \"sfu_worker_ping_interval\" (%M ms)",
                           smcf->worker_ping_timeout,
                           smcf->worker_ping_interval);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_sfu_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_sfu_loc_conf_t  *slcf;

    slcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_sfu_loc_conf_t));
    if (slcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     slcf->ws_message_rate = { { 0, 0 }, 0 };
     */

    slcf->handler = NGX_CONF_UNSET_UINT;
    slcf->ws_max_message = NGX_CONF_UNSET_SIZE;
    slcf->ws_ping_interval = NGX_CONF_UNSET_MSEC;
    slcf->ws_ping_timeout = NGX_CONF_UNSET_MSEC;
    slcf->ws_join_timeout = NGX_CONF_UNSET_MSEC;

    return slcf;
}


static char *
ngx_http_sfu_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_sfu_loc_conf_t *prev = parent;
    ngx_http_sfu_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_sfu_main_conf_t  *smcf;

    ngx_conf_merge_uint_value(conf->handler, prev->handler,
                              NGX_HTTP_SFU_HANDLER_NONE);

    ngx_conf_merge_size_value(conf->ws_max_message, prev->ws_max_message,
                              256 * 1024);
    ngx_conf_merge_msec_value(conf->ws_ping_interval, prev->ws_ping_interval,
                              30000);
    ngx_conf_merge_msec_value(conf->ws_ping_timeout, prev->ws_ping_timeout,
                              10000);
    ngx_conf_merge_msec_value(conf->ws_join_timeout, prev->ws_join_timeout,
                              10000);

    if (conf->ws_message_rate.rate.window == 0) {
        conf->ws_message_rate = prev->ws_message_rate;
    }

    if (conf->ws_message_rate.rate.window == 0) {
        conf->ws_message_rate.rate.count = 50;
        conf->ws_message_rate.rate.window = 1;
        conf->ws_message_rate.burst = 100;
    }

    if (conf->ws_max_message < 1024) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_ws_max_message_size\" must be at least 1k");
        return NGX_CONF_ERROR;
    }

    if (conf->ws_ping_interval < 10 || conf->ws_ping_timeout < 10
        || conf->ws_join_timeout < 10)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_ws_ping_interval\", \"sfu_ws_ping_timeout\" "
                           "and \"sfu_ws_join_timeout\" must be at least "
                           "10ms");
        return NGX_CONF_ERROR;
    }

    if (conf->handler != NGX_HTTP_SFU_HANDLER_API
        && conf->handler != NGX_HTTP_SFU_HANDLER_SIGNALING)
    {
        return NGX_CONF_OK;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sfu_module);

    if (smcf->pg_conninfo.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" needs \"sfu_postgres\"",
                           conf->handler == NGX_HTTP_SFU_HANDLER_API
                           ? "sfu_api" : "sfu_signaling");
        return NGX_CONF_ERROR;
    }

    if (conf->handler == NGX_HTTP_SFU_HANDLER_SIGNALING) {
        return NGX_CONF_OK;
    }

    /* bodies within sfu_max_body_size stay in memory */

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->client_body_buffer_size < smcf->max_body_size) {
        clcf->client_body_buffer_size = smcf->max_body_size;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_sfu_set_handler(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sfu_loc_conf_t *slcf = conf;

    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_sfu_main_conf_t  *smcf;

    if (slcf->handler != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    slcf->handler = (ngx_uint_t) cmd->post;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sfu_module);

    if (slcf->handler == NGX_HTTP_SFU_HANDLER_API) {
        smcf->api = 1;

    } else if (slcf->handler == NGX_HTTP_SFU_HANDLER_SIGNALING) {
        smcf->signaling = 1;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_sfu_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_sfu_api_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sfu_main_conf_t *smcf = conf;

    ngx_str_t               *value;
    ngx_http_sfu_api_key_t  *key;

    value = cf->args->elts;

    if (value[1].len < 16) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "API key \"%V\" is too short: "
                           "use at least 16 characters", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (smcf->api_keys == NGX_CONF_UNSET_PTR) {
        smcf->api_keys = ngx_array_create(cf->pool, 2,
                                          sizeof(ngx_http_sfu_api_key_t));
        if (smcf->api_keys == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    key = ngx_array_push(smcf->api_keys);
    if (key == NULL) {
        return NGX_CONF_ERROR;
    }

    key->key = value[1];

    if (cf->args->nelts == 3) {
        key->name = value[2];

    } else {
        ngx_str_set(&key->name, "default");
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_sfu_handler(ngx_http_request_t *r)
{
    ngx_http_sfu_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sfu_module);

    switch (slcf->handler) {

    case NGX_HTTP_SFU_HANDLER_API:
        return ngx_http_sfu_api_handler(r);

    case NGX_HTTP_SFU_HANDLER_HEALTH:
        return ngx_http_sfu_health_handler(r);

    case NGX_HTTP_SFU_HANDLER_METRICS:
        return ngx_http_sfu_metrics_handler(r);

    case NGX_HTTP_SFU_HANDLER_SIGNALING:
        return ngx_http_sfu_signal_handler(r);

    default:
        return NGX_HTTP_NOT_FOUND;
    }
}


static ngx_int_t
ngx_http_sfu_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sfu_module);

    if (ngx_http_sfu_metrics_conf(cf, smcf) != NGX_OK
        || ngx_http_sfu_password_conf(cf, smcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_sfu_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_sfu_pg_init_process(cycle) != NGX_OK
        || ngx_http_sfu_redis_init_process(cycle) != NGX_OK
        || ngx_http_sfu_turn_init_process(cycle) != NGX_OK
        || ngx_http_sfu_link_init_process(cycle) != NGX_OK
        || ngx_http_sfu_signal_init_process(cycle) != NGX_OK
        || ngx_http_sfu_orphans_init_process(cycle) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_sfu_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_sfu_pg_exit_process(cycle);
    ngx_http_sfu_redis_exit_process(cycle);
    ngx_http_sfu_link_exit_process(cycle);
}
