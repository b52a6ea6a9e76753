"""What every test peer shares (t/peers/aiortc_peer.py, t/peers/gst_peer.py):
the command line, joining a room the way DESIGN.md "Client contracts" says
(REST join, then WebSocket signaling), the synthetic media's signature
(a stamp in each video frame, a tone per sender), counting what is decoded
per remote participant, the stop conditions, and the JSON-lines output.

A peer supplies a Media object (see the Media class) that owns its two
peer connections; everything here runs on one asyncio loop.  The output
contract and the command line are described in t/peers/README.md.
"""

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.request
import zlib

import numpy

T0 = time.monotonic()

EXIT_OK = 0             # the stop conditions were met (or none were given)
EXIT_UNMET = 1          # the time ran out before the conditions were met
EXIT_USAGE = 2
EXIT_JOIN_FAILED = 3    # the REST join or the signaling join was refused
EXIT_ENDED = 4          # the server ended the session (kicked, room closed,
                        # connection closed) before the conditions were met
EXIT_CRASHED = 5        # a bug in the peer or its WebRTC stack

# Why a session ended; SERVER_ENDS are the server's doing.
SERVER_ENDS = ("kicked", "room-closed", "ws-closed", "removed")
# After these a rejoin is pointless.
FINAL_ENDS = ("kicked", "room-closed")


def now_ms():
    return round((time.monotonic() - T0) * 1000, 1)


# SFU_PEER_SDP=1: every SDP sent and received is printed too (event "sdp")
LOG_SDP = os.environ.get("SFU_PEER_SDP") == "1"


def emit(event, **fields):
    """One line of output: {"t": ms since start, "event": ..., ...}."""
    sys.stdout.write(json.dumps({"t": now_ms(), "event": event, **fields})
                     + "\n")
    sys.stdout.flush()


# --- command line

