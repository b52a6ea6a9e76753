
/*
 * libFuzzer target: the shared-port counters of a worker's hello or pong
 * (ngx_http_sfu_port_counters.c), on JSON decoded as the link decodes a
 * frame.  Beyond "no crash, no leak" it checks what /metrics relies on:
 * counters are taken only when every field is a non-negative integer, as
 * the worker sent it, and a refusal names a field that is wrong.
 */

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "ngx_http_sfu_port_counters.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          rc;
    size_t       i;
    json_t      *msg, *port, *value;
    uint64_t     values[NGX_HTTP_SFU_PORT_COUNTERS];
    const char  *bad;

    msg = json_loadb((const char *) data, size,
                     JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);

    if (msg == NULL || !json_is_object(msg)) {
        json_decref(msg);
        return 0;
    }

    bad = NULL;
    rc = ngx_http_sfu_port_counters_parse(msg, values, &bad);
    port = json_object_get(msg, "shared_port");

    switch (rc) {

    case 0:
        assert(port == NULL);
        break;

    case 1:
        for (i = 0; i < NGX_HTTP_SFU_PORT_COUNTERS; i++) {
            value = json_object_get(port,
                                    ngx_http_sfu_port_counters[i].field);
            assert(json_is_integer(value) && json_integer_value(value) >= 0
                   && (uint64_t) json_integer_value(value) == values[i]);
        }
        break;

    default:
        assert(rc == -1 && bad != NULL);

        if (strcmp(bad, "shared_port") == 0) {
            assert(port != NULL && !json_is_object(port));
            break;
        }

        value = json_object_get(port, bad);
        assert(!json_is_integer(value) || json_integer_value(value) < 0);
    }

    json_decref(msg);

    return 0;
}
