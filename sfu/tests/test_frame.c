/*
 * test_frame: the frame decoder reassembles frames however the bytes
 * arrive, and rejects every kind of broken stream with the right error.
 */

#include "frame.h"
#include "tap.h"

#include <stdlib.h>

/* Appends one frame holding text to buf at *len. */
static void
put_frame(unsigned char *buf, size_t *len, const char *text)
{
    size_t n = strlen(text);

    buf[(*len)++] = (unsigned char) (n >> 24);
    buf[(*len)++] = (unsigned char) (n >> 16);
    buf[(*len)++] = (unsigned char) (n >> 8);
    buf[(*len)++] = (unsigned char) n;
    memcpy(buf + *len, text, n);
    *len += n;
}

/* Feeds bytes to a new decoder of that maximum in one read; returns the first status. */
static sfu_frame_status_t
decode_bytes(sfu_frame_decoder_t *d, size_t max, const void *bytes, size_t len,
             json_t **msg)
{
    sfu_frame_decoder_init(d, max);
    sfu_frame_decoder_feed(d, bytes, len);

    return sfu_frame_decoder_next(d, msg);
}

/* Decodes a single frame holding text; returns the status. */
static sfu_frame_status_t
decode_one(const char *text, sfu_frame_decoder_t *d, json_t **msg)
{
    unsigned char buf[256];
    size_t len = 0;

    put_frame(buf, &len, text);
    return decode_bytes(d, SFU_FRAME_MAX, buf, len, msg);
}

static void
test_split_across_reads(void)
{
    unsigned char buf[256];
    size_t len = 0, i;
    sfu_frame_decoder_t d;
    json_t *msg = NULL;
    int again = 0;

    put_frame(buf, &len, "{\"type\":\"ping\",\"id\":7}");
    sfu_frame_decoder_init(&d, SFU_FRAME_MAX);

    for (i = 0; i < len; i++) {
        sfu_frame_decoder_feed(&d, buf + i, 1);
        if (sfu_frame_decoder_next(&d, &msg) == SFU_FRAME_AGAIN) {
            again++;
        }
    }

    is_int(again, len - 1, "byte by byte: AGAIN until the last byte");
    ok(msg != NULL, "byte by byte: the frame is decoded at the last byte");
    is_str(json_string_value(json_object_get(msg, "type")), "ping",
           "byte by byte: the message is intact");
    is_int(sfu_frame_decoder_pending(&d), 0, "byte by byte: nothing left");

    json_decref(msg);
    sfu_frame_decoder_free(&d);
}

static void
test_many_frames_per_read(void)
{
    unsigned char buf[4096];
    char text[64];
    size_t len = 0;
    sfu_frame_decoder_t d;
    json_t *msg;
    int n = 0, in_order = 1;

    for (int i = 0; i < 50; i++) {
        snprintf(text, sizeof(text), "{\"id\":%d}", i);
        put_frame(buf, &len, text);
    }
    put_frame(buf, &len, "{\"id\":50}");
    len -= 3;    /* the last frame is incomplete */

    sfu_frame_decoder_init(&d, SFU_FRAME_MAX);
    sfu_frame_decoder_feed(&d, buf, len);

    while (sfu_frame_decoder_next(&d, &msg) == SFU_FRAME_OK) {
        if (json_integer_value(json_object_get(msg, "id")) != n) {
            in_order = 0;
        }
        n++;
        json_decref(msg);
    }

    is_int(n, 50, "one read of 50 frames and a half: 50 messages");
    ok(in_order, "many frames: delivered in order");
    is_int(sfu_frame_decoder_pending(&d), 4 + 9 - 3,
           "many frames: the incomplete frame stays buffered");

    sfu_frame_decoder_feed(&d, "50}", 3);
    is_int(sfu_frame_decoder_next(&d, &msg), SFU_FRAME_OK,
           "many frames: the rest completes the last frame");
    is_int(json_integer_value(json_object_get(msg, "id")), 50,
           "many frames: the last frame is intact");

    json_decref(msg);
    sfu_frame_decoder_free(&d);
}

static void
test_zero_length(void)
{
    sfu_frame_decoder_t d;
    json_t *msg;

    is_int(decode_bytes(&d, SFU_FRAME_MAX, "\0\0\0\0{}", 6, &msg), SFU_FRAME_ERROR,
           "zero length: error");
    is_int(d.error, SFU_FRAME_ERR_EMPTY, "zero length: reported as empty");
    ok(msg == NULL, "zero length: no message");

    sfu_frame_decoder_free(&d);
}

