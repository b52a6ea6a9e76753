/*
 * SDP for WebRTC Unified Plan offers and answers (RFC 8866, 8829, 8843,
 * 8853, 8839, 8285): the session struct the SFU reads offers into and builds
 * its own offers and answers from, the parser, the writer, the trickle
 * candidate line, and checks of what a parse cannot see line by line.
 *
 * Strings are views (pointer + length), not copies: a parsed session points
 * into the SDP text it was parsed from, which must outlive it; a session the
 * SFU builds may point anywhere. Repeated items live in fixed pools inside the
 * session, so a parse allocates nothing; the session is large (a few hundred
 * KiB), so callers allocate it once rather than on the stack.
 */
#ifndef SFU_SDP_H
#define SFU_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SFU_SDP_MAX_SIZE (64 * 1024)
#define SFU_SDP_MAX_LINE 4096
#define SFU_SDP_MAX_MEDIA 64
#define SFU_SDP_MAX_GROUPS 8
#define SFU_SDP_MAX_CODECS_PER_MEDIA 64
#define SFU_SDP_MAX_CODECS 384          /* over the whole session */
#define SFU_SDP_MAX_FMTP_PARAMS 12
#define SFU_SDP_MAX_RTCP_FB 8
#define SFU_SDP_MAX_EXTMAPS 256
#define SFU_SDP_MAX_SSRCS 256
#define SFU_SDP_MAX_SSRC_GROUPS 128
#define SFU_SDP_MAX_GROUP_SSRCS 8
#define SFU_SDP_MAX_CANDIDATES 256
#define SFU_SDP_MAX_RIDS 8              /* per m-line, and per simulcast direction */

enum sfu_sdp_status {
    SFU_SDP_OK = 0,
    SFU_SDP_ESYNTAX = -1,       /* a line does not follow the grammar */
    SFU_SDP_ELIMIT = -2,        /* over one of the limits above */
    SFU_SDP_ENOSPC = -3,        /* the writer's buffer is too small */
    SFU_SDP_EINVAL = -4,        /* a session the writer cannot express */
    /* Found by sfu_sdp_check: */
    SFU_SDP_EMID = -5,          /* a duplicate mid, or a group naming an unknown one */
    SFU_SDP_EEXTMAP = -6,       /* one extmap id for two URIs in an m-line or a BUNDLE group */
    SFU_SDP_ECODEC = -7,        /* an rtx apt naming a payload type the m-line lacks */
    SFU_SDP_ETRANSPORT = -8,    /* an active m-line without ICE credentials or a fingerprint */
};

struct sfu_sdp_error {
    int code;
    unsigned line;              /* 1-based; 0 for problems of the whole session */
    char message[256];          /* fit for the signaling error message */
};

struct sfu_sdp_str {
    const char *p;
    size_t len;
};

enum sfu_sdp_kind {
    SFU_SDP_AUDIO,
    SFU_SDP_VIDEO,
    SFU_SDP_APPLICATION,
    SFU_SDP_OTHER_KIND,         /* kept by name in sfu_sdp_media.kind_name */
};

enum sfu_sdp_direction {
    SFU_SDP_SENDRECV,           /* the default when an m-line names none */
    SFU_SDP_SENDONLY,
    SFU_SDP_RECVONLY,
    SFU_SDP_INACTIVE,
};

enum sfu_sdp_setup {
    SFU_SDP_SETUP_NONE,
    SFU_SDP_SETUP_ACTPASS,
    SFU_SDP_SETUP_ACTIVE,
    SFU_SDP_SETUP_PASSIVE,
    SFU_SDP_SETUP_HOLDCONN,
};

/* ICE and DTLS attributes, found at session or media level. */
struct sfu_sdp_transport {
    struct sfu_sdp_str ice_ufrag;
    struct sfu_sdp_str ice_pwd;
    struct sfu_sdp_str ice_options;     /* space-separated, e.g. "trickle renomination" */
    struct sfu_sdp_str fingerprint_algo;/* "sha-256"; the first a=fingerprint only */
    struct sfu_sdp_str fingerprint;     /* colon-separated hex, as written */
    enum sfu_sdp_setup setup;
};

