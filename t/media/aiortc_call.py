#!/usr/bin/python3
"""A two-party call through an sfu-worker, driven over its Unix socket as
the nginx module would (sfu/PROTOCOL.md), with aiortc 1.4 on both ends:
alice publishes audio and video, bob subscribes.  Prints one JSON object:
what bob decoded from alice, and the worker's stats of the room.

    /usr/bin/python3 t/media/aiortc_call.py SOCKET [SECONDS]
"""
import asyncio
import json
import struct
import sys
import time

import aioice.ice
import aiortc.codecs
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack

# NOTES.md: aiortc 1.4 puts audio-level and abs-send-time both on id 2;
# and gather on loopback only.
aiortc.codecs.HEADER_EXTENSIONS["audio"] = [
    type(e)(id=3 if "audio-level" in e.uri else e.id, uri=e.uri)
    for e in aiortc.codecs.HEADER_EXTENSIONS["audio"]]
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

ROOM = "media-aiortc"
WANT = 30           # frames of each kind that make the call a success


async def main(path, seconds):
    reader, writer = await asyncio.open_unix_connection(path)

    async def send(msg):
        body = json.dumps(msg).encode()
        writer.write(struct.pack(">I", len(body)) + body)
        await writer.drain()

    async def recv():
        size = struct.unpack(">I", await reader.readexactly(4))[0]
        return json.loads(await reader.readexactly(size))

    async def client(participant, msg):
        await send({"type": "client", "room": ROOM, "participant": participant,
                    "role": "participant", "msg": msg})

    frames = {"audio": 0, "video": 0}
    alice, bob = RTCPeerConnection(), RTCPeerConnection()

    @bob.on("track")
    def on_track(track):
        async def consume():
            try:
                while True:
                    await track.recv()
                    frames[track.kind] += 1
            except MediaStreamError:
                pass
        asyncio.ensure_future(consume())

    await recv()                                    # hello
    await client("alice", {"type": "join"})
    await client("bob", {"type": "join"})
    alice.addTransceiver(AudioStreamTrack(), direction="sendonly")
    alice.addTransceiver(VideoStreamTrack(), direction="sendonly")
    await alice.setLocalDescription(await alice.createOffer())
    await client("alice", {"type": "offer", "sdp": alice.localDescription.sdp})

    end = time.monotonic() + seconds
    while time.monotonic() < end and min(frames.values()) < WANT:
        try:
            m = await asyncio.wait_for(recv(), 0.5)
        except asyncio.TimeoutError:
            continue
        if m["type"] != "deliver":
            continue
        who, msg = m["participant"], m["msg"]
        if who == "alice" and msg["type"] == "answer":
            await alice.setRemoteDescription(RTCSessionDescription(msg["sdp"], "answer"))
        elif who == "bob" and msg["type"] == "offer":
            await bob.setRemoteDescription(RTCSessionDescription(msg["sdp"], "offer"))
            await bob.setLocalDescription(await bob.createAnswer())
            await client("bob", {"type": "answer", "sdp": bob.localDescription.sdp})

    await send({"type": "stats", "id": 1, "room": ROOM})
    stats = None
    while stats is None:
        m = await recv()
        stats = m if m["type"] == "stats" else None
    print(json.dumps({"frames": frames, "stats": stats["stats"]}))
    await alice.close()
    await bob.close()


asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 30))
