/* SRTP sessions: round trips for both profiles, replay and tamper refusal, the replay window, many SSRCs in one session, repeated sending, buffer room, no allocation per packet. */
#include <string.h>

#include "allocations.h"
#include "tap.h"
#include "log.h"
#include "media.h"
#include "srtp.h"

struct peer {
    sfu_srtp_t s;
};

/* a and b keyed against each other, as DTLS would */
static void
pair_start(struct peer *a, struct peer *b, sfu_srtp_profile_t profile)
{
    sfu_srtp_keys_t ka, kb;

    memset(a, 0, sizeof(*a));
    memset(b, 0, sizeof(*b));
    ka.profile = kb.profile = profile;
    for (unsigned i = 0; i < SFU_SRTP_MASTER_MAX; i++) {
        ka.local[i] = kb.remote[i] = (uint8_t) (i + 1);
        ka.remote[i] = kb.local[i] = (uint8_t) (0xA0 + i);
    }
    sfu_srtp_start(&a->s, &ka);
    sfu_srtp_start(&b->s, &kb);
}

static void
pair_stop(struct peer *a, struct peer *b)
{
    sfu_srtp_stop(&a->s);
    sfu_srtp_stop(&b->s);
}

static void
test_round_trip(sfu_srtp_profile_t profile, const char *name)
{
    struct peer a, b;
    uint8_t buf[200 + SFU_TRANSPORT_TRAILER], plain[200];
    size_t len, plain_len;

    pair_start(&a, &b, profile);

    plain_len = make_rtp(plain, 200, 1);
    memcpy(buf, plain, plain_len);
    len = plain_len;
    is_int(sfu_srtp_protect(&a.s, false, buf, &len, sizeof(buf)), 0,
           "RTP protected");
    ok(len > plain_len && memcmp(buf + 12, plain + 12, 16) != 0,
       "%s: RTP payload encrypted, %zu bytes of trailer", name,
       len - plain_len);
    is_int(sfu_srtp_unprotect(&b.s, false, buf, &len), 0, "RTP unprotected");
    ok(len == plain_len && memcmp(buf, plain, len) == 0,
       "%s: RTP identical after the round trip", name);
    is_int(sfu_srtp_unprotect(&b.s, false, buf, &len), -1,
           "unprotecting the plain packet fails");

    plain_len = make_rtcp(plain);
    memcpy(buf, plain, plain_len);
    len = plain_len;
    is_int(sfu_srtp_protect(&b.s, true, buf, &len, sizeof(buf)), 0,
           "RTCP protected");
    is_int(sfu_srtp_unprotect(&a.s, true, buf, &len), 0, "RTCP unprotected");
    ok(len == plain_len && memcmp(buf, plain, len) == 0,
       "%s: RTCP identical after the round trip", name);

    pair_stop(&a, &b);
}

static void
test_replay_and_tamper(sfu_srtp_profile_t profile, const char *name)
{
    struct peer a, b;
    uint8_t buf[200 + SFU_TRANSPORT_TRAILER], copy[sizeof(buf)];
    size_t len, copy_len;

    pair_start(&a, &b, profile);
    len = make_rtp(buf, 200, 100);
    sfu_srtp_protect(&a.s, false, buf, &len, sizeof(buf));
    memcpy(copy, buf, len);
    copy_len = len;
    is_int(sfu_srtp_unprotect(&b.s, false, buf, &len), 0, "first copy in");
    is_int(sfu_srtp_unprotect(&b.s, false, copy, &copy_len), -1,
           "replayed copy refused");

    len = make_rtp(buf, 200, 101);
    sfu_srtp_protect(&a.s, false, buf, &len, sizeof(buf));
    buf[50] ^= 1;
    is_int(sfu_srtp_unprotect(&b.s, false, buf, &len), -1,
           "one flipped payload bit refused");

    len = make_rtcp(buf);
    sfu_srtp_protect(&a.s, true, buf, &len, sizeof(buf));
    memcpy(copy, buf, len);
    copy_len = len;
    sfu_srtp_unprotect(&b.s, true, buf, &len);
    is_int(sfu_srtp_unprotect(&b.s, true, copy, &copy_len), -1,
           "replayed RTCP refused");

    /* 600 packets behind the newest, never seen: inside a 1024 window */
    for (uint16_t seq = 102; seq < 800; seq++) {
        len = make_rtp(buf, 200, seq);
        sfu_srtp_protect(&a.s, false, buf, &len, sizeof(buf));
        if (seq == 150) {
            memcpy(copy, buf, len);
            copy_len = len;
            continue;
        }
        sfu_srtp_unprotect(&b.s, false, buf, &len);
    }
    ok(sfu_srtp_unprotect(&b.s, false, copy, &copy_len) == 0,
       "%s: a packet 650 behind is still in the replay window", name);
    pair_stop(&a, &b);
}

