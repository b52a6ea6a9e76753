/*
 * sdp_offer.h: what the SDP tests share: an offer in the style of each
 * WebRTC stack the SFU meets (Chromium, Firefox, aiortc 1.4, GStreamer
 * webrtcbin) from tests/fixtures/, parsing NUL-terminated SDP, and editing
 * one line of an offer.
 */
#ifndef SFU_TEST_SDP_OFFER_H
#define SFU_TEST_SDP_OFFER_H

#include <string.h>

#include "fixture.h"
#include "sdp.h"

static const char *chromium_offer, *firefox_offer, *aiortc_offer, *gstreamer_offer;

/* Chromium with simulcast and a data channel; aiortc offering extmap id 2 twice; GStreamer max-bundle. */
__attribute__((unused))
static void
read_offers(void)
{
    chromium_offer = fixture("chromium_simulcast_publish.sdp", NULL);
    firefox_offer = fixture("firefox_publish.sdp", NULL);
    aiortc_offer = fixture("aiortc_publish_unfixed.sdp", NULL);
    gstreamer_offer = fixture("gstreamer_publish.sdp", NULL);
}

__attribute__((unused))
static int
parse(struct sfu_sdp_session *s, const char *sdp, struct sfu_sdp_error *err)
{
    return sfu_sdp_parse(s, sdp, strlen(sdp), err);
}

/* The offer with one line replaced (or removed when to is ""), in a buffer the next edit reuses. */
__attribute__((unused))
static const char *
edit(const char *sdp, const char *from, const char *to)
{
    static char buf[80000];
    const char *at = strstr(sdp, from);
    size_t head = (size_t)(at - sdp);

    memcpy(buf, sdp, head);
    strcpy(buf + head, to);
    strcat(buf, at + strlen(from));
    return buf;
}

#endif
