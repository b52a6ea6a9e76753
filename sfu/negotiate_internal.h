/*
 * negotiate_internal: what the publish and subscribe halves of negotiate
 * share, the client's transport copied out of its SDP and the SFU's own
 * written into the SDP it builds.  Internal to negotiate*.c.
 */
#ifndef SFU_NEGOTIATE_INTERNAL_H
#define SFU_NEGOTIATE_INTERNAL_H

#include "negotiate.h"

/* Fills err with fmt (one %s taking arg) and returns -1. */
int sfu_negotiate_fail(struct sfu_sdp_error *err, const char *fmt, const char *arg);

/* Copies s NUL-terminated; false when it does not fit in size. */
bool sfu_negotiate_copy(char *dst, size_t size, struct sfu_sdp_str s);

/* The ICE credentials, fingerprint and setup of m (or of the session) into remote. */
int sfu_negotiate_copy_remote(const struct sfu_sdp_session *s, const struct sfu_sdp_media *m,
    struct sfu_remote_transport *remote, struct sfu_sdp_error *err);

/* The SFU's ICE and DTLS attributes and rtcp-mux; candidates when first. */
void sfu_negotiate_put_local(const struct sfu_local_transport *local, enum sfu_sdp_setup setup, bool first,
    struct sfu_sdp_media *m);

/* The id the m-line gives the extension uri for the offerer to send; 0 when it sends none. */
uint8_t sfu_negotiate_ext_id(const struct sfu_sdp_media *m, const char *uri);

/* Simulcast of a publish m-line: the rids it sends, read into pm, and answered into a (negotiate_simulcast.c). */
void sfu_negotiate_read_simulcast(const struct sfu_sdp_media *m, struct sfu_pub_media *pm);
void sfu_negotiate_put_simulcast(const struct sfu_pub_media *pm, struct sfu_sdp_media *a);

/* Clears everything of s but its pools, then fills the o= line. */
void sfu_negotiate_put_origin(struct sfu_sdp_session *s, const char *session_id, uint64_t version);

#endif
