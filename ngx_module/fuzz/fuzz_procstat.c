
/*
 * libFuzzer target: the /proc/<pid>/stat parser (ngx_http_sfu_procstat.c),
 * the same code the module runs.  Beyond "no crash, no read past the
 * input" it checks, against a plain re-reading of the line, that an
 * accepted line has a ')' followed by a state letter and a start time
 * made of the digits of the 22nd field.
 */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_sfu_procstat.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char       *line, *close, *field, *end, state;
    size_t      n;
    uint64_t    start, expect;
    unsigned    i;

    /* an exact-size copy: ASan sees any read past it */
    line = malloc(size ? size : 1);
    assert(line != NULL);
    memcpy(line, data, size);

    if (ngx_http_sfu_procstat_parse(line, size, &state, &start) != 0) {
        free(line);
        return 0;
    }

    close = NULL;

    for (n = 0; n < size; n++) {
        if (line[n] == ')') {
            close = line + n;
        }
    }

    assert(close != NULL);

    /* fields 3 to 22 after ") ", one space apart */

    field = close + 1;
    end = line + size;

    for (i = 0; i < 20; i++) {
        assert(field < end && *field == ' ');
        field++;

        if (i == 0) {
            assert(field < end && *field == state);
        }

        if (i < 19) {
            while (field < end && *field != ' ') {
                field++;
            }
        }
    }

    expect = 0;

    for (n = 0; field + n < end && field[n] != ' '; n++) {
        assert(field[n] >= '0' && field[n] <= '9');
        expect = expect * 10 + (uint64_t) (field[n] - '0');
    }

    assert(n > 0 && expect == start);

    free(line);

    return 0;
}
