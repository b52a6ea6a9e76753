/*
 * rtcp_session: the RTCP the SFU sends and acts on for its two kinds of
 * peer connection.  To a publisher: receiver reports for its tracks and
 * key frame requests (PLI, or FIR when that is all it negotiated).  To a
 * subscriber: a sender report per downtrack.  From a publisher: sender
 * reports, kept for the subscribers' own.  From a subscriber: NACKs,
 * answered from the track's cache, PLI/FIR, passed to the publisher
 * through the track's throttle, and receiver reports and REMB for its
 * downlink estimate.  Simulcast layers count as streams of their own.  Packets are built in caller buffers.
 */
#ifndef SFU_RTCP_SESSION_H
#define SFU_RTCP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "bwe.h"
#include "track.h"

#define SFU_RTCP_INTERVAL_US 1000000    /* between reports of one peer connection */
#define SFU_RTCP_CNAME "ngx-sfu"

/* RR with a block per track that has received packets, then SDES; the length, or 0 when nothing to report. */
size_t sfu_rtcp_receiver_report(uint32_t sender_ssrc, struct sfu_track *const *tracks, unsigned count,
    int64_t now_us, uint8_t *buf, size_t cap);

/* SR for one downtrack, then SDES with cname; the length, or 0 while it has sent nothing. */
size_t sfu_rtcp_sender_report(const struct sfu_downtrack *d, const char *cname, int64_t now_us,
    int64_t unix_now_us, uint8_t *buf, size_t cap);

/* PLI for ssrc (t's, or one of its layers'), or FIR with *fir_seq (then incremented) when the publisher takes only FIR. */
size_t sfu_rtcp_keyframe_request(uint32_t sender_ssrc, const struct sfu_track *t, uint32_t ssrc, uint8_t *fir_seq,
    uint8_t *buf, size_t cap);

/* A publisher's compound packet: its sender reports go to the tracks. */
void sfu_rtcp_from_publisher(struct sfu_track *const *tracks, unsigned count, const uint8_t *data, size_t len,
    int64_t now_us);

/* Finds a subscriber's downtrack by the SSRC the SFU sends it on. */
typedef struct sfu_downtrack *(*sfu_downtrack_lookup)(void *ctx, uint32_t ssrc);

/*
 * A subscriber's compound packet: NACKs answered, PLI and FIR passed on;
 * the loss its reports give for video, and its REMB, go to bwe.
 */
void sfu_rtcp_from_subscriber(sfu_downtrack_lookup find, void *ctx, struct sfu_bwe *bwe, const uint8_t *data,
    size_t len, int64_t now_us);

#endif
