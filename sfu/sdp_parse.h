/*
 * Internal to the session parser (sdp.c) and the attributes of an m-line's
 * RTP streams (sdp_rtp_attrs.c): the attribute handlers' type, the handlers
 * sdp_rtp_attrs.c provides, and the helpers both use.
 */
#ifndef SFU_SDP_PARSE_H
#define SFU_SDP_PARSE_H

#include "sdp_text.h"

/* Attribute handlers: name is the attribute name, v its value (empty for flags). */
typedef int sfu_sdp_attr_handler(struct sfu_sdp_parser *ps, struct sfu_sdp_str name, struct sfu_sdp_str v);

/* Stores a single-valued attribute, refusing a second one at the same level. */
int sfu_sdp_set_once(struct sfu_sdp_parser *ps, struct sfu_sdp_str *field, struct sfu_sdp_str value, const char *name);

/* Takes the next slot of a session pool; the caller's m-line array starts at its first slot. */
int sfu_sdp_take_slot(struct sfu_sdp_parser *ps, unsigned *used, unsigned cap, const char *what);

/* In sdp_rtp_attrs.c; each needs an m-line. */
sfu_sdp_attr_handler sfu_sdp_attr_rtpmap;
sfu_sdp_attr_handler sfu_sdp_attr_fmtp;
sfu_sdp_attr_handler sfu_sdp_attr_rtcp_fb;
sfu_sdp_attr_handler sfu_sdp_attr_extmap;
sfu_sdp_attr_handler sfu_sdp_attr_ssrc;
sfu_sdp_attr_handler sfu_sdp_attr_ssrc_group;
sfu_sdp_attr_handler sfu_sdp_attr_rid;
sfu_sdp_attr_handler sfu_sdp_attr_simulcast;

#endif
