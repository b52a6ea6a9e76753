
/*
 * libFuzzer target: the REST API's request-body validation, the same code
 * the module runs.  Beyond "no crash, no leak" it checks the promise the
 * handlers rely on: a body that validates has every required field, and
 * every field it has is of the declared type and within its bounds.
 */

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "ngx_http_sfu_validate.h"


static void
check_valid(json_t *obj, const ngx_http_sfu_field_t *fields)
{
    json_t                      *v;
    const ngx_http_sfu_field_t  *f;

    for (f = fields; f->name; f++) {
        v = json_object_get(obj, f->name);

        if (v == NULL) {
            assert(!(f->flags & NGX_HTTP_SFU_FIELD_REQUIRED));
            continue;
        }

        if (json_is_null(v)) {
            assert(f->flags & NGX_HTTP_SFU_FIELD_NULLABLE);
            continue;
        }

        switch (f->type) {
        case JSON_STRING:
            assert(json_is_string(v));
            assert(json_string_length(v) >= (size_t) f->min);
            assert(strlen(json_string_value(v)) == json_string_length(v));
            break;
        case JSON_INTEGER:
            assert(json_is_integer(v));
            assert(json_integer_value(v) >= f->min
                   && json_integer_value(v) <= f->max);
            break;
        default:
            assert(json_is_boolean(v));
        }
    }

    assert(json_object_size(obj) <= 5);
}


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
        return 0;
    }

    assert(json_is_object(obj));

    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        invalid.code = NULL;

        if (ngx_http_sfu_json_validate(obj, tables[i], &invalid)) {
            check_valid(obj, tables[i]);

        } else {
            assert(invalid.code != NULL);
        }
    }

    json_decref(obj);

    return 0;
}
