/*
 * ice_mux_sendq: one socket's queue of datagrams for sendmmsg (see
 * ice_mux_sendq.h).  The slots, their iovecs, addresses and mmsghdrs
 * are allocated with the queue and wired together once; queueing a
 * datagram is a copy of its bytes and its address.
 *
 * sendmmsg stops at the first datagram the kernel refuses: it returns
 * how many went before it, or -1 if it was the first.  So a flush calls
 * it again from where it stopped, skipping (and counting) a datagram
 * that failed first, until every one was tried: a peer whose address is
 * refused (EPERM from a filter, EINVAL) or a full socket buffer (EAGAIN)
 * costs that datagram, not the ones queued after it.
 */

#include "ice_mux_sendq.h"

#include "log.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

struct sfu_ice_mux_sendq {
    int                       fd;
    unsigned                  n;
    sfu_ice_mux_sendq_stats_t stats;
    struct mmsghdr            msgs[SFU_ICE_MUX_SENDQ_SLOTS];
    struct iovec              iov[SFU_ICE_MUX_SENDQ_SLOTS];
    struct sockaddr_storage   to[SFU_ICE_MUX_SENDQ_SLOTS];
    uint8_t                   bufs[SFU_ICE_MUX_SENDQ_SLOTS]
                                  [SFU_ICE_MUX_SENDQ_SLOT_MAX];
};

sfu_ice_mux_sendq_t *
sfu_ice_mux_sendq_new(int fd)
{
    sfu_ice_mux_sendq_t *q = g_new0(sfu_ice_mux_sendq_t, 1);

    q->fd = fd;
    for (unsigned i = 0; i < SFU_ICE_MUX_SENDQ_SLOTS; i++) {
        q->iov[i].iov_base = q->bufs[i];
        q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
        q->msgs[i].msg_hdr.msg_iovlen = 1;
        q->msgs[i].msg_hdr.msg_name = &q->to[i];
    }
    return q;
}

void
sfu_ice_mux_sendq_free(sfu_ice_mux_sendq_t *q)
{
    if (q != NULL) {
        sfu_ice_mux_sendq_flush(q);
        g_free(q);
    }
}

void
sfu_ice_mux_sendq_add(sfu_ice_mux_sendq_t *q, const struct sockaddr *to,
                      socklen_t to_len, const uint8_t *buf, size_t len)
{
    unsigned i;

    if (q->n == SFU_ICE_MUX_SENDQ_SLOTS) {
        sfu_ice_mux_sendq_flush(q);
    }
    i = q->n++;
    memcpy(&q->to[i], to, to_len);
    q->msgs[i].msg_hdr.msg_namelen = to_len;
    memcpy(q->bufs[i], buf, len);
    q->iov[i].iov_len = len;
}

void
sfu_ice_mux_sendq_flush(sfu_ice_mux_sendq_t *q)
{
    unsigned done = 0;

    while (done < q->n) {
        int n = sendmmsg(q->fd, q->msgs + done, q->n - done, 0);

        if (n > 0) {
            done += (unsigned) n;
            q->stats.sent += (unsigned) n;
            q->stats.batches++;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        /* datagram `done` was refused: it is lost, the rest go on */
        sfu_log_debug("ice mux: sendmmsg: %s",
                      g_strerror(n < 0 ? errno : EIO));
        q->stats.failed++;
        done++;
    }
    q->n = 0;
}

unsigned
sfu_ice_mux_sendq_queued(const sfu_ice_mux_sendq_t *q)
{
    return q->n;
}

void
sfu_ice_mux_sendq_stats(const sfu_ice_mux_sendq_t *q,
                        sfu_ice_mux_sendq_stats_t *out)
{
    *out = q->stats;
}
