
/*
 * Participants orphaned by a dead nginx worker process.
 *
 * A process marks its participants left when their WebSockets close; one
 * killed (SIGKILL, a crash, the OOM killer) never does, and its
 * participants would stay "connected" in PostgreSQL, holding places of
 * their rooms for good.  So a claimed participant names its holder:
 * sfu_edge_id, this process's pid and its incarnation (the boot id and
 * the process's start time, so that a reused pid does not pass for it).
 * Every worker process sweeps when it starts and then every
 * sfu_orphan_sweep (give or take a quarter, so that workers spread out):
 * it asks for the holders of its own edge's live participants, checks
 * each process on this host (kill(pid, 0), then /proc/<pid>/stat), and
 * marks the participants of the dead ones left in one statement.  Other
 * edges' rows are never touched: their processes are not on this host.
 */

#include "ngx_http_sfu_orphans.h"
#include "ngx_http_sfu_procstat.h"
#include "ngx_http_sfu_api.h"
#include "ngx_http_sfu_pg.h"
#include "ngx_http_sfu_metrics.h"

#include <signal.h>


#define NGX_HTTP_SFU_BOOT_ID_LEN      36
#define NGX_HTTP_SFU_INCARNATION_LEN  (NGX_HTTP_SFU_BOOT_ID_LEN + 1         \
                                       + NGX_INT64_LEN)


typedef struct {
    ngx_str_t                  edge;
    ngx_str_t                  pid;
    ngx_str_t                  incarnation;     /* empty: unknown */
    ngx_str_t                  boot_id;
    u_char                     pid_text[NGX_INT64_LEN];
    u_char                     incarnation_text[NGX_HTTP_SFU_INCARNATION_LEN];
    u_char                     boot_id_text[NGX_HTTP_SFU_BOOT_ID_LEN];
    ngx_msec_t                 interval;
    ngx_event_t                timer;
} ngx_http_sfu_orphans_t;


static ngx_int_t ngx_http_sfu_orphans_read(const char *path, u_char *buf,
    size_t size, size_t *len);
static ngx_int_t ngx_http_sfu_orphans_incarnation(ngx_pid_t pid,
    u_char *buf, ngx_str_t *incarnation);
static ngx_uint_t ngx_http_sfu_orphans_alive(ngx_pid_t pid,
    ngx_str_t *incarnation);
static ngx_uint_t ngx_http_sfu_orphans_plain(ngx_str_t *text);
static void ngx_http_sfu_orphans_sweep(ngx_event_t *ev);
static void ngx_http_sfu_orphans_holders(void *data,
    ngx_http_sfu_pg_status_e status, PGresult *res);
static void ngx_http_sfu_orphans_swept(void *data,
    ngx_http_sfu_pg_status_e status, PGresult *res);
static void ngx_http_sfu_orphans_next(void);
static char *ngx_http_sfu_orphans_check_edge_id(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_sfu_orphans_check_sweep(ngx_conf_t *cf, void *post,
    void *data);


ngx_conf_post_t  ngx_http_sfu_orphans_edge_id_post = {
    ngx_http_sfu_orphans_check_edge_id
};

ngx_conf_post_t  ngx_http_sfu_orphans_sweep_post = {
    ngx_http_sfu_orphans_check_sweep
};


static ngx_http_sfu_orphans_t  ngx_http_sfu_orphans;


static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_holders = {
    NGX_HTTP_SFU_STMT_HOLDERS, "sfu_holders",
    "SELECT DISTINCT holder_pid, holder_incarnation FROM sfu_participants"
    " WHERE holder_edge = $1 AND left_at IS NULL"
};


static ngx_http_sfu_pg_stmt_t  ngx_http_sfu_stmt_sweep = {
    NGX_HTTP_SFU_STMT_SWEEP, "sfu_sweep",
    "UPDATE sfu_participants p SET state = 'left', left_at = now(),"
    " left_reason = 'orphaned'"
    " FROM unnest($2::integer[], $3::text[]) AS gone (pid, incarnation)"
    " WHERE p.holder_edge = $1 AND p.left_at IS NULL"
    " AND p.holder_pid = gone.pid AND p.holder_incarnation = gone.incarnation"
    " RETURNING p.id"
};


char *
ngx_http_sfu_orphans_init_conf(ngx_conf_t *cf,
    ngx_http_sfu_main_conf_t *smcf)
{
    u_char  *p;

    ngx_conf_init_msec_value(smcf->orphan_sweep, 30000);

    if (smcf->edge_id.len) {
        return NGX_CONF_OK;
    }

    p = ngx_pnalloc(cf->pool, NGX_MAXHOSTNAMELEN);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    if (gethostname((char *) p, NGX_MAXHOSTNAMELEN) == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "gethostname() failed: set \"sfu_edge_id\"");
        return NGX_CONF_ERROR;
    }

    p[NGX_MAXHOSTNAMELEN - 1] = '\0';
    smcf->edge_id.data = p;
    smcf->edge_id.len = ngx_strlen(p);

    return ngx_http_sfu_orphans_check_edge_id(cf, NULL, &smcf->edge_id);
}


