#!/usr/bin/python3
"""A call participant on aiortc (Debian's python3-aiortc 1.4): joins a room,
publishes a stamped video and a tone, decodes what the SFU sends and says
so in JSON lines.  Command line and output: t/peers/README.md.

Run with /usr/bin/python3 (the Debian packages), not another python3.
"""

import asyncio
import fractions
import functools
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aioice.ice                                       # noqa: E402
import av                                               # noqa: E402
import numpy                                            # noqa: E402
from aiortc import (MediaStreamTrack, RTCConfiguration,  # noqa: E402
                    RTCIceServer, RTCPeerConnection, RTCSessionDescription)
from aiortc import codecs as aiortc_codecs              # noqa: E402
from aiortc import rtcicetransport                      # noqa: E402
from aiortc.mediastreams import MediaStreamError        # noqa: E402
from aiortc.rtcrtpparameters import \
    RTCRtpHeaderExtensionParameters                     # noqa: E402
from aiortc.sdp import candidate_from_sdp               # noqa: E402

import sfu_peer                                         # noqa: E402
from sfu_peer import emit                               # noqa: E402

VIDEO_CLOCK = 90000
AUDIO_PTIME = 0.020


def setup(args):
    """The two fixes aiortc 1.4 needs here (NOTES.md)."""
    # Only the given address: loopback tests must not use the host's
    # interfaces (aioice otherwise skips 127.0.0.1 and takes all others).
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [args.ice_ip]
    # audio-level and abs-send-time both take extmap id 2; a BUNDLE offer
    # with one id for two URIs is refused by Chrome (and by a strict SFU).
    audio = aiortc_codecs.HEADER_EXTENSIONS["audio"]
    for i, ext in enumerate(audio):
        if ext.uri == "urn:ietf:params:rtp-hdrext:ssrc-audio-level":
            audio[i] = RTCRtpHeaderExtensionParameters(id=3, uri=ext.uri)
    if args.tcp_only:
        print("aiortc_peer.py: --tcp-only: aioice has no ICE-TCP",
              file=sys.stderr)
        sys.exit(2)
    if args.relay_only:
        rtcicetransport.Connection = functools.partial(
            rtcicetransport.Connection,
            transport_policy=aioice.ice.TransportPolicy.RELAY)


class Paced:
    """Frame n of a track is due at start + n * period (monotonic clock)."""

    def __init__(self, period):
        self.period = period
        self.count = 0
        self.start = None

    async def next(self):
        if self.start is None:
            self.start = time.monotonic()
        else:
            wait = self.start + self.count * self.period - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        n = self.count
        self.count += 1
        return n


