
/*
 * WebSocket frame parser and writer (RFC 6455 section 5), see
 * ngx_http_sfu_ws_frame.h.
 */

#include <stdlib.h>
#include <string.h>

#include "ngx_http_sfu_ws_frame.h"


#define NGX_HTTP_SFU_WS_HEADER   0
#define NGX_HTTP_SFU_WS_PAYLOAD  1
#define NGX_HTTP_SFU_WS_FAILED   2

/* a message buffer larger than this is given back once delivered */
#define NGX_HTTP_SFU_WS_KEEP_BUF  16384


static ngx_http_sfu_ws_result_e ngx_http_sfu_ws_invalid(
    ngx_http_sfu_ws_parser_t *p, unsigned code, const char *reason);
static ngx_http_sfu_ws_result_e ngx_http_sfu_ws_first_bytes(
    ngx_http_sfu_ws_parser_t *p);
static ngx_http_sfu_ws_result_e ngx_http_sfu_ws_header_done(
    ngx_http_sfu_ws_parser_t *p);
static ngx_http_sfu_ws_result_e ngx_http_sfu_ws_payload(
    ngx_http_sfu_ws_parser_t *p, const unsigned char *in, size_t n);
static ngx_http_sfu_ws_result_e ngx_http_sfu_ws_frame_done(
    ngx_http_sfu_ws_parser_t *p, ngx_http_sfu_ws_event_t *ev);
static int ngx_http_sfu_ws_close_code_valid(unsigned code);
static int ngx_http_sfu_ws_utf8(ngx_http_sfu_ws_utf8_t *u,
    const unsigned char *s, size_t len);


void
ngx_http_sfu_ws_parser_init(ngx_http_sfu_ws_parser_t *p, size_t max_message,
    int binary)
{
    memset(p, 0, sizeof(ngx_http_sfu_ws_parser_t));

    p->max_message = max_message;
    p->binary = binary ? 1 : 0;
    p->state = NGX_HTTP_SFU_WS_HEADER;
    p->header_need = 2;
}


void
ngx_http_sfu_ws_parser_free(ngx_http_sfu_ws_parser_t *p)
{
    free(p->buf);
    p->buf = NULL;
    p->size = 0;
    p->len = 0;
}


ngx_http_sfu_ws_result_e
ngx_http_sfu_ws_parse(ngx_http_sfu_ws_parser_t *p, const unsigned char *in,
    size_t len, size_t *used, ngx_http_sfu_ws_event_t *ev)
{
    size_t                     n;
    const unsigned char       *pos, *last;
    ngx_http_sfu_ws_result_e   rc;

    memset(ev, 0, sizeof(ngx_http_sfu_ws_event_t));

    pos = in;
    last = in + len;
    rc = NGX_HTTP_SFU_WS_AGAIN;

    if (p->state == NGX_HTTP_SFU_WS_FAILED) {
        goto failed;
    }

    if (p->delivered) {
        p->delivered = 0;
        p->len = 0;

        if (p->size > NGX_HTTP_SFU_WS_KEEP_BUF) {
            ngx_http_sfu_ws_parser_free(p);
        }
    }

    /* an empty payload completes its frame without input */

    while (pos < last
           || (p->state == NGX_HTTP_SFU_WS_PAYLOAD && p->remaining == 0))
    {
        if (p->state == NGX_HTTP_SFU_WS_HEADER) {
            n = p->header_need - p->header_len;
            if (n > (size_t) (last - pos)) {
                n = last - pos;
            }

            memcpy(p->header + p->header_len, pos, n);
            p->header_len += n;
            pos += n;

            /* the first two bytes say enough to fail early */

            if (p->header_len == 2 && p->header_need == 2) {
                rc = ngx_http_sfu_ws_first_bytes(p);
                if (rc != NGX_HTTP_SFU_WS_AGAIN) {
                    goto failed;
                }
            }

            if (p->header_len == p->header_need) {
                rc = ngx_http_sfu_ws_header_done(p);
                if (rc != NGX_HTTP_SFU_WS_AGAIN) {
                    goto failed;
                }
            }

            continue;
        }

        n = (size_t) (last - pos);
        if ((uint64_t) n > p->remaining) {
            n = (size_t) p->remaining;
        }

        if (n) {
            rc = ngx_http_sfu_ws_payload(p, pos, n);
            if (rc != NGX_HTTP_SFU_WS_AGAIN) {
                goto failed;
            }

            pos += n;
        }

        if (p->remaining) {
            continue;
        }

        rc = ngx_http_sfu_ws_frame_done(p, ev);

        if (rc == NGX_HTTP_SFU_WS_ERROR) {
            goto failed;
        }

        if (rc != NGX_HTTP_SFU_WS_AGAIN) {
            *used = pos - in;
            return rc;
        }
    }

    *used = len;
    return NGX_HTTP_SFU_WS_AGAIN;

failed:

    *used = pos - in;
    ev->code = p->error_code;
    ev->reason = p->error_reason;

    return NGX_HTTP_SFU_WS_ERROR;
}