struct sfu_sdp_group {
    struct sfu_sdp_str semantics;       /* "BUNDLE", "LS", ... */
    struct sfu_sdp_str mids[SFU_SDP_MAX_MEDIA];
    unsigned mid_count;
};

/* One fmtp parameter; key is empty for a bare value such as RED's "111/111". */
struct sfu_sdp_param {
    struct sfu_sdp_str key;
    struct sfu_sdp_str value;
};

struct sfu_sdp_codec {
    uint8_t payload_type;
    struct sfu_sdp_str name;            /* empty when the m-line lists it without a=rtpmap */
    uint32_t clock_rate;
    uint8_t channels;                   /* 0 when a=rtpmap gives none */
    struct sfu_sdp_param params[SFU_SDP_MAX_FMTP_PARAMS];
    unsigned param_count;
    struct sfu_sdp_str rtcp_fb[SFU_SDP_MAX_RTCP_FB];  /* "nack pli", "transport-cc", ... */
    unsigned rtcp_fb_count;
};

enum sfu_sdp_ext_direction {
    SFU_SDP_EXT_DEFAULT,                /* no /direction on the line */
    SFU_SDP_EXT_SENDRECV,
    SFU_SDP_EXT_SENDONLY,
    SFU_SDP_EXT_RECVONLY,
    SFU_SDP_EXT_INACTIVE,
};

struct sfu_sdp_extmap {
    uint8_t id;
    enum sfu_sdp_ext_direction direction;
    struct sfu_sdp_str uri;
    struct sfu_sdp_str attributes;      /* anything after the URI */
};

/* What a=ssrc lines say about one source: only cname and msid are kept. */
struct sfu_sdp_ssrc {
    uint32_t ssrc;
    struct sfu_sdp_str cname;
    struct sfu_sdp_str msid_stream;
    struct sfu_sdp_str msid_track;
};

struct sfu_sdp_ssrc_group {
    struct sfu_sdp_str semantics;       /* "FID", "SIM", "FEC-FR" */
    uint32_t ssrcs[SFU_SDP_MAX_GROUP_SSRCS];
    unsigned ssrc_count;
};

enum sfu_sdp_rid_direction {
    SFU_SDP_RID_SEND,
    SFU_SDP_RID_RECV,
};

struct sfu_sdp_rid {
    struct sfu_sdp_str id;
    enum sfu_sdp_rid_direction direction;
    struct sfu_sdp_str params;          /* "pt=96;max-width=1280", possibly empty */
};

/* One rid in an a=simulcast list, in order: "h;m,~l" gives h, m, then ~l as an alternative of m. */
struct sfu_sdp_simulcast_rid {
    struct sfu_sdp_str rid;
    bool paused;                        /* written with a leading ~ */
    bool alternative;                   /* joined to the previous one by ',' */
};

enum sfu_sdp_transport_proto {
    SFU_SDP_UDP,
    SFU_SDP_TCP,
};

enum sfu_sdp_candidate_type {
    SFU_SDP_HOST,
    SFU_SDP_SRFLX,
    SFU_SDP_PRFLX,
    SFU_SDP_RELAY,
};

enum sfu_sdp_tcptype {
    SFU_SDP_TCPTYPE_NONE,
    SFU_SDP_TCPTYPE_ACTIVE,
    SFU_SDP_TCPTYPE_PASSIVE,
    SFU_SDP_TCPTYPE_SO,
};

struct sfu_sdp_candidate {
    struct sfu_sdp_str foundation;
    uint16_t component;
    enum sfu_sdp_transport_proto transport;
    uint32_t priority;
    struct sfu_sdp_str address;         /* IPv4, IPv6 or an mDNS name */
    uint16_t port;
    enum sfu_sdp_candidate_type type;
    struct sfu_sdp_str raddr;           /* empty when absent */
    uint16_t rport;
    enum sfu_sdp_tcptype tcptype;
    /* From the first extension the parser does not know ("generation 0 ufrag x ...") to the end. */
    struct sfu_sdp_str extensions;
};

