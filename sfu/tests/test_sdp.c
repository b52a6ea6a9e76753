/*
 * SDP parser, writer and checks against offers in the style of each WebRTC
 * stack the SFU meets (Chromium, Firefox, aiortc 1.4, GStreamer webrtcbin),
 * and against broken input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sdp.h"

static const char chromium_offer[] =
    "v=0\r\n"
    "o=- 7216339413432196428 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS 5b1c0b2e-8c9a-4a6e-9d3b-2f6c1e7a9d40\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:1467250027 1 udp 2122260223 2f4a3c1e-7b6d-4e5f-8a9b-0c1d2e3f4a5b.local 54321 typ host generation 0 network-id 1\r\n"
    "a=candidate:3711538291 1 udp 1686052607 203.0.113.7 61002 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-id 1\r\n"
    "a=candidate:435653019 1 tcp 1518280447 192.168.1.10 9 typ host tcptype active generation 0 network-id 1\r\n"
    "a=ice-ufrag:Xq1v\r\n"
    "a=ice-pwd:8mDCc0zqVg8D1Ckq5a0mUzXb\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 A5:4D:CA:18:25:30:BB:1D:6D:13:2C:DE:D6:23:7B:2E:D9:1E:3F:72:1F:CB:19:71:17:44:94:D6:49:3C:9D:5C\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendrecv\r\n"
    "a=msid:5b1c0b2e-8c9a-4a6e-9d3b-2f6c1e7a9d40 0c7b9a4e-2f1d-4e83-b6a5-9c8d7e6f5a41\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:3735928559 cname:4TOk42mSjXCkVIa6\r\n"
    "a=ssrc:3735928559 msid:5b1c0b2e-8c9a-4a6e-9d3b-2f6c1e7a9d40 0c7b9a4e-2f1d-4e83-b6a5-9c8d7e6f5a41\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 45 46 116 117 118\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Xq1v\r\n"
    "a=ice-pwd:8mDCc0zqVg8D1Ckq5a0mUzXb\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 A5:4D:CA:18:25:30:BB:1D:6D:13:2C:DE:D6:23:7B:2E:D9:1E:3F:72:1F:CB:19:71:17:44:94:D6:49:3C:9D:5C\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
    "a=sendonly\r\n"
    "a=msid:5b1c0b2e-8c9a-4a6e-9d3b-2f6c1e7a9d40 9e8d7c6b-5a49-4837-a625-1403f2e1d0c9\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:98 VP9/90000\r\n"
    "a=rtcp-fb:98 goog-remb\r\n"
    "a=rtcp-fb:98 transport-cc\r\n"
    "a=rtcp-fb:98 ccm fir\r\n"
    "a=rtcp-fb:98 nack\r\n"
    "a=rtcp-fb:98 nack pli\r\n"
    "a=fmtp:98 profile-id=0\r\n"
    "a=rtpmap:99 rtx/90000\r\n"
    "a=fmtp:99 apt=98\r\n"
    "a=rtpmap:100 H264/90000\r\n"
    "a=rtcp-fb:100 goog-remb\r\n"
    "a=rtcp-fb:100 transport-cc\r\n"
    "a=rtcp-fb:100 ccm fir\r\n"
    "a=rtcp-fb:100 nack\r\n"
    "a=rtcp-fb:100 nack pli\r\n"
    "a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:101 rtx/90000\r\n"
    "a=fmtp:101 apt=100\r\n"
    "a=rtpmap:45 AV1/90000\r\n"
    "a=rtcp-fb:45 goog-remb\r\n"
    "a=rtcp-fb:45 transport-cc\r\n"
    "a=rtcp-fb:45 ccm fir\r\n"
    "a=rtcp-fb:45 nack\r\n"
    "a=rtcp-fb:45 nack pli\r\n"
    "a=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
    "a=rtpmap:46 rtx/90000\r\n"
    "a=fmtp:46 apt=45\r\n"
    "a=rtpmap:116 red/90000\r\n"
    "a=rtpmap:117 rtx/90000\r\n"
    "a=fmtp:117 apt=116\r\n"
    "a=rtpmap:118 ulpfec/90000\r\n"
    "a=rid:h send\r\n"
    "a=rid:m send\r\n"
    "a=rid:l send\r\n"
    "a=simulcast:send h;m;l\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Xq1v\r\n"
    "a=ice-pwd:8mDCc0zqVg8D1Ckq5a0mUzXb\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 A5:4D:CA:18:25:30:BB:1D:6D:13:2C:DE:D6:23:7B:2E:D9:1E:3F:72:1F:CB:19:71:17:44:94:D6:49:3C:9D:5C\r\n"
    "a=setup:actpass\r\n"
    "a=mid:2\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";

static const char firefox_offer[] =
    "v=0\r\n"
    "o=mozilla...THIS_IS_SDPARTA-99.0 4294967296 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=fingerprint:sha-256 34:60:BE:31:20:1E:69:FE:DA:A0:EE:E8:B9:99:7F:5C:7C:29:99:FD:AF:E5:93:25:3C:D6:54:AF:4D:FA:D7:14\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=ice-options:trickle\r\n"
    "a=msid-semantic:WMS *\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=candidate:0 1 UDP 2122252543 192.168.1.20 51234 typ host\r\n"
    "a=candidate:1 1 TCP 2105524479 192.168.1.20 9 typ host tcptype active\r\n"
    "a=candidate:2 1 UDP 8331263 198.51.100.9 40001 typ relay raddr 203.0.113.20 rport 51234\r\n"
    "a=sendrecv\r\n"
    "a=end-of-candidates\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ice-pwd:e3a1c5b7d9f1a3c5e7b9d1f3a5c7e9b1\r\n"
    "a=ice-ufrag:6a8c0e2f\r\n"
    "a=mid:0\r\n"
    "a=msid:{7b2e6e4a-3c1d-4f5e-9a8b-1c2d3e4f5a6b} {0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a}\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:109 opus/48000/2\r\n"
    "a=rtpmap:9 G722/8000/1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=setup:actpass\r\n"
    "a=ssrc:2655508255 cname:{735484ea-4f03-46e9-a5c7-29e7d63e7e3b}\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 120 124 121 125 126 127 97 98\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=sendrecv\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:5 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:6/recvonly http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n"
    "a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1\r\n"
    "a=fmtp:120 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:124 apt=120\r\n"
    "a=fmtp:121 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:125 apt=121\r\n"
    "a=fmtp:127 apt=126\r\n"
    "a=fmtp:98 apt=97\r\n"
    "a=ice-pwd:e3a1c5b7d9f1a3c5e7b9d1f3a5c7e9b1\r\n"
    "a=ice-ufrag:6a8c0e2f\r\n"
    "a=mid:1\r\n"
    "a=msid:{7b2e6e4a-3c1d-4f5e-9a8b-1c2d3e4f5a6b} {1e2d3c4b-5a69-4788-97a6-b5c4d3e2f1a0}\r\n"
    "a=rtcp-fb:120 nack\r\n"
    "a=rtcp-fb:120 nack pli\r\n"
    "a=rtcp-fb:120 ccm fir\r\n"
    "a=rtcp-fb:120 goog-remb\r\n"
    "a=rtcp-fb:120 transport-cc\r\n"
    "a=rtcp-fb:121 nack\r\n"
    "a=rtcp-fb:121 nack pli\r\n"
    "a=rtcp-fb:121 ccm fir\r\n"
    "a=rtcp-fb:121 goog-remb\r\n"
    "a=rtcp-fb:121 transport-cc\r\n"
    "a=rtcp-fb:126 nack\r\n"
    "a=rtcp-fb:126 nack pli\r\n"
    "a=rtcp-fb:126 ccm fir\r\n"
    "a=rtcp-fb:126 goog-remb\r\n"
    "a=rtcp-fb:126 transport-cc\r\n"
    "a=rtcp-fb:97 nack\r\n"
    "a=rtcp-fb:97 nack pli\r\n"
    "a=rtcp-fb:97 ccm fir\r\n"
    "a=rtcp-fb:97 goog-remb\r\n"
    "a=rtcp-fb:97 transport-cc\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:120 VP8/90000\r\n"
    "a=rtpmap:124 rtx/90000\r\n"
    "a=rtpmap:121 VP9/90000\r\n"
    "a=rtpmap:125 rtx/90000\r\n"
    "a=rtpmap:126 H264/90000\r\n"
    "a=rtpmap:127 rtx/90000\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=rtpmap:98 rtx/90000\r\n"
    "a=setup:actpass\r\n"
    "a=ssrc:1591941112 cname:{735484ea-4f03-46e9-a5c7-29e7d63e7e3b}\r\n"
    "a=ssrc:3212399010 cname:{735484ea-4f03-46e9-a5c7-29e7d63e7e3b}\r\n"
    "a=ssrc-group:FID 1591941112 3212399010\r\n";

static const char aiortc_offer[] =
    "v=0\r\n"
    "o=- 3889089370 3889089370 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=msid-semantic:WMS *\r\n"
    "m=audio 40412 UDP/TLS/RTP/SAVPF 96 0 8\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "a=sendrecv\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=mid:0\r\n"
    "a=msid:b7e9c1d2-3a4b-4c5d-8e6f-7a8b9c0d1e2f 3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=rtcp-mux\r\n"
    "a=ssrc:3126356227 cname:8e1b2b3c-4d5e-4f60-8172-93a4b5c6d7e8\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=candidate:c6b0b8a0e9b0a1b6a2d8c4c2a5f1e7d3 1 udp 2130706431 127.0.0.1 40412 typ host\r\n"
    "a=end-of-candidates\r\n"
    "a=ice-ufrag:Qx7Z\r\n"
    "a=ice-pwd:3NlNZa8KXIVhJVCoWk1vy3\r\n"
    "a=fingerprint:sha-256 27:A0:AE:B3:FE:E9:23:2F:8A:F2:21:1F:9E:E4:91:C5:B1:0B:EC:B5:56:3B:FC:1E:6F:93:42:7E:CB:C8:FE:29\r\n"
    "a=setup:actpass\r\n"
    "m=video 40412 UDP/TLS/RTP/SAVPF 97 98 99 100 101 102\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "a=sendrecv\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=mid:1\r\n"
    "a=msid:b7e9c1d2-3a4b-4c5d-8e6f-7a8b9c0d1e2f 6c5b4a39-2817-4f06-95e4-d3c2b1a09f8e\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=rtcp-mux\r\n"
    "a=ssrc-group:FID 2913284718 1264861927\r\n"
    "a=ssrc:2913284718 cname:8e1b2b3c-4d5e-4f60-8172-93a4b5c6d7e8\r\n"
    "a=ssrc:1264861927 cname:8e1b2b3c-4d5e-4f60-8172-93a4b5c6d7e8\r\n"
    "a=rtpmap:97 VP8/90000\r\n"
    "a=rtcp-fb:97 nack\r\n"
    "a=rtcp-fb:97 nack pli\r\n"
    "a=rtcp-fb:97 goog-remb\r\n"
    "a=rtpmap:98 rtx/90000\r\n"
    "a=fmtp:98 apt=97\r\n"
    "a=rtpmap:99 H264/90000\r\n"
    "a=rtcp-fb:99 nack\r\n"
    "a=rtcp-fb:99 nack pli\r\n"
    "a=rtcp-fb:99 goog-remb\r\n"
    "a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:100 rtx/90000\r\n"
    "a=fmtp:100 apt=99\r\n"
    "a=rtpmap:101 H264/90000\r\n"
    "a=rtcp-fb:101 nack\r\n"
    "a=rtcp-fb:101 nack pli\r\n"
    "a=rtcp-fb:101 goog-remb\r\n"
    "a=fmtp:101 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:102 rtx/90000\r\n"
    "a=fmtp:102 apt=101\r\n"
    "a=candidate:c6b0b8a0e9b0a1b6a2d8c4c2a5f1e7d3 1 udp 2130706431 127.0.0.1 40412 typ host\r\n"
    "a=end-of-candidates\r\n"
    "a=ice-ufrag:Qx7Z\r\n"
    "a=ice-pwd:3NlNZa8KXIVhJVCoWk1vy3\r\n"
    "a=fingerprint:sha-256 27:A0:AE:B3:FE:E9:23:2F:8A:F2:21:1F:9E:E4:91:C5:B1:0B:EC:B5:56:3B:FC:1E:6F:93:42:7E:CB:C8:FE:29\r\n"
    "a=setup:actpass\r\n";

static const char gstreamer_offer[] =
    "v=0\r\n"
    "o=- 1465876582336823093 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=ice-options:trickle\r\n"
    "a=group:BUNDLE video0 audio1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:yXHAcTSzwDdXP2lM9XVY6nZLKsGeoCkd\r\n"
    "a=ice-pwd:iMWjLbjKeE8hTz7yVrUvTXaKBwUVezsQ\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=ssrc-group:FID 1617262733 3482519123\r\n"
    "a=ssrc:1617262733 msid:user2987185426@host-9bc4d1d2 webrtctransceiver0\r\n"
    "a=ssrc:1617262733 cname:user2987185426@host-9bc4d1d2\r\n"
    "a=ssrc:3482519123 msid:user2987185426@host-9bc4d1d2 webrtctransceiver0\r\n"
    "a=ssrc:3482519123 cname:user2987185426@host-9bc4d1d2\r\n"
    "a=extmap:1 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=mid:video0\r\n"
    "a=fingerprint:sha-256 55:E5:CD:8E:46:DC:8E:D4:B7:C2:76:4D:2A:5A:4D:76:77:06:F8:5D:86:90:02:4A:D6:BD:A3:40:1B:E9:C8:CB\r\n"
    "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=bundle-only\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:yXHAcTSzwDdXP2lM9XVY6nZLKsGeoCkd\r\n"
    "a=ice-pwd:iMWjLbjKeE8hTz7yVrUvTXaKBwUVezsQ\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:111 OPUS/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 sprop-maxcapturerate=48000;sprop-stereo=0\r\n"
    "a=ssrc:3484078950 msid:user2987185426@host-9bc4d1d2 webrtctransceiver1\r\n"
    "a=ssrc:3484078950 cname:user2987185426@host-9bc4d1d2\r\n"
    "a=extmap:1 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=mid:audio1\r\n"
    "a=fingerprint:sha-256 55:E5:CD:8E:46:DC:8E:D4:B7:C2:76:4D:2A:5A:4D:76:77:06:F8:5D:86:90:02:4A:D6:BD:A3:40:1B:E9:C8:CB\r\n";

static struct sfu_sdp_session *session, *again;
static char out[65536], out2[65536];

static bool
str_same(struct sfu_sdp_str a, struct sfu_sdp_str b)
{
    return sfu_sdp_str_eq(a, b);
}

static bool
transport_same(const struct sfu_sdp_transport *a, const struct sfu_sdp_transport *b)
{
    return str_same(a->ice_ufrag, b->ice_ufrag) && str_same(a->ice_pwd, b->ice_pwd)
        && str_same(a->ice_options, b->ice_options) && str_same(a->fingerprint_algo, b->fingerprint_algo)
        && str_same(a->fingerprint, b->fingerprint) && a->setup == b->setup;
}

static bool
codec_same(const struct sfu_sdp_codec *a, const struct sfu_sdp_codec *b)
{
    unsigned i;
    bool same = a->payload_type == b->payload_type && str_same(a->name, b->name)
        && a->clock_rate == b->clock_rate && a->channels == b->channels
        && a->param_count == b->param_count && a->rtcp_fb_count == b->rtcp_fb_count;

    for (i = 0; same && i < a->param_count; i++) {
        same = str_same(a->params[i].key, b->params[i].key) && str_same(a->params[i].value, b->params[i].value);
    }
    for (i = 0; same && i < a->rtcp_fb_count; i++) {
        same = str_same(a->rtcp_fb[i], b->rtcp_fb[i]);
    }
    return same;
}

static bool
candidate_same(const struct sfu_sdp_candidate *a, const struct sfu_sdp_candidate *b)
{
    return str_same(a->foundation, b->foundation) && a->component == b->component
        && a->transport == b->transport && a->priority == b->priority && str_same(a->address, b->address)
        && a->port == b->port && a->type == b->type && str_same(a->raddr, b->raddr) && a->rport == b->rport
        && a->tcptype == b->tcptype && str_same(a->extensions, b->extensions);
}

static bool
rids_same(const struct sfu_sdp_simulcast_rid *a, const struct sfu_sdp_simulcast_rid *b, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        if (!str_same(a[i].rid, b[i].rid) || a[i].paused != b[i].paused || a[i].alternative != b[i].alternative) {
            return false;
        }
    }
    return true;
}

static bool
media_same(const struct sfu_sdp_media *a, const struct sfu_sdp_media *b)
{
    unsigned i, k;
    bool same = a->kind == b->kind && str_same(a->kind_name, b->kind_name) && a->port == b->port
        && str_same(a->proto, b->proto) && str_same(a->fmt, b->fmt) && a->bundle_only == b->bundle_only
        && str_same(a->mid, b->mid) && a->direction == b->direction && a->rtcp_mux == b->rtcp_mux
        && a->rtcp_mux_only == b->rtcp_mux_only && a->rtcp_rsize == b->rtcp_rsize
        && a->extmap_allow_mixed == b->extmap_allow_mixed && a->end_of_candidates == b->end_of_candidates
        && str_same(a->msid_stream, b->msid_stream) && str_same(a->msid_track, b->msid_track)
        && transport_same(&a->transport, &b->transport) && a->sctp_port == b->sctp_port
        && a->max_message_size == b->max_message_size && a->codec_count == b->codec_count
        && a->extmap_count == b->extmap_count && a->ssrc_count == b->ssrc_count
        && a->ssrc_group_count == b->ssrc_group_count && a->candidate_count == b->candidate_count
        && a->rid_count == b->rid_count && a->simulcast_send_count == b->simulcast_send_count
        && a->simulcast_recv_count == b->simulcast_recv_count
        && rids_same(a->simulcast_send, b->simulcast_send, a->simulcast_send_count)
        && rids_same(a->simulcast_recv, b->simulcast_recv, a->simulcast_recv_count);

    for (i = 0; same && i < a->codec_count; i++) {
        same = codec_same(&a->codecs[i], &b->codecs[i]);
    }
    for (i = 0; same && i < a->extmap_count; i++) {
        same = a->extmaps[i].id == b->extmaps[i].id && a->extmaps[i].direction == b->extmaps[i].direction
            && str_same(a->extmaps[i].uri, b->extmaps[i].uri)
            && str_same(a->extmaps[i].attributes, b->extmaps[i].attributes);
    }
    for (i = 0; same && i < a->ssrc_count; i++) {
        same = a->ssrcs[i].ssrc == b->ssrcs[i].ssrc && str_same(a->ssrcs[i].cname, b->ssrcs[i].cname)
            && str_same(a->ssrcs[i].msid_stream, b->ssrcs[i].msid_stream)
            && str_same(a->ssrcs[i].msid_track, b->ssrcs[i].msid_track);
    }
    for (i = 0; same && i < a->ssrc_group_count; i++) {
        same = str_same(a->ssrc_groups[i].semantics, b->ssrc_groups[i].semantics)
            && a->ssrc_groups[i].ssrc_count == b->ssrc_groups[i].ssrc_count;
        for (k = 0; same && k < a->ssrc_groups[i].ssrc_count; k++) {
            same = a->ssrc_groups[i].ssrcs[k] == b->ssrc_groups[i].ssrcs[k];
        }
    }
    for (i = 0; same && i < a->candidate_count; i++) {
        same = candidate_same(&a->candidates[i], &b->candidates[i]);
    }
    for (i = 0; same && i < a->rid_count; i++) {
        same = str_same(a->rids[i].id, b->rids[i].id) && a->rids[i].direction == b->rids[i].direction
            && str_same(a->rids[i].params, b->rids[i].params);
    }
    return same;
}

static bool
session_same(const struct sfu_sdp_session *a, const struct sfu_sdp_session *b)
{
    unsigned i, k;
    bool same = str_same(a->origin.username, b->origin.username)
        && str_same(a->origin.session_id, b->origin.session_id)
        && a->origin.session_version == b->origin.session_version
        && str_same(a->origin.addrtype, b->origin.addrtype) && str_same(a->origin.address, b->origin.address)
        && str_same(a->name, b->name) && a->ice_lite == b->ice_lite
        && a->extmap_allow_mixed == b->extmap_allow_mixed && str_same(a->msid_semantic, b->msid_semantic)
        && transport_same(&a->transport, &b->transport) && a->group_count == b->group_count
        && a->media_count == b->media_count;

    for (i = 0; same && i < a->group_count; i++) {
        same = str_same(a->groups[i].semantics, b->groups[i].semantics)
            && a->groups[i].mid_count == b->groups[i].mid_count;
        for (k = 0; same && k < a->groups[i].mid_count; k++) {
            same = str_same(a->groups[i].mids[k], b->groups[i].mids[k]);
        }
    }
    for (i = 0; same && i < a->media_count; i++) {
        same = media_same(&a->media[i], &b->media[i]);
    }
    return same;
}

static int
parse(struct sfu_sdp_session *s, const char *sdp, struct sfu_sdp_error *err)
{
    return sfu_sdp_parse(s, sdp, strlen(sdp), err);
}

/* Parse, write, parse again: the sessions must match and a second write must repeat the first. */
static void
round_trip(const char *name, const char *sdp)
{
    struct sfu_sdp_error err;
    size_t len, len2;
    int rc = parse(session, sdp, &err);

    ok(rc == SFU_SDP_OK, "%s parses", name);
    if (rc != SFU_SDP_OK) {
        printf("#   %s\n", err.message);
        return;
    }
    is_int(sfu_sdp_write(session, out, sizeof(out), &len, &err), SFU_SDP_OK, "written");
    is_int(sfu_sdp_parse(again, out, len, &err), SFU_SDP_OK, "written SDP parses");
    ok(session_same(session, again), "%s survives parse, write, parse", name);
    sfu_sdp_write(again, out2, sizeof(out2), &len2, &err);
    ok(len == len2 && memcmp(out, out2, len) == 0, "%s writes the same SDP twice", name);
}

