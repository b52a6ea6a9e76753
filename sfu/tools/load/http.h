/*
 * http: the libsoup sessions every signaling backend shares (plain
 * http/ws or https/wss; enough connections for hundreds of participants
 * at once), and requests on them: JSON replies, or the raw bytes for a
 * backend that reads its replies itself.
 */

#ifndef SFU_LOAD_HTTP_H
#define SFU_LOAD_HTTP_H

#include <gio/gio.h>
#include <jansson.h>
#include <libsoup/soup.h>

/* The session for WebSockets and requests with a time limit. */
SoupSession *load_http_session(void);

/*
 * The reply to a request: its status (0 when none came) and its body as
 * JSON (NULL when not JSON), or error: why nothing usable came.  Not
 * called when the request was cancelled.
 */
typedef void (*load_http_done_t)(unsigned status, json_t *body,
                                 const char *error, void *data);

/*
 * Sends method url with body (may be NULL; the call keeps its own
 * reference) and, when bearer is not NULL, "Authorization: Bearer ...".
 * done runs later, on the main context.  0, or -1 (done is not called)
 * when libsoup cannot make a request of url.
 */
int load_http_json(const char *method, const char *url, const char *bearer,
                    json_t *body, GCancellable *cancel, load_http_done_t done,
                    void *data);

/* Flags of load_http_request. */
enum {
    /*
     * No time limit: the server holds the request until it has news (a
     * long poll), longer than the 30 s any other request is given.
     */
    LOAD_HTTP_LONG_POLL = 1 << 0,
    /*
     * done runs once whatever happens, a cancelled request included (its
     * error says so) and a URL libsoup refuses (later, all the same): for
     * callers that hold a reference for each request out.
     */
    LOAD_HTTP_ALWAYS_DONE = 1 << 1,
};

/*
 * The reply as it came: its status (0 when none came) and its body, or
 * error: why nothing came.
 */
typedef void (*load_http_bytes_done_t)(unsigned status, GBytes *body,
                                       const char *error, void *data);

/*
 * load_http_json's request (no bearer) with flags, whose done gets the
 * reply's bytes.  0, or -1 when libsoup cannot make a request of url (done
 * is not called, unless LOAD_HTTP_ALWAYS_DONE).
 */
int load_http_request(const char *method, const char *url, json_t *body,
                      unsigned flags, GCancellable *cancel,
                      load_http_bytes_done_t done, void *data);

/* Ends the sessions (at exit). */
void load_http_cleanup(void);

#endif
