/*
 * main: the sfu-worker command line, signals and the GLib main loop.
 */

#include "heap.h"
#include "log.h"
#include "proto.h"
#include "room.h"
#include "server.h"
#include "transport.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <glib.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char usage[] =
    "usage: sfu-worker --listen PATH [--id N] [--log-level LEVEL] "
    "[--mode OCTAL]\n"
    "                  [--rtc-ports MIN-MAX] [--rtc-listen IP]... "
    "[--rtc-announce IP]\n"
    "                  [--rtc-peer-networks CIDR,...]... "
    "[--no-ice-udp | --no-ice-tcp]\n"
    "                  [--rtc-udp-port PORT] [--srtp-only PROFILE]\n"
    "  --listen PATH        Unix stream socket the nginx module connects to\n"
    "  --id N               worker number, reported in hello and log lines "
    "(default 0)\n"
    "  --log-level LEVEL    error, warn, info (default) or debug\n"
    "  --mode OCTAL         permissions of the socket file, e.g. 0660\n"
    "  --rtc-ports MIN-MAX  UDP and TCP ports of the ICE host candidates "
    "(default: any)\n"
    "  --rtc-listen IP      gather ICE candidates on this address; repeatable "
    "(default:\n"
    "                       every interface address but loopback)\n"
    "  --rtc-announce IP    address written in host candidates instead of "
    "the bound\n"
    "                       one, for a 1:1 NAT (default: the bound one)\n"
    "  --rtc-peer-networks CIDR,...\n"
    "                       the only remote addresses ICE talks to, e.g.\n"
    "                       10.0.0.0/8,2001:db8::/32; repeatable; other "
    "candidates are\n"
    "                       refused, packets from elsewhere dropped "
    "(default: any)\n"
    "  --no-ice-udp         no UDP candidates (ICE-TCP only)\n"
    "  --no-ice-tcp         no ICE-TCP candidates (UDP only)\n"
    "  --rtc-udp-port PORT  every peer connection's ICE on this one UDP port "
    "per listen\n"
    "                       address, and ICE-TCP on the same TCP port (one "
    "host\n"
    "                       candidate of each; no libnice; --rtc-ports "
    "unused)\n"
    "                       (default: a port per peer connection)\n"
    "  --srtp-only PROFILE  AES_CM_128_HMAC_SHA1_80 or AEAD_AES_128_GCM "
    "(default: both,\n"
    "                       GCM preferred)\n";

/* --rtc-listen addresses, NULL-ended (libnice takes up to 64). */
#define MAX_RTC_LISTEN 64

static gboolean
on_signal(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_CONTINUE;
}