static void
test_round_trips(void)
{
    round_trip("Chromium offer", chromium_offer);
    round_trip("Firefox offer", firefox_offer);
    round_trip("aiortc offer", aiortc_offer);
    round_trip("GStreamer offer", gstreamer_offer);
}

static void
test_chromium_offer(void)
{
    struct sfu_sdp_error err;
    const struct sfu_sdp_media *audio, *video, *data;
    const struct sfu_sdp_codec *c;
    struct sfu_sdp_transport t;
    uint32_t apt;
    uint8_t fp[64];
    size_t fp_len;

    is_int(parse(session, chromium_offer, &err), SFU_SDP_OK, "Chromium offer parses");
    is_int(session->media_count, 3, "three m-lines");
    audio = &session->media[0];
    video = &session->media[1];
    data = &session->media[2];
    is_int(session->origin.session_version, 2, "session version");
    ok(session->extmap_allow_mixed, "session extmap-allow-mixed");
    ok(sfu_sdp_str_is(session->msid_semantic, "WMS 5b1c0b2e-8c9a-4a6e-9d3b-2f6c1e7a9d40"), "msid-semantic after a space");
    ok(sfu_sdp_bundle_group(session, video->mid) == &session->groups[0], "video is in the BUNDLE group");
    is_int(audio->codec_count, 8, "eight audio payload types");
    ok(sfu_sdp_str_is(audio->codecs[0].name, "opus") && audio->codecs[0].channels == 2, "opus/48000/2 first");
    ok(sfu_sdp_codec_param_uint(&audio->codecs[0], "useinbandfec", &apt) && apt == 1, "opus useinbandfec");
    c = sfu_sdp_codec_by_pt(audio, 63);
    ok(c && c->param_count == 1 && c->params[0].key.len == 0 && sfu_sdp_str_is(c->params[0].value, "111/111"),
        "RED's bare fmtp value");
    is_int(audio->candidate_count, 3, "three audio candidates");
    ok(sfu_sdp_str_is(audio->candidates[0].address, "2f4a3c1e-7b6d-4e5f-8a9b-0c1d2e3f4a5b.local"), "mDNS host candidate");
    ok(audio->candidates[1].type == SFU_SDP_SRFLX && sfu_sdp_str_is(audio->candidates[1].raddr, "0.0.0.0"),
        "srflx with raddr");
    ok(audio->candidates[2].transport == SFU_SDP_TCP && audio->candidates[2].tcptype == SFU_SDP_TCPTYPE_ACTIVE,
        "tcp active candidate");
    ok(sfu_sdp_str_is(audio->candidates[0].extensions, "generation 0 network-id 1"), "candidate extensions kept");
    is_int(audio->ssrc_count, 1, "one audio SSRC");
    ok(sfu_sdp_str_is(audio->ssrcs[0].cname, "4TOk42mSjXCkVIa6") && audio->ssrcs[0].ssrc == 3735928559u,
        "SSRC cname merged with msid");
    ok(sfu_sdp_str_is(audio->ssrcs[0].msid_track, "0c7b9a4e-2f1d-4e83-b6a5-9c8d7e6f5a41"), "SSRC msid track");

    is_int(video->direction, SFU_SDP_SENDONLY, "video is sendonly");
    is_int(video->codec_count, 11, "eleven video payload types");
    c = sfu_sdp_codec_by_pt(video, 97);
    ok(c && sfu_sdp_str_is(c->name, "rtx") && sfu_sdp_codec_param_uint(c, "apt", &apt) && apt == 96, "rtx apt=96");
    c = sfu_sdp_codec_by_pt(video, 100);
    ok(c && sfu_sdp_str_is(*sfu_sdp_codec_param(c, "profile-level-id"), "42e01f"), "H264 profile-level-id");
    ok(c && sfu_sdp_codec_param_uint(c, "packetization-mode", &apt) && apt == 1, "H264 packetization-mode");
    ok(sfu_sdp_codec_param_uint(sfu_sdp_codec_by_pt(video, 98), "profile-id", &apt) && apt == 0, "VP9 profile-id");
    ok(sfu_sdp_codec_has_rtcp_fb(&video->codecs[0], "nack pli"), "VP8 nack pli");
    ok(sfu_sdp_codec_has_rtcp_fb(&video->codecs[0], "transport-cc"), "VP8 transport-cc");
    ok(sfu_sdp_str_is(sfu_sdp_codec_by_pt(video, 118)->name, "ulpfec"), "ULPFEC listed");
    ok(sfu_sdp_extmap_by_uri(video, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")->id == 10, "rid extension id");
    is_int(video->rid_count, 3, "three rids");
    ok(sfu_sdp_str_is(video->rids[2].id, "l") && video->rids[2].direction == SFU_SDP_RID_SEND, "rid l send");
    is_int(video->simulcast_send_count, 3, "simulcast sends three layers");
    ok(sfu_sdp_str_is(video->simulcast_send[1].rid, "m") && !video->simulcast_send[1].alternative, "second layer m");

    is_int(data->kind, SFU_SDP_APPLICATION, "data channel m-line");
    ok(sfu_sdp_str_is(data->fmt, "webrtc-datachannel"), "SCTP format kept as text");
    ok(data->sctp_port == 5000 && data->max_message_size == 262144, "sctp-port and max-message-size");

    sfu_sdp_media_transport(session, video, &t);
    ok(sfu_sdp_has_token(t.ice_options, "trickle"), "trickle ICE");
    ok(t.setup == SFU_SDP_SETUP_ACTPASS, "setup actpass");
    ok(sfu_sdp_fingerprint_bytes(&t, fp, sizeof(fp), &fp_len) && fp_len == 32, "SHA-256 fingerprint is 32 bytes");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_OK, "Chromium offer passes the checks");
}

static void
test_firefox_offer(void)
{
    struct sfu_sdp_error err;
    const struct sfu_sdp_media *audio, *video;
    struct sfu_sdp_transport t;

    is_int(parse(session, firefox_offer, &err), SFU_SDP_OK, "Firefox offer parses");
    audio = &session->media[0];
    video = &session->media[1];
    ok(sfu_sdp_str_is(session->origin.username, "mozilla...THIS_IS_SDPARTA-99.0"), "Firefox origin");
    ok(session->transport.fingerprint.len > 0 && audio->transport.fingerprint.len == 0, "session-level fingerprint");
    sfu_sdp_media_transport(session, audio, &t);
    ok(sfu_sdp_str_eq(t.fingerprint, session->transport.fingerprint), "m-line inherits the session fingerprint");
    ok(sfu_sdp_str_is(t.ice_ufrag, "6a8c0e2f") && sfu_sdp_has_token(t.ice_options, "trickle"),
        "m-line ufrag with session ice-options");
    ok(audio->candidates[0].transport == SFU_SDP_UDP, "upper-case UDP candidate");
    ok(audio->candidates[2].type == SFU_SDP_RELAY && audio->candidates[2].rport == 51234, "relay candidate rport");
    ok(audio->end_of_candidates, "end-of-candidates");
    is_int(audio->extmaps[1].direction, SFU_SDP_EXT_RECVONLY, "extmap with /recvonly");
    ok(sfu_sdp_str_is(sfu_sdp_codec_by_pt(video, 126)->name, "H264"), "fmtp before rtpmap still binds");
    is_int(sfu_sdp_codec_by_pt(video, 126)->param_count, 3, "H264 fmtp read before its rtpmap");
    is_int(video->ssrc_group_count, 1, "FID group");
    ok(sfu_sdp_str_is(video->ssrc_groups[0].semantics, "FID") && video->ssrc_groups[0].ssrcs[1] == 3212399010u,
        "FID members");
    ok(sfu_sdp_str_is(audio->msid_stream, "{7b2e6e4a-3c1d-4f5e-9a8b-1c2d3e4f5a6b}"), "msid stream with braces");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_OK, "Firefox offer passes the checks");
}

