#!/usr/bin/python3
"""A call participant on GStreamer's webrtcbin (python3-gst-1.0): joins a
room, publishes a stamped video (VP8) and a tone (Opus), decodes what the
SFU sends and says so in JSON lines.  Command line and output: the same as
aiortc_peer.py, see t/peers/README.md.

Two webrtcbin elements, publish and subscribe, in one pipeline.  GStreamer
calls back on its own threads; every callback hands its result to the
asyncio loop, where all the peer's state lives.
"""

import asyncio
import functools
import os
import random
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gi                                               # noqa: E402

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("Nice", "0.1")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC, Nice  # noqa: E402
import numpy                                            # noqa: E402

import sfu_peer                                         # noqa: E402
from sfu_peer import emit                               # noqa: E402

VIDEO_PT = 96
AUDIO_PT = 111

_KEEP = []

SDP_TYPES = {"offer": GstWebRTC.WebRTCSDPType.OFFER,
             "answer": GstWebRTC.WebRTCSDPType.ANSWER}


def setup(args):
    Gst.init(None)
    missing = [f for f in ("webrtcbin", "nicesrc", "vp8enc", "vp8dec",
                           "opusenc", "opusdec", "appsrc", "appsink")
               if Gst.ElementFactory.find(f) is None]
    if missing:
        sys.exit(f"gst_peer: GStreamer elements missing: {missing} "
                 "(gstreamer1.0-nice, -plugins-good/-bad/-base)")
    threading.Thread(target=GLib.MainLoop().run, daemon=True).start()


def turn_uri(url, username, credential):
    """webrtcbin's form: turn://user:pass@host:port (user, pass escaped)."""
    scheme, _, rest = url.partition(":")
    rest = rest.lstrip("/")
    return (f"{scheme}://{urllib.parse.quote(username or '', safe='')}:"
            f"{urllib.parse.quote(credential or '', safe='')}@{rest}")


