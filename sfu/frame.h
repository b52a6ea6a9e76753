/*
 * frame: the framing between the nginx module and the worker, a 4-byte
 * big-endian length followed by that many bytes holding one JSON object.
 * The decoder reassembles frames from arbitrary reads; the encoder builds
 * one frame from a JSON object.  See PROTOCOL.md.
 */

#ifndef SFU_FRAME_H
#define SFU_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SFU_FRAME_HEADER   4
#define SFU_FRAME_MAX      (1024 * 1024)    /* payload bytes, by default */

typedef enum {
    SFU_FRAME_OK = 0,      /* a message was decoded */
    SFU_FRAME_AGAIN,       /* more bytes are needed */
    SFU_FRAME_ERROR        /* the stream is broken; see sfu_frame_error_t */
} sfu_frame_status_t;

typedef enum {
    SFU_FRAME_ERR_NONE = 0,
    SFU_FRAME_ERR_EMPTY,       /* length 0 */
    SFU_FRAME_ERR_OVERSIZE,    /* length above the decoder's maximum */
    SFU_FRAME_ERR_JSON,        /* payload is not valid JSON */
    SFU_FRAME_ERR_NOT_OBJECT   /* valid JSON, but not an object */
} sfu_frame_error_t;

typedef struct {
    uint8_t           *buf;
    size_t             start;    /* first unconsumed byte */
    size_t             len;      /* end of buffered bytes */
    size_t             cap;
    size_t             max;      /* largest payload accepted */
    sfu_frame_error_t  error;    /* sticky once set */
    char               detail[256];
} sfu_frame_decoder_t;

void sfu_frame_decoder_init(sfu_frame_decoder_t *d, size_t max);
void sfu_frame_decoder_free(sfu_frame_decoder_t *d);

/* Appends received bytes; returns 0, or -1 when out of memory. */
int sfu_frame_decoder_feed(sfu_frame_decoder_t *d, const void *data, size_t n);

/*
 * Takes the next complete frame.  On SFU_FRAME_OK *msg holds a new
 * reference to a JSON object.  On SFU_FRAME_ERROR d->error and d->detail
 * say why; every later call fails the same way.
 */
sfu_frame_status_t sfu_frame_decoder_next(sfu_frame_decoder_t *d,
                                          json_t **msg);

/* Bytes held that do not yet make a frame: non-zero at EOF = truncated. */
size_t sfu_frame_decoder_pending(const sfu_frame_decoder_t *d);

/* Short stable name of an error, as used in error messages: "oversize". */
const char *sfu_frame_error_name(sfu_frame_error_t err);

/*
 * Encodes msg as one frame in a malloc()ed buffer of *len bytes.
 * Returns NULL if the payload would exceed max bytes or memory runs out.
 */
uint8_t *sfu_frame_encode(const json_t *msg, size_t max, size_t *len);

#endif
