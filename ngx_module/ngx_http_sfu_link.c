
/*
 * ngx_http_sfu_link: each nginx worker process's connections to the SFU
 * workers, their lifecycle: one non-blocking Unix stream connection per
 * configured worker, the hello that makes it up, ping/pong keepalive and
 * the liveness deadline (any bytes from the worker prove it alive: a busy
 * worker answers late, a dead one closes its socket or falls silent for
 * sfu_worker_ping_timeout), reconnection with exponential backoff, and
 * the message handler told of every message and of every loss.  Framing and the read and write queues
 * are in ngx_http_sfu_link_io.c; the ring that places rooms on workers is
 * in ngx_http_sfu_link_ring.c.
 */

#include "ngx_http_sfu_link_conn.h"
#include "ngx_http_sfu_metrics.h"
#include "ngx_http_sfu_port_metrics.h"
#include "ngx_http_sfu_port_counters.h"


#define NGX_HTTP_SFU_LINK_BACKOFF_MIN  100
#define NGX_HTTP_SFU_LINK_BACKOFF_MAX  5000
#define NGX_HTTP_SFU_LINK_PROTOCOL     1


static void ngx_http_sfu_link_connect(ngx_http_sfu_link_t *link);
static void ngx_http_sfu_link_close(ngx_http_sfu_link_t *link);
static void ngx_http_sfu_link_reconnect_handler(ngx_event_t *ev);
static void ngx_http_sfu_link_ping_handler(ngx_event_t *ev);
static void ngx_http_sfu_link_live(ngx_http_sfu_link_t *link, json_t *msg);
static ngx_int_t ngx_http_sfu_link_report_count(json_t *msg,
    const char *name, json_int_t *value, const char **bad);


static ngx_http_sfu_link_t           *ngx_http_sfu_links;
static ngx_uint_t                     ngx_http_sfu_nlinks;
static ngx_msec_t                     ngx_http_sfu_ping_interval;
static ngx_msec_t                     ngx_http_sfu_ping_timeout;
static ngx_http_sfu_link_handler_pt   ngx_http_sfu_link_handler;
static void                          *ngx_http_sfu_link_handler_data;


char *
ngx_http_sfu_link_conf_worker(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_sfu_main_conf_t *smcf = conf;

    ngx_str_t           *value, path, *worker;
    ngx_uint_t           i;
    struct sockaddr_un   sun;

    value = cf->args->elts;
    path = value[1];

    if (path.len > 5 && ngx_strncmp(path.data, "unix:", 5) == 0) {
        path.data += 5;
        path.len -= 5;

    } else if (path.len == 0 || path.data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid SFU worker address \"%V\": "
                           "use unix:/path/to/worker.sock", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (path.len >= sizeof(sun.sun_path)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "SFU worker socket path \"%V\" is longer than "
                           "%uz bytes", &path, sizeof(sun.sun_path) - 1);
        return NGX_CONF_ERROR;
    }

    if (smcf->workers == NGX_CONF_UNSET_PTR) {
        smcf->workers = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
        if (smcf->workers == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (smcf->workers->nelts == NGX_HTTP_SFU_LINKS_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "at most %d SFU workers", NGX_HTTP_SFU_LINKS_MAX);
        return NGX_CONF_ERROR;
    }

    worker = smcf->workers->elts;

    for (i = 0; i < smcf->workers->nelts; i++) {
        if (worker[i].len == path.len
            && ngx_strncmp(worker[i].data, path.data, path.len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate SFU worker \"%V\"", &path);
            return NGX_CONF_ERROR;
        }
    }

    worker = ngx_array_push(smcf->workers);
    if (worker == NULL) {
        return NGX_CONF_ERROR;
    }

    *worker = path;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_sfu_link_init_process(ngx_cycle_t *cycle)
{
    ngx_str_t                 *path;
    ngx_uint_t                 i;
    ngx_http_sfu_link_t       *link;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sfu_module);

    if (smcf == NULL || smcf->workers == NULL || smcf->workers->nelts == 0) {
        return NGX_OK;
    }

    ngx_http_sfu_nlinks = smcf->workers->nelts;
    ngx_http_sfu_ping_interval = smcf->worker_ping_interval;
    ngx_http_sfu_ping_timeout = smcf->worker_ping_timeout;

    ngx_http_sfu_links = ngx_pcalloc(cycle->pool,
                                     ngx_http_sfu_nlinks
                                     * sizeof(ngx_http_sfu_link_t));
    if (ngx_http_sfu_links == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_sfu_link_ring_init(cycle, smcf->workers) != NGX_OK) {
        return NGX_ERROR;
    }

    path = smcf->workers->elts;

    for (i = 0; i < ngx_http_sfu_nlinks; i++) {
        link = &ngx_http_sfu_links[i];

        link->index = i;
        link->path = path[i];
        link->sockaddr.sun_family = AF_UNIX;
        ngx_memcpy(link->sockaddr.sun_path, path[i].data, path[i].len);
        link->backoff = NGX_HTTP_SFU_LINK_BACKOFF_MIN;
        link->log = *cycle->log;

        link->ping.handler = ngx_http_sfu_link_ping_handler;
        link->ping.data = link;
        link->ping.log = &link->log;
        link->ping.cancelable = 1;

        link->reconnect.handler = ngx_http_sfu_link_reconnect_handler;
        link->reconnect.data = link;
        link->reconnect.log = &link->log;
        link->reconnect.cancelable = 1;

        ngx_queue_init(&link->requests);

        ngx_http_sfu_link_connect(link);
    }

    return NGX_OK;
}


void
ngx_http_sfu_link_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t            i;
    ngx_http_sfu_link_t  *link;

    for (i = 0; i < ngx_http_sfu_nlinks; i++) {
        link = &ngx_http_sfu_links[i];

        ngx_http_sfu_link_close(link);

        if (link->reconnect.timer_set) {
            ngx_del_timer(&link->reconnect);
        }
    }

    ngx_http_sfu_links = NULL;
    ngx_http_sfu_nlinks = 0;
}


