/*
 * guard: the networks of guard.h.
 */

#include "guard.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static sfu_peer_networks_t allowed;

static void
allow_loopback(void)
{
    char err[128];

    if (allowed.n == 0) {
        sfu_peer_networks_parse(&allowed, "127.0.0.0/8,::1", err, sizeof(err));
    }
}

int
load_guard_allow(const char *cidrs, char *err, size_t err_size)
{
    allow_loopback();
    return sfu_peer_networks_parse(&allowed, cidrs, err, err_size);
}

const sfu_peer_networks_t *
load_guard_networks(void)
{
    allow_loopback();
    return &allowed;
}

bool
load_guard_url(const char *url, char *host, size_t host_size, char *err,
               size_t err_size)
{
    GUri       *uri;
    const char *scheme, *h;
    bool        ok = false;

    allow_loopback();
    uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    if (uri == NULL) {
        snprintf(err, err_size, "\"%s\" is not a URL", url);
        return false;
    }
    scheme = g_uri_get_scheme(uri);
    h = g_uri_get_host(uri);
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0
        && strcmp(scheme, "ws") != 0 && strcmp(scheme, "wss") != 0)
    {
        snprintf(err, err_size, "\"%s\": only http(s) and ws(s) URLs", url);
    } else if (h == NULL || !sfu_peer_networks_allow(&allowed, h)) {
        snprintf(err, err_size,
                 "\"%s\": the host must be an IP address on loopback or in "
                 "a network given with --allow-netns", url);
    } else if (strlen(h) >= host_size) {
        snprintf(err, err_size, "\"%s\": host too long", url);
    } else {
        strcpy(host, h);
        ok = true;
    }
    g_uri_unref(uri);
    return ok;
}

int
load_guard_local_address(const char *host, char *out, size_t size,
                         char *err, size_t err_size)
{
    struct sockaddr_storage ss;
    socklen_t               len = sizeof(ss);
    struct sockaddr_in     *in4 = (struct sockaddr_in *) &ss;
    struct sockaddr_in6    *in6 = (struct sockaddr_in6 *) &ss;
    int                     fd, family;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        if ((ntohl(in4->sin_addr.s_addr) >> 24) == 127) {
            snprintf(out, size, "127.0.0.1");
            return 0;
        }
        family = AF_INET;
        in4->sin_port = htons(9);
        len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        family = AF_INET6;
        in6->sin6_port = htons(9);
        len = sizeof(*in6);
    } else {
        snprintf(err, err_size, "\"%s\" is not an IP address", host);
        return -1;
    }
    ss.ss_family = (sa_family_t) family;
    /* a connected UDP socket sends nothing: it only asks for the route */
    fd = socket(family, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &ss, len) != 0
        || getsockname(fd, (struct sockaddr *) &ss, &len) != 0
        || inet_ntop(family, family == AF_INET ? (void *) &in4->sin_addr
                                               : (void *) &in6->sin6_addr,
                     out, (socklen_t) size) == NULL)
    {
        snprintf(err, err_size, "no route to %s: %m", host);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    close(fd);
    return 0;
}

int
load_guard_endpoint(const char *text, bool any_port,
                    struct sockaddr_storage *addr, socklen_t *len,
                    char *err, size_t err_size)
{
    struct sockaddr_in  *in4 = (struct sockaddr_in *) addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) addr;
    const char          *colon = strrchr(text, ':'), *host = text;
    bool                 bracketed = text[0] == '[';
    char                 ip[INET6_ADDRSTRLEN], *end;
    unsigned long        port;
    size_t               host_len;

    allow_loopback();
    if (colon == NULL) {
        snprintf(err, err_size, "\"%s\": expected ADDRESS:PORT", text);
        return -1;
    }
    host_len = (size_t) (colon - text);
    if (bracketed) {
        if (host_len < 2 || text[host_len - 1] != ']') {
            snprintf(err, err_size, "\"%s\": an IPv6 address goes in "
                     "brackets, [ADDRESS]:PORT", text);
            return -1;
        }
        host++;
        host_len -= 2;
    }
    port = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || port > 65535
        || (port == 0 && !any_port))
    {
        snprintf(err, err_size, "\"%s\": the port must be 1..65535%s", text,
                 any_port ? " or 0" : "");
        return -1;
    }
    memset(addr, 0, sizeof(*addr));
    if (host_len < sizeof(ip)) {
        memcpy(ip, host, host_len);
        ip[host_len] = '\0';
    }
    if (host_len < sizeof(ip) && !bracketed
        && inet_pton(AF_INET, ip, &in4->sin_addr) == 1)
    {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t) port);
        *len = sizeof(*in4);
    } else if (host_len < sizeof(ip) && bracketed
               && inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1)
    {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t) port);
        *len = sizeof(*in6);
    } else {
        snprintf(err, err_size, "\"%s\" is not an IP address and a port",
                 text);
        return -1;
    }
    if (!sfu_peer_networks_allow(&allowed, ip)) {
        snprintf(err, err_size,
                 "\"%s\": the address must be on loopback or in a network "
                 "given with --allow-netns", text);
        return -1;
    }
    return 0;
}