/*
 * A session towards a subscriber holds a stream per forwarded source
 * (libsrtp2 keeps them in a hash table that grows, patches/0002): each of
 * many SSRCs round-trips, in two passes, and in the second each replayed
 * packet is refused, which only its own stream's replay state can do.
 */
#define MANY_SSRCS 300

static void
set_ssrc(uint8_t *rtp, uint32_t ssrc)
{
    rtp[8] = (uint8_t) (ssrc >> 24);
    rtp[9] = (uint8_t) (ssrc >> 16);
    rtp[10] = (uint8_t) (ssrc >> 8);
    rtp[11] = (uint8_t) ssrc;
}

static void
test_many_ssrcs(sfu_srtp_profile_t profile, const char *name)
{
    struct peer a, b;
    uint8_t buf[200 + SFU_TRANSPORT_TRAILER], copy[sizeof(buf)];
    size_t len, copy_len;
    unsigned arrived = 0, replays_refused = 0;

    pair_start(&a, &b, profile);
    for (uint16_t seq = 1; seq <= 2; seq++) {
        for (uint32_t i = 0; i < MANY_SSRCS; i++) {
            len = make_rtp(buf, 200, seq);
            /* close SSRCs and scattered ones */
            set_ssrc(buf, i % 2 ? i : i * 0x9E3779B1u);
            sfu_srtp_protect(&a.s, false, buf, &len, sizeof(buf));
            memcpy(copy, buf, len);
            copy_len = len;
            arrived += sfu_srtp_unprotect(&b.s, false, buf, &len) == 0
                       && len == 200;
            replays_refused += seq == 2
                && sfu_srtp_unprotect(&b.s, false, copy, &copy_len) != 0;
        }
    }
    ok(arrived == 2 * MANY_SSRCS, "%s: %u SSRCs, each of 2 passes arrived "
       "(%u packets)", name, MANY_SSRCS, arrived);
    ok(replays_refused == MANY_SSRCS, "%s: each SSRC's replay refused by its "
       "own stream (%u)", name, replays_refused);
    pair_stop(&a, &b);
}

static void
test_repeat_sending(void)
{
    struct peer a, b;
    uint8_t buf[200 + SFU_TRANSPORT_TRAILER];
    size_t len;

    pair_start(&a, &b, SFU_SRTP_AES128_CM_SHA1_80);
    len = make_rtp(buf, 200, 7);
    sfu_srtp_protect(&a.s, false, buf, &len, sizeof(buf));
    len = make_rtp(buf, 200, 7);
    is_int(sfu_srtp_protect(&a.s, false, buf, &len, sizeof(buf)), 0,
           "AES-CM: a resend with the same sequence number is protected");
    pair_stop(&a, &b);

    pair_start(&a, &b, SFU_SRTP_AEAD_AES_128_GCM);
    len = make_rtp(buf, 200, 7);
    sfu_srtp_protect(&a.s, false, buf, &len, sizeof(buf));
    len = make_rtp(buf, 200, 7);
    is_int(sfu_srtp_protect(&a.s, false, buf, &len, sizeof(buf)), -1,
           "GCM: a resend with the same sequence number is refused");
    pair_stop(&a, &b);
}

/*
 * The worker's hot path: once a stream exists, protecting and unprotecting
 * RTP and RTCP allocates nothing, inside libsrtp2 and its crypto included
 * (Debian's NSS build allocated 5 to 14 times per packet).
 */
