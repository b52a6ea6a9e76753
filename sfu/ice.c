/*
 * ice: the one interface to ICE (ice.h) over its two backends
 * (ice_backend.h): a libnice agent per peer connection (ice_nice.c), or
 * with --rtc-udp-port the shared UDP port (ice_mux.c, ice_mux_agent.c).
 * Checks the configuration, opens the shared port once per process, and
 * reads remote candidates, refusing the ones no backend may use.
 */

#include "ice_backend.h"

#include "ice_mux.h"
#include "log.h"

#include <arpa/inet.h>
#include <string.h>

#define ICE_COMPONENT 1

bool
sfu_ice_is_ip_literal(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int
sfu_ice_check_config(const sfu_transport_config_t *cfg)
{
    if (!cfg->udp && !cfg->tcp) {
        sfu_log_error("transport: neither UDP nor ICE-TCP is enabled");
        return -1;
    }
    if (cfg->udp_port != 0 && !cfg->udp) {
        sfu_log_error("transport: a shared UDP port without UDP");
        return -1;
    }
    if (cfg->port_min > cfg->port_max
        || (cfg->port_min == 0) != (cfg->port_max == 0))
    {
        sfu_log_error("transport: bad port range %u-%u",
                      cfg->port_min, cfg->port_max);
        return -1;
    }
    for (const char **l = cfg->listen; l != NULL && *l != NULL; l++) {
        if (!sfu_ice_is_ip_literal(*l)) {
            sfu_log_error("transport: listen address \"%s\" is not an IP",
                          *l);
            return -1;
        }
    }
    if (cfg->announce != NULL && !sfu_ice_is_ip_literal(cfg->announce)) {
        sfu_log_error("transport: announced address \"%s\" is not an IP",
                      cfg->announce);
        return -1;
    }
    return 0;
}

int
sfu_ice_global_init(const sfu_transport_config_t *cfg)
{
    if (sfu_ice_check_config(cfg) != 0) {
        return -1;
    }
    return sfu_ice_mux_open(cfg);
}

void
sfu_ice_global_cleanup(void)
{
    sfu_ice_mux_close_all();
}

sfu_ice_t *
sfu_ice_new(const sfu_transport_config_t *cfg, bool controlling,
            const sfu_ice_callbacks_t *cb, void *data)
{
    if (cfg->udp_port != 0) {
        return sfu_ice_mux_agent_new(cfg, controlling, cb, data);
    }
    return sfu_ice_nice_new(cfg, controlling, cb, data);
}

const char *
sfu_ice_ufrag(const sfu_ice_t *ice)
{
    return ice->ops->ufrag(ice);
}

const char *
sfu_ice_pwd(const sfu_ice_t *ice)
{
    return ice->ops->pwd(ice);
}

int
sfu_ice_set_remote(sfu_ice_t *ice, const char *ufrag, const char *pwd)
{
    if (strlen(ufrag) > SFU_ICE_CRED_MAX || strlen(pwd) > SFU_ICE_CRED_MAX
        || *ufrag == '\0' || *pwd == '\0')
    {
        return -1;
    }
    return ice->ops->set_remote(ice, ufrag, pwd);
}

int
sfu_ice_add_remote_candidate(sfu_ice_t *ice, const char *candidate)
{
    const sfu_transport_config_t *cfg = ice->cfg;
    struct sfu_sdp_candidate c;
    struct sfu_sdp_error err;
    char ip[INET6_ADDRSTRLEN];

    if (sfu_sdp_parse_candidate(&c, candidate, strlen(candidate), &err)
        != SFU_SDP_OK)
    {
        sfu_log_debug("ice %p: remote candidate refused: %s", (void *) ice,
                      err.message);
        return -1;
    }
    if (c.component != ICE_COMPONENT
        || (c.transport == SFU_SDP_UDP && !cfg->udp)
        || (c.transport == SFU_SDP_TCP && !cfg->tcp))
    {
        return 0;
    }
    /* an mDNS name (RFC 8828) or any other name: the worker never resolves */
    if (c.address.len < sizeof(ip)) {
        memcpy(ip, c.address.p, c.address.len);
        ip[c.address.len] = '\0';
    }
    if (c.address.len >= sizeof(ip) || !sfu_ice_is_ip_literal(ip)
        || !sfu_peer_networks_allow(cfg->peer_networks, ip)
        || (c.transport == SFU_SDP_TCP && c.tcptype == SFU_SDP_TCPTYPE_NONE))
    {
        sfu_log_debug("ice %p: remote candidate refused: address \"%.*s\"",
                      (void *) ice, (int) c.address.len, c.address.p);
        return -1;
    }
    return ice->ops->add_remote_candidate(ice, &c, ip);
}

void
sfu_ice_end_of_candidates(sfu_ice_t *ice)
{
    ice->ops->end_of_candidates(ice);
}

int
sfu_ice_restart(sfu_ice_t *ice)
{
    return ice->ops->restart(ice);
}

int
sfu_ice_send(sfu_ice_t *ice, const uint8_t *pkt, size_t len)
{
    return ice->ops->send(ice, pkt, len);
}

bool
sfu_ice_sends_direct(const sfu_ice_t *ice)
{
    return ice->ops->sends_direct(ice);
}

bool
sfu_ice_arrival(sfu_ice_t *ice, struct timespec *at)
{
    return ice->ops->arrival != NULL && ice->ops->arrival(ice, at);
}

uint64_t
sfu_ice_socket_drops(sfu_ice_t *ice)
{
    return ice->ops->socket_drops != NULL ? ice->ops->socket_drops(ice) : 0;
}

const char *
sfu_ice_local(const sfu_ice_t *ice)
{
    return ice->ops->local(ice);
}

const char *
sfu_ice_remote(const sfu_ice_t *ice)
{
    return ice->ops->remote(ice);
}

void
sfu_ice_free(sfu_ice_t *ice)
{
    if (ice != NULL) {
        ice->ops->free(ice);
    }
}
