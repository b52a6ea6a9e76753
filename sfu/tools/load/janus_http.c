/*
 * janus_http: the requests of sfu-load's Janus backend (janus_http.h).
 */

#include "janus_http.h"

#include "janus_msg.h"

#include <glib.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>

#define BODY_LIMIT  (1 << 20)

static SoupSession *
http(void)
{
    static SoupSession *session;

    /*
     * Each participant holds a long poll open and sends requests beside
     * it: hundreds of participants need hundreds of connections.
     */
    if (session == NULL)
        session = soup_session_new_with_options("max-conns", 8192,
                                                "max-conns-per-host", 8192,
                                                "timeout", 0, NULL);
    return session;
}

typedef struct {
    janus_http_reply_t   cb;
    void        *data;
    char        *what;              /* for error lines: "attach" ... */
    char        *bad_url;           /* an error line, when libsoup refused */
} request_t;

static void
request_free(request_t *rq)
{
    g_free(rq->what);
    g_free(rq->bad_url);
    g_free(rq);
}

static gboolean
request_refused(gpointer user)
{
    request_t *rq = user;

    rq->cb(NULL, rq->bad_url, rq->data);
    request_free(rq);
    return G_SOURCE_REMOVE;
}

static void
request_done(GObject *source, GAsyncResult *res, gpointer user)
{
    request_t *rq = user;
    SoupMessage *msg = soup_session_get_async_result_message(
        SOUP_SESSION(source), res);
    GError *err = NULL;
    GBytes *body;
    json_t *batch = NULL;
    const char *why = NULL;
    char line[256];
    guint status;

    body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &err);
    if (body == NULL) {
        /* cancelled too: the owner holds a reference for every request */
        snprintf(line, sizeof(line), "Janus %s: %s", rq->what, err->message);
        why = line;
        g_error_free(err);
    } else {
        status = soup_message_get_status(msg);
        if (status != SOUP_STATUS_OK) {
            snprintf(line, sizeof(line), "Janus %s: HTTP %u", rq->what, status);
            why = line;
        } else if (g_bytes_get_size(body) > BODY_LIMIT) {
            snprintf(line, sizeof(line), "Janus %s: a reply over %d bytes",
                     rq->what, BODY_LIMIT);
            why = line;
        } else {
            batch = janus_msg_batch(g_bytes_get_data(body, NULL),
                                    g_bytes_get_size(body), &why);
            if (batch == NULL) {
                snprintf(line, sizeof(line), "Janus %s: %s", rq->what, why);
                why = line;
            }
        }
        g_bytes_unref(body);
    }
    rq->cb(batch, why, rq->data);
    json_decref(batch);
    request_free(rq);
}

void
janus_http_request(const char *url, json_t *body, GCancellable *cancel,
        const char *what, janus_http_reply_t cb, void *data)
{
    SoupMessage *msg;
    request_t *rq;
    GBytes *bytes;
    char *text;

    rq = g_new0(request_t, 1);
    rq->cb = cb;
    rq->data = data;
    rq->what = g_strdup(what);
    msg = soup_message_new(body ? "POST" : "GET", url);
    if (msg == NULL) {
        /* cb runs later all the same, as its callers expect */
        json_decref(body);
        rq->bad_url = g_strdup_printf("Janus %s: not a usable URL: %s",
                                      what, url);
        g_idle_add(request_refused, rq);
        return;
    }
    if (body != NULL) {
        char tx[17];

        snprintf(tx, sizeof(tx), "%08x%08x", g_random_int(), g_random_int());
        json_object_set_new(body, "transaction", json_string(tx));
        text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        if (text == NULL)
            g_error("sfu-load: out of memory");
        bytes = g_bytes_new_take(text, strlen(text));
        soup_message_set_request_body_from_bytes(msg, "application/json",
                                                 bytes);
        g_bytes_unref(bytes);
    }
    soup_session_send_and_read_async(http(), msg, G_PRIORITY_DEFAULT, cancel,
                                     request_done, rq);
    g_object_unref(msg);
}
