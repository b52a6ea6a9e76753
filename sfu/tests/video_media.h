/*
 * video_media.h: the publish m-line of a VP8 camera track (mid "1", payload
 * type 96 with rtx 97), as negotiate would decide it, for the track tests.
 */
#ifndef SFU_TEST_VIDEO_MEDIA_H
#define SFU_TEST_VIDEO_MEDIA_H

#include <stdio.h>
#include <string.h>

#include "negotiate.h"

__attribute__((unused))
static void
video_media(struct sfu_pub_media *pm)
{
    memset(pm, 0, sizeof(*pm));
    snprintf(pm->mid, sizeof(pm->mid), "1");
    pm->kind = SFU_SDP_VIDEO;
    pm->sending = true;
    pm->codec.id = SFU_CODEC_VP8;
    pm->codec.pt = 96;
    pm->codec.has_rtx = true;
    pm->codec.rtx_pt = 97;
    pm->codec.clock_rate = 90000;
}

#endif
