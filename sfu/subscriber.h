/*
 * subscriber: the subscribe side of a participant.  Every track of the
 * others gets an m-line (a slot) in the SFU's offer, with SSRCs and
 * payload types of this subscriber's own; a slot whose track is gone is
 * offered inactive and, once the client has answered that, reused for the
 * next track of its kind.  One offer is outstanding at a time: changes
 * made meanwhile go into the next one, sent when the answer arrives.
 * A slot's media flows once the client accepted it and the transport is
 * connected; each start asks the publisher for a key frame.  A transport
 * that fails (ICE failure, consent lost, DTLS alert, closed by the client)
 * is replaced: a new one, and an offer of every slot marked for a new
 * client peer connection; after SFU_SUB_MAX_RENEWALS failures in a row with
 * no connection between them, the participant is told to join again.
 */
#ifndef SFU_SUBSCRIBER_H
#define SFU_SUBSCRIBER_H

#include <glib.h>
#include <stdbool.h>

#include "bwe.h"
#include "negotiate.h"
#include "peer.h"
#include "track.h"

#define SFU_SUB_MAX_CONFIGS 24          /* distinct codec configurations in one subscribe session */
#define SFU_SUB_MAX_RENEWALS 3          /* transports failed in a row before giving up */

struct sfu_participant;

struct sfu_sub_slot {
    struct sfu_sub_media media;         /* the m-line as the next offer writes it */
    struct sfu_downtrack down;
    uint32_t answered_ssrc;             /* the SSRC the client accepted this m-line with; 0 none */
    bool reusable;                      /* offered inactive and answered so */
};

struct sfu_pt_entry {
    struct sfu_codec config;
    uint8_t pt;
    uint8_t rtx_pt;
};

struct sfu_subscriber {
    struct sfu_peer *peer;              /* made with the first offer */
    GPtrArray *slots;                   /* struct sfu_sub_slot *, owned, in m-line order */
    struct sfu_sub_media *offered;      /* the m-lines of the outstanding (or last) offer */
    unsigned offered_count;
    bool offering;                      /* an offer is out, its answer not yet in */
    bool changed;                       /* the slots changed since the last offer */
    bool broken;                        /* no transport, or too many failed: no more offers */
    bool renew;                         /* the next offer is for a new client peer connection */
    unsigned renewals;                  /* transports failed since one last connected */
    struct sfu_pt_entry pts[SFU_SUB_MAX_CONFIGS];
    unsigned pt_count;
    char session_id[24];
    uint64_t version;
    int64_t report_due_us;
    enum sfu_quality wanted;            /* the client's update-quality; HIGH for auto */
    struct sfu_bwe bwe;                 /* what its downlink carries */
    struct sfu_bitrate sent;            /* what is sent to it, for its REMB */
};

void sfu_subscriber_init(struct sfu_subscriber *sub);

/* Stops every downtrack and closes the transport. */
void sfu_subscriber_clear(struct sfu_participant *p);

/* Gives t a slot in p's next offer; its mid, or NULL when p has no m-line left for it. */
const char *sfu_subscriber_add(struct sfu_participant *p, struct sfu_track *t);

/* t is going: its slot stops and goes inactive in the next offer. */
void sfu_subscriber_remove(struct sfu_participant *p, struct sfu_track *t);

/* The mid of t's slot, or NULL. */
const char *sfu_subscriber_mid(const struct sfu_subscriber *sub, const struct sfu_track *t);

/* Sends an offer if the slots changed and none is outstanding (once the transport has its candidates). */
void sfu_subscriber_negotiate(struct sfu_participant *p);

/* The client's answer to the outstanding offer; -1 with err filled when refused. */
int sfu_subscriber_answer(struct sfu_participant *p, const char *sdp, size_t len, struct sfu_msg_error *err);

/* The client's update-quality: its simulcast subscriptions follow at once. */
void sfu_subscriber_set_quality(struct sfu_participant *p, enum sfu_quality quality);

/* The quality each simulcast subscription gets: the lower of the client's wish and the downlink estimate. */
enum sfu_quality sfu_subscriber_quality(const struct sfu_subscriber *sub);

/* Sender reports, and the layer choice; called a few times a second. */
void sfu_subscriber_tick(struct sfu_participant *p, int64_t now_us);

#endif
