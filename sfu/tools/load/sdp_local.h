/*
 * sdp_local: the SDP sfu-load writes and reads, through the worker's SDP
 * parser and writer (sfu/sdp.h).  It writes the publish offer (Opus, and
 * VP8 with one SSRC or three rid-based simulcast layers) and the answer to
 * an SFU's subscribe offer (every m-line received with its first codec,
 * nothing else negotiated), and reads from the SFU's SDP what the
 * transport needs: ICE credentials, DTLS fingerprint and role, candidates.
 */

#ifndef SFU_LOAD_SDP_LOCAL_H
#define SFU_LOAD_SDP_LOCAL_H

#include "media.h"

#include <stdbool.h>
#include <stddef.h>

#define LOAD_SDP_MAX_CANDIDATES 16
#define LOAD_SDP_TEXT_MAX       256

/* The remote side, from its SDP. */
typedef struct {
    char     ufrag[LOAD_SDP_TEXT_MAX];
    char     pwd[LOAD_SDP_TEXT_MAX];
    char     fingerprint_algo[32];
    char     fingerprint[LOAD_SDP_TEXT_MAX];
    bool     we_are_dtls_client;    /* its a=setup was passive or actpass */
    char     candidates[LOAD_SDP_MAX_CANDIDATES][LOAD_SDP_TEXT_MAX];
    unsigned candidate_count;
    bool     end_of_candidates;
    char     mid[33];               /* its first accepted m-line's mid */
    unsigned accepted;              /* m-lines not rejected */
    bool     video_accepted;
    bool     simulcast_accepted;    /* an a=simulcast on a video m-line */
} load_sdp_remote_t;

/* Local ICE credentials and the certificate, for every SDP written. */
typedef struct {
    const char *ufrag;
    const char *pwd;
} load_sdp_ice_t;

/*
 * The publish offer for m's streams (audio mid "0", video mid "1" unless
 * m has no video), DTLS actpass, no candidates (they trickle).  0, or -1
 * with err.
 */
int load_sdp_publish_offer(const load_media_t *m, const char *cname,
                           const load_sdp_ice_t *ice, char *buf, size_t size,
                           char *err, size_t err_size);

/* Reads the SFU's answer to the publish offer.  0, or -1 with err. */
int load_sdp_read_answer(const char *sdp, load_sdp_remote_t *out, char *err,
                         size_t err_size);

/*
 * Reads the SFU's subscribe offer into remote and writes the answer:
 * recvonly m-lines with the first Opus or VP8 codec of each, the others
 * rejected, DTLS active (the answerer is the DTLS client).  0, or -1 with
 * err.
 */
int load_sdp_subscribe_answer(const char *offer, const load_sdp_ice_t *ice,
                              load_sdp_remote_t *remote, char *buf,
                              size_t size, char *err, size_t err_size);

#endif
