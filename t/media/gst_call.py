#!/usr/bin/python3
"""A two-party call through an sfu-worker, driven over its Unix socket as
the nginx module would (sfu/PROTOCOL.md), with GStreamer webrtcbin on both
ends (max-bundle: the publisher's second m-line is bundle-only).  alice
publishes VP8 with key frames only on request (PLI) and Opus in packets of
up to 1400 bytes; bob subscribes and decodes.  Prints one JSON object:
what bob decoded, and the worker's stats of the room.

    /usr/bin/python3 t/media/gst_call.py SOCKET [SECONDS]
"""
import json
import socket
import struct
import sys
import time

import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("Nice", "0.1")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC, Nice  # noqa: E402

ROOM = "media-gst"
WANT = 30
Gst.init(None)
frames = {"audio": 0, "video": 0}
keep = []           # PyGObject must not drop the ICE agents' wrappers
link = socket.socket(socket.AF_UNIX)
inbox = b""
loop = GLib.MainLoop()


def send(msg):
    body = json.dumps(msg).encode()
    link.sendall(struct.pack(">I", len(body)) + body)


def client(participant, msg):
    send({"type": "client", "room": ROOM, "participant": participant,
          "role": "participant", "msg": msg})


def webrtc(w, participant, pc):
    address = Nice.Address()
    address.set_from_string("127.0.0.1")
    ice = w.get_property("ice-agent")
    keep.append(ice)
    ice.get_property("agent").add_local_address(address)
    w.connect("on-ice-candidate", lambda _w, index, candidate: client(
        participant, {"type": "ice-candidate", "pc": pc, "candidate": candidate,
                      "sdpMLineIndex": index}))
    return w


publisher = Gst.parse_launch(
    "webrtcbin name=pub bundle-policy=max-bundle "
    "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 ! "
    "vp8enc deadline=1 keyframe-max-dist=100000 ! rtpvp8pay mtu=1400 ! "
    "application/x-rtp,media=video,encoding-name=VP8,payload=96 ! pub. "
    "audiotestsrc is-live=true ! audioconvert ! audioresample ! opusenc ! rtpopuspay ! "
    "application/x-rtp,media=audio,encoding-name=OPUS,payload=97 ! pub.")
subscriber = Gst.Pipeline.new("subscriber")
sub = Gst.ElementFactory.make("webrtcbin", "sub")
sub.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
subscriber.add(sub)
pub = webrtc(publisher.get_by_name("pub"), "alice", "publish")
webrtc(sub, "bob", "subscribe")


def failed(reply):
    """webrtcbin's error in a promise's reply, or None when it went well."""
    if reply is not None and reply.has_field("error") and reply.get_value("error") is not None:
        return reply.get_value("error").message
    return None


def with_description(promise, field, use):
    """Calls use(description) while the promise's reply holds it (PyGObject
    frees the reply, and what it holds, with the reply's wrapper)."""
    reply = promise.get_reply()
    error = failed(reply)
    value = reply.get_value(field) if error is None and reply is not None else None
    if value is None:
        print(json.dumps({"error": f"webrtcbin made no {field}: {error}"}))
        loop.quit()
        return
    use(value)


def set_local(w, participant, desc):
    w.emit("set-local-description", desc, None)
    client(participant, {"type": "offer" if w is pub else "answer", "sdp": desc.sdp.as_text()})


def on_offer(promise):
    with_description(promise, "offer", lambda d: set_local(pub, "alice", d))


def make_offer():
    for index in range(2):
        pub.emit("get-transceiver", index).set_property(
            "direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
    pub.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer))
    return False


def on_answer(promise):
    with_description(promise, "answer", lambda d: set_local(sub, "bob", d))


def answer_offer(promise):
    error = failed(promise.get_reply())
    if error is not None:
        print(json.dumps({"error": f"webrtcbin refused the offer: {error}"}))
        loop.quit()
        return
    sub.emit("create-answer", None, Gst.Promise.new_with_change_func(on_answer))


def description(text, kind):
    _, msg = GstSdp.SDPMessage.new_from_text(text)
    return GstWebRTC.WebRTCSessionDescription.new(kind, msg)


def on_pad(_w, pad):
    kind = pad.get_current_caps().get_structure(0).get_string("media")
    chain = Gst.parse_bin_from_description(
        ("rtpvp8depay ! vp8dec" if kind == "video" else "rtpopusdepay ! opusdec")
        + " ! fakesink name=decoded", True)
    subscriber.add(chain)
    chain.sync_state_with_parent()
    pad.link(chain.get_static_pad("sink"))

    def count(_pad, _info):
        frames[kind] += 1
        return Gst.PadProbeReturn.OK
    chain.get_by_name("decoded").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, count)


def handle(m):
    if m["type"] == "stats":
        print(json.dumps({"frames": frames, "stats": m["stats"]}))
        loop.quit()
    if m["type"] != "deliver":
        return
    who, msg = m["participant"], m["msg"]
    if who == "alice" and msg["type"] == "answer":
        pub.emit("set-remote-description",
                 description(msg["sdp"], GstWebRTC.WebRTCSDPType.ANSWER), None)
    elif who == "bob" and msg["type"] == "offer":
        sub.emit("set-remote-description",
                 description(msg["sdp"], GstWebRTC.WebRTCSDPType.OFFER),
                 Gst.Promise.new_with_change_func(answer_offer))
    elif msg["type"] == "ice-candidate" and msg["candidate"]:
        (pub if who == "alice" else sub).emit(
            "add-ice-candidate", msg["sdpMLineIndex"], msg["candidate"])


def readable(_fd, _cond):
    global inbox
    data = link.recv(65536)
    if not data:
        loop.quit()
        return False
    inbox += data
    while len(inbox) >= 4 and len(inbox) >= 4 + struct.unpack(">I", inbox[:4])[0]:
        size = struct.unpack(">I", inbox[:4])[0]
        handle(json.loads(inbox[4:4 + size]))
        inbox = inbox[4 + size:]
    return True


def check(deadline):
    if min(frames.values()) >= WANT or time.monotonic() > deadline:
        send({"type": "stats", "id": 1, "room": ROOM})
        return False
    return True


link.connect(sys.argv[1])
GLib.io_add_watch(link.fileno(), GLib.IO_IN, readable)
sub.connect("pad-added", on_pad)
client("alice", {"type": "join"})
client("bob", {"type": "join"})
subscriber.set_state(Gst.State.PLAYING)
publisher.set_state(Gst.State.PLAYING)
# create-offer wants the pipeline playing (its state change is asynchronous)
GLib.timeout_add(500, make_offer)
GLib.timeout_add(200, check, time.monotonic() + (float(sys.argv[2]) if len(sys.argv) > 2 else 30))
loop.run()
publisher.set_state(Gst.State.NULL)
subscriber.set_state(Gst.State.NULL)
