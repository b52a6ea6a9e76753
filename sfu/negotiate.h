/*
 * negotiate: SDP offer/answer for the two peer connections of a
 * participant (Unified Plan, everything in one BUNDLE group, rtcp-mux).
 *
 * Publish: the client offers, the SFU reads the offer into one decision per
 * m-line (which codec, which header extensions, which SSRCs the publisher
 * sends) and answers with only what it forwards; what it cannot take is
 * rejected with port 0.
 *
 * Subscribe: the SFU offers one sendonly m-line per remote track (inactive
 * ones kept for reuse), with SSRCs of its own, and reads the client's answer
 * back into what each m-line accepted.
 *
 * Pure functions over struct sfu_sdp_session: no transport, no room.
 */
#ifndef SFU_NEGOTIATE_H
#define SFU_NEGOTIATE_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "sdp.h"
#include "simulcast.h"

#define SFU_MID_MAX 32                  /* longer mids are refused */
#define SFU_ID_MAX 64                   /* participant, track and msid ids */
#define SFU_ICE_UFRAG_MAX 256
#define SFU_ICE_PWD_MAX 256
#define SFU_FINGERPRINT_MAX 192         /* sha-512 as colon-separated hex: 191 */
#define SFU_PUBLISH_MAX_TRACKS 8        /* sending m-lines taken from one publisher */

/* Header extensions the SFU reads or forwards. */
#define SFU_EXT_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define SFU_EXT_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define SFU_EXT_VIDEO_ORIENTATION "urn:3gpp:video-orientation"
#define SFU_EXT_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define SFU_EXT_REPAIRED_RID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"

/* The ids the SFU gives them in its subscribe offers. */
enum {
    SFU_SUB_EXT_AUDIO_LEVEL = 1,
    SFU_SUB_EXT_VIDEO_ORIENTATION = 2,
};

/* The SFU's end of a transport, as written into its SDP. */
struct sfu_local_transport {
    const char *ice_ufrag;
    const char *ice_pwd;
    const char *fingerprint_algo;
    const char *fingerprint;
    const char *const *candidates;      /* "candidate:..." */
    unsigned candidate_count;
    bool end_of_candidates;
};

/* The client's end, copied out of its SDP. */
struct sfu_remote_transport {
    char ice_ufrag[SFU_ICE_UFRAG_MAX + 1];
    char ice_pwd[SFU_ICE_PWD_MAX + 1];
    char fingerprint_algo[16];
    char fingerprint[SFU_FINGERPRINT_MAX + 1];
    enum sfu_sdp_setup setup;           /* as the client wrote it */
    bool dtls_client;                   /* the SFU sends the ClientHello */
};

enum sfu_pub_verdict {
    SFU_PUB_ACCEPTED,
    SFU_PUB_NOT_BUNDLED,                /* outside the BUNDLE group, or no rtcp-mux */
    SFU_PUB_NOT_MEDIA,                  /* data channels and unknown kinds */
    SFU_PUB_NO_CODEC,                   /* no codec the room can use */
    SFU_PUB_TOO_MANY,                   /* over SFU_PUBLISH_MAX_TRACKS */
    SFU_PUB_REJECTED_BY_CLIENT,         /* port 0 in the offer */
};

/* One m-line of a publish offer, as the SFU decided it. */
struct sfu_pub_media {
    char mid[SFU_MID_MAX + 1];
    enum sfu_sdp_kind kind;
    enum sfu_pub_verdict verdict;
    bool sending;                       /* accepted and the client sends: a track */
    struct sfu_codec codec;             /* the publisher's payload types */
    uint32_t ssrc;                      /* 0 when the offer names none */
    uint32_t rtx_ssrc;
    uint8_t ext_mid;                    /* the publisher's extension ids; 0 absent */
    uint8_t ext_audio_level;
    uint8_t ext_video_orientation;
    /* Simulcast (video only): the rids taken from a=simulcast send, in its order; 0 without. */
    char rids[SFU_SIMULCAST_MAX_LAYERS][SFU_RID_MAX + 1];
    unsigned rid_count;
    uint8_t ext_rid;
    uint8_t ext_repaired_rid;
};

