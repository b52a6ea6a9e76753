/* sfu-load's command line: defaults, derived values, and the usage
 * errors (exit 2) for values that are out of range or do not go together. */
#include <string.h>

#include "tap.h"
#include "options.h"

static load_options_t o;

/* Parses a NULL-ended argument list after the program name. */
static int
parse(const char *first, ...)
{
    char       *argv[32] = { "sfu-load" };
    int         argc = 1;
    va_list     ap;
    const char *a = first;

    va_start(ap, first);
    while (a != NULL && argc < 31) {
        argv[argc++] = (char *) a;
        a = va_arg(ap, const char *);
    }
    va_end(ap);
    return load_options_parse(&o, argc, argv);
}

#define URL "--url", "http://127.0.0.1:8080", "--api-key", "k"

int
main(void)
{
    is_int(parse(URL, NULL), 0, "a URL and a key are enough");
    is_int(o.rooms, 1, "one room");
    is_int(o.participants, 2, "of two");
    is_int(o.publishers, 2, "all publishing");
    is_int(o.video_kbps, 1500, "VP8 at 1500 kbit/s");
    ok(o.pacing == 2.5, "paced at 2.5 x the bitrate, as WebRTC paces");
    is_str(o.local_address, "127.0.0.1", "gathering on loopback");
    ok(o.max_time_s == 30 + 2 + 10 + 60, "a hard stop past what the run needs");
    is_str(o.backend->name, "ngx-sfu", "ngx-sfu by default");

    is_int(parse(URL, "--rooms", "3", "--participants", "4", "--publishers", "1",
                 "--ramp", NULL), 0, "a ramp of meetings");
    is_int(o.ramp_step, 3, "adds --rooms rooms per step");
    ok(o.max_time_s == 900, "a ramp's hard stop is 900 s");
    is_int(parse(URL, "--participants", "4", "--publishers", "1", "--ramp", NULL), 0,
           "a fan-out ramp");
    is_int(o.ramp_step, 10, "adds 10 subscribers per step");
    is_int(parse(URL, "--sfu-pid", "12", "--sfu-pid", "34", NULL), 0, "two --sfu-pid");
    is_int(o.n_sfu_pids, 2, "both kept");

    is_int(parse(URL, "--participants", "2", "--publishers", "3", NULL), 2,
           "more publishers than participants: usage error");
    is_int(parse(URL, "--audio-only", "--simulcast", NULL), 2,
           "--audio-only with --simulcast: usage error");
    is_int(parse(URL, "--pacing", "0", NULL), 0, "--pacing 0: no pacing");
    ok(o.pacing == 0, "kept");
    is_int(parse(URL, "--pacing", "1", NULL), 0, "--pacing 1: at the bitrate");
    is_int(parse(URL, "--pacing", "0.5", NULL), 2, "--pacing below the bitrate");
    is_int(parse(URL, "--pacing", "-1", NULL), 2, "a negative --pacing");
    is_int(parse(URL, "--pacing", "fast", NULL), 2, "--pacing that is not a number");
    is_int(parse(URL, "--participants", "1001", NULL), 2, "1001 participants: over a room's 1000");
    is_int(parse(URL, "--duration", "-1", NULL), 2, "a negative duration");
    is_int(parse(URL, "--duration", "nan", NULL), 2, "a duration that is not a number");
    is_int(parse(URL, "--rooms", "1x", NULL), 2, "trailing garbage");
    is_int(parse(URL, "--sfu-pid", "0", NULL), 2, "pid 0");
    is_int(parse(URL, "--target", "mediasoup", NULL), 2, "an unknown backend");
    is_int(parse("--url", "http://127.0.0.1:8080", NULL), 2, "ngx-sfu without a key");
    is_int(parse("--api-key", "k", NULL), 2, "no URL");
    is_int(parse(URL, "extra", NULL), 2, "a stray argument");
    is_int(parse("--url", "http://example.com", "--api-key", "k", NULL), 2,
           "a host name (no DNS)");
    is_int(parse("--url", "http://10.9.0.1:80", "--api-key", "k", NULL), 2,
           "an address off loopback");
    is_int(parse("--url", "ftp://127.0.0.1/", "--api-key", "k", NULL), 2, "not http");
    is_int(parse("--url", "http://127.0.0.1:80", "--api-key", "k", "--local-address",
                 "192.0.2.1", NULL), 2, "a local address off the allowed networks");
    /* last: the allowed networks are the process's */
    is_int(parse("--url", "http://10.9.0.1:80", "--api-key", "k", "--allow-netns",
                 "10.9.0.0/24", "--local-address", "10.9.0.2", NULL), 0,
           "allowed with --allow-netns");
    return tap_done();
}
