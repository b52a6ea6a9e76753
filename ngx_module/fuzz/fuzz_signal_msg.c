
/*
 * libFuzzer target: signaling message validation
 * (ngx_http_sfu_signal_msg.c) on the parser the module uses.  Beyond "no
 * crash, no leak" it checks what the relay relies on: a message that
 * passes is of a known type and keeps to that type's table, it fits the
 * forwarding limit, and an error's text is UTF-8 (it goes out as JSON).
 */

#include <assert.h>
#include <stdint.h>

#include "fuzz_fields.h"
#include "ngx_http_sfu_signal_msg.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t                            *msg;
    ngx_http_sfu_invalid_t             invalid;
    const ngx_http_sfu_signal_type_t  *t;

    msg = ngx_http_sfu_json_parse((const char *) data, size, &invalid);

    if (msg == NULL) {
        assert(invalid.code != NULL);
        check_utf8(invalid.message);
        return 0;
    }

    invalid.code = NULL;
    t = ngx_http_sfu_signal_validate(msg, &invalid);

    if (t == NULL) {
        assert(invalid.code != NULL
               && (strcmp(invalid.code, "bad-message") == 0
                   || strcmp(invalid.code, "unknown-type") == 0));
        check_utf8(invalid.message);

    } else {
        assert(strcmp(json_string_value(json_object_get(msg, "type")),
                      t->type) == 0);
        check_valid(msg, t->fields);
        assert(json_dumpb(msg, NULL, 0, JSON_COMPACT)
               <= NGX_HTTP_SFU_SIGNAL_MAX_DUMP);
    }

    json_decref(msg);

    return 0;
}