struct sfu_sdp_media {
    enum sfu_sdp_kind kind;
    struct sfu_sdp_str kind_name;       /* used by the writer for SFU_SDP_OTHER_KIND */
    uint16_t port;                      /* 0: rejected, unless bundle_only */
    struct sfu_sdp_str proto;           /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP" */
    struct sfu_sdp_str fmt;             /* the format list of a non-RTP m-line */
    bool bundle_only;
    struct sfu_sdp_str mid;
    enum sfu_sdp_direction direction;
    bool rtcp_mux;
    bool rtcp_mux_only;
    bool rtcp_rsize;
    bool extmap_allow_mixed;
    bool end_of_candidates;
    struct sfu_sdp_str msid_stream;     /* the first a=msid only */
    struct sfu_sdp_str msid_track;
    struct sfu_sdp_transport transport;
    uint16_t sctp_port;
    uint32_t max_message_size;

    /* Arrays in the session's pools after a parse; anywhere for a built session. */
    struct sfu_sdp_codec *codecs;       /* in m-line order, i.e. preference */
    unsigned codec_count;
    struct sfu_sdp_extmap *extmaps;
    unsigned extmap_count;
    struct sfu_sdp_ssrc *ssrcs;
    unsigned ssrc_count;
    struct sfu_sdp_ssrc_group *ssrc_groups;
    unsigned ssrc_group_count;
    struct sfu_sdp_candidate *candidates;
    unsigned candidate_count;

    struct sfu_sdp_rid rids[SFU_SDP_MAX_RIDS];
    unsigned rid_count;
    struct sfu_sdp_simulcast_rid simulcast_send[SFU_SDP_MAX_RIDS];
    unsigned simulcast_send_count;
    struct sfu_sdp_simulcast_rid simulcast_recv[SFU_SDP_MAX_RIDS];
    unsigned simulcast_recv_count;
};

struct sfu_sdp_origin {
    struct sfu_sdp_str username;
    struct sfu_sdp_str session_id;      /* kept as text: stacks use up to 20 digits */
    uint64_t session_version;
    struct sfu_sdp_str addrtype;        /* "IP4", "IP6" */
    struct sfu_sdp_str address;
};

struct sfu_sdp_session {
    struct sfu_sdp_origin origin;
    struct sfu_sdp_str name;            /* s=; the writer puts "-" when empty */
    bool ice_lite;
    bool extmap_allow_mixed;
    struct sfu_sdp_str msid_semantic;   /* "WMS", "WMS *" */
    struct sfu_sdp_transport transport;
    struct sfu_sdp_group groups[SFU_SDP_MAX_GROUPS];
    unsigned group_count;
    struct sfu_sdp_media media[SFU_SDP_MAX_MEDIA];
    unsigned media_count;

    /* Pools the parser fills; a built session need not use them. */
    struct sfu_sdp_codec codec_pool[SFU_SDP_MAX_CODECS];
    unsigned codec_pool_used;
    struct sfu_sdp_extmap extmap_pool[SFU_SDP_MAX_EXTMAPS];
    unsigned extmap_pool_used;
    struct sfu_sdp_ssrc ssrc_pool[SFU_SDP_MAX_SSRCS];
    unsigned ssrc_pool_used;
    struct sfu_sdp_ssrc_group ssrc_group_pool[SFU_SDP_MAX_SSRC_GROUPS];
    unsigned ssrc_group_pool_used;
    struct sfu_sdp_candidate candidate_pool[SFU_SDP_MAX_CANDIDATES];
    unsigned candidate_pool_used;
};

/*
 * Parses len bytes of SDP (CRLF or LF line ends) into s. On failure returns a
 * negative sfu_sdp_status and fills err, naming the line and the fault; s is
 * then partly filled and must not be used.
 */
int sfu_sdp_parse(struct sfu_sdp_session *s, const char *sdp, size_t len, struct sfu_sdp_error *err);

/*
 * Parses one trickled candidate: "candidate:..." with or without "a=" and a
 * trailing line end, as in the candidate field of an ICE candidate message.
 */
