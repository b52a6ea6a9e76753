/*
 * SDP the SFU must not take: the parser refuses broken offers and trickled
 * candidates with the code and the line at fault, and sfu_sdp_check finds
 * what a parse cannot see line by line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sdp_offer.h"

static struct sfu_sdp_session *session;

static void
expect_error(const char *sdp, int code, unsigned line, const char *what)
{
    struct sfu_sdp_error err;
    int rc = parse(session, sdp, &err);

    ok(rc == code && err.line == line, "%s", what);
    if (rc != code || err.line != line) {
        printf("#   got %d at line %u: %s\n", rc, err.line, err.message);
    }
}

/* Edits the Chromium offer and expects the fault on the line where to starts, plus later lines in. */
static void
expect_edit_error(const char *from, const char *to, unsigned later, int code, const char *what)
{
    const char *sdp = edit(chromium_offer, from, to), *at = strstr(sdp, to), *p;
    unsigned line = 1 + later;

    for (p = sdp; p < at; p++) {
        line += *p == '\n';
    }
    expect_error(sdp, code, line, what);
}

static void
test_bad_sdp(void)
{
    static char big[SFU_SDP_MAX_SIZE + 2];
    char line[SFU_SDP_MAX_LINE + 64];
    unsigned i;

    expect_error("", SFU_SDP_ESYNTAX, 0, "empty SDP refused");
    expect_error("o=- 1 1 IN IP4 0.0.0.0\r\n", SFU_SDP_ESYNTAX, 1, "SDP not starting with v=0");
    expect_error("v=0\r\ns=-\r\n", SFU_SDP_ESYNTAX, 2, "SDP without o=");
    expect_error("v=0\r\nv=0\r\n", SFU_SDP_ESYNTAX, 2, "second v=");
    expect_error("v=0\r\nhello\r\n", SFU_SDP_ESYNTAX, 2, "line without '='");
    expect_error("v=0\r\no=- 1 x IN IP4 0.0.0.0\r\n", SFU_SDP_ESYNTAX, 2, "origin version not a number");
    expect_error("v=0\r\no=- 1 1 ATM IP4 0.0.0.0\r\n", SFU_SDP_ESYNTAX, 2, "origin network type not IN");
    expect_error("v=0\r\no=- 1 1 IN IP4\r\n", SFU_SDP_ESYNTAX, 2, "origin missing a field");
    expect_error("v=0\r\ns=a\001b\r\n", SFU_SDP_ESYNTAX, 2, "control character");
    memset(big, 'a', sizeof(big) - 1);
    expect_error(big, SFU_SDP_ELIMIT, 0, "SDP over 64 KiB refused");
    memcpy(line, "v=0\r\ns=", 7);
    memset(line + 7, 'x', SFU_SDP_MAX_LINE);
    line[7 + SFU_SDP_MAX_LINE] = '\0';
    expect_error(line, SFU_SDP_ELIMIT, 2, "over-long line refused");
    strcpy(big, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n");
    for (i = 0; i <= SFU_SDP_MAX_MEDIA; i++) {
        strcat(big, "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n");
    }
    expect_error(big, SFU_SDP_ELIMIT, 2 + SFU_SDP_MAX_MEDIA + 1, "65 m-lines refused");
    strcpy(big, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video 9 RTP/AVP");
    for (i = 0; i <= SFU_SDP_MAX_CODECS_PER_MEDIA; i++) {
        sprintf(big + strlen(big), " %u", i);
    }
    expect_error(big, SFU_SDP_ELIMIT, 3, "65 payload types refused");

    expect_edit_error("m=audio 9 ", "m=audio 99999 ", 0, SFU_SDP_ESYNTAX, "port over 65535");
    expect_edit_error("m=audio 9 ", "m=audio 9/2 ", 0, SFU_SDP_ESYNTAX, "port count refused");
    expect_edit_error("SAVPF 111 63", "SAVPF 128 63", 0, SFU_SDP_ESYNTAX, "payload type 128");
    expect_edit_error("SAVPF 111 63", "SAVPF 111 111", 0, SFU_SDP_ESYNTAX, "payload type listed twice");
    expect_edit_error("m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "m=application 9 UDP/DTLS/SCTP", 0, SFU_SDP_ESYNTAX, "m-line without formats");
    expect_edit_error("a=extmap-allow-mixed\r\n", "a=mid:0\r\n", 0, SFU_SDP_ESYNTAX, "mid before an m-line");
    expect_edit_error("a=mid:1\r\n", "a=mid:1\r\na=group:LS 0 1\r\n", 1, SFU_SDP_ESYNTAX, "group after an m-line");
    expect_edit_error("a=mid:1\r\n", "a=mid:1\r\na=mid:x\r\n", 1, SFU_SDP_ESYNTAX, "second mid");
    expect_edit_error("a=mid:1\r\n", "a=mid:1 2\r\n", 0, SFU_SDP_ESYNTAX, "mid with a space");
    expect_edit_error("a=ice-pwd:8mDCc0zqVg8D1Ckq5a0mUzXb", "a=ice-pwd:short", 0, SFU_SDP_ESYNTAX, "ice-pwd under 22 characters");
    expect_edit_error("a=ice-ufrag:Xq1v", "a=ice-ufrag:X-1v", 0, SFU_SDP_ESYNTAX, "ice-ufrag with a '-'");
    expect_edit_error("a=fingerprint:sha-256 A5:4D", "a=fingerprint:sha-256 A5:4", 0, SFU_SDP_ESYNTAX, "fingerprint with a half byte");
    expect_edit_error("a=fingerprint:sha-256 A5", "a=fingerprint:sha-999 A5", 0, SFU_SDP_ESYNTAX, "unknown fingerprint hash");
    expect_edit_error("a=setup:actpass", "a=setup:both", 0, SFU_SDP_ESYNTAX, "unknown setup role");
    expect_edit_error("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus", 0, SFU_SDP_ESYNTAX, "rtpmap without clock rate");
    expect_edit_error("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/48000/0", 0, SFU_SDP_ESYNTAX, "rtpmap with 0 channels");
    expect_edit_error("a=rtpmap:9 G722/8000", "a=rtpmap:9 G722/8000\r\na=rtpmap:9 G722/8000", 1, SFU_SDP_ESYNTAX, "second rtpmap for one payload type");
    expect_edit_error("a=fmtp:111 minptime=10;useinbandfec=1", "a=fmtp:111 a=1;b=2;c=3;d=4;e=5;f=6;g=7;h=8;i=9;j=10;k=11;l=12;m=13", 0, SFU_SDP_ELIMIT, "13 fmtp parameters");
    expect_edit_error("a=fmtp:97 apt=96", "a=fmtp:97 =96", 0, SFU_SDP_ESYNTAX, "fmtp parameter without a name");
    expect_edit_error("a=fmtp:97 apt=96", "a=fmtp:* apt=96", 0, SFU_SDP_ESYNTAX, "fmtp for '*'");
    expect_edit_error("a=extmap:1 ", "a=extmap:15 ", 0, SFU_SDP_ESYNTAX, "extmap id 15");
    expect_edit_error("a=extmap:1 ", "a=extmap:0 ", 0, SFU_SDP_ESYNTAX, "extmap id 0");
    expect_edit_error("a=extmap:1 ", "a=extmap:1/sideways ", 0, SFU_SDP_ESYNTAX, "extmap direction");
    expect_edit_error("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", "a=extmap:1", 0, SFU_SDP_ESYNTAX, "extmap without URI");
    expect_edit_error("a=ssrc:3735928559 cname", "a=ssrc:37359285590 cname", 0, SFU_SDP_ESYNTAX, "SSRC over 32 bits");
    expect_edit_error("a=ssrc:3735928559 cname:4TOk42mSjXCkVIa6", "a=ssrc:3735928559 cname:", 0, SFU_SDP_ESYNTAX, "empty cname");
    expect_edit_error("a=rid:m send", "a=rid:m sideways", 0, SFU_SDP_ESYNTAX, "rid direction");
    expect_edit_error("a=simulcast:send h;m;l", "a=simulcast:up h;m;l", 0, SFU_SDP_ESYNTAX, "simulcast direction");
    expect_edit_error("a=simulcast:send h;m;l", "a=simulcast:send h;;l", 0, SFU_SDP_ESYNTAX, "simulcast empty rid");
    expect_edit_error("a=simulcast:send h;m;l", "a=simulcast:send h send m", 0, SFU_SDP_ESYNTAX, "simulcast send twice");
    expect_edit_error("a=simulcast:send h;m;l", "a=simulcast:send a;b;c;d;e;f;g;h;i", 0, SFU_SDP_ELIMIT, "nine simulcast rids");
    expect_edit_error("a=sctp-port:5000", "a=sctp-port:port", 0, SFU_SDP_ESYNTAX, "sctp-port not a number");
    expect_edit_error("54321 typ host", "54321 type host", 0, SFU_SDP_ESYNTAX, "candidate without typ");
    expect_edit_error("54321 typ host", "54321 typ local", 0, SFU_SDP_ESYNTAX, "candidate type unknown");
    expect_edit_error("1 udp 2122260223", "1 sctp 2122260223", 0, SFU_SDP_ESYNTAX, "candidate transport unknown");
    expect_edit_error("tcptype active", "tcptype sideways", 0, SFU_SDP_ESYNTAX, "candidate tcptype unknown");
    expect_edit_error("rport 0 generation", "rport generation", 0, SFU_SDP_ESYNTAX, "candidate rport not a port");
}

static void
test_bad_candidates(void)
{
    struct sfu_sdp_candidate c;
    struct sfu_sdp_error err;
    char text[512];

    is_int(sfu_sdp_parse_candidate(&c, "", 0, &err), SFU_SDP_ESYNTAX, "empty candidate refused");
    is_int(sfu_sdp_parse_candidate(&c, "cand:1 1 udp 1 h 1 typ host", 27, &err), SFU_SDP_ESYNTAX, "not a candidate line");
    strcpy(text, "candidate:123456789012345678901234567890123 1 udp 1 10.0.0.1 1 typ host");
    is_int(sfu_sdp_parse_candidate(&c, text, strlen(text), &err), SFU_SDP_ESYNTAX, "33-character foundation refused");
    strcpy(text, "candidate:1 0 udp 1 10.0.0.1 1 typ host");
    is_int(sfu_sdp_parse_candidate(&c, text, strlen(text), &err), SFU_SDP_ESYNTAX, "component 0 refused");
    strcpy(text, "candidate:1 1 udp 4294967296 10.0.0.1 1 typ host");
    is_int(sfu_sdp_parse_candidate(&c, text, strlen(text), &err), SFU_SDP_ESYNTAX, "priority over 32 bits refused");
    ok(strstr(err.message, "priority") != NULL, "message names the field: %s", err.message);
}

static void
test_check_faults(void)
{
    struct sfu_sdp_error err;

    parse(session, chromium_offer, &err);
    session->media[1].mid = sfu_sdp_str_from("0");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_EMID, "duplicate mid found");
    parse(session, chromium_offer, &err);
    session->groups[0].mids[2] = sfu_sdp_str_from("9");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_EMID, "BUNDLE naming an unknown mid found");
    parse(session, chromium_offer, &err);
    session->media[1].extmaps[1].id = 14;
    is_int(sfu_sdp_check(session, &err), SFU_SDP_EEXTMAP, "duplicate extmap id within an m-line found");
    parse(session, chromium_offer, &err);
    session->media[1].codecs[1].params[0].value = sfu_sdp_str_from("95");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_ECODEC, "rtx apt naming a missing codec found");
    parse(session, chromium_offer, &err);
    session->media[0].transport.ice_pwd.len = 0;
    is_int(sfu_sdp_check(session, &err), SFU_SDP_ETRANSPORT, "BUNDLE owner without ice-pwd found");
    session->media[0].port = 0;
    session->groups[0].mid_count = 0;
    is_int(sfu_sdp_check(session, &err), SFU_SDP_OK, "rejected m-line needs no transport");
}

int
main(void)
{
    session = malloc(sizeof(*session));
    read_offers();
    test_bad_sdp();
    test_bad_candidates();
    test_check_faults();
    free(session);
    return tap_done();
}