/* One RTP packet a to b and one RTCP packet b to a; 0 if both arrived. */
static int
round_trip(struct peer *a, struct peer *b, uint16_t seq)
{
    uint8_t buf[1100 + SFU_TRANSPORT_TRAILER];
    size_t len = make_rtp(buf, 1100, seq);
    int failed = 0;

    failed |= sfu_srtp_protect(&a->s, false, buf, &len, sizeof(buf));
    failed |= sfu_srtp_unprotect(&b->s, false, buf, &len);
    len = make_rtcp(buf);
    failed |= sfu_srtp_protect(&b->s, true, buf, &len, sizeof(buf));
    failed |= sfu_srtp_unprotect(&a->s, true, buf, &len);
    return failed;
}

static void
test_no_allocation_per_packet(sfu_srtp_profile_t profile, const char *name)
{
    struct peer a, b;
    unsigned long before;
    int failed;

    pair_start(&a, &b, profile);
    /* the first packets make the streams */
    failed = round_trip(&a, &b, 1);
    before = allocations_now();
    for (uint16_t seq = 2; seq <= 101; seq++) {
        failed |= round_trip(&a, &b, seq);
    }
    if (UNDER_ASAN) {
        skip(1, ASAN_ALLOCATOR ": allocations are not counted");
    } else {
        is_int(allocations_now() - before, 0, name);
    }
    is_int(failed, 0, "the round trips worked");
    pair_stop(&a, &b);
}

static void
test_limits(void)
{
    struct peer a, b;
    sfu_srtp_t idle = { NULL, NULL };
    sfu_srtp_keys_t none = { .profile = SFU_SRTP_NONE };
    uint8_t buf[200 + SFU_TRANSPORT_TRAILER];
    size_t len;

    pair_start(&a, &b, SFU_SRTP_AEAD_AES_128_GCM);
    len = make_rtp(buf, 200, 1);
    is_int(sfu_srtp_protect(&a.s, false, buf, &len, len + 16), -1,
           "protect refuses a buffer without trailer room");
    len = 8;
    is_int(sfu_srtp_unprotect(&b.s, false, buf, &len), -1,
           "an 8-byte packet is refused");
    pair_stop(&a, &b);

    len = make_rtp(buf, 200, 1);
    is_int(sfu_srtp_protect(&idle, false, buf, &len, sizeof(buf)), -1,
           "no session: protect refused");
    is_int(sfu_srtp_start(&idle, &none), -1, "no profile: no session");
    is_int(sfu_srtp_key_len(SFU_SRTP_AEAD_AES_128_GCM)
           + sfu_srtp_salt_len(SFU_SRTP_AEAD_AES_128_GCM), 28,
           "GCM master key and salt: 28 bytes");
    is_int(sfu_srtp_key_len(SFU_SRTP_AES128_CM_SHA1_80)
           + sfu_srtp_salt_len(SFU_SRTP_AES128_CM_SHA1_80), 30,
           "AES-CM master key and salt: 30 bytes");
}

int
main(void)
{
    sfu_log_init(SFU_LOG_ERROR, 0);
    if (sfu_srtp_global_init() != 0) {
        ok(0, "libsrtp2 initialised");
        return tap_done();
    }
    test_round_trip(SFU_SRTP_AES128_CM_SHA1_80, "AES-CM");
    test_round_trip(SFU_SRTP_AEAD_AES_128_GCM, "GCM");
    test_replay_and_tamper(SFU_SRTP_AES128_CM_SHA1_80, "AES-CM");
    test_replay_and_tamper(SFU_SRTP_AEAD_AES_128_GCM, "GCM");
    test_many_ssrcs(SFU_SRTP_AES128_CM_SHA1_80, "AES-CM");
    test_many_ssrcs(SFU_SRTP_AEAD_AES_128_GCM, "GCM");
    test_repeat_sending();
    test_no_allocation_per_packet(SFU_SRTP_AES128_CM_SHA1_80,
                                  "AES-CM: no allocation per packet");
    test_no_allocation_per_packet(SFU_SRTP_AEAD_AES_128_GCM,
                                  "GCM: no allocation per packet");
    test_limits();
    sfu_srtp_global_cleanup();
    return tap_done();
}
