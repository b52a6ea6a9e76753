/*
 * ice_mux: the shared ICE UDP port (--rtc-udp-port).  One UDP socket per
 * listen address, all bound to the same port, carry every peer
 * connection's ICE, DTLS and SRTP; one GSource reads them (recvmmsg into
 * preallocated buffers) and runs every client's timer.  Datagrams are
 * routed to their client (one per peer connection, ice_mux_agent.c):
 *
 *   - a STUN request by the local ufrag in its USERNAME,
 *   - a STUN response by the client id in its transaction id's first
 *     four bytes (the client made the id),
 *   - anything else by its source address, which a client registers only
 *     once it passed a connectivity check; from elsewhere it is dropped.
 *
 * With ICE-TCP (cfg->tcp), each address also listens on TCP at the same
 * port (ice_mux_tcp.c): an accepted connection is a path of its own
 * (path.tcp), routed by connection once its first frame passed a check.
 *
 * Clients own what they register (ufrag strings, paths) and unregister it
 * before they go.  A client may unregister itself, or be freed, inside
 * any of its callbacks.
 */

#ifndef SFU_ICE_MUX_H
#define SFU_ICE_MUX_H

#include "stun.h"
#include "transport.h"

#include <glib.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sfu_ice_mux sfu_ice_mux_t;

/* One remote address as seen on one of the mux's sockets. */
typedef struct {
    union {
        struct sockaddr     sa;
        struct sockaddr_in  sin;
        struct sockaddr_in6 sin6;
    } addr;
    socklen_t len;
    unsigned  sock;
    uint32_t  tcp;              /* 0: UDP; else the ICE-TCP connection */
} sfu_ice_mux_path_t;

typedef struct sfu_ice_mux_client sfu_ice_mux_client_t;

typedef struct {
    /* A STUN message that parsed (fingerprint, if any, right). */
    void (*stun)(sfu_ice_mux_client_t *c, const sfu_ice_mux_path_t *from,
                 const sfu_stun_msg_t *m, const uint8_t *buf, size_t len);
    /* Not STUN, from a registered path; the buffer is writable. */
    void (*data)(sfu_ice_mux_client_t *c, uint8_t *buf, size_t len);
    /* client->due has come. */
    void (*timer)(sfu_ice_mux_client_t *c, gint64 now);
    /* The ICE-TCP connection of a path of c's closed: the path is gone
       (the mux forgot it already). */
    void (*closed)(sfu_ice_mux_client_t *c, const sfu_ice_mux_path_t *p);
} sfu_ice_mux_client_ops_t;

struct sfu_ice_mux_client {
    const sfu_ice_mux_client_ops_t *ops;
    uint32_t              id;        /* set by sfu_ice_mux_attach */
    gint64                due;       /* monotonic us; G_MAXINT64 = none */
    sfu_ice_mux_client_t *prev, *next;
};

/* Counted since the mux opened; the worker's pong reports them
   (proto.c, PROTOCOL.md "shared_port"). */
typedef struct {
    uint64_t datagrams, stun_requests, stun_responses;
    uint64_t unknown_source;     /* not STUN, from no registered path */
    uint64_t kernel_drops;       /* the sockets' drop counts (read by
                                    sfu_ice_mux_stats, not counted here) */
    uint64_t stun_bad;           /* malformed, bad fingerprint */
    uint64_t stun_unknown_ufrag; /* no USERNAME/integrity, unknown ufrag */
    uint64_t stun_bad_credentials; /* the ufrag's client refused it (401) */
    uint64_t stun_unrouted;      /* response or indication for nobody */
    /* ICE-TCP */
    uint64_t tcp_accepted;
    uint64_t tcp_refused;        /* first frame no request that passed */
    uint64_t tcp_timed_out;      /* no such frame in time */
    uint64_t tcp_overflow;       /* over the unauthenticated limit */
    uint64_t tcp_accept_paused;  /* accept ran out of fds or memory */
    uint64_t tcp_queue_drops;    /* frames dropped, send queue full */
} sfu_ice_mux_stats_t;