static void
test_oversize(void)
{
    sfu_frame_decoder_t d;
    json_t *msg;

    /* only the header has arrived: the size alone condemns the frame */
    is_int(decode_bytes(&d, 1024, "\0\0\x04\x01", 4, &msg), SFU_FRAME_ERROR,
           "1025 bytes over a 1024 maximum: error from the header alone");
    is_int(d.error, SFU_FRAME_ERR_OVERSIZE, "oversize: reported as such");
    is_str(sfu_frame_error_name(d.error), "oversize", "oversize: its name");
    ok(strstr(d.detail, "1025") != NULL, "oversize: detail names the size");

    sfu_frame_decoder_free(&d);

    is_int(decode_bytes(&d, SFU_FRAME_MAX, "\xff\xff\xff\xff", 4, &msg), SFU_FRAME_ERROR,
           "4 GiB length: error");
    sfu_frame_decoder_free(&d);
}

static void
test_exactly_max(void)
{
    sfu_frame_decoder_t d;
    json_t *msg;

    /* {"a":"xxxx"} is 12 bytes */
    is_int(decode_bytes(&d, 12, "\0\0\0\x0c{\"a\":\"xxxx\"}", 16, &msg), SFU_FRAME_OK,
           "a frame of exactly the maximum is accepted");
    json_decref(msg);
    sfu_frame_decoder_free(&d);
}

static void
test_not_an_object(void)
{
    const char *texts[] = { "[1,2]", "\"ping\"", "42", "null" };
    sfu_frame_decoder_t d;
    json_t *msg;

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        is_int(decode_one(texts[i], &d, &msg), SFU_FRAME_ERROR,
               texts[i]);
        is_int(d.error, SFU_FRAME_ERR_NOT_OBJECT, "  ... is not an object");
        sfu_frame_decoder_free(&d);
    }
}

static void
test_invalid_json(void)
{
    const char *texts[] = {
        "{", "{\"a\":}", "{} {}", "{\"a\":1,\"a\":2}", "{\"a\":\"\xff\"}",
    };
    sfu_frame_decoder_t d;
    json_t *msg;

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        is_int(decode_one(texts[i], &d, &msg), SFU_FRAME_ERROR,
               "invalid JSON rejected");
        is_int(d.error, SFU_FRAME_ERR_JSON, "  ... as invalid-json");
        ok(strspn(d.detail, " !\"#$%&'()*+,-./0123456789:;<=>?@"
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
                  "abcdefghijklmnopqrstuvwxyz{|}~") == strlen(d.detail),
           "  ... with a printable detail: %s", d.detail);
        sfu_frame_decoder_free(&d);
    }
}

static void
test_error_is_sticky(void)
{
    sfu_frame_decoder_t d;
    json_t *msg;

    decode_one("[]", &d, &msg);
    sfu_frame_decoder_feed(&d, "\0\0\0\x02{}", 6);
    is_int(sfu_frame_decoder_next(&d, &msg), SFU_FRAME_ERROR,
           "after an error a valid frame is not decoded");
    sfu_frame_decoder_free(&d);
}

static void
test_truncated(void)
{
    sfu_frame_decoder_t d;
    json_t *msg;

    sfu_frame_decoder_init(&d, SFU_FRAME_MAX);
    sfu_frame_decoder_feed(&d, "\0\0", 2);
    is_int(sfu_frame_decoder_next(&d, &msg), SFU_FRAME_AGAIN,
           "half a header: AGAIN");
    is_int(sfu_frame_decoder_pending(&d), 2,
           "half a header: pending, so EOF here is a truncated frame");

    sfu_frame_decoder_feed(&d, "\0\x0a{\"a\"", 6);
    is_int(sfu_frame_decoder_next(&d, &msg), SFU_FRAME_AGAIN,
           "header and part of the payload: AGAIN");
    is_int(sfu_frame_decoder_pending(&d), 8, "truncated payload: pending");

    sfu_frame_decoder_free(&d);
}

static void
test_encode_roundtrip(void)
{
    sfu_frame_decoder_t d;
    json_t *in, *out;
    uint8_t *frame;
    size_t len;

    in = json_pack("{s:s, s:i}", "type", "pong", "id", 3);
    frame = sfu_frame_encode(in, SFU_FRAME_MAX, &len);
    ok(frame != NULL, "encode: a frame");
    is_int(len, 4 + strlen("{\"type\":\"pong\",\"id\":3}"),
           "encode: header + compact JSON");

    sfu_frame_decoder_init(&d, SFU_FRAME_MAX);
    sfu_frame_decoder_feed(&d, frame, len);
    is_int(sfu_frame_decoder_next(&d, &out), SFU_FRAME_OK,
           "encode: decodes again");
    ok(json_equal(in, out), "encode: the same message comes back");

    free(frame);
    json_decref(out);
    sfu_frame_decoder_free(&d);

    ok(sfu_frame_encode(in, 10, &len) == NULL,
       "encode: a message above the maximum is refused");
    json_decref(in);
}

int
main(void)
{
    test_split_across_reads();
    test_many_frames_per_read();
    test_zero_length();
    test_oversize();
    test_exactly_max();
    test_not_an_object();
    test_invalid_json();
    test_error_is_sticky();
    test_truncated();
    test_encode_roundtrip();

    return tap_done();
}
