/*
 * udp_batch: datagrams queued for UDP sockets and sent together, one
 * sendmmsg per run of consecutive datagrams for the same socket.
 *
 * The shared ICE port fans one received packet out to every subscriber
 * from one socket; queued while that packet is handled and sent when it
 * is done, its copies cost one system call per SFU_UDP_BATCH_MAX instead
 * of one each.  Datagrams leave in the order they were queued.  The
 * buffers are the batch's own (copied in: the caller's buffer is reused
 * for the next copy at once), allocated once with it.
 */

#ifndef SFU_UDP_BATCH_H
#define SFU_UDP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "transport.h"

#define SFU_UDP_BATCH_MAX       32
/* the largest datagram the worker sends: an MTU of RTP plus SRTP's tail */
#define SFU_UDP_BATCH_DATAGRAM  (SFU_TRANSPORT_MTU + SFU_TRANSPORT_TRAILER)

typedef struct {
    unsigned                n;
    int                     fd[SFU_UDP_BATCH_MAX];
    struct mmsghdr          msgs[SFU_UDP_BATCH_MAX];
    struct iovec            iov[SFU_UDP_BATCH_MAX];
    struct sockaddr_storage to[SFU_UDP_BATCH_MAX];
    uint8_t                 bufs[SFU_UDP_BATCH_MAX][SFU_UDP_BATCH_DATAGRAM];
    uint64_t                send_errors;  /* datagrams the kernel refused */
} sfu_udp_batch_t;

/* An empty batch. */
void sfu_udp_batch_init(sfu_udp_batch_t *b);

/*
 * Queues buf for to on fd, sending what is queued first when the batch
 * is full.  -1 (nothing queued) when len is over SFU_UDP_BATCH_DATAGRAM
 * or tolen over a sockaddr_storage.
 */
int sfu_udp_batch_add(sfu_udp_batch_t *b, int fd, const struct sockaddr *to,
                      socklen_t tolen, const uint8_t *buf, size_t len);

/*
 * Sends every queued datagram and empties the batch.  One the kernel
 * refuses (a full send buffer, a filter) is dropped and counted in
 * send_errors; those after it are still sent.
 */
void sfu_udp_batch_flush(sfu_udp_batch_t *b);

#endif
