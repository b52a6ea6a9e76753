/*
 * http: the shared libsoup sessions and the requests of http.h.
 */

#include "http.h"

#include <string.h>

#define MAX_CONNS     4096
#define TIMEOUT_S     30

/*
 * libsoup's time limit is the session's: long polls have a session of
 * their own, without one.
 */
enum { SESSION_TIMED, SESSION_LONG_POLL, N_SESSIONS };

static SoupSession *sessions[N_SESSIONS];

typedef struct {
    SoupMessage             *msg;       /* NULL: libsoup refused the URL */
    unsigned                 flags;
    load_http_done_t         json_done; /* one of the two */
    load_http_bytes_done_t   bytes_done;
    void                    *data;
    char                    *url;
} request_t;

static SoupSession *
session_for(unsigned flags)
{
    int i = (flags & LOAD_HTTP_LONG_POLL) ? SESSION_LONG_POLL : SESSION_TIMED;

    if (sessions[i] == NULL) {
        sessions[i] = soup_session_new_with_options(
            "max-conns", MAX_CONNS, "max-conns-per-host", MAX_CONNS,
            "timeout", i == SESSION_LONG_POLL ? 0 : TIMEOUT_S,
            "user-agent", "sfu-load", NULL);
    }
    return sessions[i];
}

SoupSession *
load_http_session(void)
{
    return session_for(0);
}

void
load_http_cleanup(void)
{
    int i;

    for (i = 0; i < N_SESSIONS; i++) {
        if (sessions[i] != NULL) {
            soup_session_abort(sessions[i]);
            g_object_unref(sessions[i]);
            sessions[i] = NULL;
        }
    }
}

static void
request_free(request_t *r)
{
    if (r->msg != NULL)
        g_object_unref(r->msg);
    g_free(r->url);
    g_free(r);
}

/* A reply for json_done: the body parsed, when it is JSON. */
static void
reply_json(request_t *r, unsigned status, GBytes *bytes)
{
    gsize         len;
    const char   *p = g_bytes_get_data(bytes, &len);
    json_t       *body;
    json_error_t  jerr;

    body = json_loadb(p, len, 0, &jerr);
    r->json_done(status, body, body == NULL ? "the reply is not JSON" : NULL,
                 r->data);
    json_decref(body);
}

static void
request_done(GObject *source, GAsyncResult *res, gpointer data)
{
    request_t  *r = data;
    GError     *error = NULL;
    GBytes     *bytes;

    bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &error);
    if (bytes == NULL) {
        if ((r->flags & LOAD_HTTP_ALWAYS_DONE)
            || !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            if (r->json_done != NULL)
                r->json_done(0, NULL, error->message, r->data);
            else
                r->bytes_done(0, NULL, error->message, r->data);
        }
        g_error_free(error);
    } else {
        if (r->json_done != NULL)
            reply_json(r, soup_message_get_status(r->msg), bytes);
        else
            r->bytes_done(soup_message_get_status(r->msg), bytes, NULL,
                          r->data);
        g_bytes_unref(bytes);
    }
    request_free(r);
}

static gboolean
request_refused(gpointer data)
{
    request_t *r = data;
    char      *error = g_strdup_printf("not a usable URL: %s", r->url);

    r->bytes_done(0, NULL, error, r->data);
    g_free(error);
    request_free(r);
    return G_SOURCE_REMOVE;
}

/* The request's message, with body (may be NULL) as JSON; NULL: bad url. */
static SoupMessage *
message_new(const char *method, const char *url, json_t *body)
{
    SoupMessage *msg = soup_message_new(method, url);
    GBytes      *bytes;
    char        *text;

    if (msg != NULL && body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        if (text == NULL)
            g_error("sfu-load: out of memory");
        bytes = g_bytes_new_take(text, strlen(text));
        soup_message_set_request_body_from_bytes(msg, "application/json",
                                                 bytes);
        g_bytes_unref(bytes);
    }
    return msg;
}

static void
request_send(request_t *r, GCancellable *cancel)
{
    soup_session_send_and_read_async(session_for(r->flags), r->msg,
                                     G_PRIORITY_DEFAULT, cancel, request_done,
                                     r);
}

int
load_http_json(const char *method, const char *url, const char *bearer,
               json_t *body, GCancellable *cancel, load_http_done_t done,
               void *data)
{
    SoupMessage *msg = message_new(method, url, body);
    request_t   *r;
    char        *auth;

    if (msg == NULL)
        return -1;
    r = g_new0(request_t, 1);
    r->msg = msg;
    r->json_done = done;
    r->data = data;
    /*
     * libsoup resends an idempotent request whose kept-alive connection the
     * server had closed, but not a POST: those get a connection of their
     * own, so a long run's room creation never meets a stale one.
     */
    if (strcmp(method, "POST") == 0) {
        soup_message_add_flags(msg, SOUP_MESSAGE_NEW_CONNECTION);
    }
    if (bearer != NULL) {
        auth = g_strdup_printf("Bearer %s", bearer);
        soup_message_headers_append(soup_message_get_request_headers(msg),
                                    "Authorization", auth);
        g_free(auth);
    }
    request_send(r, cancel);
    return 0;
}

int
load_http_request(const char *method, const char *url, json_t *body,
                  unsigned flags, GCancellable *cancel,
                  load_http_bytes_done_t done, void *data)
{
    SoupMessage *msg = message_new(method, url, body);
    request_t   *r;

    if (msg == NULL && !(flags & LOAD_HTTP_ALWAYS_DONE))
        return -1;
    r = g_new0(request_t, 1);
    r->msg = msg;
    r->flags = flags;
    r->bytes_done = done;
    r->data = data;
    if (msg == NULL) {
        r->url = g_strdup(url);
        g_idle_add(request_refused, r);
        return -1;
    }
    request_send(r, cancel);
    return 0;
}
