
/*
 * Request-body validation for the REST API: JSON parsing with the limits
 * the API needs and field tables describing each accepted body.
 */

#include <stdio.h>
#include <string.h>

#include "ngx_http_sfu_validate.h"


#define NGX_HTTP_SFU_JSON_MAX_DEPTH  8


const ngx_http_sfu_field_t  ngx_http_sfu_room_create_fields[] = {
    { "name", JSON_STRING,
      NGX_HTTP_SFU_FIELD_REQUIRED|NGX_HTTP_SFU_FIELD_TEXT, 1, 200, NULL },
    { "max_participants", JSON_INTEGER, NGX_HTTP_SFU_FIELD_REQUIRED, 1, 1000,
      NULL },
    { "password", JSON_STRING, NGX_HTTP_SFU_FIELD_NULLABLE, 4, 128, NULL },
    { "waiting_room", JSON_TRUE, 0, 0, 0, NULL },
    { "recording_enabled", JSON_TRUE, 0, 0, 0, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


const ngx_http_sfu_field_t  ngx_http_sfu_room_update_fields[] = {
    { "name", JSON_STRING, NGX_HTTP_SFU_FIELD_TEXT, 1, 200, NULL },
    { "max_participants", JSON_INTEGER, 0, 1, 1000, NULL },
    { "password", JSON_STRING, NGX_HTTP_SFU_FIELD_NULLABLE, 4, 128, NULL },
    { "waiting_room", JSON_TRUE, 0, 0, 0, NULL },
    { "recording_enabled", JSON_TRUE, 0, 0, 0, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


const ngx_http_sfu_field_t  ngx_http_sfu_join_fields[] = {
    { "name", JSON_STRING,
      NGX_HTTP_SFU_FIELD_REQUIRED|NGX_HTTP_SFU_FIELD_TEXT, 1, 100, NULL },
    { "password", JSON_STRING, 0, 0, 128, NULL },
    { "role", JSON_STRING, 0, 4, 11, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


static const char *
ngx_http_sfu_json_type_name(json_type type)
{
    switch (type) {
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "a value of another type";
    }
}


static int
ngx_http_sfu_json_depth_ok(json_t *json, int depth)
{
    size_t       i;
    json_t      *value;
    const char  *key;

    if (depth > NGX_HTTP_SFU_JSON_MAX_DEPTH) {
        return 0;
    }

    if (json_is_object(json)) {
        json_object_foreach(json, key, value) {
            if (!ngx_http_sfu_json_depth_ok(value, depth + 1)) {
                return 0;
            }
        }

    } else if (json_is_array(json)) {
        json_array_foreach(json, i, value) {
            if (!ngx_http_sfu_json_depth_ok(value, depth + 1)) {
                return 0;
            }
        }
    }

    return 1;
}


/*
 * A body must be one JSON object: no duplicate keys (which one would win
 * is a matter of opinion between parsers), no NUL in strings, no deep
 * nesting.
 */

json_t *
ngx_http_sfu_json_parse(const char *data, size_t len,
    ngx_http_sfu_invalid_t *invalid)
{
    size_t          i;
    json_t         *json;
    unsigned char   c;
    json_error_t    error;

    json = json_loadb(data, len, JSON_REJECT_DUPLICATES, &error);

    if (json == NULL) {
        /* jansson quotes the input, which may be anything */
        for (i = 0; error.text[i]; i++) {
            c = (unsigned char) error.text[i];

            if (c < 0x20 || c >= 0x7f) {
                error.text[i] = '?';
            }
        }

        invalid->code = "invalid-json";
        snprintf(invalid->message, sizeof(invalid->message),
                 "malformed JSON at line %d, column %d: %.120s",
                 error.line, error.column, error.text);
        return NULL;
    }

    if (!json_is_object(json)) {
        json_decref(json);
        invalid->code = "invalid-json";
        snprintf(invalid->message, sizeof(invalid->message),
                 "the body must be a JSON object");
        return NULL;
    }

    if (!ngx_http_sfu_json_depth_ok(json, 0)) {
        json_decref(json);
        invalid->code = "invalid-json";
        snprintf(invalid->message, sizeof(invalid->message),
                 "JSON nested deeper than %d levels",
                 NGX_HTTP_SFU_JSON_MAX_DEPTH);
        return NULL;
    }

    return json;
}


static size_t
ngx_http_sfu_utf8_length(const char *s, size_t size)
{
    size_t  i, n;

    /* jansson guarantees valid UTF-8: count the non-continuation bytes */

    n = 0;

    for (i = 0; i < size; i++) {
        if (((unsigned char) s[i] & 0xc0) != 0x80) {
            n++;
        }
    }

    return n;
}


int
ngx_http_sfu_utf8_prefix(const char *s, int max)
{
    int  n;

    for (n = 0; n <= max && s[n] != '\0'; n++) {
        /* void */
    }

    if (n <= max) {
        return n;
    }

    /* back to the first byte of the character the limit cuts */

    n = max;

    while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80) {
        n--;
    }

    return n;
}


static int
ngx_http_sfu_has_control(const char *s, size_t size)
{
    size_t          i;
    unsigned char   c;

    for (i = 0; i < size; i++) {
        c = (unsigned char) s[i];

        if (c < 0x20 || c == 0x7f) {
            return 1;
        }

        /* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F */

        if (c == 0xc2 && i + 1 < size
            && (unsigned char) s[i + 1] >= 0x80
            && (unsigned char) s[i + 1] <= 0x9f)
        {
            return 1;
        }
    }

    return 0;
}


/* the message names the values: "\"pc\" must be \"publish\" or ..." */

static int
ngx_http_sfu_field_one_of(const char *s, const ngx_http_sfu_field_t *f,
    ngx_http_sfu_invalid_t *invalid)
{
    int                 n;
    size_t              size;
    const char         *sep;
    const char *const  *v;

    for (v = f->values; *v; v++) {
        if (strcmp(s, *v) == 0) {
            return 1;
        }
    }

    invalid->code = "invalid-field";
    size = sizeof(invalid->message);

    n = snprintf(invalid->message, size, "\"%s\" must be", f->name);

    for (v = f->values; *v; v++) {
        if (n < 0 || (size_t) n >= size) {
            break;
        }

        sep = (v == f->values) ? " " : (v[1] ? ", " : " or ");
        n += snprintf(invalid->message + n, size - n, "%s\"%s\"", sep, *v);
    }

    return 0;
}


static int
ngx_http_sfu_field_check(json_t *value, const ngx_http_sfu_field_t *f,
    ngx_http_sfu_invalid_t *invalid)
{
    size_t      len;
    json_int_t  n;

    if (json_is_null(value) && (f->flags & NGX_HTTP_SFU_FIELD_NULLABLE)) {
        return 1;
    }

    switch (f->type) {

    case JSON_STRING:
        if (!json_is_string(value)) {
            break;
        }

        len = ngx_http_sfu_utf8_length(json_string_value(value),
                                       json_string_length(value));

        if ((long long) len < f->min || (long long) len > f->max) {
            invalid->code = "invalid-field";
            snprintf(invalid->message, sizeof(invalid->message),
                     "\"%s\" must be %lld to %lld characters long",
                     f->name, f->min, f->max);
            return 0;
        }

        if ((f->flags & NGX_HTTP_SFU_FIELD_TEXT)
            && ngx_http_sfu_has_control(json_string_value(value),
                                        json_string_length(value)))
        {
            invalid->code = "invalid-field";
            snprintf(invalid->message, sizeof(invalid->message),
                     "\"%s\" must not contain control characters", f->name);
            return 0;
        }

        if (f->values) {
            return ngx_http_sfu_field_one_of(json_string_value(value), f,
                                             invalid);
        }

        return 1;

    case JSON_INTEGER:
        if (!json_is_integer(value)) {
            break;
        }

        n = json_integer_value(value);

        if (n < f->min || n > f->max) {
            invalid->code = "invalid-field";
            snprintf(invalid->message, sizeof(invalid->message),
                     "\"%s\" must be between %lld and %lld",
                     f->name, f->min, f->max);
            return 0;
        }

        return 1;

    default:
        if (json_is_boolean(value)) {
            return 1;
        }

        break;
    }

    invalid->code = "invalid-field";
    snprintf(invalid->message, sizeof(invalid->message),
             "\"%s\" must be %s%s", f->name,
             ngx_http_sfu_json_type_name(f->type),
             (f->flags & NGX_HTTP_SFU_FIELD_NULLABLE) ? " or null" : "");

    return 0;
}


int
ngx_http_sfu_json_validate(json_t *obj, const ngx_http_sfu_field_t *fields,
    ngx_http_sfu_invalid_t *invalid)
{
    json_t                      *value;
    const char                  *key;
    const ngx_http_sfu_field_t  *f;

    json_object_foreach(obj, key, value) {

        for (f = fields; f->name; f++) {
            if (strcmp(key, f->name) == 0) {
                break;
            }
        }

        if (f->name == NULL) {
            invalid->code = "unknown-field";
            snprintf(invalid->message, sizeof(invalid->message),
                     "unknown field \"%.*s\"",
                     ngx_http_sfu_utf8_prefix(key, 64), key);
            return 0;
        }

        if (!ngx_http_sfu_field_check(value, f, invalid)) {
            return 0;
        }
    }

    for (f = fields; f->name; f++) {
        if ((f->flags & NGX_HTTP_SFU_FIELD_REQUIRED)
            && json_object_get(obj, f->name) == NULL)
        {
            invalid->code = "missing-field";
            snprintf(invalid->message, sizeof(invalid->message),
                     "\"%s\" is required", f->name);
            return 0;
        }
    }

    return 1;
}