struct sfu_pub_offer {
    struct sfu_pub_media media[SFU_SDP_MAX_MEDIA];
    unsigned media_count;
    struct sfu_remote_transport remote;
    unsigned video_decodable;           /* SFU video codecs this client offered */
    enum sfu_codec_id video_codec;      /* what its video m-lines use, or NONE */
};

/*
 * Reads a parsed offer.  room_video is the room's video codec, or NONE when
 * the room has none yet; then the codec is chosen with
 * sfu_codec_choose_video(offered, decodable) and reported in video_codec.
 * Returns 0, or -1 with a message in err for an offer the SFU cannot answer
 * at all (a missing or overlong mid, no usable transport).
 */
int sfu_negotiate_read_offer(const struct sfu_sdp_session *offer, enum sfu_codec_id room_video,
    unsigned decodable, struct sfu_pub_offer *out, struct sfu_sdp_error *err);

/*
 * Builds the answer to offer, which was read into decided: accepted m-lines
 * get port 9, one codec (and its rtx), the extensions the SFU uses, recvonly
 * (inactive when the client does not send) and a=setup:active unless the
 * client asked to be active.  answer points into offer, decided and local.
 */
void sfu_negotiate_publish_answer(const struct sfu_sdp_session *offer, const struct sfu_pub_offer *decided,
    const struct sfu_local_transport *local, const char *session_id, uint64_t version,
    struct sfu_sdp_session *answer);

/* One m-line of a subscribe offer. */
struct sfu_sub_media {
    char mid[SFU_MID_MAX + 1];
    enum sfu_sdp_kind kind;
    bool active;                        /* sendonly with a track; else inactive */
    struct sfu_codec codec;             /* the subscriber's payload types */
    uint32_t ssrc;
    uint32_t rtx_ssrc;                  /* 0 without rtx */
    char stream_id[SFU_ID_MAX + 8];     /* msid: the publisher, "-screen" for its screen */
    char track_id[2 * SFU_ID_MAX + 2];
    char cname[SFU_ID_MAX + 1];
};

/* Builds an offer of count m-lines; out points into media and local. */
void sfu_negotiate_subscribe_offer(const struct sfu_sub_media *media, unsigned count,
    const struct sfu_local_transport *local, const char *session_id, uint64_t version,
    struct sfu_sdp_session *out);

/* What the client's answer says about one offered m-line. */
struct sfu_sub_accepted {
    bool accepted;                      /* not rejected with port 0 */
    bool receiving;                     /* recvonly or sendrecv */
    bool rtx;                           /* the rtx payload type is in the answer */
    unsigned feedback;                  /* SFU_FB_* the answer kept */
    uint8_t ext_audio_level;            /* ids the answer kept; 0 dropped */
    uint8_t ext_video_orientation;
};

/*
 * Reads a parsed answer to an offer of count m-lines: same m-lines, same
 * mids, our payload types.  Returns 0, or -1 with err filled.
 */
int sfu_negotiate_read_answer(const struct sfu_sdp_session *answer, const struct sfu_sub_media *offered,
    unsigned count, struct sfu_sub_accepted *out, struct sfu_remote_transport *remote,
    struct sfu_sdp_error *err);

/*
 * Sessions to parse into and build in, shared by every caller: one is free
 * again once its caller has returned.  A session is too large for the stack.
 */
struct sfu_sdp_session *sfu_negotiate_parsed(void);
struct sfu_sdp_session *sfu_negotiate_built(void);

/* A built session as text, in a buffer reused by the next call; NULL when it does not fit. */
const char *sfu_negotiate_text(const struct sfu_sdp_session *s, struct sfu_sdp_error *err);

/* A fresh o= session id: up to 18 random digits. */
void sfu_negotiate_session_id(char *buf, size_t size);

#endif
