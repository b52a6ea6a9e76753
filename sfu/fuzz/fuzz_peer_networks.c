/*
 * Parses arbitrary text as a --rtc-peer-networks list.  A list that
 * parses must keep at most SFU_PEER_NETWORKS_MAX networks with prefixes
 * in range, and each network's own address must be allowed by the list.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peer_networks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sfu_peer_networks_t nets = { 0 };
    char err[128], ip[INET6_ADDRSTRLEN];
    char *text = malloc(size + 1);

    memcpy(text, data, size);
    text[size] = '\0';
    if (sfu_peer_networks_parse(&nets, text, err, sizeof(err)) == 0) {
        if (nets.n == 0 || nets.n > SFU_PEER_NETWORKS_MAX) {
            abort();
        }
        for (size_t i = 0; i < nets.n; i++) {
            const sfu_network_t *n = &nets.net[i];

            if (n->prefix > (n->family == AF_INET ? 32u : 128u)
                || inet_ntop(n->family, n->addr, ip, sizeof(ip)) == NULL
                || !sfu_peer_networks_allow(&nets, ip))
            {
                abort();
            }
        }
    } else if (nets.n != 0 || err[0] == '\0') {
        abort();
    }
    free(text);
    return 0;
}
