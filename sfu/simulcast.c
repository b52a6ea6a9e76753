/*
 * simulcast: a track's layers, learning their SSRCs, their statistics and
 * rank, and a subscriber's choice among them; see simulcast.h.
 */
#include "simulcast.h"

#include <string.h>

int
sfu_simulcast_init(struct sfu_simulcast *sim, const char rids[][SFU_RID_MAX + 1], unsigned count,
    uint32_t clock_rate)
{
    unsigned i;

    memset(sim, 0, sizeof(*sim));
    if (count > SFU_SIMULCAST_MAX_LAYERS) {
        count = SFU_SIMULCAST_MAX_LAYERS;
    }
    for (i = 0; i < count; i++) {
        struct sfu_layer *l = &sim->layers[i];

        memcpy(l->rid, rids[i], sizeof(l->rid));
        sfu_recv_stats_init(&l->stats, clock_rate);
        /* Far enough in the past that the first request goes out at once. */
        l->keyframe_sent_us = INT64_MIN / 2;
        sim->rank[i] = (uint8_t)i;
        sim->count = i + 1;
        if (sfu_packet_cache_init(&l->cache) != 0) {
            sfu_simulcast_free(sim);
            return -1;
        }
    }
    return 0;
}

void
sfu_simulcast_free(struct sfu_simulcast *sim)
{
    unsigned i;

    for (i = 0; i < sim->count; i++) {
        sfu_packet_cache_free(&sim->layers[i].cache);
    }
    sim->count = 0;
}

int
sfu_simulcast_layer_by_ssrc(const struct sfu_simulcast *sim, uint32_t ssrc)
{
    unsigned i;

    for (i = 0; i < sim->count; i++) {
        if (ssrc != 0 && sim->layers[i].ssrc == ssrc) {
            return (int)i;
        }
    }
    return -1;
}

