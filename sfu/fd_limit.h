/*
 * fd_limit: lifts the process's soft limit on open descriptors to its hard
 * limit.  Every participant costs the worker (and sfu-load) a few sockets
 * (ICE, per peer connection and local address); a soft limit of 1024, a
 * common default, would stop a large room at about 200 participants.
 */
#ifndef SFU_FD_LIMIT_H
#define SFU_FD_LIMIT_H

/* The soft limit now (after raising it), or 0 when it cannot be read. */
unsigned long sfu_fd_limit_raise(void);

#endif