class StampedVideo(MediaStreamTrack):
    kind = "video"

    def __init__(self, args):
        super().__init__()
        self.args = args
        self.base = sfu_peer.base_picture(args.width, args.height, args.tag)
        self.pace = Paced(1 / args.fps)

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        n = await self.pace.next()
        frame = av.VideoFrame.from_ndarray(
            sfu_peer.stamped_picture(self.base, self.args.tag, n),
            format="yuv420p")
        frame.pts = int(n * VIDEO_CLOCK / self.args.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return frame


class Tone(MediaStreamTrack):
    kind = "audio"

    def __init__(self, args):
        super().__init__()
        self.samples = sfu_peer.tone_frame(args.tone_hz).reshape(1, -1)
        self.pace = Paced(AUDIO_PTIME)

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        n = await self.pace.next()
        frame = av.AudioFrame.from_ndarray(self.samples, format="s16",
                                           layout="mono")
        frame.sample_rate = sfu_peer.AUDIO_RATE
        frame.pts = n * self.samples.shape[1]
        frame.time_base = fractions.Fraction(1, sfu_peer.AUDIO_RATE)
        return frame


def ice_config(ice_servers):
    servers = []
    for s in ice_servers or []:
        urls = s.get("urls")
        servers.append(RTCIceServer(urls=urls, username=s.get("username"),
                                    credential=s.get("credential")))
    return RTCConfiguration(iceServers=servers)


class AiortcMedia(sfu_peer.Media):

    def __init__(self, args, send, counter):
        super().__init__(args, send, counter)
        self.pcs = {}
        self.config = None
        self.consumers = []

    async def start(self, ice_servers):
        self.config = ice_config(ice_servers)

    def _pc(self, name):
        if name not in self.pcs:
            pc = RTCPeerConnection(self.config)
            self.pcs[name] = pc

            @pc.on("connectionstatechange")
            def state():
                emit("pc-state", pc=name, state=pc.connectionState)

            if name == "subscribe":
                pc.on("track", functools.partial(self._on_track, pc))
        return self.pcs[name]

    async def publish(self):
        pc = self._pc("publish")
        pc.addTransceiver(Tone(self.args), direction="sendonly")
        pc.addTransceiver(StampedVideo(self.args), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        self.send_sdp("offer", "publish", pc.localDescription.sdp)

    async def on_answer(self, sdp):
        await self._pc("publish").setRemoteDescription(
            RTCSessionDescription(sdp=sdp, type="answer"))

    async def on_offer(self, sdp):
        pc = self._pc("subscribe")
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp,
                                                            type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        self.send_sdp("answer", "subscribe", pc.localDescription.sdp)

    async def on_candidate(self, pc_name, candidate, mid, mline_index):
        pc = self.pcs.get(pc_name)
        if pc is None or pc.remoteDescription is None or not candidate:
            emit("candidate-ignored", pc=pc_name, candidate=candidate)
            return
        remote = pc.remoteDescription.sdp
        # aiortc matches candidates by mid only, and only on the BUNDLE's
        # transport: name that one whatever the sender named
        mids = [m for m, _, _ in sfu_peer.sdp_mids(remote)]
        if mid is None and mline_index is not None \
                and 0 <= mline_index < len(mids):
            mid = mids[mline_index]
        mid = sfu_peer.sdp_bundle_first(remote) or mid
        text = candidate[len("candidate:"):] \
            if candidate.startswith("candidate:") else candidate
        c = candidate_from_sdp(text)
        c.sdpMid = mid
        await pc.addIceCandidate(c)

    async def renew_subscribe(self):
        old = self.pcs.pop("subscribe", None)
        emit("subscribe-renewed", had_pc=old is not None)
        if old is not None:
            await old.close()

    def drop_subscribe(self):
        pc = self.pcs.get("subscribe")
        transceivers = pc.getTransceivers() if pc else []
        if not transceivers:
            emit("subscribe-dropped", dropped=0)
            return
        # aioice's sockets of the pc's one (BUNDLE) ICE transport
        ice = transceivers[0].receiver.transport.transport
        protocols = ice._connection._protocols
        for protocol in protocols:
            protocol.datagram_received = lambda data, addr: None
        emit("subscribe-dropped", dropped=len(protocols))

    def _on_track(self, pc, track):
        mid = next((t.mid for t in pc.getTransceivers()
                    if t.receiver.track is track), None)
        emit("track", kind=track.kind, mid=mid,
             owner=self.counter.owner(mid))
        self.consumers.append(asyncio.ensure_future(
            self._consume(pc, track, mid)))

    async def _consume(self, pc, track, mid):
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if track.kind == "video":
                if frame.format.name != "yuv420p":
                    frame = frame.reformat(format="yuv420p")
                plane = frame.planes[0]
                luma = numpy.frombuffer(plane, numpy.uint8).reshape(
                    plane.height, plane.line_size)[:, :plane.width]
                self.counter.video(mid, luma)
            else:
                channels = len(frame.layout.channels)
                self.counter.audio(mid, frame.to_ndarray()[0, ::channels])

    async def close(self):
        for c in self.consumers:
            c.cancel()
        for pc in self.pcs.values():
            await pc.close()


if __name__ == "__main__":
    sfu_peer.main("A WebRTC call participant on aiortc.", AiortcMedia,
                  setup=setup)