static int
layer_by_rid(const struct sfu_simulcast *sim, const struct sfu_rtp_packet *pkt, uint8_t ext_id)
{
    struct sfu_rtp_ext ext;
    unsigned i;

    if (ext_id == 0 || sfu_rtp_ext_find(pkt, ext_id, &ext) != SFU_RTP_OK) {
        return -1;
    }
    for (i = 0; i < sim->count; i++) {
        if (ext.len == strlen(sim->layers[i].rid) && memcmp(ext.value, sim->layers[i].rid, ext.len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int
sfu_simulcast_classify(const struct sfu_simulcast *sim, const struct sfu_rtp_packet *pkt, bool *rtx)
{
    const struct sfu_layer *l;
    unsigned i;

    for (i = 0; i < sim->count; i++) {
        l = &sim->layers[i];
        if (pkt->ssrc == l->ssrc || (pkt->ssrc == l->rtx_ssrc && l->rtx_ssrc != 0)) {
            *rtx = pkt->ssrc != l->ssrc;
            return (int)i;
        }
    }
    return -1;
}

int
sfu_simulcast_learn(struct sfu_simulcast *sim, const struct sfu_rtp_packet *pkt, bool *rtx)
{
    int index;

    /* The sender names its layer in the first packets of each SSRC (RFC 8852). */
    if ((index = layer_by_rid(sim, pkt, sim->ext_repaired_rid)) >= 0) {
        sim->layers[index].rtx_ssrc = pkt->ssrc;
        *rtx = true;
        return index;
    }
    if ((index = layer_by_rid(sim, pkt, sim->ext_rid)) >= 0) {
        sim->layers[index].ssrc = pkt->ssrc;
        sfu_recv_stats_init(&sim->layers[index].stats, sim->layers[index].stats.clock_rate);
        sim->layers[index].sr.have = false;
        *rtx = false;
        return index;
    }
    return -1;
}

bool
sfu_simulcast_same_rids(const struct sfu_simulcast *sim, const char rids[][SFU_RID_MAX + 1], unsigned count)
{
    unsigned i;

    if (count > SFU_SIMULCAST_MAX_LAYERS) {
        count = SFU_SIMULCAST_MAX_LAYERS;
    }
    if (count != sim->count) {
        return false;
    }
    for (i = 0; i < count; i++) {
        if (strcmp(sim->layers[i].rid, rids[i]) != 0) {
            return false;
        }
    }
    return true;
}

void
sfu_simulcast_sender_report(struct sfu_simulcast *sim, unsigned index, uint64_t ntp, uint32_t rtp, int64_t now_us)
{
    struct sfu_layer *l = &sim->layers[index];

    sfu_recv_stats_sender_report(&l->stats, ntp, now_us);
    l->sr = (struct sfu_last_sr){ true, ntp, rtp, now_us };
}

void
sfu_simulcast_packet(struct sfu_simulcast *sim, unsigned index, const struct sfu_rtp_packet *pkt,
    bool keyframe, uint32_t pixels, bool retransmission, int64_t now_us)
{
    struct sfu_layer *l = &sim->layers[index];

    sfu_recv_stats_update(&l->stats, pkt->seq, pkt->timestamp, now_us, retransmission);
    sfu_packet_cache_put(&l->cache, pkt->seq, pkt->data, pkt->len, now_us);
    l->packets++;
    l->bytes += pkt->len;
    l->last_packet_us = now_us;
    l->active = true;
    if (keyframe) {
        l->last_keyframe_us = now_us;
        l->keyframe_pending = false;    /* what a held-back request asked for has come */
    }
    if (pixels != 0) {
        l->pixels = pixels;
    }
}

/* Is layer a a bigger encoding than b?  By picture size when both are known, else by bitrate. */
static bool
bigger(const struct sfu_layer *a, const struct sfu_layer *b)
{
    if (a->pixels != 0 && b->pixels != 0 && a->pixels != b->pixels) {
        return a->pixels > b->pixels;
    }
    return a->rate.bps > b->rate.bps;
}

/* Insertion sort of the layer indices, smallest first: three at most, and equals keep their order. */
static void
rank_layers(struct sfu_simulcast *sim)
{
    unsigned i, j;
    uint8_t v;

    for (i = 1; i < sim->count; i++) {
        v = sim->rank[i];
        for (j = i; j > 0 && bigger(&sim->layers[sim->rank[j - 1]], &sim->layers[v]); j--) {
            sim->rank[j] = sim->rank[j - 1];
        }
        sim->rank[j] = v;
    }
}

void
sfu_simulcast_tick(struct sfu_simulcast *sim, int64_t now_us)
{
    unsigned i;

    for (i = 0; i < sim->count; i++) {
        struct sfu_layer *l = &sim->layers[i];

        sfu_bitrate_tick(&l->rate, l->bytes, now_us);
        if (l->active && now_us - l->last_packet_us > SFU_LAYER_TIMEOUT_US) {
            l->active = false;
            l->rate.bps = 0;
        }
    }
    rank_layers(sim);
}

unsigned
sfu_simulcast_active_count(const struct sfu_simulcast *sim)
{
    unsigned i, n = 0;

    for (i = 0; i < sim->count; i++) {
        n += sim->layers[i].active;
    }
    return n;
}

int
sfu_simulcast_active_at(const struct sfu_simulcast *sim, unsigned rank)
{
    unsigned i;

    for (i = 0; i < sim->count; i++) {
        if (sim->layers[sim->rank[i]].active && rank-- == 0) {
            return sim->rank[i];
        }
    }
    return -1;
}

int
sfu_simulcast_choose(const struct sfu_simulcast *sim, enum sfu_quality quality)
{
    unsigned active = sfu_simulcast_active_count(sim);
    unsigned rank;

    if (quality == SFU_QUALITY_OFF || active == 0) {
        return -1;
    }
    rank = (unsigned)quality;
    if (quality == SFU_QUALITY_HIGH || rank >= active) {
        rank = active - 1;
    }
    return sfu_simulcast_active_at(sim, rank);
}

enum sfu_layer_verdict
sfu_layer_choice_accept(struct sfu_layer_choice *c, int index, bool keyframe)
{
    if (index == c->target && index != c->current && keyframe) {
        c->current = index;
        return SFU_LAYER_SWITCH;
    }
    return index == c->current && c->current >= 0 ? SFU_LAYER_FORWARD : SFU_LAYER_DROP;
}

static const char *const quality_names[] = { "low", "medium", "high" };

const char *
sfu_quality_name(enum sfu_quality q)
{
    return q == SFU_QUALITY_OFF ? "off" : quality_names[q];
}

bool
sfu_quality_parse(const char *s, enum sfu_quality *q)
{
    int i;

    if (strcmp(s, "off") == 0) {
        *q = SFU_QUALITY_OFF;
        return true;
    }
    if (strcmp(s, "auto") == 0) {
        *q = SFU_QUALITY_HIGH;
        return true;
    }
    for (i = 0; i < 3; i++) {
        if (strcmp(s, quality_names[i]) == 0) {
            *q = (enum sfu_quality)i;
            return true;
        }
    }
    return false;
}
