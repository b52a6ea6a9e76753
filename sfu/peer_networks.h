/*
 * peer_networks: the remote networks ICE may talk to (--rtc-peer-networks).
 * Parses a list of CIDR prefixes, tells whether a remote address is in
 * one, and puts the same rule into the kernel as a socket filter, so that
 * packets from anywhere else (connectivity checks included) are dropped
 * before libnice sees them and never make it answer to their source.
 */

#ifndef SFU_PEER_NETWORKS_H
#define SFU_PEER_NETWORKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SFU_PEER_NETWORKS_MAX 32

typedef struct {
    int      family;              /* AF_INET or AF_INET6 */
    unsigned prefix;              /* 0..32 or 0..128 */
    uint8_t  addr[16];            /* host bits cleared */
} sfu_network_t;

typedef struct {
    size_t        n;
    sfu_network_t net[SFU_PEER_NETWORKS_MAX];
} sfu_peer_networks_t;

/*
 * Adds the comma-separated prefixes of list ("127.0.0.0/8,::1", a bare
 * address is a single host; host bits past the prefix are ignored) to
 * nets.  0, or -1 with nets unchanged and why in err.
 */
int sfu_peer_networks_parse(sfu_peer_networks_t *nets, const char *list,
                            char *err, size_t err_size);

/*
 * Whether ICE may talk to ip (an IPv4 or IPv6 literal; an IPv4-mapped
 * IPv6 address counts as its IPv4 address).  NULL or empty nets allow
 * every address; something that is not an IP literal is never allowed.
 */
bool sfu_peer_networks_allow(const sfu_peer_networks_t *nets, const char *ip);

/*
 * Attaches a socket filter (SO_ATTACH_FILTER) to fd that drops every
 * IPv4 or IPv6 packet whose source is outside nets.  A listening TCP
 * socket's accepted connections inherit it.  0, or -1 with errno.
 */
int sfu_peer_networks_attach(const sfu_peer_networks_t *nets, int fd);

#endif
