/*
 * srtp: the two libsrtp2 sessions of one transport, keyed from DTLS.
 *
 * Replay window: libsrtp2's default of 128 packets is short for video, where
 * a packet retransmitted on NACK with its own sequence number (no RTX)
 * arrives an RTT late, several hundred packets behind at a few Mbit/s.
 * 1024 is what browsers use.
 *
 * Repeated sending: an SFU that answers a NACK by resending a packet on
 * the same SSRC protects the same index twice.  Under AES-CM that only
 * repeats keystream over the same payload (the header, which a forwarder
 * may have rewritten, is authenticated, not encrypted), so it is allowed.
 * Under GCM the index is the nonce, and a second tag under one nonce with
 * another header gives away the authentication key, so it is refused.
 */

#include "srtp.h"

#include "log.h"

#include <limits.h>
#include <string.h>

#define SRTP_REPLAY_WINDOW 1024

int
sfu_srtp_global_init(void)
{
    srtp_err_status_t err = srtp_init();

    if (err != srtp_err_status_ok) {
        sfu_log_error("srtp: libsrtp2 init failed (%d)", (int) err);
        return -1;
    }
    return 0;
}

void
sfu_srtp_global_cleanup(void)
{
    srtp_shutdown();
}

size_t
sfu_srtp_key_len(sfu_srtp_profile_t profile)
{
    return profile == SFU_SRTP_NONE ? 0 : 16;
}

size_t
sfu_srtp_salt_len(sfu_srtp_profile_t profile)
{
    switch (profile) {
    case SFU_SRTP_AES128_CM_SHA1_80:
        return 14;
    case SFU_SRTP_AEAD_AES_128_GCM:
        return 12;
    default:
        return 0;
    }
}

static int
srtp_session(srtp_t *session, sfu_srtp_profile_t profile, bool outbound,
             const uint8_t *master)
{
    srtp_policy_t policy;
    srtp_err_status_t err;

    memset(&policy, 0, sizeof(policy));
    if (profile == SFU_SRTP_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    /* libsrtp2 reads the key, it does not keep or change it */
    policy.key = (unsigned char *) master;
    policy.window_size = SRTP_REPLAY_WINDOW;
    policy.allow_repeat_tx = outbound && profile == SFU_SRTP_AES128_CM_SHA1_80;

    err = srtp_create(session, &policy);
    if (err != srtp_err_status_ok) {
        sfu_log_error("srtp: session not created (%d)", (int) err);
        *session = NULL;
        return -1;
    }
    return 0;
}

int
sfu_srtp_start(sfu_srtp_t *s, const sfu_srtp_keys_t *keys)
{
    if (keys->profile == SFU_SRTP_NONE) {
        return -1;
    }
    if (srtp_session(&s->out, keys->profile, true, keys->local) != 0) {
        return -1;
    }
    if (srtp_session(&s->in, keys->profile, false, keys->remote) != 0) {
        srtp_dealloc(s->out);
        s->out = NULL;
        return -1;
    }
    return 0;
}

void
sfu_srtp_stop(sfu_srtp_t *s)
{
    if (s->out != NULL) {
        srtp_dealloc(s->out);
    }
    if (s->in != NULL) {
        srtp_dealloc(s->in);
    }
    s->out = s->in = NULL;
}

int
sfu_srtp_protect(sfu_srtp_t *s, bool rtcp, uint8_t *pkt, size_t *len,
                 size_t cap)
{
    srtp_err_status_t err;
    int n;

    if (s->out == NULL || *len > INT_MAX - SFU_TRANSPORT_TRAILER
        || cap < *len + SFU_TRANSPORT_TRAILER)
    {
        return -1;
    }
    n = (int) *len;
    err = rtcp ? srtp_protect_rtcp(s->out, pkt, &n)
               : srtp_protect(s->out, pkt, &n);
    if (err != srtp_err_status_ok) {
        return -1;
    }
    *len = (size_t) n;
    return 0;
}

int
sfu_srtp_unprotect(sfu_srtp_t *s, bool rtcp, uint8_t *pkt, size_t *len)
{
    srtp_err_status_t err;
    int n;

    if (s->in == NULL || *len > INT_MAX) {
        return -1;
    }
    n = (int) *len;
    err = rtcp ? srtp_unprotect_rtcp(s->in, pkt, &n)
               : srtp_unprotect(s->in, pkt, &n);
    if (err != srtp_err_status_ok) {
        return -1;
    }
    *len = (size_t) n;
    return 0;
}
