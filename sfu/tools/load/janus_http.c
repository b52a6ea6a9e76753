/*
 * janus_http: the requests of sfu-load's Janus backend (janus_http.h).
 */

#include "janus_http.h"

#include "http.h"
#include "janus_msg.h"

#include <glib.h>
#include <libsoup/soup.h>
#include <stdio.h>

#define BODY_LIMIT  (1 << 20)

typedef struct {
    janus_http_reply_t   cb;
    void                *data;
    char                *what;      /* for error lines: "attach" ... */
} request_t;

static void
replied(unsigned status, GBytes *body, const char *error, void *data)
{
    request_t  *rq = data;
    json_t     *batch = NULL;
    const char *why = error;
    char        line[256];

    if (why == NULL && status != SOUP_STATUS_OK) {
        snprintf(line, sizeof(line), "HTTP %u", status);
        why = line;
    } else if (why == NULL && g_bytes_get_size(body) > BODY_LIMIT) {
        snprintf(line, sizeof(line), "a reply over %d bytes", BODY_LIMIT);
        why = line;
    } else if (why == NULL) {
        batch = janus_msg_batch(g_bytes_get_data(body, NULL),
                                g_bytes_get_size(body), &why);
    }
    if (why != NULL) {
        char msg[300];

        snprintf(msg, sizeof(msg), "Janus %s: %s", rq->what, why);
        rq->cb(NULL, msg, rq->data);
    } else {
        rq->cb(batch, NULL, rq->data);
    }
    json_decref(batch);
    g_free(rq->what);
    g_free(rq);
}

void
janus_http_request(const char *url, json_t *body, GCancellable *cancel,
                   const char *what, janus_http_reply_t cb, void *data)
{
    request_t *rq = g_new0(request_t, 1);
    char       tx[17];

    rq->cb = cb;
    rq->data = data;
    rq->what = g_strdup(what);
    if (body != NULL) {
        snprintf(tx, sizeof(tx), "%08x%08x", g_random_int(), g_random_int());
        json_object_set_new(body, "transaction", json_string(tx));
    }
    load_http_request(body != NULL ? "POST" : "GET", url, body,
                      (body != NULL ? 0 : LOAD_HTTP_LONG_POLL)
                      | LOAD_HTTP_ALWAYS_DONE, cancel, replied, rq);
    json_decref(body);
}
