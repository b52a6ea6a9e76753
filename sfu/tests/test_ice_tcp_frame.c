/* The ICE-TCP (RFC 4571) frame reader: frames split across reads, several in one read, zero-length, the longest allowed, too long, a buffer's worth of frames. */
#include <stdbool.h>
#include <string.h>

#include "tap.h"
#include "ice_tcp_frame.h"

/* Reads in[0..n) into r in pieces of step bytes; the frames out, their
   lengths in lens; the last result. */
static sfu_ice_tcp_result_t
feed(sfu_ice_tcp_reader_t *r, const uint8_t *in, size_t n, size_t step,
     uint8_t *out, size_t *lens, unsigned *nframes)
{
    sfu_ice_tcp_result_t res = SFU_ICE_TCP_MORE;
    size_t off = 0, at = 0;

    *nframes = 0;
    while (off < n && res != SFU_ICE_TCP_TOO_LONG) {
        size_t room, k;
        uint8_t *space = sfu_ice_tcp_reader_space(r, &room);
        uint8_t *frame;
        size_t len;

        k = step < room ? step : room;
        k = k < n - off ? k : n - off;
        memcpy(space, in + off, k);
        sfu_ice_tcp_reader_filled(r, k);
        off += k;
        while ((res = sfu_ice_tcp_reader_next(r, &frame, &len))
               == SFU_ICE_TCP_FRAME)
        {
            memcpy(out + at, frame, len);
            at += len;
            lens[(*nframes)++] = len;
        }
    }
    return res;
}

static size_t
put_frame(uint8_t *at, const char *payload, size_t len)
{
    sfu_ice_tcp_header(at, len);
    memcpy(at + SFU_ICE_TCP_HEADER, payload, len);
    return SFU_ICE_TCP_HEADER + len;
}

static void
test_split_and_joined(void)
{
    static sfu_ice_tcp_reader_t r;
    uint8_t in[64], out[64];
    size_t lens[8], n = 0;
    unsigned frames;
    bool all = true;

    n += put_frame(in + n, "hello", 5);
    n += put_frame(in + n, "", 0);
    n += put_frame(in + n, "world!", 6);
    for (size_t step = 1; step <= n; step++) {
        sfu_ice_tcp_reader_init(&r);
        all = all && feed(&r, in, n, step, out, lens, &frames)
                     == SFU_ICE_TCP_MORE
              && frames == 3 && lens[0] == 5 && lens[1] == 0 && lens[2] == 6
              && memcmp(out, "helloworld!", 11) == 0
              && sfu_ice_tcp_reader_pending(&r) == 0;
    }
    ok(all, "three frames (one empty) read whole in pieces of every size");

    sfu_ice_tcp_reader_init(&r);
    feed(&r, in, 4, 4, out, lens, &frames);
    ok(frames == 0 && sfu_ice_tcp_reader_pending(&r) == 4,
       "a partial frame is held, not handed out");
    feed(&r, in + 4, n - 4, 1, out, lens, &frames);
    ok(frames == 3 && lens[0] == 5, "... and completed by the next reads");
}

static void
test_limits(void)
{
    enum { FULL_FRAMES = 11 };      /* more than the read buffer holds */
    static sfu_ice_tcp_reader_t r;
    static uint8_t in[FULL_FRAMES * (SFU_ICE_TCP_HEADER
                                     + SFU_ICE_TCP_FRAME_MAX)];
    static uint8_t out[sizeof(in)];
    static char big[SFU_ICE_TCP_FRAME_MAX + 1];
    size_t lens[64], n = 0;
    unsigned frames;

    memset(big, 'x', sizeof(big));
    sfu_ice_tcp_reader_init(&r);
    n = put_frame(in, big, SFU_ICE_TCP_FRAME_MAX);
    ok(feed(&r, in, n, 7, out, lens, &frames) == SFU_ICE_TCP_MORE
       && frames == 1 && lens[0] == SFU_ICE_TCP_FRAME_MAX,
       "a frame of the limit, %d bytes, passes", SFU_ICE_TCP_FRAME_MAX);

    sfu_ice_tcp_reader_init(&r);
    n = put_frame(in, big, SFU_ICE_TCP_FRAME_MAX + 1);
    ok(feed(&r, in, n, 3, out, lens, &frames) == SFU_ICE_TCP_TOO_LONG
       && frames == 0, "one byte more is too long, known from its header");

    sfu_ice_tcp_reader_init(&r);
    n = put_frame(in, "ok", 2);
    memcpy(in + n, "\xff\xff", 2);
    ok(feed(&r, in, n + 2, 64, out, lens, &frames) == SFU_ICE_TCP_TOO_LONG
       && frames == 1, "a good frame, then 65535 announced: too long");

    /* more than the buffer holds, read as a socket would: room at a time */
    sfu_ice_tcp_reader_init(&r);
    n = 0;
    for (int i = 0; i < FULL_FRAMES; i++) {
        n += put_frame(in + n, big, SFU_ICE_TCP_FRAME_MAX);
    }
    ok(n > SFU_ICE_TCP_READ_BUF
       && feed(&r, in, n, SFU_ICE_TCP_READ_BUF, out, lens, &frames)
          == SFU_ICE_TCP_MORE && frames == FULL_FRAMES,
       "%zu bytes of full frames through the %d-byte buffer", n,
       SFU_ICE_TCP_READ_BUF);
}

int
main(void)
{
    test_split_and_joined();
    test_limits();
    return tap_done();
}
