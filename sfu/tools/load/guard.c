/*
 * guard: the networks of guard.h.
 */

#include "guard.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
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
