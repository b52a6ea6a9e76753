/*
 * ice_mux_sendq: the send queue of one of the shared port's UDP sockets.
 * While the mux dispatches (a recvmmsg batch and the clients' timers), a
 * fan-out sends the same packet, protected per subscriber, to many
 * paths in a row; each sendto costs a syscall.  The queue copies such
 * datagrams into slots allocated once with the socket and hands them to
 * the kernel with one sendmmsg when the slots are full and at the end of
 * the dispatch, in the order they were queued.
 */

#ifndef SFU_ICE_MUX_SENDQ_H
#define SFU_ICE_MUX_SENDQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SFU_ICE_MUX_SENDQ_SLOTS    64
/* larger datagrams are not queued (sfu_ice_mux_sendq_fits) */
#define SFU_ICE_MUX_SENDQ_SLOT_MAX 1500

typedef struct sfu_ice_mux_sendq sfu_ice_mux_sendq_t;

typedef struct {
    uint64_t sent;      /* datagrams the kernel took */
    uint64_t batches;   /* sendmmsg calls that sent at least one */
    uint64_t failed;    /* datagrams refused, skipped: the rest went on */
} sfu_ice_mux_sendq_stats_t;

sfu_ice_mux_sendq_t *sfu_ice_mux_sendq_new(int fd);
/* Flushes what is queued first. */
void sfu_ice_mux_sendq_free(sfu_ice_mux_sendq_t *q);

static inline int
sfu_ice_mux_sendq_fits(size_t len)
{
    return len <= SFU_ICE_MUX_SENDQ_SLOT_MAX;
}

/* Copies the datagram (len must fit) into the next slot, flushing first
   if none is left: the caller may reuse buf at once. */
void sfu_ice_mux_sendq_add(sfu_ice_mux_sendq_t *q, const struct sockaddr *to,
                           socklen_t to_len, const uint8_t *buf, size_t len);

/* Everything queued goes out (or is counted failed); the queue is empty
   after it. */
void sfu_ice_mux_sendq_flush(sfu_ice_mux_sendq_t *q);

unsigned sfu_ice_mux_sendq_queued(const sfu_ice_mux_sendq_t *q);
void sfu_ice_mux_sendq_stats(const sfu_ice_mux_sendq_t *q,
                             sfu_ice_mux_sendq_stats_t *out);

#endif
