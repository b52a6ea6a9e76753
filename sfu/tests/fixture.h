/*
 * fixture.h: reading the SDP fixtures of tests/fixtures/ (offers written in
 * the style of Chromium, Firefox, aiortc 1.4 and GStreamer webrtcbin).
 */
#ifndef SFU_TEST_FIXTURE_H
#define SFU_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file, NUL-terminated, in a buffer that lives until exit; exits on failure. */
__attribute__((unused))
static const char *
fixture(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf;
    long size;

    snprintf(path, sizeof(path), "%s/%s", SFU_TEST_FIXTURES, name);
    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        printf("Bail out! cannot read %s\n", path);
        exit(255);
    }
    buf = malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        printf("Bail out! cannot read %s\n", path);
        exit(255);
    }
    fclose(f);
    buf[size] = '\0';
    if (len != NULL) {
        *len = (size_t)size;
    }
    return buf;
}

#endif
