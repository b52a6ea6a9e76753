/*
 * negotiate_simulcast: rid-based simulcast on a publish m-line (RFC 8853,
 * RFC 8851).  The offer's "a=simulcast:send" list names the encodings; the
 * SFU takes each one that has an "a=rid:<id> send" line, at most
 * SFU_SIMULCAST_MAX_LAYERS, skipping alternatives (the rid after a ','),
 * and answers "a=rid:<id> recv" for each with "a=simulcast:recv" listing
 * them.  Without the rtp-stream-id extension the layers could not be told
 * apart, so the m-line is then answered without simulcast (one encoding).
 */
#include "negotiate_internal.h"

#include <string.h>

static const struct sfu_sdp_rid *
send_rid(const struct sfu_sdp_media *m, struct sfu_sdp_str id)
{
    unsigned i;

    for (i = 0; i < m->rid_count; i++) {
        if (m->rids[i].direction == SFU_SDP_RID_SEND && m->rids[i].id.len == id.len
            && memcmp(m->rids[i].id.p, id.p, id.len) == 0)
        {
            return &m->rids[i];
        }
    }
    return NULL;
}

void
sfu_negotiate_read_simulcast(const struct sfu_sdp_media *m, struct sfu_pub_media *pm)
{
    unsigned i;

    pm->rid_count = 0;
    pm->ext_rid = sfu_negotiate_ext_id(m, SFU_EXT_RID);
    if (pm->ext_rid == 0 || m->simulcast_send_count == 0) {
        pm->ext_rid = 0;
        return;
    }
    for (i = 0; i < m->simulcast_send_count && pm->rid_count < SFU_SIMULCAST_MAX_LAYERS; i++) {
        const struct sfu_sdp_simulcast_rid *s = &m->simulcast_send[i];

        if (s->alternative || send_rid(m, s->rid) == NULL
            || !sfu_negotiate_copy(pm->rids[pm->rid_count], sizeof(pm->rids[0]), s->rid))
        {
            continue;
        }
        pm->rid_count++;
    }
    if (pm->rid_count == 0) {
        pm->ext_rid = 0;
        return;
    }
    pm->ext_repaired_rid = pm->codec.has_rtx ? sfu_negotiate_ext_id(m, SFU_EXT_REPAIRED_RID) : 0;
    /* Each layer's SSRCs come from its rid: an a=ssrc line names one stream of several. */
    pm->ssrc = 0;
    pm->rtx_ssrc = 0;
}

void
sfu_negotiate_put_simulcast(const struct sfu_pub_media *pm, struct sfu_sdp_media *a)
{
    unsigned i;

    for (i = 0; i < pm->rid_count; i++) {
        memset(&a->rids[i], 0, sizeof(a->rids[i]));
        a->rids[i].id = sfu_sdp_str_from(pm->rids[i]);
        a->rids[i].direction = SFU_SDP_RID_RECV;
        memset(&a->simulcast_recv[i], 0, sizeof(a->simulcast_recv[i]));
        a->simulcast_recv[i].rid = a->rids[i].id;
    }
    a->rid_count = pm->rid_count;
    a->simulcast_recv_count = pm->rid_count;
}
