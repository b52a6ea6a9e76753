/*
 * ice_tcp_frame: RFC 4571 framing of ICE-TCP (RFC 6544) connections, the
 * reading side: a 16-bit big-endian length, then that many bytes.  The
 * reader owns a fixed buffer the connection reads into; complete frames
 * are handed out in place (writable, as SRTP unprotects in place), and a
 * frame longer than SFU_ICE_TCP_FRAME_MAX makes the stream unusable (it
 * cannot be resynchronized, so the connection is closed).  Nothing here
 * touches a socket, so it can be fuzzed and tested alone.
 */

#ifndef SFU_ICE_TCP_FRAME_H
#define SFU_ICE_TCP_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* as a datagram on the shared UDP port: a media packet fits, no more */
#define SFU_ICE_TCP_FRAME_MAX  1500
#define SFU_ICE_TCP_HEADER     2
/* the bytes buffered per connection: a few frames per read() */
#define SFU_ICE_TCP_READ_BUF   8192

typedef struct {
    uint8_t buf[SFU_ICE_TCP_READ_BUF];
    size_t  start;              /* first byte not handed out */
    size_t  end;                /* first byte not read */
} sfu_ice_tcp_reader_t;

typedef enum {
    SFU_ICE_TCP_FRAME,          /* *frame, *len set (len may be 0) */
    SFU_ICE_TCP_MORE,           /* no complete frame: read more */
    SFU_ICE_TCP_TOO_LONG,       /* the stream is unusable */
} sfu_ice_tcp_result_t;

void sfu_ice_tcp_reader_init(sfu_ice_tcp_reader_t *r);

/* Where the next read() goes and how much fits (never 0 while the reader
   is usable: what is left of a partial frame is moved to the front). */
uint8_t *sfu_ice_tcp_reader_space(sfu_ice_tcp_reader_t *r, size_t *room);
/* n bytes were read into the space. */
void sfu_ice_tcp_reader_filled(sfu_ice_tcp_reader_t *r, size_t n);

/* The next complete frame; valid until the next _space call. */
sfu_ice_tcp_result_t sfu_ice_tcp_reader_next(sfu_ice_tcp_reader_t *r,
                                             uint8_t **frame, size_t *len);

/* Bytes of a partial frame held. */
size_t sfu_ice_tcp_reader_pending(const sfu_ice_tcp_reader_t *r);

/* The header of a frame of len bytes (len <= SFU_ICE_TCP_FRAME_MAX). */
void sfu_ice_tcp_header(uint8_t hdr[SFU_ICE_TCP_HEADER], size_t len);

#endif
