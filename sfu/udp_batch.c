/*
 * udp_batch: datagrams sent together with sendmmsg; see udp_batch.h.
 */

#include "udp_batch.h"

#include <errno.h>
#include <string.h>

void
sfu_udp_batch_init(sfu_udp_batch_t *b)
{
    b->n = 0;
    b->send_errors = 0;
}

int
sfu_udp_batch_add(sfu_udp_batch_t *b, int fd, const struct sockaddr *to,
                  socklen_t tolen, const uint8_t *buf, size_t len)
{
    unsigned i;

    if (len > SFU_UDP_BATCH_DATAGRAM || tolen > sizeof(b->to[0])) {
        return -1;
    }
    if (b->n == SFU_UDP_BATCH_MAX) {
        sfu_udp_batch_flush(b);
    }
    i = b->n++;
    b->fd[i] = fd;
    memcpy(&b->to[i], to, tolen);
    memcpy(b->bufs[i], buf, len);
    b->iov[i].iov_base = b->bufs[i];
    b->iov[i].iov_len = len;
    memset(&b->msgs[i].msg_hdr, 0, sizeof(b->msgs[i].msg_hdr));
    b->msgs[i].msg_hdr.msg_name = &b->to[i];
    b->msgs[i].msg_hdr.msg_namelen = tolen;
    b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
    b->msgs[i].msg_hdr.msg_iovlen = 1;
    return 0;
}

/* Sends msgs[from, to), all for one socket. */
static void
send_run(sfu_udp_batch_t *b, unsigned from, unsigned to)
{
    int sent;

    while (from < to) {
        sent = sendmmsg(b->fd[from], &b->msgs[from], to - from, MSG_DONTWAIT);
        if (sent > 0) {
            from += (unsigned) sent;
        } else if (sent < 0 && errno == EINTR) {
            continue;
        } else {
            /* msgs[from] failed: drop it, as a failed sendto would be */
            b->send_errors++;
            from++;
        }
    }
}

void
sfu_udp_batch_flush(sfu_udp_batch_t *b)
{
    unsigned start = 0;

    for (unsigned i = 1; i <= b->n; i++) {
        if (i == b->n || b->fd[i] != b->fd[start]) {
            send_run(b, start, i);
            start = i;
        }
    }
    b->n = 0;
}
