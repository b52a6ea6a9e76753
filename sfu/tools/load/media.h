/*
 * media: what one simulated publisher sends, and when.  Synthetic Opus
 * (one packet every 20 ms) and VP8 (30 frames/s at a given bitrate, a key
 * frame every 3 s or when the SFU asks with PLI/FIR), each packet built in
 * the caller's buffer: an RTP header (with the sdes:mid and rtp-stream-id
 * extensions when simulcast), a VP8 payload descriptor and frame header
 * the SFU can read key frames from, filler, and the stamp (stamp.h).
 * Packets are at most LOAD_MEDIA_MAX_PACKET bytes; a video frame is split
 * into equal packets, as browsers do, and paced out (pacer.h).  Nothing
 * is allocated per packet.
 */

#ifndef SFU_LOAD_MEDIA_H
#define SFU_LOAD_MEDIA_H

#include "pacer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_MEDIA_MAX_PACKET   1200
#define LOAD_MEDIA_OPUS_BYTES   120           /* ~48 kbit/s */
#define LOAD_MEDIA_AUDIO_NS     20000000u     /* 20 ms */
#define LOAD_MEDIA_FPS          30
#define LOAD_MEDIA_KEY_NS       3000000000u   /* a key frame every 3 s */
#define LOAD_MEDIA_KEY_FACTOR   6             /* a key frame's size in delta frames */
#define LOAD_MEDIA_MAX_LAYERS   3

/* RTP header extension ids of the publish offer (simulcast only). */
#define LOAD_EXT_MID            1
#define LOAD_EXT_RID            2

#define LOAD_PT_OPUS            111
#define LOAD_PT_VP8             96

typedef struct {
    uint32_t    ssrc;
    uint8_t     pt;
    uint16_t    seq;
    uint32_t    ts_base;
    uint32_t    stream_id;
    const char *mid;           /* written as sdes:mid when set */
    const char *rid;           /* written as rtp-stream-id when set */
    unsigned    kbps;          /* video */
} load_tx_stream_t;

/* One packet to send now; due_ns: when its schedule wanted it sent. */
typedef void (*load_media_send_t)(void *ctx, uint8_t *pkt, size_t len,
                                  uint64_t due_ns);

typedef struct {
    load_tx_stream_t audio;
    load_tx_stream_t video[LOAD_MEDIA_MAX_LAYERS];
    unsigned         layers;          /* 0 (audio only), 1, or 3 */
    unsigned         sending_layers;  /* how many of them are sent */
    uint64_t         start_ns;
    uint64_t         audio_n;         /* packets sent */
    uint64_t         frame_n;         /* frames sent */
    uint64_t         last_key_ns;
    bool             key_wanted;
    uint64_t         late;            /* ticks that skipped ahead */
    double           pacing;          /* factor over the video bitrate, 0: none */
    load_pacer_t     pacer;           /* video packets waiting to go */
} load_media_t;

/*
 * A publisher's media: stream ids from its number, random SSRCs, video at
 * kbps (its layers at kbps, kbps/3, kbps/10 with simulcast), none when
 * layers is 0.  Mids "0" (audio) and "1" (video) go into the packets only
 * with simulcast, where they and the rids h, m, l identify the layers.
 * Video is paced at pacing times the bitrate of the layers sent (0: each
 * frame's packets go out together).
 */
void load_media_init(load_media_t *m, unsigned publisher, unsigned layers,
                     unsigned kbps, double pacing, uint64_t now_ns);

/* Starts sending at now_ns (a key frame first), paced for the layers
   sent. */
void load_media_start(load_media_t *m, uint64_t now_ns);

/*
 * Sends every packet due by now through send, built in buf (of at least
 * LOAD_MEDIA_MAX_PACKET + room the sender needs): audio on its 20 ms
 * schedule, video frames into the pacer at 30/s and out of it as it
 * allows.  After a stall of more than 200 ms it skips ahead instead of
 * capturing the backlog (counted in late).
 */
void load_media_tick(load_media_t *m, uint64_t now_ns, uint8_t *buf,
                     load_media_send_t send, void *ctx);

/* The next video frame of every layer is a key frame. */
void load_media_want_key(load_media_t *m);

/* One packet, for the tests too.  Return its length. */
size_t load_media_audio_packet(uint8_t *buf, load_tx_stream_t *s,
                               uint32_t ts, uint64_t now_ns);
size_t load_media_vp8_packet(uint8_t *buf, load_tx_stream_t *s, uint32_t ts,
                             bool key, bool first, bool last,
                             size_t payload_len, uint64_t now_ns);

/* The payload sizes of a frame of frame_bytes: packets, each of *each
   (the first *first, carrying the remainder).  */
unsigned load_media_split(size_t frame_bytes, size_t max_payload,
                          size_t *first, size_t *each);

/* Bytes of one video frame at kbps, key or delta. */
size_t load_media_frame_bytes(unsigned kbps, bool key);

#endif
