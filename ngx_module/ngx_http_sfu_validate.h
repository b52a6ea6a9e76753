
/*
 * Request-body validation: field tables checked against a parsed JSON
 * object.  Plain C on jansson alone (no nginx types), so the libFuzzer
 * target links exactly the code the module runs.
 */

#ifndef _NGX_HTTP_SFU_VALIDATE_H_INCLUDED_
#define _NGX_HTTP_SFU_VALIDATE_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>


#define NGX_HTTP_SFU_FIELD_REQUIRED   0x01
#define NGX_HTTP_SFU_FIELD_NULLABLE   0x02   /* null means "remove" */
#define NGX_HTTP_SFU_FIELD_TEXT       0x04   /* no control characters */


typedef struct {
    const char                *name;
    json_type                  type;     /* JSON_STRING, JSON_INTEGER,
                                            JSON_TRUE for any boolean */
    unsigned                   flags;
    long long                  min;      /* string: length in characters, */
    long long                  max;      /* integer: value */
    const char *const         *values;   /* string: one of these, or NULL */
} ngx_http_sfu_field_t;


typedef struct {
    const char                *code;     /* "missing-field", ... */
    char                       message[256];
} ngx_http_sfu_invalid_t;


/* the bodies the REST API accepts */
extern const ngx_http_sfu_field_t  ngx_http_sfu_room_create_fields[];
extern const ngx_http_sfu_field_t  ngx_http_sfu_room_update_fields[];
extern const ngx_http_sfu_field_t  ngx_http_sfu_join_fields[];


/* the length of s's longest prefix of at most max bytes that ends on a
 * character boundary (s is UTF-8, as jansson's strings are) */
int ngx_http_sfu_utf8_prefix(const char *s, int max);

json_t *ngx_http_sfu_json_parse(const char *data, size_t len,
    ngx_http_sfu_invalid_t *invalid);
int ngx_http_sfu_json_validate(json_t *obj,
    const ngx_http_sfu_field_t *fields, ngx_http_sfu_invalid_t *invalid);


#endif /* _NGX_HTTP_SFU_VALIDATE_H_INCLUDED_ */