static void
test_aiortc_offer(void)
{
    struct sfu_sdp_error err;

    is_int(parse(session, aiortc_offer, &err), SFU_SDP_OK, "aiortc offer with extmap id 2 twice parses");
    is_int(session->media[0].port, 40412, "aiortc puts its port in the m-line");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_EEXTMAP, "the BUNDLE-wide duplicate id is reported");
    ok(strstr(err.message, "extmap id 2") && strstr(err.message, "ssrc-audio-level")
        && strstr(err.message, "abs-send-time"), "the message names the id and both URIs: %s", err.message);
    is_int(err.line, 0, "a session-wide fault has no line");
}

static void
test_gstreamer_offer(void)
{
    struct sfu_sdp_error err;
    const struct sfu_sdp_media *audio;

    is_int(parse(session, gstreamer_offer, &err), SFU_SDP_OK, "GStreamer max-bundle offer parses");
    audio = &session->media[1];
    ok(audio->port == 0 && audio->bundle_only, "second m-line is port 0 with bundle-only");
    ok(!sfu_sdp_media_rejected(audio), "bundle-only m-line is not rejected");
    ok(sfu_sdp_str_is(audio->codecs[0].name, "OPUS"), "codec name case kept");
    ok(sfu_sdp_str_is(audio->ssrcs[0].msid_track, "webrtctransceiver1"), "msid before cname on a=ssrc");
    ok(sfu_sdp_media_by_mid(session, sfu_sdp_str_from("audio1")) == audio, "media by mid");
    is_int(sfu_sdp_check(session, &err), SFU_SDP_OK, "GStreamer offer passes the checks");
}