def parse_args(description, argv=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("base_url", help="the SFU's public URL, e.g. "
                   "http://127.0.0.1:8080")
    p.add_argument("room", help="room id")
    p.add_argument("--name", default="peer", help="display name (default "
                   "peer); also picks the video stamp and the audio tone")
    p.add_argument("--password", help="the room's password")
    p.add_argument("--api-key", help="join with this API key (needed for "
                   "--role host)")
    p.add_argument("--role", help="role to ask for, e.g. host")
    p.add_argument("--expect-peers", type=int, default=0, metavar="N",
                   help="stop condition: media decoded from N remote "
                   "participants")
    p.add_argument("--min-frames", type=int, default=10, metavar="K",
                   help="... K video frames and K audible audio frames from "
                   "each (default 10)")
    p.add_argument("--kinds", default="audio,video",
                   help="kinds the condition needs (default audio,video)")
    p.add_argument("--linger", type=float, default=0, metavar="SECS",
                   help="stay this long after the conditions are met "
                   "(default 0)")
    p.add_argument("--duration", type=float, default=60, metavar="SECS",
                   help="stay at most this long (default 60); without "
                   "conditions, stay exactly this long")
    p.add_argument("--leave-after", type=float, metavar="SECS",
                   help="send leave this long after joining")
    p.add_argument("--no-publish", action="store_true",
                   help="subscribe only")
    p.add_argument("--rejoin", action="store_true",
                   help="when the server ends the session (other than kick "
                   "or room end), join again until --duration")
    p.add_argument("--control", action="store_true",
                   help="read commands on stdin: leave, report; end of "
                   "stdin means leave")
    p.add_argument("--ice-ip", default="127.0.0.1",
                   help="the only address to gather candidates on "
                   "(default 127.0.0.1)")
    p.add_argument("--no-trickle", action="store_true",
                   help="keep local candidates in the SDP instead of "
                   "sending ice-candidate messages")
    p.add_argument("--relay-only", action="store_true",
                   help="use only TURN relay candidates (ice_servers from "
                   "the join)")
    p.add_argument("--tcp-only", action="store_true",
                   help="ICE-TCP only, no UDP candidates (gst_peer only: "
                   "aioice has no ICE-TCP)")
    p.add_argument("--video-size", default="320x240",
                   help="published video WxH, at least 320x32 (default "
                   "320x240)")
    p.add_argument("--fps", type=int, default=15,
                   help="published video frame rate (default 15)")
    args = p.parse_args(argv)
    args.kinds = [k for k in args.kinds.split(",") if k]
    if any(k not in ("audio", "video") for k in args.kinds):
        p.error("--kinds takes audio and/or video")
    try:
        w, h = (int(v) for v in args.video_size.split("x"))
    except ValueError:
        p.error("--video-size wants WxH")
    if w < STAMP_WIDTH or h < STAMP_HEIGHT or w % 2 or h % 2:
        p.error(f"--video-size: even sizes of at least "
                f"{STAMP_WIDTH}x{STAMP_HEIGHT}")
    args.width, args.height = w, h
    args.tag = tag_for(args.name)
    args.tone_hz = tone_for(args.tag)
    return args


# --- the synthetic media's signature
#
# Each published video frame carries a stamp in its top-left corner: 40
# cells of 16x16 luma, black or white, holding a magic byte, the sender's
# 16-bit tag, the frame counter's low byte and a check byte.  Big
# macroblock-aligned cells survive VP8 at any bitrate, so a receiver can
# tell whose frame it decoded.  The audio is a sine whose frequency also
# comes from the tag (a multiple of 50 Hz: every 20 ms frame is identical).

STAMP_CELL = 16
STAMP_COLS = 20
STAMP_ROWS = 2
STAMP_WIDTH = STAMP_CELL * STAMP_COLS
STAMP_HEIGHT = STAMP_CELL * STAMP_ROWS
STAMP_MAGIC = 0xA5
STAMP_BITS = STAMP_COLS * STAMP_ROWS
AUDIO_RATE = 48000
AUDIBLE_RMS = 500        # a tone at amplitude 8000 has an RMS of ~5700
TONE_FRAMES = 500        # the audible frames a tone is estimated from


def tone_of(frames):
    """The tone in Hz of audible frames given as (zero crossings, samples).

    Zero crossings pooled over the frames whose own estimate is within 15 %
    of the frames' median: a frame the decoder concealed after a late or
    lost packet (a loaded machine) is noisy, crosses zero far more often,
    and would pull a plain average off the tone.
    """
    hz = [c / 2 / (n / AUDIO_RATE) for c, n in frames]
    mid = float(numpy.median(hz))
    kept = [f for f, h in zip(frames, hz) if abs(h - mid) <= 0.15 * mid] or frames
    return sum(c for c, _ in kept) / 2 / (sum(n for _, n in kept) / AUDIO_RATE)


def tag_for(name):
    return zlib.crc32(name.encode()) & 0xFFFF


def tone_for(tag):
    return 300 + 50 * (tag % 12)


def _stamp_check(tag, counter):
    return (tag >> 8) ^ (tag & 0xFF) ^ counter ^ 0x5A


def stamp_cells(tag, counter):
    """The stamp as an array of luma values, STAMP_HEIGHT x STAMP_WIDTH."""
    counter &= 0xFF
    value = ((STAMP_MAGIC << 32) | (tag << 16) | (counter << 8)
             | _stamp_check(tag, counter))
    bits = numpy.array([(value >> (STAMP_BITS - 1 - i)) & 1
                        for i in range(STAMP_BITS)], dtype=bool)
    cells = numpy.where(bits, 235, 16).astype(numpy.uint8)
    cells = cells.reshape(STAMP_ROWS, STAMP_COLS)
    return numpy.repeat(numpy.repeat(cells, STAMP_CELL, axis=0),
                        STAMP_CELL, axis=1)


def read_stamp(luma):
    """(tag, counter) from a decoded luma plane (2-D uint8), or None."""
    if luma.shape[0] < STAMP_HEIGHT or luma.shape[1] < STAMP_WIDTH:
        return None
    area = luma[:STAMP_HEIGHT, :STAMP_WIDTH].reshape(
        STAMP_ROWS, STAMP_CELL, STAMP_COLS, STAMP_CELL)
    inner = area[:, 4:12, :, 4:12].mean(axis=(1, 3))
    value = 0
    for bit in (inner.flatten() > 128):
        value = (value << 1) | int(bit)
    magic, tag = value >> 32, (value >> 16) & 0xFFFF
    counter, check = (value >> 8) & 0xFF, value & 0xFF
    if magic != STAMP_MAGIC or check != _stamp_check(tag, counter):
        return None
    return tag, counter


def base_picture(width, height, tag):
    """An I420 picture (one array, Y then U then V) tinted by the tag."""
    yuv = numpy.empty((height * 3 // 2, width), dtype=numpy.uint8)
    yuv[:height] = 96
    yuv[height:height + height // 4] = 64 + (tag & 0x7F)
    yuv[height + height // 4:] = 64 + ((tag >> 7) & 0x7F)
    return yuv


def stamped_picture(base, tag, counter):
    """A copy of base with the stamp for this frame (and a moving bar)."""
    yuv = base.copy()
    yuv[:STAMP_HEIGHT, :STAMP_WIDTH] = stamp_cells(tag, counter)
    height = base.shape[0] * 2 // 3
    row = STAMP_HEIGHT + (counter * 4) % max(height - STAMP_HEIGHT - 8, 1)
    yuv[row:row + 8] = 200
    return yuv


def tone_frame(tone_hz, samples=960, amplitude=8000):
    """One frame of mono s16 sine at AUDIO_RATE, as int16 samples."""
    t = numpy.arange(samples) / AUDIO_RATE
    return (amplitude * numpy.sin(2 * numpy.pi * tone_hz * t)).astype(
        numpy.int16)


# --- SDP helpers (text level: both stacks hand SDP around as text)

def sdp_sections(sdp):
    """The m-sections of an SDP, each a list of its lines (m= first)."""
    sections = []
    for line in sdp.splitlines():
        if line.startswith("m="):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    return sections


def sdp_mids(sdp):
    """[(mid, kind, msid stream id or None)] in m-line order."""
    out = []
    for sec in sdp_sections(sdp):
        kind = sec[0][2:].split()[0]
        mid = stream = None
        for line in sec:
            if line.startswith("a=mid:"):
                mid = line[6:].strip()
            elif line.startswith("a=msid:"):
                stream = line[7:].split()[0]
            elif line.startswith("a=ssrc:") and " msid:" in line \
                    and stream is None:
                # the older form, a=ssrc:<ssrc> msid:<stream> <track>
                stream = line.split(" msid:", 1)[1].split()[0]
        out.append((mid, kind, stream))
    return out


def sdp_ssrc_mid(sdp, ssrc):
    """The mid of the m-line whose a=ssrc lines name ssrc, or None."""
    for sec in sdp_sections(sdp):
        mid = next((line[6:].strip() for line in sec
                    if line.startswith("a=mid:")), None)
        if any(line.startswith(f"a=ssrc:{ssrc} ") for line in sec):
            return mid
    return None


def sdp_bundle_first(sdp):
    """The first mid of the BUNDLE group, or None."""
    for line in sdp.splitlines():
        if line.startswith("a=group:BUNDLE"):
            mids = line.split()[1:]
            return mids[0] if mids else None
    return None


def sdp_take_candidates(sdp):
    """(sdp without candidate lines, [(mid, mline index, "candidate:...")]).

    Browsers trickle: the SDP goes out first, each candidate after it.
    """
    mids = [mid for mid, _, _ in sdp_mids(sdp)]
    kept, cands = [], []
    index = -1
    for line in sdp.splitlines():
        if line.startswith("m="):
            index += 1
        if line.startswith("a=candidate:"):
            cands.append((mids[index], index, line[2:]))
        elif not line.startswith("a=end-of-candidates"):
            kept.append(line)
    return "\r\n".join(kept) + "\r\n", cands


# --- counting what is decoded

class Remote:
    """What one remote participant's tracks delivered in one session."""

    def __init__(self):
        self.kinds = {}

    def kind(self, kind):
        return self.kinds.setdefault(kind, {"frames": 0, "first_ms": None})

    def ok(self, kinds, min_frames):
        for kind in kinds:
            k = self.kinds.get(kind)
            count = 0 if k is None else (
                k.get("audible", 0) if kind == "audio" else k["frames"])
            if count < min_frames:
                return False
        return True


class Counter:
    """Decoded frames per remote participant and kind, for one session.

    Frames arrive tagged with the mid of the m-line that carried them; the
    owner of a mid is the msid stream id of the SFU's latest subscribe
    offer, which the SFU sets to the publishing participant's id.
    """

    def __init__(self, args, t_start, on_change):
        self.args = args
        self.t_start = t_start
        self.on_change = on_change
        self.owners = {}                # mid -> participant id
        self.remotes = {}               # participant id -> Remote
        self.tone_frames = {}           # participant id -> [(crossings, samples)]
        self.last_sign = {}             # participant id -> sign of its last sample

    def set_offer(self, sdp):
        self.owners = {mid: stream or f"mid:{mid}"
                       for mid, kind, stream in sdp_mids(sdp)
                       if mid is not None and kind in ("audio", "video")}

    def owner(self, mid):
        return self.owners.get(mid, f"mid:{mid}")

    def _frame(self, mid, kind):
        who = self.owner(mid)
        remote = self.remotes.setdefault(who, Remote())
        k = remote.kind(kind)
        k["frames"] += 1
        if k["first_ms"] is None:
            k["first_ms"] = round((time.monotonic() - self.t_start) * 1000, 1)
            emit("first-frame", **{"from": who, "kind": kind, "mid": mid,
                                   "ms": k["first_ms"]})
        return who, k

    def video(self, mid, luma):
        """A decoded video frame; luma is its Y plane (2-D uint8)."""
        who, k = self._frame(mid, "video")
        stamp = read_stamp(luma)
        tags = k.setdefault("tags", {})
        key = "none" if stamp is None else str(stamp[0])
        tags[key] = tags.get(key, 0) + 1
        self.on_change()

    def audio(self, mid, samples):
        """A decoded audio frame; samples: one channel, int16, AUDIO_RATE."""
        who, k = self._frame(mid, "audio")
        rms = float(numpy.sqrt(numpy.mean(samples.astype(numpy.float64) ** 2)))
        if rms >= AUDIBLE_RMS:
            k["audible"] = k.get("audible", 0) + 1
            # the crossing between two frames counts too (the frame before
            # ends with its sign)
            signs = numpy.signbit(samples)
            before = self.last_sign.get(who, signs[0])
            self.last_sign[who] = signs[-1]
            frames = self.tone_frames.setdefault(who, [])
            frames.append((int(numpy.count_nonzero(signs[1:] != signs[:-1]))
                           + int(before != signs[0]), len(samples)))
            del frames[:-TONE_FRAMES]
            k["tone_hz"] = round(tone_of(frames))
        else:
            k.setdefault("audible", 0)
            self.last_sign.pop(who, None)
        self.on_change()

    def met(self):
        if self.args.expect_peers <= 0:
            return False
        good = [p for p, r in self.remotes.items()
                if r.ok(self.args.kinds, self.args.min_frames)]
        return len(good) >= self.args.expect_peers

    def report(self):
        return {who: r.kinds for who, r in self.remotes.items()}


# --- the peer's WebRTC stack

class Media:
    """The interface a peer implements; one instance per session.

    send(msg) queues a signaling message; counter is the session's Counter.
    """

    def __init__(self, args, send, counter):
        self.args = args
        self.send = send
        self.counter = counter

    async def start(self, ice_servers):
        """Create the peer connections (ice_servers as the join gave them)."""
        raise NotImplementedError

    async def publish(self):
        """Offer audio+video on the publish pc (send an `offer`)."""
        raise NotImplementedError

    async def on_answer(self, sdp):
        """The SFU's answer to the publish offer."""
        raise NotImplementedError

    async def on_offer(self, sdp):
        """An SFU offer for the subscribe pc: answer it (send an `answer`)."""
        raise NotImplementedError

    async def on_candidate(self, pc, candidate, mid, mline_index):
        """A remote candidate for pc ("publish" or "subscribe")."""
        raise NotImplementedError

    async def renew_subscribe(self):
        """The SFU replaced a failed subscribe transport (an offer with
        new_connection): answer it from a new subscribe pc."""
        raise NotImplementedError

    def drop_subscribe(self):
        """Stop hearing anything on the subscribe pc, telling nobody (the
        SFU's consent checks go unanswered until it gives the pc up)."""
        raise NotImplementedError

    async def close(self):
        raise NotImplementedError

    def send_sdp(self, kind, pc, sdp):
        """Sends an offer or answer, trickling its candidates after it."""
        if self.args.no_trickle:
            if LOG_SDP:
                emit("sdp", dir="sent", type=kind, pc=pc, sdp=sdp)
            self.send({"type": kind, "sdp": sdp})
            return
        sdp, cands = sdp_take_candidates(sdp)
        if LOG_SDP:
            emit("sdp", dir="sent", type=kind, pc=pc, sdp=sdp)
        self.send({"type": kind, "sdp": sdp})
        for mid, index, cand in cands:
            self.send_candidate(pc, cand, mid, index)

    def send_candidate(self, pc, candidate, mid, mline_index):
        self.send({"type": "ice-candidate", "pc": pc, "candidate": candidate,
                   "sdpMid": mid, "sdpMLineIndex": mline_index})


# --- one join: REST, then the WebSocket, until it ends

async def first_of(*aws, timeout=None):
    """Waits for the first of aws to finish, cancels the others."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED,
                           timeout=None if timeout is None
                           else max(timeout, 0))
    finally:
        for t in tasks:
            t.cancel()


class Control:
    """Process-wide requests: leave (stdin command, end of stdin, timers)."""

    def __init__(self):
        self.leave = asyncio.Event()
        self.report_hook = None
        self.media = None       # the current session's Media

    async def read_stdin(self):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                emit("control", command="eof")
                self.leave.set()
                return
            command = line.decode().strip()
            emit("control", command=command)
            if command == "leave":
                self.leave.set()
            elif command == "report" and self.report_hook:
                self.report_hook()
            elif command == "drop-subscribe" and self.media:
                self.media.drop_subscribe()


def rest_join(args):
    """POST /api/v1/rooms/{id}/join → (status, body as JSON or text)."""
    body = {"name": args.name}
    if args.password is not None:
        body["password"] = args.password
    if args.role:
        body["role"] = args.role
    req = urllib.request.Request(
        args.base_url.rstrip("/") + f"/api/v1/rooms/{args.room}/join",
        data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    if args.api_key:
        req.add_header("Authorization", f"Bearer {args.api_key}")
    try:
        with urllib.request.urlopen(req, timeout=15) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text
    except (OSError, ValueError) as e:      # refused, reset, timed out
        return 0, repr(e)


class Session:
    def __init__(self, args, control, make_media, number):
        self.args = args
        self.control = control
        self.make_media = make_media
        self.number = number
        self.t_start = time.monotonic()
        self.participant_id = None
        self.end = None                 # why the session ended
        self.end_detail = None
        self.join_ms = None
        self.conditions_ms = None
        self.ended = asyncio.Event()
        self.conditions = asyncio.Event()
        self.outbox = asyncio.Queue()
        self.counter = Counter(args, self.t_start, self._check)
        self.media = None
        self.ws = None

    def _ms(self):
        return round((time.monotonic() - self.t_start) * 1000, 1)

    def _check(self):
        if not self.conditions.is_set() and self.counter.met():
            self.conditions_ms = self._ms()
            emit("conditions-met", ms=self.conditions_ms,
                 remotes=self.counter.report())
            self.conditions.set()

    def _finish(self, why, **detail):
        if self.end is None:
            self.end = why
            self.end_detail = detail or None
            emit("session-ended", session=self.number, reason=why, **detail)
        self.ended.set()

    def send(self, msg):
        self.outbox.put_nowait(msg)

    async def _writer(self):
        while True:
            msg = await self.outbox.get()
            await self.ws.send(json.dumps(msg))

    async def _reader(self):
        import websockets
        try:
            async for text in self.ws:
                msg = json.loads(text)
                try:
                    await self._on_message(msg)
                except Exception as e:
                    # the stack refused what the server sent: say so, and
                    # go on (the test sees the event and the missing media)
                    import traceback
                    emit("message-failed", type=msg.get("type"),
                         error=repr(e), traceback=traceback.format_exc())
        except websockets.ConnectionClosed:
            pass
        code, reason = self.ws.close_code, self.ws.close_reason
        self._finish("ws-closed", code=code, close_reason=reason)

    async def _on_message(self, msg):
        kind = msg.get("type")
        if kind in ("offer", "answer", "ice-candidate"):
            # the SFU offers on the subscribe pc and answers on the publish pc
            pc = {"offer": "subscribe", "answer": "publish"}.get(kind)
            emit("signal", type=kind, pc=msg.get("pc", pc))
            if LOG_SDP and kind != "ice-candidate":
                emit("sdp", dir="received", type=kind, pc=pc, sdp=msg["sdp"])
        else:
            emit("server", message=msg)
        if kind == "joined":
            self.participant_id = msg.get("participant_id",
                                          self.participant_id)
            self.join_ms = self._ms()
            # the pcs exist before the next message (maybe an offer) is read
            await self.media.start(msg.get("ice_servers", self.ice_servers))
            self.joined.set_result(msg)
        elif kind == "answer":
            await self.media.on_answer(msg["sdp"])
        elif kind == "offer":
            self.counter.set_offer(msg["sdp"])
            if msg.get("new_connection"):
                await self.media.renew_subscribe()
            await self.media.on_offer(msg["sdp"])
        elif kind == "ice-candidate":
            await self.media.on_candidate(
                msg.get("pc"), msg.get("candidate"), msg.get("sdpMid"),
                msg.get("sdpMLineIndex"))
        elif kind in FINAL_ENDS:
            self._finish(kind, message=msg)
        elif kind == "participant-left" and self.participant_id and \
                msg.get("participant_id") == self.participant_id:
            self._finish("removed", message=msg)
        elif kind == "error" and not self.joined.done():
            self._finish("join-refused", message=msg)

    async def run(self, deadline):
        """Joins, stays until something ends the session; returns the end."""
        import websockets
        loop = asyncio.get_running_loop()
        status, body = await loop.run_in_executor(None, rest_join, self.args)
        rest_ms = self._ms()
        if status != 200 or not isinstance(body, dict):
            emit("join-failed", session=self.number, status=status,
                 body=body)
            self.end = "join-failed"
            self.end_detail = {"status": status}
            return self.end
        self.participant_id = body.get("participant_id")
        self.ice_servers = body.get("ice_servers", [])
        emit("rest-joined", session=self.number,
             participant_id=self.participant_id, ms=rest_ms,
             signaling_url=body.get("signaling_url"))
        self.joined = loop.create_future()
        tasks = []
        try:
            self.ws = await websockets.connect(body["signaling_url"],
                                               open_timeout=15,
                                               max_size=None)
            self.media = self.make_media(self.args, self.send, self.counter)
            self.control.media = self.media
            tasks.append(asyncio.ensure_future(self._writer()))
            tasks.append(asyncio.ensure_future(self._reader()))
            self.send({"type": "join", "token": body["token"]})
            await first_of(asyncio.shield(self.joined), self.ended.wait(),
                           timeout=deadline - time.monotonic())
            if not self.joined.done():
                if self.end is None:
                    self._finish("join-timeout")
                return self.end
            joined = self.joined.result()
            emit("joined", session=self.number,
                 participant_id=self.participant_id, ms=self.join_ms,
                 participants=joined.get("participants"))
            if not self.args.no_publish:
                await self.media.publish()
            await self._stay(deadline)
        except (OSError, websockets.InvalidHandshake,
                asyncio.TimeoutError) as e:
            emit("signaling-failed", session=self.number, error=repr(e))
            self._finish("signaling-failed")
        finally:
            if self.end in ("left", "time-up") and self.ws is not None:
                await self._say_goodbye()
            for t in tasks:
                t.cancel()
            if self.ws is not None:
                await self.ws.close()
            if self.media is not None:
                await self.media.close()
        return self.end

    async def _say_goodbye(self):
        # what the writer still holds goes first, then leave
        try:
            while not self.outbox.empty():
                await self.ws.send(json.dumps(self.outbox.get_nowait()))
            await self.ws.send(json.dumps({"type": "leave"}))
        except Exception as e:          # the server may be gone already
            emit("leave-failed", error=repr(e))

    async def _stay(self, deadline):
        """Until the server ends it, a leave, or the time is up."""
        args = self.args
        waits = {asyncio.ensure_future(self.ended.wait()): None,
                 asyncio.ensure_future(self.control.leave.wait()): "left"}
        if args.leave_after is not None:
            waits[asyncio.ensure_future(
                asyncio.sleep(args.leave_after))] = "left"
        if args.expect_peers > 0 and not args.control:
            waits[asyncio.ensure_future(self._linger())] = "left"
        timeout = max(deadline - time.monotonic(), 0)
        try:
            done, _ = await asyncio.wait(list(waits), timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
            if not done:
                self._finish("left" if args.expect_peers <= 0
                             else "time-up")
            for d in done:
                if waits[d] is not None:
                    self._finish(waits[d])
        finally:
            for w in waits:
                w.cancel()

    async def _linger(self):
        await self.conditions.wait()
        await asyncio.sleep(self.args.linger)

    def summary(self):
        return {"session": self.number,
                "participant_id": self.participant_id,
                "end": self.end, "end_detail": self.end_detail,
                "join_ms": self.join_ms,
                "conditions_met": self.conditions.is_set(),
                "conditions_ms": self.conditions_ms,
                "remotes": self.counter.report()}


async def _run(args, make_media):
    control = Control()
    # (the loop holds tasks weakly: a task nobody refers to is collected)
    stdin_task = asyncio.ensure_future(control.read_stdin()) \
        if args.control else None
    deadline = T0 + args.duration
    sessions = []
    backoff = 0.5
    while True:
        session = Session(args, control, make_media, len(sessions) + 1)
        control.report_hook = lambda s=session: emit(
            "report", session=s.number, remotes=s.counter.report())
        end = await session.run(deadline)
        sessions.append(session.summary())
        retry = (end in SERVER_ENDS and end not in FINAL_ENDS) or \
            end in ("join-failed", "join-refused", "signaling-failed")
        if not args.rejoin or not retry or control.leave.is_set() \
                or time.monotonic() + backoff >= deadline:
            break
        if session.join_ms is not None:
            backoff = 0.5
        emit("rejoining", after_s=backoff)
        await first_of(asyncio.sleep(backoff), control.leave.wait())
        backoff = min(backoff * 2, 2)
    last = sessions[-1]
    if args.expect_peers > 0:
        code = EXIT_OK if last["conditions_met"] else (
            EXIT_ENDED if last["end"] in SERVER_ENDS else
            EXIT_JOIN_FAILED if last["end"] in ("join-failed",
                                                "join-refused")
            else EXIT_UNMET)
    else:
        code = EXIT_OK if last["end"] == "left" else (
            EXIT_JOIN_FAILED if last["end"] in ("join-failed",
                                                "join-refused")
            else EXIT_ENDED)
    if stdin_task is not None:
        stdin_task.cancel()
    emit("summary", name=args.name, tag=args.tag, tone_hz=args.tone_hz,
         exit=code, participant_id=last["participant_id"],
         end=last["end"], sessions=sessions)
    return code


def main(description, make_media, setup=None, argv=None):
    """Runs a peer: parse the command line, setup(args), join, exit."""
    args = parse_args(description, argv)
    if setup is not None:
        setup(args)
    emit("start", name=args.name, tag=args.tag, tone_hz=args.tone_hz,
         room=args.room, pid=os.getpid(), publish=not args.no_publish)
    try:
        code = asyncio.run(_run(args, make_media))
    except Exception as e:
        import traceback
        emit("crashed", error=repr(e), traceback=traceback.format_exc())
        code = EXIT_CRASHED
    sys.stdout.flush()
    os._exit(code)
