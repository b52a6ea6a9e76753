
/*
 * The signaling messages a client may send (DESIGN.md): one field table
 * per type, checked on the parsed JSON object.  Plain C on jansson and
 * ngx_http_sfu_validate.c, so the libFuzzer target links exactly the code
 * the module runs.
 */

#ifndef _NGX_HTTP_SFU_SIGNAL_MSG_H_INCLUDED_
#define _NGX_HTTP_SFU_SIGNAL_MSG_H_INCLUDED_


#include "ngx_http_sfu_validate.h"


/*
 * What the tables let through stays small enough to forward: a valid
 * message, compact JSON with every character escaped at its worst, takes
 * at most this many bytes (the link's frame limit is 1 MiB).
 */
#define NGX_HTTP_SFU_SIGNAL_MAX_DUMP  (512 * 1024)


typedef struct {
    const char                  *type;
    const ngx_http_sfu_field_t  *fields;     /* "type" included */
} ngx_http_sfu_signal_type_t;


extern const ngx_http_sfu_signal_type_t  ngx_http_sfu_signal_types[];


/*
 * The entry of msg's type when msg is valid; else NULL and invalid says
 * why, its code "unknown-type" or "bad-message".
 */
const ngx_http_sfu_signal_type_t *ngx_http_sfu_signal_validate(json_t *msg,
    ngx_http_sfu_invalid_t *invalid);


#endif /* _NGX_HTTP_SFU_SIGNAL_MSG_H_INCLUDED_ */
