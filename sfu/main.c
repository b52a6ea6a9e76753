/*
 * main: the sfu-worker command line, signals and the GLib main loop.
 */

#include "log.h"
#include "proto.h"
#include "room.h"
#include "server.h"
#include "transport.h"

#include <getopt.h>
#include <glib.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ICE_IPS 16

static const char usage[] =
    "usage: sfu-worker --listen PATH [--id N] [--log-level LEVEL] "
    "[--mode OCTAL]\n"
    "                  [--ice-ip IP]... [--ice-announce IP] "
    "[--ice-ports MIN-MAX]\n"
    "                  [--ice-tcp] [--no-ice-udp] [--srtp PROFILE]\n"
    "  --listen PATH       Unix stream socket the nginx module connects to\n"
    "  --id N              worker number, reported in hello and log lines "
    "(default 0)\n"
    "  --log-level LEVEL   error, warn, info (default) or debug\n"
    "  --mode OCTAL        permissions of the socket file, e.g. 0660\n"
    "  --ice-ip IP         gather media candidates on this address only; "
    "repeatable\n"
    "                      (default: every interface address)\n"
    "  --ice-announce IP   write IP in host candidates instead of the bound "
    "one (1:1 NAT)\n"
    "  --ice-ports MIN-MAX UDP/TCP ports of media candidates "
    "(default: any)\n"
    "  --ice-tcp           also gather ICE-TCP passive candidates\n"
    "  --no-ice-udp        no UDP candidates (with --ice-tcp)\n"
    "  --srtp PROFILE      gcm or aes-cm: only that DTLS-SRTP profile "
    "(default: both, GCM first)\n";

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

/* "MIN-MAX", both 1..65535, MIN <= MAX. */
static int
parse_ports(const char *arg, sfu_transport_config_t *cfg)
{
    unsigned min, max;
    int end = 0;

    if (sscanf(arg, "%5u-%5u%n", &min, &max, &end) != 2
        || arg[end] != '\0' || min == 0 || max > 65535 || min > max)
    {
        return -1;
    }
    cfg->port_min = (uint16_t) min;
    cfg->port_max = (uint16_t) max;
    return 0;
}

static int
parse_srtp(const char *arg, sfu_transport_config_t *cfg)
{
    if (strcmp(arg, "gcm") == 0) {
        cfg->srtp_only = SFU_SRTP_AEAD_AES_128_GCM;
    } else if (strcmp(arg, "aes-cm") == 0) {
        cfg->srtp_only = SFU_SRTP_AES128_CM_SHA1_80;
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
        { "ice-ip", required_argument, NULL, 'I' },
        { "ice-announce", required_argument, NULL, 'A' },
        { "ice-ports", required_argument, NULL, 'P' },
        { "ice-tcp", no_argument, NULL, 'T' },
        { "no-ice-udp", no_argument, NULL, 'U' },
        { "srtp", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    static const char *ice_ips[MAX_ICE_IPS + 1];
    static sfu_transport_config_t media = { .udp = true };
    const char *path = NULL;
    sfu_log_level_t level = SFU_LOG_INFO;
    long id = 0, mode = -1;
    unsigned nips = 0;
    sfu_server_t *server;
    GMainLoop *loop;
    int opt;

    while ((opt = getopt_long(argc, argv, "l:i:v:m:h", options, NULL)) != -1) {
        switch (opt) {
        case 'I':
            if (nips == MAX_ICE_IPS) {
                fprintf(stderr, "sfu-worker: at most %d --ice-ip\n",
                        MAX_ICE_IPS);
                return 2;
            }
            ice_ips[nips++] = optarg;
            media.listen = ice_ips;
            break;
        case 'A':
            media.announce = optarg;
            break;
        case 'P':
            if (parse_ports(optarg, &media) != 0) {
                fprintf(stderr, "sfu-worker: --ice-ports wants MIN-MAX "
                        "within 1-65535, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'T':
            media.tcp = true;
            break;
        case 'U':
            media.udp = false;
            break;
        case 'S':
            if (parse_srtp(optarg, &media) != 0) {
                fprintf(stderr, "sfu-worker: --srtp wants gcm or aes-cm, "
                        "not \"%s\"\n", optarg);
                return 2;
            }
            break;
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

    sfu_log_init(level, (unsigned) id);
    signal(SIGPIPE, SIG_IGN);

    if (sfu_transport_global_init(&media) != 0) {
        return 2;
    }

    loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_unix_signal_add(SIGINT, on_signal, loop);

    server = sfu_server_start(path, (int) mode, (unsigned) id);
    if (server == NULL) {
        g_main_loop_unref(loop);
        sfu_transport_global_cleanup();
        return 1;
    }

    sfu_log_info("sfu-worker %s started, pid %d", SFU_WORKER_VERSION,
                 (int) getpid());

    g_main_loop_run(loop);

    sfu_log_info("shutting down");
    sfu_rooms_shutdown();
    sfu_server_stop(server);
    sfu_transport_global_cleanup();
    g_main_loop_unref(loop);

    return 0;
}
