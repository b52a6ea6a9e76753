/*
 * janus_http: the HTTP requests of sfu-load's Janus backend on the shared
 * sessions of http.h: each a JSON POST with a fresh transaction id, or a
 * long poll (GET), whose reply is read as a batch of Janus messages.
 */

#ifndef SFU_LOAD_JANUS_HTTP_H
#define SFU_LOAD_JANUS_HTTP_H

#include <gio/gio.h>
#include <jansson.h>

/* The reply's messages (janus_msg_batch), or an error line. */
typedef void (*janus_http_reply_t)(json_t *batch, const char *error,
                                   void *data);

/*
 * POSTs body (stolen) to url, or long-polls url when body is NULL; cb
 * runs once, later, with the reply's messages or an error line (a
 * cancelled request too: the backend holds a reference for every request
 * out).  what names the request in error lines.
 */
void janus_http_request(const char *url, json_t *body, GCancellable *cancel,
                        const char *what, janus_http_reply_t cb, void *data);

#endif
