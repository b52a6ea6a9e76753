
/*
 * What the fuzz targets check of a JSON object that passed a field table
 * (ngx_http_sfu_validate.h): every required field is there, every field
 * it has is of the declared type, within its bounds and, for an
 * enumeration, one of its values, and it has no field beyond the table.
 * And that an error's text is UTF-8: it goes out as JSON.
 */

#ifndef _FUZZ_FIELDS_H_INCLUDED_
#define _FUZZ_FIELDS_H_INCLUDED_


#include <assert.h>
#include <string.h>

#include "ngx_http_sfu_validate.h"


static void
check_valid(json_t *obj, const ngx_http_sfu_field_t *fields)
{
    size_t                       n;
    json_t                      *v;
    const char *const           *e;
    const ngx_http_sfu_field_t  *f;

    n = 0;

    for (f = fields; f->name; f++) {
        n++;
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

            if (f->values) {
                for (e = f->values; *e; e++) {
                    if (strcmp(*e, json_string_value(v)) == 0) {
                        break;
                    }
                }

                assert(*e != NULL);
            }

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

    assert(json_object_size(obj) <= n);
}


static void
check_utf8(const char *text)
{
    json_t  *s;

    s = json_string(text);
    assert(s != NULL);
    json_decref(s);
}


#endif /* _FUZZ_FIELDS_H_INCLUDED_ */