ngx_uint_t
ngx_http_sfu_link_count(void)
{
    return ngx_http_sfu_nlinks;
}


ngx_http_sfu_link_t *
ngx_http_sfu_link_get(ngx_uint_t i)
{
    return (i < ngx_http_sfu_nlinks) ? &ngx_http_sfu_links[i] : NULL;
}


ngx_int_t
ngx_http_sfu_link_status(ngx_uint_t i, ngx_str_t *path, ngx_msec_t *rtt)
{
    ngx_http_sfu_link_t  *link;

    link = ngx_http_sfu_link_get(i);
    if (link == NULL) {
        return NGX_ERROR;
    }

    *path = link->path;
    *rtt = link->rtt;

    return link->state == NGX_HTTP_SFU_LINK_UP ? NGX_OK : NGX_DECLINED;
}


void
ngx_http_sfu_link_set_handler(ngx_http_sfu_link_handler_pt h, void *data)
{
    ngx_http_sfu_link_handler = h;
    ngx_http_sfu_link_handler_data = data;
}


ngx_int_t
ngx_http_sfu_link_send(ngx_uint_t i, json_t *msg)
{
    ngx_http_sfu_link_t  *link;

    link = ngx_http_sfu_link_get(i);
    if (link == NULL) {
        return NGX_ERROR;
    }

    if (link->state != NGX_HTTP_SFU_LINK_UP || link->failure) {
        return NGX_DECLINED;
    }

    return ngx_http_sfu_link_queue(link, msg);
}


