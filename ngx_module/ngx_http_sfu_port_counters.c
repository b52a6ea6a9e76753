
/*
 * The shared-port counters of an SFU worker's hello and pong.
 */

#include "ngx_http_sfu_port_counters.h"

#include <stddef.h>


/* in the order of sfu/PROTOCOL.md's table */
const ngx_http_sfu_port_counter_t
    ngx_http_sfu_port_counters[NGX_HTTP_SFU_PORT_COUNTERS] =
{
    { "udp_datagrams", "sfu_worker_ice_udp_datagrams_total",
      "UDP datagrams the SFU worker read from its shared port." },
    { "udp_unknown_source", "sfu_worker_ice_udp_unknown_source_total",
      "UDP datagrams dropped on the shared port: not STUN, and from no "
      "address that passed an ICE check." },
    { "udp_kernel_drops", "sfu_worker_ice_udp_kernel_drops_total",
      "UDP datagrams the kernel dropped before the SFU worker read them: "
      "receive queue full, bad checksum, or outside the peer networks." },
    { "stun_requests", "sfu_worker_ice_stun_requests_total",
      "STUN binding requests on the shared port (UDP and ICE-TCP)." },
    { "stun_responses", "sfu_worker_ice_stun_responses_total",
      "STUN binding responses on the shared port." },
    { "stun_malformed", "sfu_worker_ice_stun_malformed_total",
      "STUN messages on the shared port that do not parse." },
    { "stun_unknown_ufrag", "sfu_worker_ice_stun_unknown_ufrag_total",
      "STUN binding requests refused: no USERNAME or MESSAGE-INTEGRITY, "
      "or an ufrag no peer connection has." },
    { "stun_bad_credentials", "sfu_worker_ice_stun_bad_credentials_total",
      "STUN binding requests refused: a known ufrag with the wrong "
      "MESSAGE-INTEGRITY or remote ufrag." },
    { "stun_unrouted", "sfu_worker_ice_stun_unrouted_total",
      "STUN responses on the shared port for no live check." },
    { "tcp_accepted", "sfu_worker_ice_tcp_accepted_total",
      "ICE-TCP connections accepted on the shared port." },
    { "tcp_refused", "sfu_worker_ice_tcp_refused_total",
      "ICE-TCP connections closed: the first frame was no binding request "
      "that passed." },
    { "tcp_auth_timeouts", "sfu_worker_ice_tcp_auth_timeouts_total",
      "ICE-TCP connections closed: no binding request that passed in "
      "time." },
    { "tcp_over_limit", "sfu_worker_ice_tcp_over_limit_total",
      "ICE-TCP connections closed at once: too many waiting to "
      "authenticate." },
    { "tcp_accept_pauses", "sfu_worker_ice_tcp_accept_pauses_total",
      "Pauses of the ICE-TCP listener: accept ran out of descriptors or "
      "memory." },
    { "tcp_send_drops", "sfu_worker_ice_tcp_send_drops_total",
      "ICE-TCP frames dropped: the connection's send ring was full." }
};


int
ngx_http_sfu_port_counters_parse(json_t *msg, uint64_t *values,
    const char **bad)
{
    size_t   i;
    json_t  *port, *value;

    port = json_object_get(msg, "shared_port");

    if (port == NULL) {
        return 0;
    }

    if (!json_is_object(port)) {
        *bad = "shared_port";
        return -1;
    }

    for (i = 0; i < NGX_HTTP_SFU_PORT_COUNTERS; i++) {
        value = json_object_get(port, ngx_http_sfu_port_counters[i].field);

        if (!json_is_integer(value) || json_integer_value(value) < 0) {
            *bad = ngx_http_sfu_port_counters[i].field;
            return -1;
        }

        values[i] = (uint64_t) json_integer_value(value);
    }

    return 1;
}
