/*
 * fixture.h: reading the SDP fixtures of tests/fixtures/ (offers written in
 * the style of Chromium, Firefox, aiortc 1.4 and GStreamer webrtcbin).
 */
#ifndef SFU_TEST_FIXTURE_H
#define SFU_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

/* Every buffer fixture() handed out, newest first: chained from a static,
   they stay reachable until exit, so LeakSanitizer does not count them lost. */
struct fixture_text {
    struct fixture_text *next;
    char text[];
};

__attribute__((unused))
static struct fixture_text *fixture_texts;

/* The whole file, NUL-terminated, in a buffer that lives until exit; exits on failure. */
__attribute__((unused))
static const char *
fixture(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    struct fixture_text *buf;
    long size;

    snprintf(path, sizeof(path), "%s/%s", SFU_TEST_FIXTURES, name);
    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        printf("Bail out! cannot read %s\n", path);
        exit(255);
    }
    buf = malloc(sizeof(*buf) + (size_t)size + 1);
    if (buf == NULL || fread(buf->text, 1, (size_t)size, f) != (size_t)size) {
        printf("Bail out! cannot read %s\n", path);
        exit(255);
    }
    fclose(f);
    buf->text[size] = '\0';
    buf->next = fixture_texts;
    fixture_texts = buf;
    if (len != NULL) {
        *len = (size_t)size;
    }
    return buf->text;
}

#endif