static ngx_http_sfu_ws_result_e
ngx_http_sfu_ws_invalid(ngx_http_sfu_ws_parser_t *p, unsigned code,
                        const char *reason)
                        {
                        p->state = NGX_HTTP_SFU_WS_FAILED;
    p->error_code = code;
    p->error_reason = reason;

    return NGX_HTTP_SFU_WS_ERROR;
}


static ngx_http_sfu_ws_result_e
ngx_http_sfu_ws_first_bytes(ngx_http_sfu_ws_parser_t *p)
{
    unsigned  b0, b1, len7;

    b0 = p->header[0];
    b1 = p->header[1];

    p->fin = b0 >> 7;
    p->opcode = b0 & 0x0f;
    p->masked = b1 >> 7;
    len7 = b1 & 0x7f;

    if (b0 & 0x70) {
        return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                       "reserved bits set, no extension "
                                       "was negotiated");
    }

    switch (p->opcode) {

    case NGX_HTTP_SFU_WS_OP_CLOSE:
    case NGX_HTTP_SFU_WS_OP_PING:
    case NGX_HTTP_SFU_WS_OP_PONG:
        if (!p->fin) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                           "fragmented control frame");
        }

        if (len7 > NGX_HTTP_SFU_WS_MAX_CONTROL) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                           "control frame payload over "
                                           "125 bytes");
        }

        break;

    case NGX_HTTP_SFU_WS_OP_CONT:
        if (p->message == 0) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                           "continuation frame outside a "
                                           "fragmented message");
        }

        break;

    case NGX_HTTP_SFU_WS_OP_TEXT:
    case NGX_HTTP_SFU_WS_OP_BINARY:
        if (p->message != 0) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                           "new message inside a fragmented "
                                           "message");
        }

        if (p->opcode == NGX_HTTP_SFU_WS_OP_BINARY && !p->binary) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_UNACCEPTABLE,
                                           "binary messages are not accepted");
        }

        break;

    default:
        return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                       "reserved opcode");
    }

    if (!p->masked) {
        return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                       "unmasked frame from the client");
    }

    p->header_need = 2 + 4;

    if (len7 == 126) {
        p->header_need += 2;

    } else if (len7 == 127) {
        p->header_need += 8;
    }

    return NGX_HTTP_SFU_WS_AGAIN;
}


