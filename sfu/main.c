/*
 * main: the sfu-worker command line, signals and the GLib main loop.
 */

#include "log.h"
#include "proto.h"
#include "server.h"

#include <getopt.h>
#include <glib.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: sfu-worker --listen PATH [--id N] [--log-level LEVEL] "
    "[--mode OCTAL]\n"
    "  --listen PATH      Unix stream socket the nginx module connects to\n"
    "  --id N             worker number, reported in hello and log lines "
    "(default 0)\n"
    "  --log-level LEVEL  error, warn, info (default) or debug\n"
    "  --mode OCTAL       permissions of the socket file, e.g. 0660\n";

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

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        { "listen", required_argument, NULL, 'l' },
        { "id", required_argument, NULL, 'i' },
        { "log-level", required_argument, NULL, 'v' },
        { "mode", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *path = NULL;
    sfu_log_level_t level = SFU_LOG_INFO;
    long id = 0, mode = -1;
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

    loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_unix_signal_add(SIGINT, on_signal, loop);

    server = sfu_server_start(path, (int) mode, (unsigned) id);
    if (server == NULL) {
        g_main_loop_unref(loop);
        return 1;
    }

    sfu_log_info("sfu-worker %s started, pid %d", SFU_WORKER_VERSION,
                 (int) getpid());

    g_main_loop_run(loop);

    sfu_log_info("shutting down");
    sfu_server_stop(server);
    g_main_loop_unref(loop);

    return 0;
}
