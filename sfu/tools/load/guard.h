/*
 * guard: where sfu-load may send anything.  Loopback (127.0.0.0/8, ::1)
 * always; other networks only when the caller names them with
 * --allow-netns, promising that they are inside network namespaces it
 * made (a veth pair between namespaces, as `make bench` sets up for
 * Janus).  Every URL (the target, the signaling URL the SFU hands out)
 * must be an IP literal inside them, and ICE talks to nothing else (the
 * same networks become the transport's peer networks, filtered in the
 * kernel).  bench-srtp keeps to the same rule for the packets it sends.
 */

#ifndef SFU_LOAD_GUARD_H
#define SFU_LOAD_GUARD_H

#include "peer_networks.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Adds a comma-separated CIDR list; 0, or -1 with err. */
int load_guard_allow(const char *cidrs, char *err, size_t err_size);

/* The allowed networks, for the transport configuration. */
const sfu_peer_networks_t *load_guard_networks(void);

/*
 * Whether url is http(s)/ws(s) to an allowed IP literal; its host goes
 * into host (for load_guard_local_address).  false with err otherwise.
 */
bool load_guard_url(const char *url, char *host, size_t host_size, char *err,
                    size_t err_size);

/*
 * The local address to gather ICE candidates on for talking to host:
 * 127.0.0.1 for a loopback host, else the source address the kernel's
 * route to host picks.  0, or -1 with err.
 */
int load_guard_local_address(const char *host, char *out, size_t size,
                             char *err, size_t err_size);

/*
 * Reads "IPv4:PORT" or "[IPv6]:PORT" into addr and len, the address an IP
 * literal inside the allowed networks and the port 1..65535 (0 too when
 * any_port: the kernel picks one on bind).  0, or -1 with err.
 */
int load_guard_endpoint(const char *text, bool any_port,
                        struct sockaddr_storage *addr, socklen_t *len,
                        char *err, size_t err_size);

#endif