/* The counters by name and place in sfu_ice_mux_stats_t (all uint64_t). */
#define SFU_ICE_MUX_STAT_FIELDS 15
typedef struct {
    const char *name;                /* as pong's "shared_port" has it */
    size_t      offset;
} sfu_ice_mux_stat_field_t;
extern const sfu_ice_mux_stat_field_t
    sfu_ice_mux_stat_fields[SFU_ICE_MUX_STAT_FIELDS];
/* The i-th of sfu_ice_mux_stat_fields in s. */
uint64_t sfu_ice_mux_stat_value(const sfu_ice_mux_stats_t *s, size_t i);

/* Opens the sockets for cfg->udp_port (process-wide, from
   sfu_ice_global_init); 0 or -1 (logged). */
int sfu_ice_mux_open(const sfu_transport_config_t *cfg);
void sfu_ice_mux_close_all(void);

/* The open mux serving cfg->udp_port, or NULL. */
sfu_ice_mux_t *sfu_ice_mux_find(const sfu_transport_config_t *cfg);

unsigned sfu_ice_mux_n_sockets(const sfu_ice_mux_t *mux);
/* The address socket i is bound to. */
const struct sockaddr *sfu_ice_mux_local(const sfu_ice_mux_t *mux,
                                         unsigned i);

void sfu_ice_mux_attach(sfu_ice_mux_t *mux, sfu_ice_mux_client_t *c);
void sfu_ice_mux_detach(sfu_ice_mux_t *mux, sfu_ice_mux_client_t *c);
/* c->due changed: the mux wakes up in time for it. */
void sfu_ice_mux_reschedule(sfu_ice_mux_t *mux, sfu_ice_mux_client_t *c);

/* -1 if another client has the ufrag. */
int sfu_ice_mux_add_ufrag(sfu_ice_mux_t *mux, const char *ufrag,
                          sfu_ice_mux_client_t *c);
void sfu_ice_mux_remove_ufrag(sfu_ice_mux_t *mux, const char *ufrag,
                              sfu_ice_mux_client_t *c);
/* The path (which must stay where it is until removed) now leads to c,
   taking it from any other client. */
void sfu_ice_mux_add_path(sfu_ice_mux_t *mux, const sfu_ice_mux_path_t *p,
                          sfu_ice_mux_client_t *c);
void sfu_ice_mux_remove_path(sfu_ice_mux_t *mux, const sfu_ice_mux_path_t *p,
                             sfu_ice_mux_client_t *c);

/* Routes a STUN message from a path (ICE-TCP: the connection's first
   and later frames) as if it came on UDP. */
void sfu_ice_mux_route_stun(sfu_ice_mux_t *mux,
                            const sfu_ice_mux_path_t *from,
                            const uint8_t *buf, size_t len);

/* Whether the mux also serves ICE-TCP on its port. */
bool sfu_ice_mux_has_tcp(const sfu_ice_mux_t *mux);

/* sendto on the path's socket, or framed on its ICE-TCP connection
   (queued, up to a bound, if the socket is full): 0, or -1. */
int sfu_ice_mux_send(sfu_ice_mux_t *mux, const sfu_ice_mux_path_t *to,
                     const uint8_t *buf, size_t len);

bool sfu_ice_mux_path_equal(const sfu_ice_mux_path_t *a,
                            const sfu_ice_mux_path_t *b);
/* p = ip (a literal) and port, on socket 0; 0, or -1 if ip is no IP. */
int sfu_ice_mux_path_set(sfu_ice_mux_path_t *p, const char *ip,
                         uint16_t port);
/* "ip:port" */
void sfu_ice_mux_format(const struct sockaddr *sa, char *out, size_t size);

/* A client refused a binding request routed to it by its ufrag: the
   integrity or the remote ufrag did not match (it answers 401 itself). */
void sfu_ice_mux_count_bad_credentials(sfu_ice_mux_t *mux);

/* The mux's counters, kernel_drops read from its sockets now (one
   getsockopt each: nothing per packet). */
void sfu_ice_mux_stats(const sfu_ice_mux_t *mux, sfu_ice_mux_stats_t *out);
/* Every open mux's counters added up (a worker serves one shared port);
   false, and out zeroed, when none is open. */
bool sfu_ice_mux_stats_all(sfu_ice_mux_stats_t *out);

#endif
