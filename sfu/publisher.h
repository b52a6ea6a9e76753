/*
 * publisher: the publish side of a participant.  Its offers are answered
 * (negotiate.h) and turn into published tracks: an accepted m-line the
 * client sends on is a track, one that stops sending is unpublished.
 * Screen share names which video m-line is the screen: start-screen-share
 * {mid} before the offer that adds it, or without a mid for the next video
 * m-line the offers add.  Media from the publish transport lands here and
 * goes out through the tracks; key frame requests and receiver reports go
 * back to the client.
 */
#ifndef SFU_PUBLISHER_H
#define SFU_PUBLISHER_H

#include <glib.h>
#include <stdbool.h>

#include "negotiate.h"
#include "peer.h"
#include "track.h"

struct sfu_participant;

struct sfu_publisher {
    struct sfu_peer *peer;              /* NULL until an offer accepts something */
    GPtrArray *tracks;                  /* struct sfu_track *, owned */
    GPtrArray *known_mids;              /* char *: every mid its offers have had */
    struct sfu_pub_offer *waiting;      /* an answer waiting for the candidates ... */
    char *waiting_sdp;                  /* ... to the offer it answers */
    size_t waiting_len;
    bool screen_wanted;                 /* start-screen-share seen, its track not yet published */
    char screen_mid[SFU_MID_MAX + 1];   /* the m-line it named; "" for the next new video m-line */
    char screen_stopped[SFU_MID_MAX + 1]; /* stopped while its m-line still sends: not published again */
    uint8_t fir_seq;
    int64_t report_due_us;
    char session_id[24];                /* o= of its answers */
    uint64_t version;
};

void sfu_publisher_init(struct sfu_publisher *pub);

/* Unpublishes every track (telling the room) and closes the transport; once is enough. */
void sfu_publisher_clear(struct sfu_participant *p);

/*
 * An offer from the client: answered (at once, or once the transport has
 * its candidates), tracks published and unpublished.  -1 with code and
 * message filled when the offer is refused as a whole.
 */
int sfu_publisher_offer(struct sfu_participant *p, const char *sdp, size_t len, struct sfu_msg_error *err);

/* start-screen-share {mid?} and stop-screen-share; -1 with err filled in the wrong state. */
int sfu_publisher_start_screen(struct sfu_participant *p, const char *mid, struct sfu_msg_error *err);
int sfu_publisher_stop_screen(struct sfu_participant *p, struct sfu_msg_error *err);

/* The participant's screen track, or NULL. */
struct sfu_track *sfu_publisher_screen(const struct sfu_publisher *pub);

/* Key frame requests held back, bitrates, receiver reports; called a few times a second. */
void sfu_publisher_tick(struct sfu_participant *p, int64_t now_us);

#endif
