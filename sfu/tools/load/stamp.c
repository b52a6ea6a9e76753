/*
 * stamp: writing and reading the 16-byte trailer of stamp.h.
 */

#include "stamp.h"

#include "rtp_bytes.h"

#include <string.h>
#include <time.h>

static const uint8_t stamp_magic[4] = { 's', 'L', 'd', '1' };

void
load_stamp_write(uint8_t *payload, size_t len, uint32_t stream_id,
                 uint64_t send_ns)
{
    uint8_t *p = payload + len - LOAD_STAMP_LEN;

    memcpy(p, stamp_magic, sizeof(stamp_magic));
    sfu_put_be32(p + 4, stream_id);
    sfu_put_be32(p + 8, (uint32_t) (send_ns >> 32));
    sfu_put_be32(p + 12, (uint32_t) send_ns);
}

void
load_stamp_set_time(uint8_t *pkt, size_t len, uint64_t send_ns)
{
    sfu_put_be32(pkt + len - 8, (uint32_t) (send_ns >> 32));
    sfu_put_be32(pkt + len - 4, (uint32_t) send_ns);
}

bool
load_stamp_read(const uint8_t *payload, size_t len, uint32_t *stream_id,
                uint64_t *send_ns)
{
    const uint8_t *p;

    if (len < LOAD_STAMP_LEN) {
        return false;
    }
    p = payload + len - LOAD_STAMP_LEN;
    if (memcmp(p, stamp_magic, sizeof(stamp_magic)) != 0) {
        return false;
    }
    *stream_id = sfu_get_be32(p + 4);
    *send_ns = (uint64_t) sfu_get_be32(p + 8) << 32 | sfu_get_be32(p + 12);
    return true;
}

uint64_t
load_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

#define ARRIVAL_MAX_WAIT_NS 10000000000ll

uint64_t
load_arrival_ns(const struct timespec *at, uint64_t now_ns)
{
    struct timespec rt;
    int64_t         waited;

    clock_gettime(CLOCK_REALTIME, &rt);
    waited = (int64_t) (rt.tv_sec - at->tv_sec) * 1000000000ll
             + (rt.tv_nsec - at->tv_nsec);
    if (waited < 0 || waited > ARRIVAL_MAX_WAIT_NS
        || (uint64_t) waited > now_ns)
    {
        return now_ns;
    }
    return now_ns - (uint64_t) waited;
}
