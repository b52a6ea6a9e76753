/*
 * fuzz_load_readers: sfu-load's small readers on arbitrary bytes: the
 * payload stamp, /proc/PID/stat and /proc/PID/status texts, and the
 * guard's ADDRESS:PORT (bench-srtp's --sendmsg-to and --drain).
 */

#include "guard.h"
#include "procstat.h"
#include "stamp.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t  id;
    uint64_t  ns, rss;
    double    cpu;
    struct sockaddr_storage addr;
    socklen_t len;
    char      err[256];
    char     *text = malloc(size + 1);

    if (load_stamp_read(data, size, &id, &ns) && size < LOAD_STAMP_LEN) {
        abort();
    }
    memcpy(text, data, size);
    text[size] = '\0';
    if (load_proc_parse_stat(text, 100, &cpu) && cpu < 0) {
        abort();
    }
    load_proc_parse_status(text, &rss);
    if (load_guard_endpoint(text, true, &addr, &len, err, sizeof(err)) == 0
        && len > sizeof(addr))
    {
        abort();
    }
    free(text);
    return 0;
}
