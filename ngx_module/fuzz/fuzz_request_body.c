
/*
 * libFuzzer target: the REST API's request-body validation, the same code
 * the module runs.  Beyond "no crash, no leak" it checks the promise the
 * handlers rely on: a body that validates has every required field, and
 * every field it has is of the declared type and within its bounds; an
 * error's text is UTF-8.
 */

#include <assert.h>
#include <stdint.h>

#include "fuzz_fields.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t                  *obj;
    ngx_http_sfu_invalid_t   invalid;

    static const ngx_http_sfu_field_t  *tables[] = {
        ngx_http_sfu_room_create_fields,
        ngx_http_sfu_room_update_fields,
        ngx_http_sfu_join_fields
    };

    obj = ngx_http_sfu_json_parse((const char *) data, size, &invalid);

    if (obj == NULL) {
        assert(invalid.code != NULL && invalid.message[0] != '\0');
        check_utf8(invalid.message);
        return 0;
    }

    assert(json_is_object(obj));

    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        invalid.code = NULL;

        if (ngx_http_sfu_json_validate(obj, tables[i], &invalid)) {
            check_valid(obj, tables[i]);

        } else {
            assert(invalid.code != NULL);
            check_utf8(invalid.message);
        }
    }

    json_decref(obj);

    return 0;
}