static ngx_http_sfu_ws_result_e
ngx_http_sfu_ws_header_done(ngx_http_sfu_ws_parser_t *p)
{
    int                   i;
    unsigned              len7;
    uint64_t              len;
    const unsigned char  *h;

    len7 = p->header[1] & 0x7f;
    h = p->header + 2;

    if (len7 < 126) {
        len = len7;

    } else if (len7 == 126) {
        len = (uint64_t) h[0] << 8 | h[1];
        h += 2;

        if (len < 126) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                           "payload length not in its "
                                           "shortest form");
        }

    } else {
        if (h[0] & 0x80) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                           "64-bit payload length with the "
                                           "top bit set");
        }

        len = 0;
        for (i = 0; i < 8; i++) {
            len = len << 8 | h[i];
        }

        h += 8;

        if (len <= 0xffff) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                           "payload length not in its "
                                           "shortest form");
        }
    }

    memcpy(p->mask, h, 4);

    if (p->opcode & 0x08) {
        p->control_len = 0;

    } else {
        if (len > (uint64_t) (p->max_message - p->len)) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_TOO_BIG,
                                           "message over the size limit");
        }

        if (p->opcode != NGX_HTTP_SFU_WS_OP_CONT) {
            p->message = p->opcode;
            memset(&p->utf8, 0, sizeof(ngx_http_sfu_ws_utf8_t));
        }
    }

    p->remaining = len;
    p->offset = 0;
    p->state = NGX_HTTP_SFU_WS_PAYLOAD;

    return NGX_HTTP_SFU_WS_AGAIN;
}


/* unmasks n bytes of payload (n <= p->remaining) into their place */

static ngx_http_sfu_ws_result_e
ngx_http_sfu_ws_payload(ngx_http_sfu_ws_parser_t *p, const unsigned char *in,
    size_t n)
{
    size_t          i, size;
    unsigned char  *dst, *buf;

    if (p->opcode & 0x08) {
        dst = p->control + p->control_len;
        p->control_len += n;

    } else {
        if (p->len + n > p->size) {
            size = p->size ? p->size * 2 : 1024;

            if (size < p->len + n) {
                size = p->len + n;
            }

            if (size > p->max_message) {
                size = p->max_message;
            }

            buf = realloc(p->buf, size);
            if (buf == NULL) {
                return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_INTERNAL,
                                               "out of memory");
            }

            p->buf = buf;
            p->size = size;
        }

        dst = p->buf + p->len;
        p->len += n;
    }

    for (i = 0; i < n; i++) {
        dst[i] = in[i] ^ p->mask[(p->offset + i) & 3];
    }

    p->offset += n;
    p->remaining -= n;

    if (p->message == NGX_HTTP_SFU_WS_OP_TEXT && !(p->opcode & 0x08)
        && !ngx_http_sfu_ws_utf8(&p->utf8, dst, n))
    {
        return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_BAD_DATA,
                                       "invalid UTF-8 in a text message");
    }

    return NGX_HTTP_SFU_WS_AGAIN;
}


static ngx_http_sfu_ws_result_e
ngx_http_sfu_ws_frame_done(ngx_http_sfu_ws_parser_t *p,
    ngx_http_sfu_ws_event_t *ev)
{
    unsigned                   code;
    ngx_http_sfu_ws_result_e   rc;

    p->state = NGX_HTTP_SFU_WS_HEADER;
    p->header_len = 0;
    p->header_need = 2;

    switch (p->opcode) {

    case NGX_HTTP_SFU_WS_OP_PING:
    case NGX_HTTP_SFU_WS_OP_PONG:
        ev->data = p->control;
        ev->len = p->control_len;

        return p->opcode == NGX_HTTP_SFU_WS_OP_PING ? NGX_HTTP_SFU_WS_PING
                                                    : NGX_HTTP_SFU_WS_PONG;

    case NGX_HTTP_SFU_WS_OP_CLOSE:
        ev->data = p->control;
        ev->len = 0;

        if (p->control_len == 0) {
            ev->code = NGX_HTTP_SFU_WS_NO_STATUS;
            return NGX_HTTP_SFU_WS_CLOSE;
        }

        if (p->control_len == 1) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                           "close frame with a 1-byte payload");
        }

        code = (unsigned) p->control[0] << 8 | p->control[1];

        if (!ngx_http_sfu_ws_close_code_valid(code)) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_PROTOCOL,
                                           "invalid close code");
        }

        if (!ngx_http_sfu_ws_utf8_valid(p->control + 2, p->control_len - 2)) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_BAD_DATA,
                                           "invalid UTF-8 in a close reason");
        }

        ev->code = code;
        ev->data = p->control + 2;
        ev->len = p->control_len - 2;

        return NGX_HTTP_SFU_WS_CLOSE;
    }

    if (!p->fin) {
        return NGX_HTTP_SFU_WS_AGAIN;
    }

    if (p->message == NGX_HTTP_SFU_WS_OP_TEXT) {
        if (p->utf8.need) {
            return ngx_http_sfu_ws_invalid(p, NGX_HTTP_SFU_WS_BAD_DATA,
                                           "text message ends inside a UTF-8 "
                                           "sequence");
        }

        rc = NGX_HTTP_SFU_WS_TEXT;

    } else {
        rc = NGX_HTTP_SFU_WS_BINARY;
    }

    ev->data = p->buf ? p->buf : (const unsigned char *) "";
    ev->len = p->len;

    p->message = 0;
    p->delivered = 1;

    return rc;
}


