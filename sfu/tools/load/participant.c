/*
 * participant: one simulated participant (participant.h).  The publish
 * side offers once its transport has gathered and trickles its candidates
 * after the offer; the subscribe side answers each SFU offer the same
 * way.  Received RTP is matched to its stream by SSRC, the stream named
 * by the payload stamp; nothing is allocated per packet.
 */

#include "participant.h"

#include "log.h"
#include "rtcp.h"
#include "rtp.h"
#include "run.h"
#include "sdp_local.h"
#include "stamp.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SDP_BUF 65536

static void fail(load_participant_t *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(load_participant_t *p, const char *fmt, ...)
{
    va_list        ap;
    load_p_state_t before = p->state;

    if (p->state == LOAD_P_FAILED) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(p->why, sizeof(p->why), fmt, ap);
    va_end(ap);
    sfu_log_warn("sfu-load: %s: %s", p->name, p->why);
    p->state = LOAD_P_FAILED;
    load_run_failed(p->run, p, before);
}

static const load_signal_backend_t *
backend(load_participant_t *p)
{
    return p->run->o->backend;
}

/* --- candidates and SDP */

static void
flush_candidates(load_pc_state_t *pc)
{
    load_participant_t *p = pc->p;

    for (unsigned i = 0; i < pc->candidate_count; i++) {
        backend(p)->local_candidate(p->sig, pc->which, pc->mid,
                                    pc->candidates[i]);
    }
    pc->candidate_count = 0;
    if (pc->gathered) {
        backend(p)->local_candidate(p->sig, pc->which, pc->mid, NULL);
    }
}

/* Our offer or answer to the backend; the first one lets the session's candidates follow it. */
static void
send_sdp(load_pc_state_t *pc, const char *sdp, const char *mid)
{
    if (backend(pc->p)->send_sdp(pc->p->sig, pc->which, sdp) != 0) {
        fail(pc->p, "the %s could not be sent",
             pc->which == LOAD_PC_PUBLISH ? "publish offer" : "subscribe answer");
        return;
    }
    if (!pc->sdp_sent) {
        pc->sdp_sent = true;
        g_strlcpy(pc->mid, mid, sizeof(pc->mid));
        flush_candidates(pc);
    }
}

static void
send_publish_offer(load_participant_t *p)
{
    static char    sdp[SDP_BUF];
    char           err[256];
    load_sdp_ice_t ice = { sfu_transport_ice_ufrag(p->pub.t),
                           sfu_transport_ice_pwd(p->pub.t) };

    if (load_sdp_publish_offer(&p->media, p->name, &ice, sdp, sizeof(sdp),
                               err, sizeof(err)) != 0)
    {
        fail(p, "publish offer: %s", err);
        return;
    }
    send_sdp(&p->pub, sdp, "0");
}

/* The remote side's credentials and candidates, into a transport. */
static bool
apply_remote(load_pc_state_t *pc, const load_sdp_remote_t *remote)
{
    if (sfu_transport_set_remote(pc->t, remote->ufrag, remote->pwd,
                                 remote->fingerprint_algo, remote->fingerprint,
                                 remote->we_are_dtls_client) != 0)
    {
        fail(pc->p, "%s: unusable fingerprint",
             pc->which == LOAD_PC_PUBLISH ? "publish answer" : "subscribe offer");
        return false;
    }
    for (unsigned i = 0; i < remote->candidate_count; i++) {
        sfu_transport_add_remote_candidate(pc->t, remote->candidates[i]);
    }
    if (remote->end_of_candidates) {
        sfu_transport_end_of_candidates(pc->t);
    }
    return true;
}

static void
answer_subscribe(load_participant_t *p, const char *offer)
{
    static char       sdp[SDP_BUF];
    load_sdp_remote_t remote;
    char              err[256];
    load_sdp_ice_t    ice = { sfu_transport_ice_ufrag(p->sub.t),
                              sfu_transport_ice_pwd(p->sub.t) };

    if (load_sdp_subscribe_answer(offer, &ice, &remote, sdp, sizeof(sdp),
                                  err, sizeof(err)) != 0)
    {
        fail(p, "subscribe offer: %s", err);
        return;
    }
    /* our answer says a=setup:active, whatever the offer allowed */
    remote.we_are_dtls_client = true;
    if (!apply_remote(&p->sub, &remote)) {
        return;
    }
    send_sdp(&p->sub, sdp, remote.mid);
}

/* --- transports */

static void
on_candidate(sfu_transport_t *t, const char *candidate, void *data)
{
    load_pc_state_t *pc = data;

    (void) t;
    if (pc->sdp_sent) {
        backend(pc->p)->local_candidate(pc->p->sig, pc->which, pc->mid,
                                        candidate);
    } else if (pc->candidate_count < LOAD_PC_CANDIDATES) {
        g_strlcpy(pc->candidates[pc->candidate_count++], candidate,
                  sizeof(pc->candidates[0]));
    }
}

static void
on_gathering_done(sfu_transport_t *t, void *data)
{
    load_pc_state_t    *pc = data;
    load_participant_t *p = pc->p;
    char               *offer;

    (void) t;
    pc->gathered = true;
    if (pc->sdp_sent) {
        backend(p)->local_candidate(p->sig, pc->which, pc->mid, NULL);
    } else if (pc->which == LOAD_PC_PUBLISH) {
        send_publish_offer(p);
    } else if (pc->pending_offer != NULL) {
        offer = pc->pending_offer;
        pc->pending_offer = NULL;
        answer_subscribe(p, offer);
        g_free(offer);
    }
}

/*
 * An empty receiver report on a connected subscribe session, as a browser
 * sends its first RTCP soon after connecting: it is what shows a DTLS
 * server SFU that we hold the keys (ngx-sfu frees its DTLS session then).
 */
static void
send_receiver_report(sfu_transport_t *t)
{
    uint8_t  rr[8 + SFU_TRANSPORT_TRAILER] = { 0x80, 201, 0, 1 };
    uint32_t ssrc = g_random_int();

    memcpy(rr + 4, &ssrc, sizeof(ssrc));
    sfu_transport_send_rtcp(t, rr, 8, sizeof(rr));
}

static void
on_state(sfu_transport_t *t, sfu_transport_state_t state, void *data)
{
    load_pc_state_t    *pc = data;
    load_participant_t *p = pc->p;

    if (state == SFU_TRANSPORT_CONNECTED) {
        pc->connected = true;
        if (pc->which == LOAD_PC_PUBLISH) {
            load_media_start(&p->media, load_now_ns());
            load_run_progress(p->run, p);
        } else {
            send_receiver_report(t);
        }
    } else if (state == SFU_TRANSPORT_FAILED || state == SFU_TRANSPORT_CLOSED) {
        fail(p, "%s transport %s", pc->which == LOAD_PC_PUBLISH ? "publish"
             : "subscribe", state == SFU_TRANSPORT_FAILED ? "failed" : "closed");
    }
}

static load_rx_slot_t *
rx_slot(load_participant_t *p, uint32_t ssrc, uint32_t stream_id)
{
    unsigned i = (ssrc * 2654435761u) % LOAD_RX_SLOTS;

    for (unsigned n = 0; n < LOAD_RX_SLOTS; n++, i = (i + 1) % LOAD_RX_SLOTS) {
        load_rx_slot_t *s = &p->rx[i];

        if (s->used && s->ssrc == ssrc) {
            return s;
        }
        if (!s->used) {
            bool seen = false;

            for (unsigned k = 0; k < LOAD_RX_SLOTS; k++) {
                seen |= p->rx[k].used && p->rx[k].rx.stream_id == stream_id;
            }
            s->used = true;
            s->ssrc = ssrc;
            load_rx_init(&s->rx, stream_id);
            if (p->run->o->per_stream) {
                /* once per stream, not per packet */
                s->rx.lat = g_new0(load_hist_t, 1);
            }
            if (p->run->measuring) {
                load_rx_window_start(&s->rx);
            }
            if (!seen) {
                p->streams++;
                load_run_progress(p->run, p);
            }
            return s;
        }
    }
    return NULL;
}

static void
on_rtp(sfu_transport_t *t, uint8_t *pkt, size_t len, void *data)
{
    load_pc_state_t      *pc = data;
    load_participant_t   *p = pc->p;
    load_run_t           *run = p->run;
    struct sfu_rtp_packet rtp;
    load_rx_slot_t       *slot;
    uint32_t              stream_id;
    uint64_t              send_ns, now = load_now_ns(), arrived = now;
    struct timespec       at;

    if (pc->which != LOAD_PC_SUBSCRIBE || sfu_rtp_parse(&rtp, pkt, len) != SFU_RTP_OK
        || !load_stamp_read(rtp.payload, rtp.payload_len, &stream_id, &send_ns))
    {
        return;
    }
    /*
     * The latency ends when the packet reached our socket, not when this
     * loop, maybe late, read it: the wait in between is sfu-load's own
     * (recv_lateness), not the SFU's.
     */
    if (sfu_transport_arrival(t, &at)) {
        arrived = load_arrival_ns(&at, now);
    }
    if (run->measuring) {
        run->packets_in++;
        run->bytes_in += len;
        load_hist_add(&run->recv_late_us, (now - arrived) / 1000);
    }
    if (p->join_ns == 0) {
        p->join_ns = now;
    }
    slot = rx_slot(p, rtp.ssrc, stream_id);
    if (slot != NULL) {
        load_rx_packet(&slot->rx, rtp.seq, send_ns, arrived, &run->latency_us);
    }
}

static void
on_rtcp(sfu_transport_t *t, uint8_t *pkt, size_t len, void *data)
{
    load_pc_state_t        *pc = data;
    struct sfu_rtcp_iter    it;
    struct sfu_rtcp_packet  r;

    (void) t;
    if (pc->which != LOAD_PC_PUBLISH) {
        return;
    }
    sfu_rtcp_iter_init(&it, pkt, len);
    while (sfu_rtcp_next(&it, &r) == 1) {
        if (r.type == SFU_RTCP_PSFB && (r.count == SFU_RTCP_PSFB_PLI
                                        || r.count == SFU_RTCP_PSFB_FIR))
        {
            load_media_want_key(&pc->p->media);
        }
    }
}

static const sfu_transport_handlers_t handlers = {
    .candidate = on_candidate,
    .gathering_done = on_gathering_done,
    .state = on_state,
    .rtp = on_rtp,
    .rtcp = on_rtcp,
};

static bool
make_transport(load_participant_t *p, load_pc_state_t *pc, bool controlling)
{
    pc->t = sfu_transport_new(controlling, &handlers, pc);
    if (pc->t == NULL) {
        fail(p, "could not make a transport");
        return false;
    }
    return true;
}

/* --- signaling events */

static void
ev_joined(void *data)
{
    load_participant_t *p = data;

    p->state = LOAD_P_JOINED;
    load_run_joined(p->run, p);
    if (p->publisher) {
        /* controlling: the offerer */
        make_transport(p, &p->pub, true);
    }
}

static void
ev_publish_answer(const char *sdp, void *data)
{
    load_participant_t *p = data;
    load_sdp_remote_t   remote;
    char                err[256];

    if (p->pub.t == NULL) {
        fail(p, "a publish answer without an offer");
        return;
    }
    if (load_sdp_read_answer(sdp, &remote, err, sizeof(err)) != 0) {
        fail(p, "publish answer: %s", err);
        return;
    }
    if (p->media.layers > 0 && !remote.video_accepted) {
        fail(p, "publish answer: the SFU rejected the VP8 m-line");
        return;
    }
    if (p->media.layers > 1 && !remote.simulcast_accepted) {
        /* RFC 8853 5.3: without a=simulcast in the answer, one encoding */
        p->simulcast_refused = true;
        p->media.sending_layers = 1;
    }
    apply_remote(&p->pub, &remote);
}

static void
ev_subscribe_offer(const char *sdp, void *data)
{
    load_participant_t *p = data;

    if (p->sub.t == NULL && !make_transport(p, &p->sub, false)) {
        return;
    }
    if (!p->sub.gathered) {
        /* the latest offer is the one to answer */
        g_free(p->sub.pending_offer);
        p->sub.pending_offer = g_strdup(sdp);
        return;
    }
    answer_subscribe(p, sdp);
}

static void
ev_remote_candidate(load_pc_t which, const char *candidate, void *data)
{
    load_participant_t *p = data;
    sfu_transport_t    *t = which == LOAD_PC_PUBLISH ? p->pub.t : p->sub.t;

    if (t == NULL) {
        return;
    }
    if (candidate == NULL) {
        sfu_transport_end_of_candidates(t);
    } else {
        sfu_transport_add_remote_candidate(t, candidate);
    }
}

static void
ev_failed(const char *why, void *data)
{
    fail(data, "%s", why);
}

static const load_signal_events_t events = {
    .joined = ev_joined,
    .publish_answer = ev_publish_answer,
    .subscribe_offer = ev_subscribe_offer,
    .remote_candidate = ev_remote_candidate,
    .failed = ev_failed,
};

/* --- the engine's calls */

void
load_participant_open(load_participant_t *p, const char *room_id)
{
    p->pub.p = p;
    p->pub.which = LOAD_PC_PUBLISH;
    p->sub.p = p;
    p->sub.which = LOAD_PC_SUBSCRIBE;
    p->state = LOAD_P_JOINING;
    p->open_ns = load_now_ns();
    if (p->publisher) {
        const load_options_t *o = p->run->o;

        load_media_init(&p->media, p->publisher_no,
                        o->audio_only ? 0 : o->simulcast ? 3 : 1,
                        o->video_kbps, o->pacing, 0);
    }
    p->sig = backend(p)->open(&p->run->o->target, room_id, p->name, &events, p);
    if (p->sig == NULL) {
        fail(p, "out of memory");
    }
}

static void
send_packet(void *ctx, uint8_t *pkt, size_t len, uint64_t due_ns)
{
    load_participant_t *p = ctx;
    load_run_t         *run = p->run;
    uint64_t            now = load_now_ns();

    /* the latency counts from when the packet really leaves (the tick
       may have sent others before it), not from when it was due */
    load_stamp_set_time(pkt, len, now);
    if (sfu_transport_send_rtp(p->pub.t, pkt, len, sizeof(run->send_buf)) == 0
        && run->measuring)
    {
        run->packets_out++;
        run->bytes_out += len;
        load_hist_add(&run->send_late_us, now > due_ns ? (now - due_ns) / 1000 : 0);
    }
}

void
load_participant_tick(load_participant_t *p, uint64_t now_ns, uint8_t *buf)
{
    if (p->publisher && p->pub.connected && p->state == LOAD_P_JOINED) {
        load_media_tick(&p->media, now_ns, buf, send_packet, p);
    }
}

void
load_participant_window_start(load_participant_t *p)
{
    for (unsigned i = 0; i < LOAD_RX_SLOTS; i++) {
        if (p->rx[i].used) {
            load_rx_window_start(&p->rx[i].rx);
        }
    }
    p->drops_at_window = load_participant_socket_drops(p);
}

uint64_t
load_participant_socket_drops(load_participant_t *p)
{
    return (p->pub.t != NULL ? sfu_transport_socket_drops(p->pub.t) : 0)
           + (p->sub.t != NULL ? sfu_transport_socket_drops(p->sub.t) : 0);
}

void
load_participant_close(load_participant_t *p)
{
    if (p->sig != NULL) {
        backend(p)->close(p->sig);
        p->sig = NULL;
    }
    if (p->pub.t != NULL) {
        sfu_transport_free(p->pub.t);
        p->pub.t = NULL;
    }
    if (p->sub.t != NULL) {
        sfu_transport_free(p->sub.t);
        p->sub.t = NULL;
    }
    g_free(p->sub.pending_offer);
    p->sub.pending_offer = NULL;
    p->pub.connected = false;
}

void
load_participant_free(load_participant_t *p)
{
    for (unsigned i = 0; i < LOAD_RX_SLOTS; i++) {
        g_free(p->rx[i].rx.lat);
    }
    g_free(p);
}
