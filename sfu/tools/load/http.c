/*
 * http: the shared libsoup session and JSON requests of http.h.
 */

#include "http.h"

#include <string.h>

#define MAX_CONNS     4096
#define TIMEOUT_S     30

static SoupSession *session;

typedef struct {
    SoupMessage       *msg;
    load_http_done_t   done;
    void              *data;
} request_t;

SoupSession *
load_http_session(void)
{
    if (session == NULL) {
        session = soup_session_new_with_options(
            "max-conns", MAX_CONNS, "max-conns-per-host", MAX_CONNS,
            "timeout", TIMEOUT_S, "user-agent", "sfu-load", NULL);
    }
    return session;
}

void
load_http_cleanup(void)
{
    if (session != NULL) {
        soup_session_abort(session);
        g_object_unref(session);
        session = NULL;
    }
}

static void
request_done(GObject *source, GAsyncResult *res, gpointer data)
{
    request_t    *r = data;
    GError       *error = NULL;
    GBytes       *bytes;
    json_t       *body = NULL;
    json_error_t  jerr;

    bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &error);
    if (bytes == NULL) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            r->done(0, NULL, error->message, r->data);
        }
        g_error_free(error);
    } else {
        gsize       len;
        const char *p = g_bytes_get_data(bytes, &len);

        body = json_loadb(p, len, 0, &jerr);
        r->done(soup_message_get_status(r->msg), body,
                body == NULL ? "the reply is not JSON" : NULL, r->data);
        json_decref(body);
        g_bytes_unref(bytes);
    }
    g_object_unref(r->msg);
    g_free(r);
}

int
load_http_json(const char *method, const char *url, const char *bearer,
               json_t *body, GCancellable *cancel, load_http_done_t done,
               void *data)
{
    request_t *r = g_new0(request_t, 1);
    char      *text, *auth;

    r->msg = soup_message_new(method, url);
    r->done = done;
    r->data = data;
    if (r->msg == NULL) {
        g_free(r);
        return -1;
    }
    /*
     * libsoup resends an idempotent request whose kept-alive connection the
     * server had closed, but not a POST: those get a connection of their
     * own, so a long run's room creation never meets a stale one.
     */
    if (strcmp(method, "POST") == 0) {
        soup_message_add_flags(r->msg, SOUP_MESSAGE_NEW_CONNECTION);
    }
    if (bearer != NULL) {
        auth = g_strdup_printf("Bearer %s", bearer);
        soup_message_headers_append(soup_message_get_request_headers(r->msg),
                                    "Authorization", auth);
        g_free(auth);
    }
    if (body != NULL) {
        GBytes *bytes;

        text = json_dumps(body, JSON_COMPACT);
        bytes = g_bytes_new_take(text, strlen(text));
        soup_message_set_request_body_from_bytes(r->msg, "application/json",
                                                 bytes);
        g_bytes_unref(bytes);
    }
    soup_session_send_and_read_async(load_http_session(), r->msg,
                                     G_PRIORITY_DEFAULT, cancel, request_done,
                                     r);
    return 0;
}
