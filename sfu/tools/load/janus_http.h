/*
 * janus_http: the HTTP requests of sfu-load's Janus backend, each a JSON
 * POST (with a fresh transaction id) or a GET, on a libsoup session of
 * their own.  Not the shared one of http.h: that one gives up on a
 * request after 30 s, which is how long Janus holds a long poll with
 * nothing to say, and does not report cancelled requests, which hold
 * references in signal_janus.c.
 */

#ifndef SFU_LOAD_JANUS_HTTP_H
#define SFU_LOAD_JANUS_HTTP_H

#include <gio/gio.h>
#include <jansson.h>

/* The reply's messages (janus_msg_batch), or an error line. */
typedef void (*janus_http_reply_t)(json_t *batch, const char *error,
                                   void *data);

/*
 * POSTs body (stolen) to url, or GETs url when body is NULL; cb runs
 * once, later, with the reply's messages or an error line (a cancelled
 * request too).  what names the request in error lines.
 */
void janus_http_request(const char *url, json_t *body, GCancellable *cancel,
                        const char *what, janus_http_reply_t cb, void *data);

#endif
