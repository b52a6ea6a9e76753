/*
 * stamp: what sfu-load writes at the end of every RTP payload it sends,
 * so that a receiver knows, whatever the SFU rewrote in the header, which
 * stream a packet belongs to and when it was sent:
 *
 *   +---------+-----------+-------------------------------+
 *   | "sLd1"  | stream id | send time, CLOCK_MONOTONIC ns |   16 bytes,
 *   +---------+-----------+-------------------------------+   big-endian
 *
 * Sender and receiver are one process, so the clock is the same.
 */

#ifndef SFU_LOAD_STAMP_H
#define SFU_LOAD_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define LOAD_STAMP_LEN  16

/* A stream id: the publisher's number and which of its streams. */
#define LOAD_STREAM_AUDIO    0
#define LOAD_STREAM_VIDEO    1      /* simulcast layers: 1, 2, 3 */
#define LOAD_STREAM_KINDS    4
#define LOAD_STREAM_ID(publisher, kind) ((uint32_t) (publisher) * LOAD_STREAM_KINDS + (kind))

/* Writes the stamp into the last LOAD_STAMP_LEN bytes of payload. */
void load_stamp_write(uint8_t *payload, size_t len, uint32_t stream_id,
                      uint64_t send_ns);

/* Sets the send time of the stamp at the end of a whole packet of len. */
void load_stamp_set_time(uint8_t *pkt, size_t len, uint64_t send_ns);

/* Reads it back; false when the payload is too short or not stamped. */
bool load_stamp_read(const uint8_t *payload, size_t len, uint32_t *stream_id,
                     uint64_t *send_ns);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t load_now_ns(void);

/*
 * A kernel's receive stamp (CLOCK_REALTIME, sfu_transport_arrival) on the
 * CLOCK_MONOTONIC scale of now_ns, read just after it: now_ns less the
 * packet's wait in the socket.  now_ns itself when the stamp is later than
 * now or more than 10 s earlier (the realtime clock stepped meanwhile).
 */
uint64_t load_arrival_ns(const struct timespec *at, uint64_t now_ns);

#endif