static void
ngx_http_sfu_link_connect(ngx_http_sfu_link_t *link)
{
    ngx_err_t          err;
    ngx_socket_t       s;
    ngx_connection_t  *c;

    s = ngx_socket(AF_UNIX, SOCK_STREAM, 0);
    if (s == (ngx_socket_t) -1) {
        ngx_http_sfu_link_down(link, ngx_socket_errno,
                               ngx_socket_n " failed");
        return;
    }

    c = ngx_get_connection(s, &link->log);
    if (c == NULL) {
        if (ngx_close_socket(s) == -1) {
            ngx_log_error(NGX_LOG_ALERT, &link->log, ngx_socket_errno,
                          ngx_close_socket_n " failed");
        }

        ngx_http_sfu_link_down(link, 0, "no free connection");
        return;
    }

    link->connection = c;

    c->type = SOCK_STREAM;
    c->recv = ngx_recv;
    c->send = ngx_send;
    c->recv_chain = ngx_recv_chain;
    c->send_chain = ngx_send_chain;
    c->log_error = NGX_ERROR_INFO;
    c->data = link;
    c->number = ngx_atomic_fetch_add(ngx_connection_counter, 1);

    c->read->handler = ngx_http_sfu_link_read_handler;
    c->write->handler = ngx_http_sfu_link_write_handler;
    c->read->log = &link->log;
    c->write->log = &link->log;

    if (ngx_nonblocking(s) == -1) {
        ngx_http_sfu_link_down(link, ngx_socket_errno,
                               ngx_nonblocking_n " failed");
        return;
    }

    if (ngx_add_conn) {
        if (ngx_add_conn(c) == NGX_ERROR) {
            ngx_http_sfu_link_down(link, 0, "cannot add the connection");
            return;
        }
    }

    /* a Unix stream socket connects at once or fails, even non-blocking */

    if (connect(s, (struct sockaddr *) &link->sockaddr,
                sizeof(struct sockaddr_un))
        == -1)
    {
        err = ngx_socket_errno;
        ngx_http_sfu_link_down(link, err, "connect() failed");
        return;
    }

    if (ngx_add_conn == NULL
        && ngx_handle_read_event(c->read, 0) != NGX_OK)
    {
        ngx_http_sfu_link_down(link, 0, "cannot add the read event");
        return;
    }

    c->write->ready = 1;

    link->in = ngx_alloc(NGX_HTTP_SFU_LINK_BUF_SIZE, &link->log);
    if (link->in == NULL) {
        ngx_http_sfu_link_down(link, 0, "out of memory");
        return;
    }

    link->in_size = NGX_HTTP_SFU_LINK_BUF_SIZE;
    link->out.max = NGX_HTTP_SFU_LINK_MAX_QUEUE;
    link->state = NGX_HTTP_SFU_LINK_HELLO;

    /* the hello must come within the timeout */
    link->heard = ngx_current_msec;
    ngx_add_timer(&link->ping, ngx_http_sfu_ping_timeout);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, &link->log, 0,
                   "sfu link: connected to \"%V\"", &link->path);
}


void
ngx_http_sfu_link_down(ngx_http_sfu_link_t *link, ngx_err_t err,
    const char *reason)
{
    ngx_uint_t  was_up;

    was_up = (link->state == NGX_HTTP_SFU_LINK_UP);

    ngx_http_sfu_link_close(link);

    if (link->reported != NGX_HTTP_SFU_LINK_REPORTED_DOWN) {
        ngx_log_error(NGX_LOG_ERR, &link->log, err,
                      "sfu worker \"%V\" is down: %s", &link->path, reason);
        link->reported = NGX_HTTP_SFU_LINK_REPORTED_DOWN;

    } else if (err != link->down_err
               || ngx_strcmp(reason, link->down_reason) != 0)
    {
        /* a new cause while down: worth a line, not an error per retry */
        ngx_log_error(NGX_LOG_INFO, &link->log, err,
                      "sfu worker \"%V\" is still down: %s",
                      &link->path, reason);

    } else {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, &link->log, err,
                       "sfu link: \"%V\" still down: %s", &link->path,
                       reason);
    }

    link->down_err = err;
    ngx_cpystrn(link->down_reason, (u_char *) reason,
                sizeof(link->down_reason));

    if (!ngx_exiting && !ngx_terminate && !ngx_quit
        && !link->reconnect.timer_set)
    {
        ngx_add_timer(&link->reconnect, link->backoff);
        link->backoff = ngx_min(link->backoff * 2,
                                NGX_HTTP_SFU_LINK_BACKOFF_MAX);
    }

    ngx_http_sfu_link_requests_fail(link);
    ngx_http_sfu_metrics_live_lost(link->index);

    if (was_up && ngx_http_sfu_link_handler) {
        ngx_http_sfu_link_handler(link->index, NULL,
                                  ngx_http_sfu_link_handler_data);
    }
}


/* Drops the connection and what was queued on it; no report, no retry. */