/* The Chromium offer with one line replaced (or removed when to is ""). */
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
test_empty_fmtp_items_dropped(void)
{
    struct sfu_sdp_error err;
    const char *sdp = edit(chromium_offer, "a=fmtp:111 minptime=10;useinbandfec=1", "a=fmtp:111 ; ; minptime = 10;;");

    is_int(parse(session, sdp, &err), SFU_SDP_OK, "fmtp with empty items parses");
    is_int(session->media[0].codecs[0].param_count, 1, "only the real parameter is kept");
    ok(sfu_sdp_str_is(session->media[0].codecs[0].params[0].key, "minptime")
        && sfu_sdp_str_is(session->media[0].codecs[0].params[0].value, "10"), "spaces around '=' trimmed");
    round_trip("fmtp with empty items", sdp);
}

static void
test_trickle_candidates(void)
{
    static const char *const lines[] = {
        "candidate:842163049 1 udp 1677729535 198.51.100.4 58312 typ srflx raddr 10.0.0.5 rport 58312 generation 0 ufrag Xq1v network-cost 999",
        "candidate:3 1 tcp 1518280447 10.0.0.5 9 typ host tcptype passive",
        "candidate:a+b/c 2 udp 16777215 2001:db8::9 3478 typ relay raddr 2001:db8::1 rport 60000",
    };
    struct sfu_sdp_candidate c, c2;
    struct sfu_sdp_error err;
    char buf[512], text[512];
    size_t len;
    unsigned i;

    is_int(sfu_sdp_parse_candidate(&c, "a=candidate:1 1 udp 1 10.0.0.1 1 typ host\r\n", 43, &err), SFU_SDP_OK,
        "candidate with a= and CRLF");
    for (i = 0; i < 3; i++) {
        is_int(sfu_sdp_parse_candidate(&c, lines[i], strlen(lines[i]), &err), SFU_SDP_OK, "trickled candidate parses");
        is_int(sfu_sdp_write_candidate(&c, buf, sizeof(buf), &len), SFU_SDP_OK, "candidate written");
        is_str(buf, lines[i], "candidate written back as it came");
        sfu_sdp_parse_candidate(&c2, buf, len, &err);
        ok(candidate_same(&c, &c2), "candidate survives a round trip");
    }
    sfu_sdp_parse_candidate(&c, lines[0], strlen(lines[0]), &err);
    ok(c.priority == 1677729535 && c.port == 58312 && c.rport == 58312, "numbers read");
    ok(sfu_sdp_str_is(c.extensions, "generation 0 ufrag Xq1v network-cost 999"), "extensions kept");
    is_int(sfu_sdp_write_candidate(&c, buf, 20, &len), SFU_SDP_ENOSPC, "candidate writer respects its buffer");
    ok(strlen(buf) < 20, "and leaves it terminated");
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
test_writer_limits_and_checks(void)
{
    struct sfu_sdp_error err;
    size_t len;

    parse(session, chromium_offer, &err);
    is_int(sfu_sdp_write(session, out, 100, &len, &err), SFU_SDP_ENOSPC, "writer refuses a small buffer");
    ok(strlen(out) < 100, "small buffer stays terminated");
    session->media[2].fmt.len = 0;
    is_int(sfu_sdp_write(session, out, sizeof(out), &len, &err), SFU_SDP_EINVAL, "m-line without formats not written");

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
    again = malloc(sizeof(*again));
    test_round_trips();
    test_chromium_offer();
    test_firefox_offer();
    test_aiortc_offer();
    test_gstreamer_offer();
    test_bad_sdp();
    test_empty_fmtp_items_dropped();
    test_trickle_candidates();
    test_writer_limits_and_checks();
    free(session);
    free(again);
    return tap_done();
}
