/*
 * bwe: an estimate of what one subscriber's downlink carries, as the
 * simulcast layer quality it can take.  Loss-based (the fraction lost in
 * the subscriber's RTCP receiver reports on its video, RFC 3550 6.4.2):
 * above 10 % steps down one quality, below 2 % for SFU_BWE_PROBE_US steps
 * back up one.  After a step down, further reports cannot step again for
 * SFU_BWE_SETTLE_US (they may still describe the layer just left).
 *
 * The subscriber's REMB (goog-remb), when it sends one, is a congestion
 * signal only: a receiver's estimate stays above what it receives unless
 * it sees delay build up, when it drops to 85 % of that (and it never
 * climbs past 1.5 times what it receives, so it cannot tell how much more
 * the link would take).  A recent REMB that fell from the one before and
 * is below 85 % of what the SFU sends the subscriber steps down as loss
 * does; one that is still climbing after a step up is only catching up.  No clock of its own, no
 * allocation: callers pass the time.
 */
#ifndef SFU_BWE_H
#define SFU_BWE_H

#include <stdint.h>

#include "simulcast.h"

#define SFU_BWE_LOSS_DOWN 26            /* of 256: above 10 % */
#define SFU_BWE_LOSS_UP 5               /* of 256: below 2 % */
#define SFU_BWE_SETTLE_US 3000000
#define SFU_BWE_PROBE_US 8000000
#define SFU_BWE_REMB_TTL_US 2000000     /* a REMB older than this says nothing */
#define SFU_BWE_REMB_OVERUSE 85         /* percent of the rate sent */

struct sfu_bwe {
    enum sfu_quality level;             /* LOW..HIGH: what the downlink is thought to carry */
    int64_t changed_us;                 /* the last step */
    int64_t clean_since_us;             /* the first of the current run of reports below 2 %; 0 none */
    uint64_t remb_bps;
    int64_t remb_us;
    bool remb_fell;                     /* below the REMB before it: the receiver saw delay build up */
};

/* Starts at HIGH: browsers start every layer, and loss shows soon if the link cannot take it. */
void sfu_bwe_init(struct sfu_bwe *b, int64_t now_us);

/* A receiver report block about one of the subscriber's video streams. */
void sfu_bwe_loss(struct sfu_bwe *b, uint8_t fraction_lost, int64_t now_us);

/* A REMB from the subscriber. */
void sfu_bwe_remb(struct sfu_bwe *b, uint64_t bitrate, int64_t now_us);

/* What the SFU sends the subscriber now (bit/s), against its last REMB; called a few times a second. */
void sfu_bwe_sending(struct sfu_bwe *b, uint64_t sent_bps, int64_t now_us);

/* The last REMB, or 0 when there is none recent. */
uint64_t sfu_bwe_last_remb(const struct sfu_bwe *b, int64_t now_us);

#endif
