
/*
 * libFuzzer target: the WebSocket frame parser (ngx_http_sfu_ws_frame.c),
 * the same code the module runs.  Beyond "no crash, no leak" it checks:
 *   - the events do not depend on how the bytes are split into reads;
 *   - a text message is valid UTF-8 by an independent decoder, no message
 *     exceeds the limit, no control payload exceeds 125 bytes, a close
 *     code is one a peer may send;
 *   - an error sticks, with its code, and is a code we may send;
 *   - a frame the writer's header describes parses back to its payload
 *     (or to 1007 / 1009, as the reference says it must).
 * The first input byte seeds the read sizes; the rest is the stream.
 */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_sfu_ws_frame.h"


#define MAX_MESSAGE  4096
#define MAX_EVENTS   64


typedef struct {
    int             rc;
    unsigned        code;
    size_t          len;
    unsigned char   data[MAX_MESSAGE];
} event_t;


/* a plain decoder, written apart from the parser's range table */

static int
reference_utf8(const unsigned char *s, size_t len)
{
    size_t    i, n, k;
    uint32_t  cp, min;

    for (i = 0; i < len; i += n) {
        if (s[i] < 0x80) {
            n = 1;
            continue;
        }

        if ((s[i] & 0xe0) == 0xc0) {
            n = 2; cp = s[i] & 0x1f; min = 0x80;

        } else if ((s[i] & 0xf0) == 0xe0) {
            n = 3; cp = s[i] & 0x0f; min = 0x800;

        } else if ((s[i] & 0xf8) == 0xf0) {
            n = 4; cp = s[i] & 0x07; min = 0x10000;

        } else {
            return 0;
        }

        if (i + n > len) {
            return 0;
        }

        for (k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }

            cp = cp << 6 | (s[i + k] & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
    }

    return 1;
}


static void
check_event(int rc, ngx_http_sfu_ws_event_t *ev)
{
    switch (rc) {

    case NGX_HTTP_SFU_WS_TEXT:
        assert(ev->len <= MAX_MESSAGE);
        assert(reference_utf8(ev->data, ev->len));
        break;

    case NGX_HTTP_SFU_WS_BINARY:
        assert(0);    /* the parser was told to refuse binary */
        break;

    case NGX_HTTP_SFU_WS_PING:
    case NGX_HTTP_SFU_WS_PONG:
        assert(ev->len <= NGX_HTTP_SFU_WS_MAX_CONTROL);
        break;

    case NGX_HTTP_SFU_WS_CLOSE:
        assert(ev->len <= NGX_HTTP_SFU_WS_MAX_CONTROL - 2);
        assert(ev->code == NGX_HTTP_SFU_WS_NO_STATUS
               || (ev->code >= 1000 && ev->code <= 4999
                   && ev->code != 1004 && ev->code != 1005
                   && ev->code != 1006 && ev->code != 1015));
        assert(reference_utf8(ev->data, ev->len));
        break;

    case NGX_HTTP_SFU_WS_ERROR:
        assert(ev->code == NGX_HTTP_SFU_WS_PROTOCOL
               || ev->code == NGX_HTTP_SFU_WS_UNACCEPTABLE
               || ev->code == NGX_HTTP_SFU_WS_BAD_DATA
               || ev->code == NGX_HTTP_SFU_WS_TOO_BIG
               || ev->code == NGX_HTTP_SFU_WS_INTERNAL);
        assert(ev->reason != NULL);
        break;

    default:
        assert(0);
    }
}


/*
 * Feeds data in reads of the sizes seed gives (0: all at once) and
 * records up to MAX_EVENTS events; returns how many.
 */

static size_t
run(const unsigned char *data, size_t size, unsigned seed, event_t *events)
{
    int                        rc;
    size_t                     n, used, chunk, nevents;
    ngx_http_sfu_ws_event_t    ev;
    ngx_http_sfu_ws_parser_t   p;

    ngx_http_sfu_ws_parser_init(&p, MAX_MESSAGE, 0);

    nevents = 0;

    while (size && nevents < MAX_EVENTS) {
        if (seed) {
            seed = seed * 1103515245 + 12345;
            chunk = 1 + (seed >> 16) % 7;
            n = chunk < size ? chunk : size;

        } else {
            n = size;
        }

        rc = ngx_http_sfu_ws_parse(&p, data, n, &used, &ev);
        assert(used <= n);

        if (rc == NGX_HTTP_SFU_WS_AGAIN) {
            assert(used == n);
            data += n;
            size -= n;
            continue;
        }

        check_event(rc, &ev);

        events[nevents].rc = rc;
        events[nevents].code = ev.code;
        events[nevents].len = ev.len;
        memcpy(events[nevents].data, ev.data, ev.len);
        nevents++;

        if (rc == NGX_HTTP_SFU_WS_ERROR) {
            /* a failed parser stays failed */
            assert(ngx_http_sfu_ws_parse(&p, data, n, &used, &ev)
                   == NGX_HTTP_SFU_WS_ERROR);
            assert(ev.code == events[nevents - 1].code);
            break;
        }

        data += used;
        size -= used;
    }

    ngx_http_sfu_ws_parser_free(&p);

    return nevents;
}


/* one masked text frame around payload, headed by the writer */

static void
round_trip(const unsigned char *payload, size_t len)
{
    int                        rc;
    size_t                     i, h, used;
    unsigned char             *frame;
    ngx_http_sfu_ws_event_t    ev;
    ngx_http_sfu_ws_parser_t   p;
    static const unsigned char mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

    frame = malloc(NGX_HTTP_SFU_WS_SERVER_HEADER + 4 + len);
    assert(frame != NULL);

    h = ngx_http_sfu_ws_frame_header(frame, NGX_HTTP_SFU_WS_OP_TEXT, len);
    assert(h == (len < 126 ? 2 : len <= 0xffff ? 4 : 10));
    frame[1] |= 0x80;
    memcpy(frame + h, mask, 4);

    for (i = 0; i < len; i++) {
        frame[h + 4 + i] = payload[i] ^ mask[i & 3];
    }

    ngx_http_sfu_ws_parser_init(&p, MAX_MESSAGE, 0);

    rc = ngx_http_sfu_ws_parse(&p, frame, h + 4 + len, &used, &ev);

    if (len > MAX_MESSAGE) {
        assert(rc == NGX_HTTP_SFU_WS_ERROR
               && ev.code == NGX_HTTP_SFU_WS_TOO_BIG);

    } else if (!reference_utf8(payload, len)) {
        assert(rc == NGX_HTTP_SFU_WS_ERROR
               && ev.code == NGX_HTTP_SFU_WS_BAD_DATA);

    } else {
        assert(rc == NGX_HTTP_SFU_WS_TEXT && used == h + 4 + len);
        assert(ev.len == len && memcmp(ev.data, payload, len) == 0);
    }

    ngx_http_sfu_ws_parser_free(&p);
    free(frame);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t           i, n1, n2;
    unsigned char    reason[NGX_HTTP_SFU_WS_MAX_CONTROL];
    static event_t   whole[MAX_EVENTS], pieces[MAX_EVENTS];

    if (size == 0) {
        return 0;
    }

    n1 = run(data + 1, size - 1, 0, whole);
    n2 = run(data + 1, size - 1, data[0] | 0x100, pieces);

    assert(n1 == n2);

    for (i = 0; i < n1; i++) {
        assert(whole[i].rc == pieces[i].rc);
        assert(whole[i].code == pieces[i].code);
        assert(whole[i].len == pieces[i].len);
        assert(memcmp(whole[i].data, pieces[i].data, whole[i].len) == 0);
    }

    round_trip(data + 1, size - 1);

    /* a close reason is cut on a character boundary */

    n1 = ngx_http_sfu_ws_close_payload(reason, 1000, (const char *) data + 1,
                                       size - 1);
    assert(n1 >= 2 && n1 <= NGX_HTTP_SFU_WS_MAX_CONTROL);

    if (reference_utf8(data + 1, size - 1)) {
        assert(reference_utf8(reason + 2, n1 - 2));
    }

    return 0;
}