/* the edge id is a column value and a log field: short, no spaces */

static char *
ngx_http_sfu_orphans_check_edge_id(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *edge_id = data;

    ngx_uint_t  i;

    if (edge_id->len == 0 || edge_id->len > 255) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_edge_id\" must be 1 to 255 characters");
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < edge_id->len; i++) {
        if (edge_id->data[i] <= ' ' || edge_id->data[i] >= 0x7f) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"sfu_edge_id\" \"%V\" must be printable "
                               "ASCII without spaces", edge_id);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_sfu_orphans_check_sweep(ngx_conf_t *cf, void *post, void *data)
{
    ngx_msec_t  *sweep = data;

    if (*sweep < 100) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sfu_orphan_sweep\" must be at least 100ms");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_sfu_orphans_init_process(ngx_cycle_t *cycle)
{
    size_t                     len;
    ngx_http_sfu_orphans_t    *o;
    ngx_http_sfu_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sfu_module);
    o = &ngx_http_sfu_orphans;

    ngx_memzero(o, sizeof(ngx_http_sfu_orphans_t));

    if (smcf == NULL || smcf->pg_conninfo.len == 0) {
        return NGX_OK;
    }

    o->edge = smcf->edge_id;
    o->interval = smcf->orphan_sweep;

    o->pid.data = o->pid_text;
    o->pid.len = ngx_sprintf(o->pid_text, "%P", ngx_pid) - o->pid_text;

    /* a participant of this process is never swept without it */

    len = 0;
    o->boot_id.data = o->boot_id_text;

    if (ngx_http_sfu_orphans_read("/proc/sys/kernel/random/boot_id",
                                  o->boot_id_text, sizeof(o->boot_id_text),
                                  &len)
        == NGX_OK)
    {
        o->boot_id.len = len;
    }

    if (len == 0
        || ngx_http_sfu_orphans_incarnation(ngx_pid, o->incarnation_text,
                                            &o->incarnation)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "sfu: cannot read this process's boot id and start "
                      "time from /proc: its participants cannot be swept "
                      "if it dies");
        ngx_str_null(&o->incarnation);
    }

    o->timer.handler = ngx_http_sfu_orphans_sweep;
    o->timer.log = cycle->log;
    o->timer.data = o;
    o->timer.cancelable = 1;

    /* queued behind the schema setup of the first connection */
    ngx_http_sfu_orphans_sweep(&o->timer);

    return NGX_OK;
}


void
ngx_http_sfu_orphans_holder(ngx_str_t *params)
{
    ngx_http_sfu_orphans_t  *o = &ngx_http_sfu_orphans;

    if (o->incarnation.len == 0) {
        ngx_str_null(&params[0]);
        ngx_str_null(&params[1]);
        ngx_str_null(&params[2]);
        return;
    }

    params[0] = o->edge;
    params[1] = o->pid;
    params[2] = o->incarnation;
}


