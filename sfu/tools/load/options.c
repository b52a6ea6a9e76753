/*
 * options: parsing and checking sfu-load's command line.
 */

#include "options.h"

#include "guard.h"
#include "pacer.h"
#include "log.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
load_options_usage(FILE *out)
{
    fprintf(out,
"usage: sfu-load --url URL [--target NAME] [--api-key KEY] [options]\n"
"\n"
"Simulates rooms of WebRTC participants against an SFU over real ICE,\n"
"DTLS-SRTP and the SFU's signaling; every publisher sends Opus and VP8,\n"
"every participant receives everyone else; measures loss, latency, jitter,\n"
"join time and the SFU's CPU and memory.  Stops by itself.\n"
"\n"
"target\n"
"  --target NAME         the SFU's signaling:");
    for (size_t i = 0; load_backends[i] != NULL; i++) {
        fprintf(out, " %s", load_backends[i]->name);
    }
    fprintf(out, " (default ngx-sfu)\n"
"  --url URL             its HTTP base: http://IP:PORT (ngx-sfu),\n"
"                        http://IP:PORT/janus (Janus); IP literal only\n"
"  --api-key KEY         ngx-sfu's API key (default: $SFU_LOAD_API_KEY)\n"
"  --allow-netns CIDR    also allow these networks (comma-separated): only\n"
"                        addresses inside network namespaces you made;\n"
"                        without it, only 127.0.0.0/8 and ::1\n"
"  --local-address IP    gather ICE candidates here (default: 127.0.0.1\n"
"                        for a loopback target, else the route's source)\n"
"\n"
"load\n"
"  --rooms R             rooms (default 1)\n"
"  --participants P      participants per room (default 2)\n"
"  --publishers N        of them publishing, per room (default all)\n"
"  --audio-only          publish Opus only\n"
"  --simulcast           publish VP8 as three rid layers (h, m, l)\n"
"  --video-kbps K        VP8 bitrate (top layer), default 1500\n"
"  --pacing F            send video at most F times its bitrate, packet by\n"
"                        packet, as a browser's pacer does (default 2.5);\n"
"                        0: each frame's packets at once\n"
"  --join-concurrency N  participants joining at once (default 16)\n"
"\n"
"timing\n"
"  --duration S          measured window, seconds (default 10)\n"
"  --warmup S            after every stream flows, before measuring (default 2)\n"
"  --join-timeout S      how long joins of a step may take (default 30)\n"
"  --max-time S          hard stop of the whole run (default: what the run\n"
"                        needs plus 60 s; 900 with --ramp)\n"
"\n"
"ramp\n"
"  --ramp                add load step by step until loss passes the limit\n"
"  --ramp-step N         rooms per step; subscribers per step when there is\n"
"                        one room with one publisher (default: --rooms, or 10)\n"
"  --ramp-max N          never go past this many participants (default 300)\n"
"  --loss-limit PCT      loss that ends the ramp (default 1)\n"
"\n"
"output\n"
"  --sfu-pid PID         measure this SFU process's CPU and RSS (repeatable:\n"
"                        each, and summed)\n"
"  --json FILE           write the results as JSON\n"
"  --per-stream          also every stream (publisher -> subscriber): packets,\n"
"                        loss, latency, jitter (table and JSON)\n"
"  --quiet               no progress lines on stderr\n"
"  --log-level LEVEL     error, warn (default), info, debug\n"
"  --help\n");
}

static int
usage_error(const char *fmt, const char *opt, const char *arg)
{
    fprintf(stderr, "sfu-load: ");
    fprintf(stderr, fmt, opt, arg);
    fprintf(stderr, "\n(sfu-load --help for usage)\n");
    return 2;
}

static bool
parse_uint(const char *arg, unsigned min, unsigned max, unsigned *out)
{
    char          *end;
    unsigned long  v;

    errno = 0;
    v = strtoul(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-'
        || v < min || v > max)
    {
        return false;
    }
    *out = (unsigned) v;
    return true;
}