/*
 * Codes a peer may send: RFC 6455's, those IANA registered since
 * (1012-1014), and the ranges for libraries and applications.
 */

static int
ngx_http_sfu_ws_close_code_valid(unsigned code)
{
    return (code >= 1000 && code <= 1003)
           || (code >= 1007 && code <= 1014)
           || (code >= 3000 && code <= 4999);
}


static int
ngx_http_sfu_ws_utf8(ngx_http_sfu_ws_utf8_t *u, const unsigned char *s,
    size_t len)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = s[i];

        if (u->need) {
            if (c < u->lo || c > u->hi) {
                return 0;
            }

            u->need--;
            u->lo = 0x80;
            u->hi = 0xbf;
            continue;
        }

        if (c < 0x80) {
            continue;
        }

        /* the second byte's range rules out overlongs, surrogates and
         * code points above U+10FFFF */

        u->lo = 0x80;
        u->hi = 0xbf;

        if (c >= 0xc2 && c <= 0xdf) {
            u->need = 1;

        } else if (c >= 0xe0 && c <= 0xef) {
            u->need = 2;

            if (c == 0xe0) {
                u->lo = 0xa0;

            } else if (c == 0xed) {
                u->hi = 0x9f;
            }

        } else if (c >= 0xf0 && c <= 0xf4) {
            u->need = 3;

            if (c == 0xf0) {
                u->lo = 0x90;

            } else if (c == 0xf4) {
                u->hi = 0x8f;
            }

        } else {
            return 0;
        }
    }

    return 1;
}


int
ngx_http_sfu_ws_utf8_valid(const unsigned char *s, size_t len)
{
    ngx_http_sfu_ws_utf8_t  u;

    memset(&u, 0, sizeof(ngx_http_sfu_ws_utf8_t));

    return ngx_http_sfu_ws_utf8(&u, s, len) && u.need == 0;
}


size_t
ngx_http_sfu_ws_frame_header(unsigned char *buf, unsigned opcode,
    uint64_t len)
{
    int  i;

    buf[0] = (unsigned char) (0x80 | (opcode & 0x0f));

    if (len < 126) {
        buf[1] = (unsigned char) len;
        return 2;
    }

    if (len <= 0xffff) {
        buf[1] = 126;
        buf[2] = (unsigned char) (len >> 8);
        buf[3] = (unsigned char) len;
        return 4;
    }

    buf[1] = 127;

    for (i = 0; i < 8; i++) {
        buf[2 + i] = (unsigned char) (len >> (56 - 8 * i));
    }

    return 10;
}


size_t
ngx_http_sfu_ws_close_payload(unsigned char *buf, unsigned code,
    const char *reason, size_t len)
{
    if (code == NGX_HTTP_SFU_WS_NO_STATUS) {
        return 0;
    }

    buf[0] = (unsigned char) (code >> 8);
    buf[1] = (unsigned char) code;

    /* cut before the character the limit falls in */

    if (len > NGX_HTTP_SFU_WS_MAX_REASON) {
        len = NGX_HTTP_SFU_WS_MAX_REASON;

        while (len && ((unsigned char) reason[len] & 0xc0) == 0x80) {
            len--;
        }
    }

    memcpy(buf + 2, reason, len);

    return 2 + len;
}
