/*
 * http: the one libsoup session every signaling backend shares (plain
 * http/ws or https/wss; enough connections for hundreds of participants
 * at once), and a JSON request on it.
 */

#ifndef SFU_LOAD_HTTP_H
#define SFU_LOAD_HTTP_H

#include <gio/gio.h>
#include <jansson.h>
#include <libsoup/soup.h>

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

/* Ends the session (at exit). */
void load_http_cleanup(void);

#endif