/*
 * Reads a small /proc file whole.  /proc is in memory: this does not
 * wait on a disk.  NGX_DECLINED: it does not exist (for /proc/<pid>: the
 * process is gone).
 */

static ngx_int_t
ngx_http_sfu_orphans_read(const char *path, u_char *buf, size_t size,
    size_t *len)
{
    ssize_t   n;
    ngx_fd_t  fd;

    fd = ngx_open_file(path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        return (ngx_errno == NGX_ENOENT || ngx_errno == NGX_ESRCH)
               ? NGX_DECLINED : NGX_ERROR;
    }

    n = read(fd, buf, size);

    ngx_close_file(fd);

    if (n <= 0) {
        return (n == -1 && ngx_errno == NGX_ESRCH) ? NGX_DECLINED : NGX_ERROR;
    }

    /* the boot id's newline goes; a stat line is cut where it must be */

    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) {
        n--;
    }

    *len = n;

    return NGX_OK;
}


/*
 * buf: NGX_HTTP_SFU_INCARNATION_LEN bytes; "<boot id>/<start time>".
 * NGX_DECLINED: the process is gone, or dead and not yet reaped.
 */

static ngx_int_t
ngx_http_sfu_orphans_incarnation(ngx_pid_t pid, u_char *buf,
    ngx_str_t *incarnation)
{
    char       state;
    size_t     len;
    uint64_t   start;
    ngx_int_t  rc;
    u_char     path[sizeof("/proc//stat") + NGX_INT64_LEN];
    u_char     line[1024];

    ngx_sprintf(path, "/proc/%P/stat%Z", pid);

    rc = ngx_http_sfu_orphans_read((char *) path, line, sizeof(line), &len);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_sfu_procstat_parse((char *) line, len, &state, &start)
        != 0)
    {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "sfu: %s has no state and start time", path);
        return NGX_ERROR;
    }

    /* a zombie answers kill(pid, 0), but holds no WebSocket */

    if (state == 'Z' || state == 'X' || state == 'x') {
        return NGX_DECLINED;
    }

    incarnation->data = buf;
    incarnation->len = ngx_sprintf(buf, "%*s/%uL",
                                   ngx_http_sfu_orphans.boot_id.len,
                                   ngx_http_sfu_orphans.boot_id.data,
                                   start)
                       - buf;

    return NGX_OK;
}


/* a process that cannot be checked counts as alive: nothing is lost */

static ngx_uint_t
ngx_http_sfu_orphans_alive(ngx_pid_t pid, ngx_str_t *incarnation)
{
    ngx_str_t  now;
    u_char     buf[NGX_HTTP_SFU_INCARNATION_LEN];

    if (kill(pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
        return 0;
    }

    switch (ngx_http_sfu_orphans_incarnation(pid, buf, &now)) {

    case NGX_OK:
        return now.len == incarnation->len
               && ngx_strncmp(now.data, incarnation->data, now.len) == 0;

    case NGX_DECLINED:
        return 0;

    default:
        return 1;
    }
}


/* what goes into an array literal unquoted */

static ngx_uint_t
ngx_http_sfu_orphans_plain(ngx_str_t *text)
{
    u_char      c;
    ngx_uint_t  i;

    for (i = 0; i < text->len; i++) {
        c = text->data[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'
              || c == '/'))
        {
            return 0;
        }
    }

    return text->len != 0;
}


static void
ngx_http_sfu_orphans_sweep(ngx_event_t *ev)
{
    ngx_http_sfu_orphans_t  *o = ev->data;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (ngx_http_sfu_pg_query(NULL, ev->log, &ngx_http_sfu_stmt_holders, 1,
                              &o->edge, ngx_http_sfu_orphans_holders, o)
        != NGX_OK)
    {
        /* PostgreSQL is down: its outage is logged elsewhere */
        ngx_http_sfu_orphans_next();
    }
}


/*
 * The holders of this edge's live participants: those whose process is
 * gone go into the arrays of the sweep, "{pid,...}" and
 * "{incarnation,...}".
 */

