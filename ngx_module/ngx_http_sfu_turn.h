
/*
 * TURN REST-API credentials (coturn's --use-auth-secret): the username is
 * "<expiry unix time>:<user>", the credential base64(HMAC-SHA1(secret,
 * username)), the expiry now + "sfu_turn_ttl".
 *
 * The secret is the newest member of the Redis set
 * "turn/realm/<realm>/secret", ranked by its score in the sorted set
 * "turn/realm/<realm>/secret/added" (unscored members count as oldest, ties
 * go to the greatest string), which each worker process reads at start and
 * every "sfu_turn_secret_refresh" -- never per request.  Without a secret in
 * Redis, or while Redis is unavailable, "sfu_turn_secret" is used; while
 * Redis is unavailable and there is no "sfu_turn_secret", the last secret
 * read from Redis still is.
 */

#ifndef _NGX_HTTP_SFU_TURN_H_INCLUDED_
#define _NGX_HTTP_SFU_TURN_H_INCLUDED_


#include "ngx_http_sfu_module.h"


/*
 * Refuses TURN URIs without any place for a secret.  Call from
 * init_main_conf.
 */
char *ngx_http_sfu_turn_check_conf(ngx_conf_t *cf,
    ngx_http_sfu_main_conf_t *smcf);

/* Reads the secret now and arms the refresh timer. */
ngx_int_t ngx_http_sfu_turn_init_process(ngx_cycle_t *cycle);

/*
 * ICE servers in RTCPeerConnection's iceServers form, as JSON text in
 * *json (from the request's pool; json_loadb() it for a json_t):
 *   [{"urls":[<sfu_stun_uri>...]},
 *    {"urls":[<sfu_turn_uri>...],"username":"...","credential":"...",
 *     "credentialType":"password"}]
 * an entry being left out when it has no URIs.  NGX_OK; NGX_DECLINED when
 * TURN URIs are configured but there is no secret at all -- answer 503;
 * NGX_ERROR when out of memory.  user must be valid UTF-8.
 */
ngx_int_t ngx_http_sfu_turn_ice_servers(ngx_http_request_t *r,
    ngx_str_t *user, ngx_str_t *json);


#endif /* _NGX_HTTP_SFU_TURN_H_INCLUDED_ */