static int
parse_number(const char *arg, int base, long max, long *out)
{
    char *end;
    long v;

    v = strtol(arg, &end, base);
    if (*arg == '\0' || *end != '\0' || v < 0 || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

static bool
is_ip_literal(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* "MIN-MAX", 1 <= MIN <= MAX <= 65535 */
static int
parse_port_range(const char *arg, sfu_transport_config_t *cfg)
{
    const char *dash = strchr(arg, '-');
    char min[8];
    long lo, hi;

    if (dash == NULL || (size_t) (dash - arg) >= sizeof(min)) {
        return -1;
    }
    memcpy(min, arg, (size_t) (dash - arg));
    min[dash - arg] = '\0';
    if (parse_number(min, 10, 65535, &lo) != 0
        || parse_number(dash + 1, 10, 65535, &hi) != 0 || lo == 0 || lo > hi)
    {
        return -1;
    }
    cfg->port_min = (uint16_t) lo;
    cfg->port_max = (uint16_t) hi;
    return 0;
}

static int
parse_srtp_profile(const char *arg, sfu_srtp_profile_t *out)
{
    if (strcasecmp(arg, "AES_CM_128_HMAC_SHA1_80") == 0) {
        *out = SFU_SRTP_AES128_CM_SHA1_80;
    } else if (strcasecmp(arg, "AEAD_AES_128_GCM") == 0) {
        *out = SFU_SRTP_AEAD_AES_128_GCM;
    } else {
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        { "listen", required_argument, NULL, 'l' },
        { "id", required_argument, NULL, 'i' },
        { "log-level", required_argument, NULL, 'v' },
        { "mode", required_argument, NULL, 'm' },
        { "rtc-ports", required_argument, NULL, 'P' },
        { "rtc-listen", required_argument, NULL, 'L' },
        { "rtc-announce", required_argument, NULL, 'A' },
        { "rtc-peer-networks", required_argument, NULL, 'N' },
        { "no-ice-udp", no_argument, NULL, 'U' },
        { "no-ice-tcp", no_argument, NULL, 'T' },
        { "rtc-udp-port", required_argument, NULL, 'u' },
        { "srtp-only", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *path = NULL;
    sfu_log_level_t level = SFU_LOG_INFO;
    long id = 0, mode = -1, udp_port;
    static const char *rtc_listen[MAX_RTC_LISTEN + 1];
    size_t n_listen = 0;
    static sfu_peer_networks_t peer_networks;
    char why[128];
    sfu_transport_config_t rtc = { .udp = true, .tcp = true };
    sfu_server_t *server;
    GMainLoop *loop;
    int opt;

    while ((opt = getopt_long(argc, argv, "l:i:v:m:h", options, NULL)) != -1) {
        switch (opt) {
        case 'l':
            path = optarg;
            break;
        case 'i':
            if (parse_number(optarg, 10, 65535, &id) != 0) {
                fprintf(stderr, "sfu-worker: --id wants 0..65535, not "
                        "\"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'v':
            if (sfu_log_parse_level(optarg, &level) != 0) {
                fprintf(stderr, "sfu-worker: unknown log level \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 'm':
            if (parse_number(optarg, 8, 0777, &mode) != 0) {
                fprintf(stderr, "sfu-worker: --mode wants octal "
                        "permissions such as 0660, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'P':
            if (parse_port_range(optarg, &rtc) != 0) {
                fprintf(stderr, "sfu-worker: --rtc-ports wants MIN-MAX within "
                        "1-65535, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'L':
        case 'A':
            if (!is_ip_literal(optarg)) {
                fprintf(stderr, "sfu-worker: --rtc-%s wants an IPv4 or IPv6 "
                        "address, not \"%s\"\n",
                        opt == 'L' ? "listen" : "announce", optarg);
                return 2;
            }
            if (opt == 'A') {
                rtc.announce = optarg;
            } else if (n_listen == MAX_RTC_LISTEN) {
                fprintf(stderr, "sfu-worker: at most %d --rtc-listen\n",
                        MAX_RTC_LISTEN);
                return 2;
            } else {
                rtc_listen[n_listen++] = optarg;
                rtc.listen = rtc_listen;
            }
            break;
        case 'N':
            if (sfu_peer_networks_parse(&peer_networks, optarg, why,
                                        sizeof(why)) != 0)
            {
                fprintf(stderr, "sfu-worker: --rtc-peer-networks: %s\n", why);
                return 2;
            }
            rtc.peer_networks = &peer_networks;
            break;
        case 'U':
            rtc.udp = false;
            break;
        case 'T':
            rtc.tcp = false;
            break;
        case 'u':
            if (parse_number(optarg, 10, 65535, &udp_port) != 0
                || udp_port == 0)
            {
                fprintf(stderr, "sfu-worker: --rtc-udp-port wants 1-65535, "
                        "not \"%s\"\n", optarg);
                return 2;
            }
            rtc.udp_port = (uint16_t) udp_port;
            break;
        case 'S':
            if (parse_srtp_profile(optarg, &rtc.srtp_only) != 0) {
                fprintf(stderr, "sfu-worker: --srtp-only wants "
                        "AES_CM_128_HMAC_SHA1_80 or AEAD_AES_128_GCM, not "
                        "\"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }

    if (path == NULL || optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    if (!rtc.udp && !rtc.tcp) {
        fputs("sfu-worker: --no-ice-udp and --no-ice-tcp leave no way to "
              "reach the worker\n", stderr);
        return 2;
    }
    if (rtc.udp_port != 0 && !rtc.udp) {
        fputs("sfu-worker: --rtc-udp-port serves UDP: not with "
              "--no-ice-udp\n", stderr);
        return 2;
    }

    sfu_log_init(level, (unsigned) id);
    sfu_heap_init();
    signal(SIGPIPE, SIG_IGN);

    loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_unix_signal_add(SIGINT, on_signal, loop);

    if (sfu_transport_global_init(&rtc) != 0) {
        g_main_loop_unref(loop);
        return 1;
    }

    server = sfu_server_start(path, (int) mode, (unsigned) id);
    if (server == NULL) {
        sfu_transport_global_cleanup();
        g_main_loop_unref(loop);
        return 1;
    }

    sfu_log_info("sfu-worker %s started, pid %d", SFU_WORKER_VERSION,
                 (int) getpid());

    g_main_loop_run(loop);

    sfu_log_info("shutting down");
    sfu_rooms_shutdown();
    sfu_heap_shutdown();
    sfu_server_stop(server);
    sfu_transport_global_cleanup();
    g_main_loop_unref(loop);

    return 0;
}
