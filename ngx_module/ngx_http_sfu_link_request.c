
/*
 * Requests to an SFU worker that wait for its answer (the REST calls that
 * ask the worker's live state).  Each gets an "id" of its link's own
 * numbering; the first message from the worker that echoes the id -- the
 * answer, or an "error" -- goes to the requester instead of the message
 * handler.  A request lives in its caller's pool: when the caller goes
 * first (a client that hung up), the request is forgotten and a late
 * answer goes to the message handler like any other message.
 */

#include "ngx_http_sfu_link_conn.h"


struct ngx_http_sfu_link_request_s {
    ngx_queue_t                  queue;      /* in link->requests */
    json_int_t                   id;
    ngx_event_t                  timer;
    ngx_http_sfu_link_reply_pt   handler;
    void                        *data;
    unsigned                     pending:1;
};


static void ngx_http_sfu_link_request_timeout(ngx_event_t *ev);
static void ngx_http_sfu_link_request_done(ngx_http_sfu_link_request_t *rq,
    ngx_int_t rc, json_t *reply);
static void ngx_http_sfu_link_request_cleanup(void *data);


ngx_int_t
ngx_http_sfu_link_request(ngx_uint_t i, json_t *msg, ngx_msec_t timeout,
    ngx_pool_t *pool, ngx_http_sfu_link_reply_pt handler, void *data)
{
    ngx_int_t                     rc;
    ngx_pool_cleanup_t           *cln;
    ngx_http_sfu_link_t          *link;
    ngx_http_sfu_link_request_t  *rq;

    link = ngx_http_sfu_link_get(i);

    if (link == NULL || link->state != NGX_HTTP_SFU_LINK_UP
        || link->failure)
    {
        return NGX_DECLINED;
    }

    cln = ngx_pool_cleanup_add(pool, sizeof(ngx_http_sfu_link_request_t));
    if (cln == NULL) {
        return NGX_ERROR;
    }

    rq = cln->data;
    ngx_memzero(rq, sizeof(ngx_http_sfu_link_request_t));

    rq->id = ++link->request_id;
    rq->handler = handler;
    rq->data = data;

    if (json_object_set_new(msg, "id", json_integer(rq->id)) != 0) {
        return NGX_ERROR;
    }

    rc = ngx_http_sfu_link_queue(link, msg);
    if (rc != NGX_OK) {
        return rc;
    }

    ngx_queue_insert_tail(&link->requests, &rq->queue);
    rq->pending = 1;

    rq->timer.handler = ngx_http_sfu_link_request_timeout;
    rq->timer.data = rq;
    rq->timer.log = &link->log;
    ngx_add_timer(&rq->timer, timeout);

    cln->handler = ngx_http_sfu_link_request_cleanup;

    return NGX_OK;
}


ngx_int_t
ngx_http_sfu_link_reply(ngx_http_sfu_link_t *link, json_t *msg)
{
    json_t                       *id;
    ngx_queue_t                  *q;
    ngx_http_sfu_link_request_t  *rq;

    id = json_object_get(msg, "id");

    if (!json_is_integer(id)) {
        return NGX_DECLINED;
    }

    for (q = ngx_queue_head(&link->requests);
         q != ngx_queue_sentinel(&link->requests);
         q = ngx_queue_next(q))
    {
        rq = ngx_queue_data(q, ngx_http_sfu_link_request_t, queue);

        if (rq->id == json_integer_value(id)) {
            ngx_http_sfu_link_request_done(rq, NGX_OK, msg);
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


void
ngx_http_sfu_link_requests_fail(ngx_http_sfu_link_t *link)
{
    ngx_http_sfu_link_request_t  *rq;

    while (!ngx_queue_empty(&link->requests)) {
        rq = ngx_queue_data(ngx_queue_head(&link->requests),
                            ngx_http_sfu_link_request_t, queue);

        ngx_http_sfu_link_request_done(rq, NGX_DECLINED, NULL);
    }
}


static void
ngx_http_sfu_link_request_timeout(ngx_event_t *ev)
{
    ngx_http_sfu_link_request_done(ev->data, NGX_AGAIN, NULL);
}


/* out of the list first: the handler may free the request's pool */

static void
ngx_http_sfu_link_request_done(ngx_http_sfu_link_request_t *rq,
    ngx_int_t rc, json_t *reply)
{
    ngx_http_sfu_link_request_cleanup(rq);

    rq->handler(rq->data, rc, reply);
}


static void
ngx_http_sfu_link_request_cleanup(void *data)
{
    ngx_http_sfu_link_request_t  *rq = data;

    if (!rq->pending) {
        return;
    }

    rq->pending = 0;
    ngx_queue_remove(&rq->queue);

    if (rq->timer.timer_set) {
        ngx_del_timer(&rq->timer);
    }
}
