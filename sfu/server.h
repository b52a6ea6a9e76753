/*
 * server: the worker's listening Unix socket and the set of module
 * connections accepted on it.
 */

#ifndef SFU_SERVER_H
#define SFU_SERVER_H

typedef struct sfu_server sfu_server_t;

/*
 * Listens on path: a stale socket left by a dead worker is replaced, a
 * live one (another worker answers) is refused.  mode >= 0 is applied to
 * the socket file with chmod().  Returns NULL after logging why.
 */
sfu_server_t *sfu_server_start(const char *path, int mode,
                               unsigned worker_id);

/* Closes every connection and the socket, and unlinks it. */
void sfu_server_stop(sfu_server_t *s);

#endif
