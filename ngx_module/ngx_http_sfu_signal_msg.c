
/*
 * Signaling message validation, see ngx_http_sfu_signal_msg.h.  The
 * limits: an SDP of a large room is tens of kilobytes, so 64 Ki
 * characters; a candidate line is short; chat is for humans.
 */

#include <stdio.h>
#include <string.h>

#include "ngx_http_sfu_signal_msg.h"


#define NGX_HTTP_SFU_SIGNAL_TYPE                                             \
    { "type", JSON_STRING, NGX_HTTP_SFU_FIELD_REQUIRED, 1, 64, NULL }

#define NGX_HTTP_SFU_SIGNAL_END  { NULL, 0, 0, 0, 0, NULL }


static const char *const  ngx_http_sfu_signal_pcs[] = {
    "publish", "subscribe", NULL
};

static const char *const  ngx_http_sfu_signal_qualities[] = {
    "low", "medium", "high", "auto", "off", NULL
};


static const ngx_http_sfu_field_t  ngx_http_sfu_signal_bare[] = {
    NGX_HTTP_SFU_SIGNAL_TYPE,
    NGX_HTTP_SFU_SIGNAL_END
};


static const ngx_http_sfu_field_t  ngx_http_sfu_signal_join[] = {
    NGX_HTTP_SFU_SIGNAL_TYPE,
    { "token", JSON_STRING, NGX_HTTP_SFU_FIELD_REQUIRED, 1, 4096, NULL },
    NGX_HTTP_SFU_SIGNAL_END
};


static const ngx_http_sfu_field_t  ngx_http_sfu_signal_sdp[] = {
    NGX_HTTP_SFU_SIGNAL_TYPE,
    { "sdp", JSON_STRING, NGX_HTTP_SFU_FIELD_REQUIRED, 1, 65536, NULL },
    NGX_HTTP_SFU_SIGNAL_END
};


/* RTCIceCandidateInit; an empty candidate ends the candidates */

static const ngx_http_sfu_field_t  ngx_http_sfu_signal_candidate[] = {
    NGX_HTTP_SFU_SIGNAL_TYPE,
    { "pc", JSON_STRING, NGX_HTTP_SFU_FIELD_REQUIRED, 1, 16,
      ngx_http_sfu_signal_pcs },
    { "candidate", JSON_STRING, NGX_HTTP_SFU_FIELD_REQUIRED, 0, 1024, NULL },
    { "sdpMid", JSON_STRING, NGX_HTTP_SFU_FIELD_NULLABLE, 0, 64, NULL },
    { "sdpMLineIndex", JSON_INTEGER, NGX_HTTP_SFU_FIELD_NULLABLE, 0, 1023,
      NULL },
    { "usernameFragment", JSON_STRING, NGX_HTTP_SFU_FIELD_NULLABLE, 0, 256,
      NULL },
    NGX_HTTP_SFU_SIGNAL_END
};


static const ngx_http_sfu_field_t  ngx_http_sfu_signal_quality[] = {
    NGX_HTTP_SFU_SIGNAL_TYPE,
    { "quality", JSON_STRING, NGX_HTTP_SFU_FIELD_REQUIRED, 1, 16,
      ngx_http_sfu_signal_qualities },
    NGX_HTTP_SFU_SIGNAL_END
};


static const ngx_http_sfu_field_t  ngx_http_sfu_signal_toggle[] = {
    NGX_HTTP_SFU_SIGNAL_TYPE,
    { "enabled", JSON_TRUE, NGX_HTTP_SFU_FIELD_REQUIRED, 0, 0, NULL },
    NGX_HTTP_SFU_SIGNAL_END
};


/* the publish pc's m-line (its a=mid) that will carry the screen */

static const ngx_http_sfu_field_t  ngx_http_sfu_signal_screen[] = {
    NGX_HTTP_SFU_SIGNAL_TYPE,
    { "mid", JSON_STRING, NGX_HTTP_SFU_FIELD_TEXT, 1, 32, NULL },
    NGX_HTTP_SFU_SIGNAL_END
};


static const ngx_http_sfu_field_t  ngx_http_sfu_signal_chat[] = {
    NGX_HTTP_SFU_SIGNAL_TYPE,
    { "text", JSON_STRING, NGX_HTTP_SFU_FIELD_REQUIRED, 1, 4000, NULL },
    NGX_HTTP_SFU_SIGNAL_END
};


const ngx_http_sfu_signal_type_t  ngx_http_sfu_signal_types[] = {
    { "join", ngx_http_sfu_signal_join },
    { "offer", ngx_http_sfu_signal_sdp },
    { "answer", ngx_http_sfu_signal_sdp },
    { "ice-candidate", ngx_http_sfu_signal_candidate },
    { "start-screen-share", ngx_http_sfu_signal_screen },
    { "stop-screen-share", ngx_http_sfu_signal_bare },
    { "update-quality", ngx_http_sfu_signal_quality },
    { "toggle-audio", ngx_http_sfu_signal_toggle },
    { "toggle-video", ngx_http_sfu_signal_toggle },
    { "chat", ngx_http_sfu_signal_chat },
    { "leave", ngx_http_sfu_signal_bare },
    { NULL, NULL }
};


const ngx_http_sfu_signal_type_t *
ngx_http_sfu_signal_validate(json_t *msg, ngx_http_sfu_invalid_t *invalid)
{
    json_t                            *type;
    const ngx_http_sfu_signal_type_t  *t;

    type = json_object_get(msg, "type");

    if (!json_is_string(type)) {
        invalid->code = "bad-message";
        snprintf(invalid->message, sizeof(invalid->message),
                 "a message needs a string \"type\"");
        return NULL;
    }

    for (t = ngx_http_sfu_signal_types; t->type; t++) {
        if (strcmp(json_string_value(type), t->type) == 0) {
            break;
        }
    }

    if (t->type == NULL) {
        invalid->code = "unknown-type";
        snprintf(invalid->message, sizeof(invalid->message),
                 "unknown message type \"%.*s\"",
                 ngx_http_sfu_utf8_prefix(json_string_value(type), 64),
                 json_string_value(type));
        return NULL;
    }

    if (!ngx_http_sfu_json_validate(msg, t->fields, invalid)) {
        invalid->code = "bad-message";
        return NULL;
    }

    return t;
}
