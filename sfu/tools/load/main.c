/*
 * sfu-load: a WebRTC load generator for SFUs (README.md beside this
 * file).  Parses the command line, sets up the worker's transport for
 * the load's own side (gathering on one address, talking only to the
 * allowed networks), runs, reports.
 */

#include "fd_limit.h"
#include "guard.h"
#include "http.h"
#include "log.h"
#include "options.h"
#include "report.h"
#include "run.h"
#include "transport.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* A backstop past --max-time, should the main loop itself be stuck. */
#define BACKSTOP_S 30

/*
 * SO_RCVBUF of each ICE socket: a subscriber of a 64-person audio room
 * receives 3,150 packets a second, which fill the default 208 kB (about
 * 270 small datagrams) in under 0.1 s when sfu-load waits for a core; 4 MB
 * holds over a second of it.  A browser on a machine of its own does not
 * wait that long.  The latency ends at the kernel's arrival stamp, so the
 * wait in the buffer is not counted as the SFU's.
 */
#define LOAD_RECV_BUFFER (4u << 20)

static void
backstop(int sig)
{
    (void) sig;
    static const char msg[] = "sfu-load: hard stop (the run did not end)\n";

    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
        _exit(3);
    }
    _exit(3);
}

int
main(int argc, char **argv)
{
    static load_run_t      run;
    static load_options_t  o;
    const char            *listen[2] = { NULL, NULL };
    sfu_transport_config_t rtc = { .udp = true };
    int                    r;

    r = load_options_parse(&o, argc, argv);
    if (r != 0) {
        return r == 1 ? 0 : 2;
    }
    sfu_log_init((sfu_log_level_t) o.log_level, 0);
    /* a few sockets per participant: a large room needs more than 1024 */
    sfu_fd_limit_raise();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, backstop);
    alarm((unsigned) o.max_time_s + BACKSTOP_S);

    listen[0] = o.local_address;
    rtc.listen = listen;
    rtc.peer_networks = load_guard_networks();
    rtc.recv_buffer = LOAD_RECV_BUFFER;
    if (sfu_transport_global_init(&rtc) != 0) {
        fprintf(stderr, "sfu-load: could not set up ICE/DTLS on %s\n",
                o.local_address);
        return 1;
    }
    r = load_run(&o, &run);
    load_report_table(&run, stdout);
    if (o.json_path != NULL && load_report_json(&run, o.json_path) != 0) {
        r = 1;
    }
    load_run_free(&run);
    load_http_cleanup();
    sfu_transport_global_cleanup();
    return r;
}
