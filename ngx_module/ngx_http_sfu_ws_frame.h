
/*
 * WebSocket frames (RFC 6455) as a server sees them: an incremental parser
 * of client frames and a writer of server frames.  Plain C with no nginx
 * types, so that the libFuzzer target links exactly the code the module
 * runs.
 *
 * The parser takes bytes in whatever pieces they arrive, unmasks them,
 * reassembles fragmented messages, lets control frames interleave a
 * fragmented message, validates UTF-8 of text messages as the bytes come
 * (a code point may straddle frames), and refuses a message over the size
 * limit from the frame header alone, before buffering its payload.  No
 * extension is negotiated, so any reserved bit is a protocol error.
 */

#ifndef _NGX_HTTP_SFU_WS_FRAME_H_INCLUDED_
#define _NGX_HTTP_SFU_WS_FRAME_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_HTTP_SFU_WS_OP_CONT        0x0
#define NGX_HTTP_SFU_WS_OP_TEXT        0x1
#define NGX_HTTP_SFU_WS_OP_BINARY      0x2
#define NGX_HTTP_SFU_WS_OP_CLOSE       0x8
#define NGX_HTTP_SFU_WS_OP_PING        0x9
#define NGX_HTTP_SFU_WS_OP_PONG        0xa

/* close codes, RFC 6455 section 7.4.1 */
#define NGX_HTTP_SFU_WS_NORMAL         1000
#define NGX_HTTP_SFU_WS_GOING_AWAY     1001
#define NGX_HTTP_SFU_WS_PROTOCOL       1002
#define NGX_HTTP_SFU_WS_UNACCEPTABLE   1003
#define NGX_HTTP_SFU_WS_NO_STATUS      1005   /* received without a code */
#define NGX_HTTP_SFU_WS_BAD_DATA       1007
#define NGX_HTTP_SFU_WS_POLICY         1008
#define NGX_HTTP_SFU_WS_TOO_BIG        1009
#define NGX_HTTP_SFU_WS_INTERNAL       1011

#define NGX_HTTP_SFU_WS_MAX_CONTROL    125    /* control frame payload */
#define NGX_HTTP_SFU_WS_MAX_REASON     123    /* close reason, in bytes */
#define NGX_HTTP_SFU_WS_SERVER_HEADER  10     /* longest unmasked header */


typedef enum {
    NGX_HTTP_SFU_WS_AGAIN = 0,     /* the input is used up */
    NGX_HTTP_SFU_WS_TEXT,          /* a whole text message */
    NGX_HTTP_SFU_WS_BINARY,        /* a whole binary message */
    NGX_HTTP_SFU_WS_PING,
    NGX_HTTP_SFU_WS_PONG,
    NGX_HTTP_SFU_WS_CLOSE,         /* code: what the client sent */
    NGX_HTTP_SFU_WS_ERROR          /* code: what to close with */
} ngx_http_sfu_ws_result_e;


typedef struct {
    /* message, ping or pong payload, or close reason; valid until the
     * next call of the parser */
    const unsigned char       *data;
    size_t                     len;
    unsigned                   code;
    const char                *reason;    /* ERROR: why, for logs */
} ngx_http_sfu_ws_event_t;


/* where a UTF-8 check stands between two pieces of a text */
typedef struct {
    unsigned                   need;      /* continuation bytes due */
    unsigned char              lo;        /* range of the next one */
    unsigned char              hi;
} ngx_http_sfu_ws_utf8_t;


/* every field is private */
typedef struct {
    size_t                     max_message;
    unsigned                   binary:1;      /* else binary is 1003 */

    unsigned                   state:2;
    unsigned                   fin:1;
    unsigned                   masked:1;
    unsigned                   delivered:1;   /* drop buf on next call */
    unsigned                   opcode:4;      /* of the current frame */
    unsigned                   message:4;     /* TEXT/BINARY being built */

    unsigned char              header[14];
    size_t                     header_len;
    size_t                     header_need;

    unsigned char              mask[4];
    uint64_t                   remaining;     /* payload left in frame */
    uint64_t                   offset;        /* payload done in frame */

    unsigned char             *buf;           /* the message so far */
    size_t                     len;
    size_t                     size;

    unsigned char              control[NGX_HTTP_SFU_WS_MAX_CONTROL];
    size_t                     control_len;

    ngx_http_sfu_ws_utf8_t     utf8;          /* of the text message */

    unsigned                   error_code;    /* once failed, stays so */
    const char                *error_reason;
} ngx_http_sfu_ws_parser_t;


/* max_message bounds a whole (reassembled) message's payload */
void ngx_http_sfu_ws_parser_init(ngx_http_sfu_ws_parser_t *p,
    size_t max_message, int binary);
void ngx_http_sfu_ws_parser_free(ngx_http_sfu_ws_parser_t *p);

/*
 * Parses from in[0..len) and stops at the first complete message or
 * control frame, or an error; *used says how many bytes it took (all of
 * them with NGX_HTTP_SFU_WS_AGAIN).  Call again with the rest.  After
 * NGX_HTTP_SFU_WS_ERROR every call returns the same error.
 */
ngx_http_sfu_ws_result_e ngx_http_sfu_ws_parse(ngx_http_sfu_ws_parser_t *p,
    const unsigned char *in, size_t len, size_t *used,
    ngx_http_sfu_ws_event_t *ev);

/* A server frame's header (FIN set, unmasked) into buf; its length. */
size_t ngx_http_sfu_ws_frame_header(unsigned char *buf, unsigned opcode,
    uint64_t len);

/*
 * A close frame's payload into buf (at least NGX_HTTP_SFU_WS_MAX_CONTROL
 * bytes): the code, then reason cut to NGX_HTTP_SFU_WS_MAX_REASON bytes
 * on a character boundary.  NGX_HTTP_SFU_WS_NO_STATUS gives an empty
 * payload.  Returns the payload length.
 */
size_t ngx_http_sfu_ws_close_payload(unsigned char *buf, unsigned code,
    const char *reason, size_t len);

/* RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF */
int ngx_http_sfu_ws_utf8_valid(const unsigned char *s, size_t len);


#endif /* _NGX_HTTP_SFU_WS_FRAME_H_INCLUDED_ */