static void
ngx_http_sfu_orphans_holders(void *data, ngx_http_sfu_pg_status_e status,
    PGresult *res)
{
    ngx_http_sfu_orphans_t *o = data;

    u_char      *pids, *incarnations;
    size_t       size;
    ngx_int_t    pid, i, n, dead;
    ngx_str_t    incarnation, params[3];

    if (status != NGX_HTTP_SFU_PG_OK || PQntuples(res) == 0) {
        ngx_http_sfu_orphans_next();
        return;
    }

    n = PQntuples(res);
    size = 0;

    for (i = 0; i < n; i++) {
        size += PQgetlength(res, i, 0) + PQgetlength(res, i, 1) + 2;
    }

    pids = ngx_alloc(size + 2, ngx_cycle->log);
    incarnations = ngx_alloc(size + 2, ngx_cycle->log);

    if (pids == NULL || incarnations == NULL) {
        goto done;
    }

    params[0] = o->edge;
    params[1].data = pids;
    params[1].len = 0;
    params[2].data = incarnations;
    params[2].len = 0;
    dead = 0;

    for (i = 0; i < n; i++) {
        pid = ngx_atoi((u_char *) PQgetvalue(res, i, 0),
                       PQgetlength(res, i, 0));
        incarnation.data = (u_char *) PQgetvalue(res, i, 1);
        incarnation.len = PQgetlength(res, i, 1);

        if (pid <= 0 || !ngx_http_sfu_orphans_plain(&incarnation)) {
            continue;
        }

        if (pid == ngx_pid
            ? (incarnation.len == o->incarnation.len
               && ngx_strncmp(incarnation.data, o->incarnation.data,
                              incarnation.len) == 0)
            : ngx_http_sfu_orphans_alive((ngx_pid_t) pid, &incarnation))
        {
            continue;
        }

        params[1].len = ngx_sprintf(pids + params[1].len, "%c%i",
                                    dead ? ',' : '{', pid)
                        - pids;
        params[2].len = ngx_sprintf(incarnations + params[2].len, "%c%V",
                                    dead ? ',' : '{', &incarnation)
                        - incarnations;
        dead++;
    }

    if (dead == 0) {
        goto done;
    }

    pids[params[1].len++] = '}';
    incarnations[params[2].len++] = '}';

    ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                  "sfu: %i nginx worker process(es) of edge \"%V\" died "
                  "holding participants: marking them left", dead, &o->edge);

    if (ngx_http_sfu_pg_query(NULL, ngx_cycle->log, &ngx_http_sfu_stmt_sweep,
                              3, params, ngx_http_sfu_orphans_swept, o)
        == NGX_OK)
    {
        ngx_free(pids);
        ngx_free(incarnations);
        return;
    }

done:

    if (pids) {
        ngx_free(pids);
    }

    if (incarnations) {
        ngx_free(incarnations);
    }

    ngx_http_sfu_orphans_next();
}


static void
ngx_http_sfu_orphans_swept(void *data, ngx_http_sfu_pg_status_e status,
    PGresult *res)
{
    if (status == NGX_HTTP_SFU_PG_OK) {
        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "sfu: %d orphaned participant(s) marked left",
                      PQntuples(res));
        /*
         * Not out of the live gauge: these participants left their SFU
         * worker's rooms when the dead process's link dropped, and the
         * worker's next report has counted them out already.
         */
        ngx_http_sfu_metrics_add(NGX_HTTP_SFU_METRIC_PARTICIPANTS_LEFT,
                                 PQntuples(res));
    }

    ngx_http_sfu_orphans_next();
}


static void
ngx_http_sfu_orphans_next(void)
{
    ngx_msec_t               spread;
    ngx_http_sfu_orphans_t  *o = &ngx_http_sfu_orphans;

    if (ngx_exiting || ngx_terminate || ngx_quit || o->timer.timer_set) {
        return;
    }

    spread = o->interval / 2;
    ngx_add_timer(&o->timer,
                  o->interval - spread / 2 + (ngx_msec_t) ngx_random()
                                              % (spread + 1));
}