static void
ngx_http_sfu_link_close(ngx_http_sfu_link_t *link)
{
    if (link->connection) {
        ngx_close_connection(link->connection);
        link->connection = NULL;
    }

    if (link->ping.timer_set) {
        ngx_del_timer(&link->ping);
    }

    if (link->in) {
        ngx_free(link->in);
        link->in = NULL;
    }

    ngx_http_sfu_sendq_free(&link->out);

    link->in_len = 0;
    link->in_size = 0;
    link->ping_pending = 0;
    link->late = 0;
    link->failure = NULL;
    link->state = NGX_HTTP_SFU_LINK_DOWN;
}


static void
ngx_http_sfu_link_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_sfu_link_t  *link = ev->data;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_http_sfu_link_connect(link);
}


static void
ngx_http_sfu_link_ping_handler(ngx_event_t *ev)
{
    ngx_http_sfu_link_t  *link = ev->data;

    json_t      *ping;
    ngx_msec_t   silent;

    silent = ngx_current_msec - link->heard;

    if (silent >= ngx_http_sfu_ping_timeout) {
        ngx_http_sfu_link_down(link, 0,
                               link->state == NGX_HTTP_SFU_LINK_HELLO
                               ? "no hello within sfu_worker_ping_timeout"
                               : "nothing received within "
                                 "sfu_worker_ping_timeout");
        return;
    }

    if (link->state != NGX_HTTP_SFU_LINK_UP) {
        ngx_add_timer(&link->ping, ngx_http_sfu_ping_timeout - silent);
        return;
    }

    if (link->ping_pending) {

        /* late, not lost: a loaded worker's loop may lag for seconds */

        if (!link->late) {
            ngx_log_error(NGX_LOG_WARN, &link->log, 0,
                          "sfu worker \"%V\" is late: no pong for %M ms",
                          &link->path, ngx_current_msec - link->ping_sent);
            link->late = 1;
        }

    } else {
        ping = json_pack("{s:s, s:I}", "type", "ping", "id", ++link->ping_id);
        if (ping == NULL) {
            ngx_http_sfu_link_down(link, 0, "out of memory");
            return;
        }

        if (ngx_http_sfu_link_queue(link, ping) == NGX_OK) {
            link->ping_sent = ngx_current_msec;
            link->ping_pending = 1;
        }

        json_decref(ping);
    }

    ngx_add_timer(&link->ping, ngx_min(ngx_http_sfu_ping_interval,
                                       ngx_http_sfu_ping_timeout - silent));
}


ngx_int_t
ngx_http_sfu_link_message(ngx_http_sfu_link_t *link, json_t *msg)
{
    u_char       reason[80];
    json_t      *id;
    ngx_str_t    type;
    json_int_t   protocol;

    type.data = (u_char *) json_string_value(json_object_get(msg, "type"));
    type.len = type.data ? ngx_strlen(type.data) : 0;

    if (link->state == NGX_HTTP_SFU_LINK_HELLO) {

        if (type.len != 5 || ngx_strncmp(type.data, "hello", 5) != 0) {
            ngx_http_sfu_link_down(link, 0, "protocol error: the first "
                                   "message is not hello");
            return NGX_ERROR;
        }

        protocol = json_integer_value(json_object_get(msg, "protocol"));

        if (protocol != NGX_HTTP_SFU_LINK_PROTOCOL) {
            *ngx_snprintf(reason, sizeof(reason) - 1,
                          "the worker speaks protocol %L, this module %d",
                          (int64_t) protocol, NGX_HTTP_SFU_LINK_PROTOCOL)
                = '\0';
            ngx_http_sfu_link_down(link, 0, (char *) reason);
            return NGX_ERROR;
        }

        link->state = NGX_HTTP_SFU_LINK_UP;
        link->backoff = NGX_HTTP_SFU_LINK_BACKOFF_MIN;
        link->worker_pid = json_integer_value(json_object_get(msg, "pid"));
        link->port_bad = 0;
        link->counts_bad = 0;

        ngx_log_error(NGX_LOG_NOTICE, &link->log, 0,
                      "sfu worker \"%V\" is up%s (worker %L, pid %L)",
                      &link->path,
                      link->reported == NGX_HTTP_SFU_LINK_REPORTED_DOWN
                      ? " again" : "",
                      (int64_t) json_integer_value(json_object_get(msg,
                                                                   "worker")),
                      (int64_t) link->worker_pid);

        link->reported = NGX_HTTP_SFU_LINK_REPORTED_UP;

        ngx_http_sfu_link_live(link, msg);

        /* keepalive from now on; the first ping goes out at once */
        ngx_del_timer(&link->ping);
        ngx_http_sfu_link_ping_handler(&link->ping);

        if (link->state != NGX_HTTP_SFU_LINK_UP) {
            return NGX_ERROR;
        }

    } else if (type.len == 4 && ngx_strncmp(type.data, "pong", 4) == 0) {

        id = json_object_get(msg, "id");

        if (link->ping_pending && json_is_integer(id)
            && json_integer_value(id) == link->ping_id)
        {
            link->rtt = ngx_current_msec - link->ping_sent;
            link->ping_pending = 0;

            if (link->late) {
                ngx_log_error(NGX_LOG_NOTICE, &link->log, 0,
                              "sfu worker \"%V\" answers again: pong after "
                              "%M ms", &link->path, link->rtt);
                link->late = 0;
            }
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, &link->log, 0,
                       "sfu link: pong from \"%V\", rtt %M",
                       &link->path, link->rtt);

        ngx_http_sfu_link_live(link, msg);

        return NGX_OK;
    }

    if (ngx_http_sfu_link_reply(link, msg) == NGX_OK) {
        return NGX_OK;
    }

    if (ngx_http_sfu_link_handler) {
        ngx_http_sfu_link_handler(link->index, msg,
                                  ngx_http_sfu_link_handler_data);
    }

    return NGX_OK;
}


