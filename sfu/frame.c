/*
 * frame: decoder and encoder of the length-prefixed JSON frames exchanged
 * with the nginx module (PROTOCOL.md, "Framing").
 */

#include "frame.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SFU_FRAME_MIN_CAP  4096

static const char *const error_names[] = {
    [SFU_FRAME_ERR_NONE] = "none",
    [SFU_FRAME_ERR_EMPTY] = "empty",
    [SFU_FRAME_ERR_OVERSIZE] = "oversize",
    [SFU_FRAME_ERR_JSON] = "invalid-json",
    [SFU_FRAME_ERR_NOT_OBJECT] = "not-an-object",
};

void
sfu_frame_decoder_init(sfu_frame_decoder_t *d, size_t max)
{
    memset(d, 0, sizeof(*d));
    d->max = max;
}

void
sfu_frame_decoder_free(sfu_frame_decoder_t *d)
{
    free(d->buf);
    d->buf = NULL;
    d->start = d->len = d->cap = 0;
}

const char *
sfu_frame_error_name(sfu_frame_error_t err)
{
    return error_names[err];
}

static sfu_frame_status_t
decoder_fail(sfu_frame_decoder_t *d, sfu_frame_error_t err)
{
    /* the detail quotes peer bytes; it goes to logs and JSON strings */
    sfu_log_printable(d->detail);

    d->error = err;
    return SFU_FRAME_ERROR;
}

int
sfu_frame_decoder_feed(sfu_frame_decoder_t *d, const void *data, size_t n)
{
    size_t need, cap;
    uint8_t *buf;

    if (n == 0) {
        return 0;
    }

    if (d->start == d->len) {
        d->start = d->len = 0;
    }

    if (d->cap - d->len < n && d->start > 0) {
        memmove(d->buf, d->buf + d->start, d->len - d->start);
        d->len -= d->start;
        d->start = 0;
    }

    need = d->len + n;

    if (need > d->cap) {
        cap = d->cap ? d->cap : SFU_FRAME_MIN_CAP;
        while (cap < need) {
            cap *= 2;
        }

        buf = realloc(d->buf, cap);
        if (buf == NULL) {
            return -1;
        }

        d->buf = buf;
        d->cap = cap;
    }

    memcpy(d->buf + d->len, data, n);
    d->len += n;

    return 0;
}

sfu_frame_status_t
sfu_frame_decoder_next(sfu_frame_decoder_t *d, json_t **msg)
{
    const uint8_t *p;
    size_t avail;
    uint32_t size;
    json_t *value;
    json_error_t jerr;

    *msg = NULL;

    if (d->error != SFU_FRAME_ERR_NONE) {
        return SFU_FRAME_ERROR;
    }

    avail = d->len - d->start;
    if (avail < SFU_FRAME_HEADER) {
        return SFU_FRAME_AGAIN;
    }

    p = d->buf + d->start;
    size = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | (uint32_t) p[3];

    if (size == 0) {
        snprintf(d->detail, sizeof(d->detail), "frame of length 0");
        return decoder_fail(d, SFU_FRAME_ERR_EMPTY);
    }

    if (size > d->max) {
        snprintf(d->detail, sizeof(d->detail),
                 "frame of %u bytes exceeds the maximum of %zu", size, d->max);
        return decoder_fail(d, SFU_FRAME_ERR_OVERSIZE);
    }

    if (avail - SFU_FRAME_HEADER < size) {
        return SFU_FRAME_AGAIN;
    }

    value = json_loadb((const char *) p + SFU_FRAME_HEADER, size,
                       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (value == NULL) {
        snprintf(d->detail, sizeof(d->detail),
                 "invalid JSON at byte %d: %s", jerr.position, jerr.text);
        return decoder_fail(d, SFU_FRAME_ERR_JSON);
    }

    if (!json_is_object(value)) {
        json_decref(value);
        snprintf(d->detail, sizeof(d->detail),
                 "frame holds JSON that is not an object");
        return decoder_fail(d, SFU_FRAME_ERR_NOT_OBJECT);
    }

    d->start += SFU_FRAME_HEADER + size;
    *msg = value;

    return SFU_FRAME_OK;
}

size_t
sfu_frame_decoder_pending(const sfu_frame_decoder_t *d)
{
    return d->len - d->start;
}

uint8_t *
sfu_frame_encode(const json_t *msg, size_t max, size_t *len)
{
    char *text;
    size_t size;
    uint8_t *frame;

    text = json_dumps(msg, JSON_COMPACT);
    if (text == NULL) {
        return NULL;
    }

    size = strlen(text);
    if (size == 0 || size > max || size > UINT32_MAX) {
        free(text);
        return NULL;
    }

    frame = malloc(SFU_FRAME_HEADER + size);
    if (frame != NULL) {
        frame[0] = (uint8_t) (size >> 24);
        frame[1] = (uint8_t) (size >> 16);
        frame[2] = (uint8_t) (size >> 8);
        frame[3] = (uint8_t) size;
        memcpy(frame + SFU_FRAME_HEADER, text, size);
        *len = SFU_FRAME_HEADER + size;
    }

    free(text);

    return frame;
}