int sfu_sdp_parse_candidate(struct sfu_sdp_candidate *c, const char *line, size_t len,
    struct sfu_sdp_error *err);

/*
 * Finds what a parse cannot see line by line: duplicate mids, groups naming
 * unknown mids, an extmap id bound to two URIs within an m-line or a BUNDLE
 * group (aiortc 1.4 offers audio-level and abs-send-time both as id 2), rtx
 * codecs whose apt is missing, and active m-lines without ICE credentials or
 * a fingerprint. Returns the first fault found, or SFU_SDP_OK.
 */
int sfu_sdp_check(const struct sfu_sdp_session *s, struct sfu_sdp_error *err);

/*
 * Writes s as SDP with CRLF line ends into buf, NUL-terminated; *len gets the
 * length without the NUL. SFU_SDP_ENOSPC when it does not fit.
 */
int sfu_sdp_write(const struct sfu_sdp_session *s, char *buf, size_t size, size_t *len,
    struct sfu_sdp_error *err);

/* Writes "candidate:..." without "a=" or a line end, NUL-terminated. */
int sfu_sdp_write_candidate(const struct sfu_sdp_candidate *c, char *buf, size_t size, size_t *len);

/* The m-line's transport with each absent field taken from the session level. */
void sfu_sdp_media_transport(const struct sfu_sdp_session *s, const struct sfu_sdp_media *m,
    struct sfu_sdp_transport *out);

/* Port 0 without a=bundle-only. */
bool sfu_sdp_media_rejected(const struct sfu_sdp_media *m);

/* The first BUNDLE group naming mid, or NULL. */
const struct sfu_sdp_group *sfu_sdp_bundle_group(const struct sfu_sdp_session *s, struct sfu_sdp_str mid);

const struct sfu_sdp_media *sfu_sdp_media_by_mid(const struct sfu_sdp_session *s, struct sfu_sdp_str mid);
struct sfu_sdp_codec *sfu_sdp_codec_by_pt(const struct sfu_sdp_media *m, uint8_t payload_type);
const struct sfu_sdp_extmap *sfu_sdp_extmap_by_uri(const struct sfu_sdp_media *m, const char *uri);

/* The value of an fmtp key ("apt", "profile-level-id"), or NULL. */
const struct sfu_sdp_str *sfu_sdp_codec_param(const struct sfu_sdp_codec *c, const char *key);
/* The value of an fmtp key as a number; false when absent or not a number. */
bool sfu_sdp_codec_param_uint(const struct sfu_sdp_codec *c, const char *key, uint32_t *value);
bool sfu_sdp_codec_has_rtcp_fb(const struct sfu_sdp_codec *c, const char *fb);

/* Whether a space-separated list such as ice_options holds token. */
bool sfu_sdp_has_token(struct sfu_sdp_str list, const char *token);

/* The fingerprint as bytes; false unless it is colon-separated hex that fits. */
bool sfu_sdp_fingerprint_bytes(const struct sfu_sdp_transport *t, uint8_t *out, size_t size, size_t *len);

/* Names as written in SDP, indexed by the enums above. */
extern const char *const sfu_sdp_kind_names[3];
extern const char *const sfu_sdp_direction_names[4];
extern const char *const sfu_sdp_setup_names[5];        /* [SFU_SDP_SETUP_NONE] is "" */
extern const char *const sfu_sdp_ext_direction_names[5];/* [SFU_SDP_EXT_DEFAULT] is "" */
extern const char *const sfu_sdp_rid_direction_names[2];
extern const char *const sfu_sdp_transport_names[2];
extern const char *const sfu_sdp_candidate_type_names[4];
extern const char *const sfu_sdp_tcptype_names[4];      /* [SFU_SDP_TCPTYPE_NONE] is "" */

bool sfu_sdp_str_eq(struct sfu_sdp_str a, struct sfu_sdp_str b);
bool sfu_sdp_str_is(struct sfu_sdp_str a, const char *cstr);
struct sfu_sdp_str sfu_sdp_str_from(const char *cstr);

#endif