/*
 * the worker's own counts, in hello and pong (older workers send none),
 * and its shared port's counters (none: it has no shared port); a count
 * that is there but not a non-negative integer leaves the figure as it
 * was, logged once per link connection
 */

static void
ngx_http_sfu_link_live(ngx_http_sfu_link_t *link, json_t *msg)
{
    int          port;
    json_int_t   rooms, participants, cache_bytes;
    ngx_int_t    rooms_rc, participants_rc, cache_rc;
    uint64_t     counters[NGX_HTTP_SFU_PORT_COUNTERS];
    const char  *bad;

    bad = NULL;
    rooms_rc = ngx_http_sfu_link_report_count(msg, "rooms", &rooms, &bad);
    participants_rc = ngx_http_sfu_link_report_count(msg, "participants",
                                                     &participants, &bad);
    cache_rc = ngx_http_sfu_link_report_count(msg, "packet_cache_bytes",
                                              &cache_bytes, &bad);

    if (bad != NULL && !link->counts_bad) {
        ngx_log_error(NGX_LOG_WARN, &link->log, 0,
                      "sfu worker \"%V\" sent an invalid \"%s\": "
                      "its figure is not updated", &link->path, bad);
        link->counts_bad = 1;
    }

    if (cache_rc == NGX_OK) {
        ngx_http_sfu_metrics_cache_set(link->index, cache_bytes);
    }

    if (rooms_rc == NGX_OK && participants_rc == NGX_OK) {
        ngx_http_sfu_metrics_live_set(link->index, rooms, participants);
    }

    port = ngx_http_sfu_port_counters_parse(msg, counters, &bad);

    if (port >= 0) {
        ngx_http_sfu_port_metrics_set(link->index, link->worker_pid,
                                      port ? counters : NULL);

    } else if (!link->port_bad) {
        ngx_log_error(NGX_LOG_WARN, &link->log, 0,
                      "sfu worker \"%V\" sent an invalid \"shared_port\" "
                      "(field \"%s\"): its shared port's counters are not "
                      "updated",
                      &link->path, bad);
        link->port_bad = 1;
    }
}


/*
 * one count of hello or pong: NGX_OK with its value, NGX_DECLINED when
 * absent (an older worker), NGX_ERROR when it is not a non-negative
 * integer (*bad names the first such field)
 */

static ngx_int_t
ngx_http_sfu_link_report_count(json_t *msg, const char *name,
    json_int_t *value, const char **bad)
{
    json_t  *v;

    v = json_object_get(msg, name);

    if (v == NULL) {
        return NGX_DECLINED;
    }

    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        if (*bad == NULL) {
            *bad = name;
        }
        return NGX_ERROR;
    }

    *value = json_integer_value(v);

    return NGX_OK;
}