class GstMedia(sfu_peer.Media):

    def __init__(self, args, send, counter):
        super().__init__(args, send, counter)
        self.loop = asyncio.get_running_loop()
        self.pipeline = Gst.Pipeline.new("peer")
        self.webrtc = {}
        self.ice_servers = None
        # what decodes the subscribe pc's streams: it goes with the pc
        self.decoders = []
        self.video_src = None
        self.pusher = None
        # webrtcbin finds candidates before set-local-description returns;
        # they go out after the SDP, as the other side needs them
        self.early_candidates = {"publish": [], "subscribe": []}
        self.bus = self.pipeline.get_bus()
        self.bus.add_signal_watch()
        self.bus_handler = self.bus.connect("message", self._on_bus)

    # --- plumbing between GStreamer's threads and the asyncio loop

    def _soon(self, fn, *a, **kw):
        self.loop.call_soon_threadsafe(functools.partial(fn, *a, **kw))

    def _on_bus(self, bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            self._soon(emit, "gst-error", source=msg.src.get_name(),
                       error=err.message, debug=debug)
        elif msg.type == Gst.MessageType.WARNING:
            err, debug = msg.parse_warning()
            self._soon(emit, "gst-warning", source=msg.src.get_name(),
                       error=err.message)

    def _call(self, element, signal, *args, field=None):
        """Emits an action signal that takes a GstPromise; awaitable reply.

        With field, the reply is that field's session description as SDP
        text (copied here: the reply dies with the promise).
        """
        fut = self.loop.create_future()

        def done(promise):
            reply = promise.get_reply()
            # the reply always has "error", NULL when all went well
            error = reply.get_value("error") \
                if reply is not None and reply.has_field("error") else None
            if error is not None:
                result = RuntimeError(f"{signal}: {error.message}")
            elif field is None:
                result = None
            elif reply is None or reply.get_value(field) is None:
                result = RuntimeError(f"{signal}: no {field}")
            else:
                result = reply.get_value(field).sdp.as_text()
            self._soon(_settle, fut, result)

        element.emit(signal, *args, Gst.Promise.new_with_change_func(done))
        return fut

    def _add(self, desc):
        bin_ = Gst.parse_bin_from_description(desc, True)
        self.pipeline.add(bin_)
        return bin_

    # --- the two peer connections

    async def start(self, ice_servers):
        self.ice_servers = ice_servers
        for name in ("publish", "subscribe"):
            self.webrtc[name] = self._webrtcbin(name, ice_servers)
        self.pipeline.set_state(Gst.State.PLAYING)

    def _webrtcbin(self, name, ice_servers):
        w = Gst.ElementFactory.make("webrtcbin", name)
        w.set_property("bundle-policy",
                       GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        if self.args.relay_only:
            w.set_property("ice-transport-policy",
                           GstWebRTC.WebRTCICETransportPolicy.RELAY)
        for server in ice_servers or []:
            urls = server.get("urls")
            for url in [urls] if isinstance(urls, str) else urls or []:
                if url.startswith("stun:"):
                    w.set_property("stun-server",
                                   "stun://" + url[5:].split("?")[0])
                elif url.startswith(("turn:", "turns:")):
                    w.emit("add-turn-server", turn_uri(
                        url, server.get("username"),
                        server.get("credential")))
        address = Nice.Address()
        address.set_from_string(self.args.ice_ip)
        # PyGObject drops a reference it does not own when the ICE object's
        # wrapper dies (webrtcbin then crashes on a freed agent): keep the
        # wrapper for the life of the process
        ice = w.get_property("ice-agent")
        _KEEP.append(ice)
        ice.get_property("agent").add_local_address(address)
        if self.args.tcp_only:
            ice.set_property("ice-udp", False)
        w.connect("on-ice-candidate", self._on_ice_candidate, name)
        w.connect("notify::connection-state", self._on_state, name)
        if name == "subscribe":
            w.connect("pad-added", self._on_incoming)
        self.pipeline.add(w)
        return w

    def _on_state(self, w, _pspec, name):
        state = w.get_property("connection-state").value_nick
        self._soon(emit, "pc-state", pc=name, state=state)

    def _on_ice_candidate(self, w, mline_index, candidate, name):
        self._soon(self._local_candidate, name, mline_index, candidate)

    def _local_candidate(self, name, mline_index, candidate):
        early = self.early_candidates[name]
        if early is not None:
            early.append((mline_index, candidate))
            return
        local = self.webrtc[name].get_property("local-description")
        mids = [m for m, _, _ in sfu_peer.sdp_mids(local.sdp.as_text())]
        mid = mids[mline_index] if mline_index < len(mids) else None
        self.send_candidate(name, candidate, mid, mline_index)

    def _sdp_sent(self, kind, name, sdp):
        self.send_sdp(kind, name, sdp)
        early, self.early_candidates[name] = self.early_candidates[name], None
        for mline_index, candidate in early or ():      # None: renegotiation
            self._local_candidate(name, mline_index, candidate)

    # --- publishing

    async def publish(self):
        a = self.args
        pub = self.webrtc["publish"]
        # The offer is made before the payloaders have negotiated: what
        # webrtcbin writes into it comes from these caps, so they are
        # complete (opus/48000/2, RFC 7587) and name the SSRCs, else the
        # offer lacks "/2" and a=ssrc, and its m-line cannot be told apart
        ssrc = random.sample(range(1, 2 ** 32), 2)
        audio = self._add(
            f"audiotestsrc is-live=true wave=sine freq={a.tone_hz} "
            "volume=0.25 samplesperbuffer=960 ! audioconvert ! "
            "audioresample ! opusenc ! rtpopuspay ! capsfilter caps="
            f"application/x-rtp,media=audio,encoding-name=OPUS,"
            f"clock-rate=48000,encoding-params=(string)2,"
            f"payload={AUDIO_PT},ssrc=(uint){ssrc[0]}")
        video = self._add(
            "appsrc name=frames is-live=true format=time do-timestamp=true "
            f"caps=video/x-raw,format=I420,width={a.width},"
            f"height={a.height},framerate={a.fps}/1 ! "
            # keyframes only when asked (PLI), as a browser does
            "vp8enc deadline=1 cpu-used=8 target-bitrate=300000 "
            "keyframe-max-dist=100000 error-resilient=partitions ! "
            "rtpvp8pay picture-id-mode=15-bit ! capsfilter caps="
            f"application/x-rtp,media=video,encoding-name=VP8,"
            f"clock-rate=90000,payload={VIDEO_PT},ssrc=(uint){ssrc[1]}")
        for src in (audio, video):         # m-lines in this order
            src.link(pub)
            src.sync_state_with_parent()
        # (get-transceivers returns a GArray PyGObject cannot iterate)
        for index in range(2):
            pub.emit("get-transceiver", index).set_property(
                "direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        self.video_src = video.get_by_name("frames")
        self.pusher = asyncio.ensure_future(self._push_video())
        offer = await self._call(pub, "create-offer", None, field="offer")
        await self._call(pub, "set-local-description",
                         description("offer", offer))
        self._sdp_sent("offer", "publish", offer)

    async def _push_video(self):
        a = self.args
        base = sfu_peer.base_picture(a.width, a.height, a.tag)
        start, n = time.monotonic(), 0
        while True:
            picture = sfu_peer.stamped_picture(base, a.tag, n)
            self.video_src.emit("push-buffer",
                                Gst.Buffer.new_wrapped(picture.tobytes()))
            n += 1
            wait = start + n / a.fps - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    async def on_answer(self, sdp):
        await self._set_remote("publish", "answer", sdp)

    # --- subscribing

    async def on_offer(self, sdp):
        sub = self.webrtc["subscribe"]
        await self._set_remote("subscribe", "offer", sdp)
        answer = await self._call(sub, "create-answer", None,
                                  field="answer")
        await self._call(sub, "set-local-description",
                         description("answer", answer))
        self._sdp_sent("answer", "subscribe", answer)

    async def _set_remote(self, name, kind, sdp):
        await self._call(self.webrtc[name], "set-remote-description",
                         description(kind, sdp))

    async def on_candidate(self, name, candidate, mid, mline_index):
        w = self.webrtc.get(name)
        remote = None if w is None else w.get_property("remote-description")
        if remote is None or not candidate:
            emit("candidate-ignored", pc=name, candidate=candidate)
            return
        if mid is not None:
            mids = [m for m, _, _ in sfu_peer.sdp_mids(remote.sdp.as_text())]
            if mid in mids:
                mline_index = mids.index(mid)
        w.emit("add-ice-candidate", mline_index or 0, candidate)

    def _on_incoming(self, w, pad):
        """A new RTP stream on the subscribe pc: decode it, count frames."""
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        # webrtcbin 1.22 may hang a stream that a renegotiation added on
        # an older transceiver: the offer's a=ssrc lines say where it
        # belongs, the pad's transceiver is the fallback
        ssrc = pad.get_current_caps().get_structure(0).get_value("ssrc")
        remote = w.get_property("remote-description").sdp.as_text()
        mid = sfu_peer.sdp_ssrc_mid(remote, ssrc) \
            or pad.get_property("transceiver").get_property("mid")
        decode = Gst.ElementFactory.make("decodebin")
        decode.connect("pad-added", self._on_decoded, mid)
        self.decoders.append(decode)
        self.pipeline.add(decode)
        decode.sync_state_with_parent()
        pad.link(decode.get_static_pad("sink"))

    def _on_decoded(self, decode, pad, mid):
        caps = pad.get_current_caps() or pad.query_caps(None)
        kind = caps.get_structure(0).get_name().split("/")[0]
        if kind == "video":
            sink = self._add(
                "videoconvert ! video/x-raw,format=I420 ! "
                "appsink name=out emit-signals=true sync=false")
        else:
            sink = self._add(
                "audioconvert ! audioresample ! "
                f"audio/x-raw,format=S16LE,channels=1,"
                f"rate={sfu_peer.AUDIO_RATE} ! "
                "appsink name=out emit-signals=true sync=false")
        self.decoders.append(sink)
        sink.get_by_name("out").connect("new-sample", self._on_sample,
                                        kind, mid)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))
        self._soon(emit, "track", kind=kind, mid=mid,
                   owner=self.counter.owner(mid))

    def _on_sample(self, appsink, kind, mid):
        sample = appsink.emit("pull-sample")
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if not ok:
            return Gst.FlowReturn.ERROR
        try:
            data = numpy.frombuffer(info.data, numpy.uint8).copy()
        finally:
            buf.unmap(info)
        if kind == "video":
            s = sample.get_caps().get_structure(0)
            width, height = s.get_value("width"), s.get_value("height")
            # I420 rows are padded to 4 bytes
            stride = (width + 3) & ~3
            luma = data[:stride * height].reshape(height, stride)[:, :width]
            self._soon(self.counter.video, mid, luma)
        else:
            self._soon(self.counter.audio, mid, data.view(numpy.int16))
        return Gst.FlowReturn.OK

    # --- a new subscribe connection

    async def renew_subscribe(self):
        """The SFU's offer with new_connection: the old subscribe webrtcbin
        and its decoders go, a new webrtcbin answers (a new transport
        needs a new DTLS handshake, which the old element would not do)."""
        old = self.webrtc.pop("subscribe")
        elements = [old] + self.decoders
        self.decoders = []
        await self.loop.run_in_executor(None, _stop, self.pipeline, elements)
        self.early_candidates["subscribe"] = []
        sub = self.webrtc["subscribe"] = self._webrtcbin("subscribe",
                                                         self.ice_servers)
        sub.sync_state_with_parent()
        emit("subscribe-renewed", had_pc=True)

    def drop_subscribe(self):
        """Closes the subscribe pc's ICE stream under webrtcbin: nothing
        answers the SFU's consent checks any more."""
        sub = self.webrtc["subscribe"]
        # (the ICE object's wrapper is kept in _KEEP, see _webrtcbin)
        agent = sub.get_property("ice-agent").get_property("agent")
        transport = sub.emit("get-transceiver", 0).get_property(
            "receiver").get_property("transport").get_property("transport")
        stream_id = transport.get_property("stream").get_property(
            "stream-id")
        agent.remove_stream(stream_id)
        emit("subscribe-dropped", dropped=1)

    async def close(self):
        if self.pusher is not None:
            self.pusher.cancel()
        await self.loop.run_in_executor(
            None, self.pipeline.set_state, Gst.State.NULL)
        self.bus.disconnect(self.bus_handler)
        self.bus.remove_signal_watch()


def _stop(pipeline, elements):
    """Stops elements and takes them out of pipeline (blocks: a thread)."""
    for element in elements:
        element.set_state(Gst.State.NULL)
        pipeline.remove(element)


def description(kind, sdp):
    ok, msg = GstSdp.SDPMessage.new_from_text(sdp)
    if ok != GstSdp.SDPResult.OK:
        raise ValueError(f"this {kind} does not parse: {sdp!r}")
    return GstWebRTC.WebRTCSessionDescription.new(SDP_TYPES[kind], msg)


def _settle(fut, result):
    if fut.done():
        return
    if isinstance(result, Exception):
        fut.set_exception(result)
    else:
        fut.set_result(result)


if __name__ == "__main__":
    sfu_peer.main("A WebRTC call participant on GStreamer webrtcbin.",
                  GstMedia, setup=setup)