static bool
parse_double(const char *arg, double min, double max, double *out)
{
    char   *end;
    double  v;

    errno = 0;
    v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || !isfinite(v)
        || v < min || v > max)
    {
        return false;
    }
    *out = v;
    return true;
}

enum {
    OPT_TARGET = 256, OPT_URL, OPT_API_KEY, OPT_ALLOW_NETNS, OPT_LOCAL,
    OPT_ROOMS, OPT_PARTICIPANTS, OPT_PUBLISHERS, OPT_AUDIO_ONLY,
    OPT_SIMULCAST, OPT_VIDEO_KBPS, OPT_PACING, OPT_JOIN_CONCURRENCY, OPT_DURATION,
    OPT_WARMUP, OPT_JOIN_TIMEOUT, OPT_MAX_TIME, OPT_RAMP, OPT_RAMP_STEP,
    OPT_RAMP_MAX, OPT_LOSS_LIMIT, OPT_SFU_PID, OPT_JSON, OPT_QUIET,
    OPT_PER_STREAM,
    OPT_LOG_LEVEL, OPT_HELP,
};

static const struct option long_options[] = {
    { "target", required_argument, NULL, OPT_TARGET },
    { "url", required_argument, NULL, OPT_URL },
    { "api-key", required_argument, NULL, OPT_API_KEY },
    { "allow-netns", required_argument, NULL, OPT_ALLOW_NETNS },
    { "local-address", required_argument, NULL, OPT_LOCAL },
    { "rooms", required_argument, NULL, OPT_ROOMS },
    { "participants", required_argument, NULL, OPT_PARTICIPANTS },
    { "publishers", required_argument, NULL, OPT_PUBLISHERS },
    { "audio-only", no_argument, NULL, OPT_AUDIO_ONLY },
    { "simulcast", no_argument, NULL, OPT_SIMULCAST },
    { "video-kbps", required_argument, NULL, OPT_VIDEO_KBPS },
    { "pacing", required_argument, NULL, OPT_PACING },
    { "join-concurrency", required_argument, NULL, OPT_JOIN_CONCURRENCY },
    { "duration", required_argument, NULL, OPT_DURATION },
    { "warmup", required_argument, NULL, OPT_WARMUP },
    { "join-timeout", required_argument, NULL, OPT_JOIN_TIMEOUT },
    { "max-time", required_argument, NULL, OPT_MAX_TIME },
    { "ramp", no_argument, NULL, OPT_RAMP },
    { "ramp-step", required_argument, NULL, OPT_RAMP_STEP },
    { "ramp-max", required_argument, NULL, OPT_RAMP_MAX },
    { "loss-limit", required_argument, NULL, OPT_LOSS_LIMIT },
    { "sfu-pid", required_argument, NULL, OPT_SFU_PID },
    { "json", required_argument, NULL, OPT_JSON },
    { "quiet", no_argument, NULL, OPT_QUIET },
    { "per-stream", no_argument, NULL, OPT_PER_STREAM },
    { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

/* The numeric options: where each goes, whether it is a whole number (unsigned) or a double, and its range. */
typedef struct {
    int       opt;
    size_t    offset;
    bool      whole;
    double    min, max;
} numeric_option_t;

static const numeric_option_t numeric_options[] = {
    { OPT_ROOMS, offsetof(load_options_t, rooms), true, 1, 1000 },
    { OPT_PARTICIPANTS, offsetof(load_options_t, participants), true, 1, 1000 },
    { OPT_PUBLISHERS, offsetof(load_options_t, publishers), true, 0, 1000 },
    { OPT_VIDEO_KBPS, offsetof(load_options_t, video_kbps), true, 30, 20000 },
    { OPT_JOIN_CONCURRENCY, offsetof(load_options_t, join_concurrency), true, 1, 256 },
    { OPT_RAMP_STEP, offsetof(load_options_t, ramp_step), true, 1, 1000 },
    { OPT_RAMP_MAX, offsetof(load_options_t, ramp_max), true, 1, 5000 },
    { OPT_PACING, offsetof(load_options_t, pacing), false, 0, 100 },
    { OPT_DURATION, offsetof(load_options_t, duration_s), false, 0.5, 3600 },
    { OPT_WARMUP, offsetof(load_options_t, warmup_s), false, 0, 600 },
    { OPT_JOIN_TIMEOUT, offsetof(load_options_t, join_timeout_s), false, 1, 600 },
    { OPT_MAX_TIME, offsetof(load_options_t, max_time_s), false, 1, 86400 },
    { OPT_LOSS_LIMIT, offsetof(load_options_t, loss_limit_pct), false, 0, 100 },
};

static const char *
option_name(int opt)
{
    for (const struct option *o = long_options; o->name != NULL; o++) {
        if (o->val == opt) {
            return o->name;
        }
    }
    return "?";
}

/* A numeric option: 1 taken, 0 not numeric, 2 bad value (printed). */
static int
numeric_option(load_options_t *o, int opt, const char *arg)
{
    char buf[128];

    for (size_t i = 0; i < sizeof(numeric_options) / sizeof(numeric_options[0]); i++) {
        const numeric_option_t *n = &numeric_options[i];
        void                   *field = (char *) o + n->offset;

        if (n->opt != opt) {
            continue;
        }
        if (n->whole
            ? parse_uint(arg, (unsigned) n->min, (unsigned) n->max, field)
            : parse_double(arg, n->min, n->max, field))
        {
            return 1;
        }
        if (n->whole) {
            snprintf(buf, sizeof(buf), "--%%s: expected a whole number "
                     "from %u to %u, got \"%%s\"", (unsigned) n->min,
                     (unsigned) n->max);
        } else {
            snprintf(buf, sizeof(buf), "--%%s: expected a number from %g "
                     "to %g, got \"%%s\"", n->min, n->max);
        }
        return usage_error(buf, option_name(opt), arg);
    }
    return 0;
}

static const load_signal_backend_t *
find_backend(const char *name)
{
    for (size_t i = 0; load_backends[i] != NULL; i++) {
        if (strcmp(load_backends[i]->name, name) == 0) {
            return load_backends[i];
        }
    }
    return NULL;
}

static int
check(load_options_t *o, bool publishers_given)
{
    char err[256], host[64];

    if (o->target.url == NULL) {
        return usage_error("%s%s: the SFU's URL is required", "--url", "");
    }
    if (!load_guard_url(o->target.url, host, sizeof(host), err, sizeof(err))) {
        return usage_error("--url: %s%s", err, "");
    }
    if (o->local_address == NULL) {
        if (load_guard_local_address(host, o->derived_address,
                                     sizeof(o->derived_address), err,
                                     sizeof(err)) != 0)
        {
            return usage_error("--url: %s%s", err, "");
        }
        o->local_address = o->derived_address;
    } else if (!sfu_peer_networks_allow(load_guard_networks(), o->local_address)) {
        return usage_error("--local-address: %s is not on loopback or in "
                           "--allow-netns%s", o->local_address, "");
    }
    if (strcmp(o->backend->name, "ngx-sfu") == 0 && o->target.api_key == NULL) {
        return usage_error("%s: ngx-sfu needs the API key (or "
                           "$SFU_LOAD_API_KEY)%s", "--api-key", "");
    }
    if (!publishers_given) {
        o->publishers = o->participants;
    } else if (o->publishers > o->participants) {
        return usage_error("--publishers: %s is more than --participants%s",
                           "the number", "");
    }
    if (o->pacing > 0 && o->pacing < 1) {
        char got[32];

        /* below the bitrate, the pacer's queue would only grow */
        snprintf(got, sizeof(got), "%g", o->pacing);
        return usage_error("--pacing: expected 0 (no pacing) or a factor of "
                           "at least 1, got %s%s", got, "");
    }
    if (o->audio_only && o->simulcast) {
        return usage_error("%s and %s cannot go together", "--audio-only",
                           "--simulcast");
    }
    if (o->ramp_step == 0) {
        o->ramp_step = o->rooms == 1 && o->publishers == 1 ? 10 : o->rooms;
    }
    if (o->max_time_s == 0) {
        o->max_time_s = o->ramp ? 900
                        : o->join_timeout_s + o->warmup_s + o->duration_s + 60;
    }
    return 0;
}

int
load_options_parse(load_options_t *o, int argc, char **argv)
{
    bool publishers_given = false;
    char err[256];
    int  opt, r;

    memset(o, 0, sizeof(*o));
    o->backend = load_backends[0];
    o->target.api_key = getenv("SFU_LOAD_API_KEY");
    o->rooms = 1;
    o->participants = 2;
    o->video_kbps = 1500;
    o->pacing = LOAD_PACER_FACTOR;
    o->duration_s = 10;
    o->warmup_s = 2;
    o->join_timeout_s = 30;
    o->join_concurrency = 16;
    o->ramp_max = 300;
    o->loss_limit_pct = 1;
    o->log_level = SFU_LOG_WARN;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        r = numeric_option(o, opt, optarg);
        if (r == 2) {
            return 2;
        }
        if (r == 1) {
            if (opt == OPT_PUBLISHERS) {
                publishers_given = true;
            }
            continue;
        }
        switch (opt) {
        case OPT_TARGET:
            o->backend = find_backend(optarg);
            if (o->backend == NULL) {
                return usage_error("--target: no backend \"%s\" in this "
                                   "build%s", optarg, "");
            }
            break;
        case OPT_URL:
            o->target.url = optarg;
            break;
        case OPT_API_KEY:
            o->target.api_key = optarg;
            break;
        case OPT_ALLOW_NETNS:
            if (load_guard_allow(optarg, err, sizeof(err)) != 0) {
                return usage_error("--allow-netns: %s%s", err, "");
            }
            break;
        case OPT_LOCAL:
            o->local_address = optarg;
            break;
        case OPT_AUDIO_ONLY:
            o->audio_only = true;
            break;
        case OPT_SIMULCAST:
            o->simulcast = true;
            break;
        case OPT_RAMP:
            o->ramp = true;
            break;
        case OPT_SFU_PID:
            if (o->n_sfu_pids == LOAD_MAX_SFU_PIDS) {
                return usage_error("%s: at most 16%s", "--sfu-pid", "");
            }
            if (!parse_uint(optarg, 1, 1u << 30,
                            (unsigned *) &o->sfu_pids[o->n_sfu_pids]))
            {
                return usage_error("%s: expected a process id, got \"%s\"",
                                   "--sfu-pid", optarg);
            }
            o->n_sfu_pids++;
            break;
        case OPT_JSON:
            o->json_path = optarg;
            break;
        case OPT_QUIET:
            o->quiet = true;
            break;
        case OPT_PER_STREAM:
            o->per_stream = true;
            break;
        case OPT_LOG_LEVEL: {
            sfu_log_level_t level;

            if (sfu_log_parse_level(optarg, &level) != 0) {
                return usage_error("%s: expected error, warn, info or debug, "
                                   "got \"%s\"", "--log-level", optarg);
            }
            o->log_level = level;
            break;
        }
        case OPT_HELP:
        case 'h':
            load_options_usage(stdout);
            return 1;
        case ':':
            return usage_error("%s needs a value%s", argv[optind - 1], "");
        default:
            return usage_error("unknown option \"%s\"%s", argv[optind - 1], "");
        }
    }
    if (optind < argc) {
        return usage_error("unexpected argument \"%s\"%s", argv[optind], "");
    }
    return check(o, publishers_given);
}
