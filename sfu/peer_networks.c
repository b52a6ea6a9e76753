/*
 * peer_networks: the remote networks ICE may talk to (--rtc-peer-networks).
 *
 * Refusing remote candidates outside the list is not enough: libnice
 * answers a connectivity check from any source and then checks that
 * source back as a peer-reflexive candidate.  So the same list also
 * becomes a classic BPF socket filter on every ICE socket, which drops
 * what comes from elsewhere in the kernel.
 */

#include "peer_networks.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The longest token: an IPv6 literal, "/", three digits. */
#define TOKEN_MAX (INET6_ADDRSTRLEN + 4)

static const uint8_t v4_mapped_prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static void
clear_host_bits(sfu_network_t *n)
{
    size_t len = n->family == AF_INET ? 4 : 16;

    for (size_t i = 0; i < len; i++) {
        unsigned bits = n->prefix > 8 * i ? n->prefix - 8 * (unsigned) i : 0;

        if (bits < 8) {
            n->addr[i] &= (uint8_t) (0xff00u >> bits);
        }
    }
}

static int
parse_token(const char *tok, sfu_network_t *n)
{
    char ip[TOKEN_MAX + 1];
    const char *slash = strchr(tok, '/');
    size_t iplen = slash != NULL ? (size_t) (slash - tok) : strlen(tok);
    unsigned max;

    if (iplen == 0 || iplen > TOKEN_MAX) {
        return -1;
    }
    memcpy(ip, tok, iplen);
    ip[iplen] = '\0';
    memset(n, 0, sizeof(*n));
    if (inet_pton(AF_INET, ip, n->addr) == 1) {
        n->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, ip, n->addr) == 1) {
        n->family = AF_INET6;
        max = 128;
    } else {
        return -1;
    }

    n->prefix = max;
    if (slash != NULL) {
        const char *d = slash + 1;
        unsigned long v;
        char *end;

        if (*d < '0' || *d > '9' || strlen(d) > 3) {
            return -1;
        }
        v = strtoul(d, &end, 10);
        if (*end != '\0' || v > max) {
            return -1;
        }
        n->prefix = (unsigned) v;
    }

    /* ::ffff:a.b.c.d/96+n is IPv4's a.b.c.d/n: packets arrive as IPv4 */
    if (n->family == AF_INET6 && n->prefix >= 96
        && memcmp(n->addr, v4_mapped_prefix, 12) == 0)
    {
        memmove(n->addr, n->addr + 12, 4);
        memset(n->addr + 4, 0, 12);
        n->family = AF_INET;
        n->prefix -= 96;
    }
    clear_host_bits(n);
    return 0;
}

int
sfu_peer_networks_parse(sfu_peer_networks_t *nets, const char *list,
                        char *err, size_t err_size)
{
    sfu_peer_networks_t out = *nets;
    const char *p = list;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t) (comma - p) : strlen(p);
        char tok[TOKEN_MAX + 2];

        if (len == 0 || len > TOKEN_MAX) {
            snprintf(err, err_size, "empty or overlong network in \"%s\"",
                     list);
            return -1;
        }
        if (out.n == SFU_PEER_NETWORKS_MAX) {
            snprintf(err, err_size, "more than %d networks",
                     SFU_PEER_NETWORKS_MAX);
            return -1;
        }
        memcpy(tok, p, len);
        tok[len] = '\0';
        if (parse_token(tok, &out.net[out.n]) != 0) {
            snprintf(err, err_size, "\"%s\" is not an IP address or "
                     "IP/prefix-length", tok);
            return -1;
        }
        out.n++;
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    *nets = out;
    return 0;
}

static bool
in_network(const sfu_network_t *n, const uint8_t *addr)
{
    unsigned whole = n->prefix / 8, rest = n->prefix % 8;

    if (memcmp(n->addr, addr, whole) != 0) {
        return false;
    }
    return rest == 0
           || ((addr[whole] ^ n->addr[whole]) & (uint8_t) (0xff00u >> rest))
              == 0;
}

bool
sfu_peer_networks_allow(const sfu_peer_networks_t *nets, const char *ip)
{
    uint8_t addr[16];
    const uint8_t *a = addr;
    int family;

    if (inet_pton(AF_INET, ip, addr) == 1) {
        family = AF_INET;
    } else if (inet_pton(AF_INET6, ip, addr) == 1) {
        family = AF_INET6;
        if (memcmp(addr, v4_mapped_prefix, 12) == 0) {
            family = AF_INET;
            a = addr + 12;
        }
    } else {
        return false;
    }
    if (nets == NULL || nets->n == 0) {
        return true;
    }
    for (size_t i = 0; i < nets->n; i++) {
        if (nets->net[i].family == family && in_network(&nets->net[i], a)) {
            return true;
        }
    }
    return false;
}

/*
 * The filter: the IP version from the network header picks a section;
 * each network of that family is a block of (load 32 bits of the source
 * address, mask, compare) per word its prefix covers, then "accept"; a
 * mismatch jumps to the next block; past the last block, "drop".
 *
 * Each block is at most 13 instructions, so the 8-bit jump offsets
 * always suffice; the two sections are reached with 32-bit jumps.
 */

#define NET_OFF(off) ((uint32_t) (SKF_NET_OFF + (off)))
#define FILTER_MAX (5 + 2 * (SFU_PEER_NETWORKS_MAX * 13 + 1))

static size_t
emit_section(const sfu_peer_networks_t *nets, int family,
             struct sock_filter *prog, size_t at)
{
    uint32_t src = family == AF_INET ? 12 : 8;

    for (size_t i = 0; i < nets->n; i++) {
        const sfu_network_t *n = &nets->net[i];
        unsigned words = (n->prefix + 31) / 32;

        if (n->family != family) {
            continue;
        }
        for (unsigned w = 0; w < words; w++) {
            unsigned bits = n->prefix - 32 * w < 32 ? n->prefix - 32 * w : 32;
            uint32_t mask = 0xffffffffu << (32 - bits);
            uint32_t word = ((uint32_t) n->addr[4 * w] << 24)
                            | ((uint32_t) n->addr[4 * w + 1] << 16)
                            | ((uint32_t) n->addr[4 * w + 2] << 8)
                            | n->addr[4 * w + 3];

            prog[at++] = (struct sock_filter)
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NET_OFF(src + 4 * w));
            prog[at++] = (struct sock_filter)
                BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask);
            /* on a mismatch skip this block's remaining words and its accept */
            prog[at++] = (struct sock_filter)
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, word & mask, 0,
                         (uint8_t) (3 * (words - w - 1) + 1));
        }
        prog[at++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);
    }
    prog[at++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0);
    return at;
}

int
sfu_peer_networks_attach(const sfu_peer_networks_t *nets, int fd)
{
    struct sock_filter prog[FILTER_MAX];
    struct sock_fprog fprog;
    size_t n = 0, v4, v6;

    if (nets == NULL || nets->n == 0) {
        return 0;
    }
    prog[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NET_OFF(0));
    prog[n++] = (struct sock_filter) BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4);
    prog[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 1, 0);
    n += 2;                       /* the two jumps, once the targets are known */
    v4 = n;
    n = emit_section(nets, AF_INET, prog, n);
    v6 = n;
    n = emit_section(nets, AF_INET6, prog, n);
    prog[3] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA, (uint32_t) (v4 - 4), 0, 0);
    prog[4] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA, (uint32_t) (v6 - 5), 0, 0);

    fprog.len = (unsigned short) n;
    fprog.filter = prog;
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog));
}
