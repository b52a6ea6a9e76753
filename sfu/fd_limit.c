/*
 * fd_limit: the soft RLIMIT_NOFILE raised to the hard one; see fd_limit.h.
 */
#include "fd_limit.h"
#include "log.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

unsigned long
sfu_fd_limit_raise(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        sfu_log_warn("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
        return 0;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;

        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            sfu_log_warn("setrlimit(RLIMIT_NOFILE, %llu): %s; open "
                         "descriptors stay limited to %llu",
                         (unsigned long long) rl.rlim_max, strerror(errno),
                         (unsigned long long) was);
            return (unsigned long) was;
        }
    }
    return (unsigned long) rl.rlim_cur;
}
