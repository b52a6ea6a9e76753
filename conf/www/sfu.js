// ngx-sfu browser SDK: join a room, publish camera, microphone and screen,
// receive everyone else, chat, and survive a dropped connection.
// One dependency-free ES module; types in sfu.d.ts beside it.
//
//   import { Room } from '/sfu.js';
//   const room = new Room({ link: location.href, name: 'Ada' });
//   room.on('track', ({ participant, source, stream }) => show(participant, source, stream));
//   await room.join();
//
// Two peer connections per participant (DESIGN.md): "publish" (we offer,
// the SFU answers) and "subscribe" (the SFU offers whenever the set of
// remote tracks changes, we answer).  Signaling is JSON over a WebSocket;
// the exact message shapes live in the Protocol section below and nowhere
// else.

export const VERSION = '0.1.0';

// ---------------------------------------------------------------- errors

// An error a person can read (`message`) and a program can test (`code`,
// the REST or signaling error code, or one of the SDK's own below).
export class SfuError extends Error {
    constructor(code, message, extra = {}) {
        super(message);
        this.name = 'SfuError';
        this.code = code;
        this.status = extra.status ?? 0;
        this.retryAfter = extra.retryAfter ?? 0;
    }
}

// Readable text for the REST API's and the signaling's error codes
// (ngx_module/README.md).
const ERROR_TEXT = {
    'room-full': 'This room is full.',
    'room-ended': 'This room has ended.',
    'room-not-found': 'There is no such room: check the link.',
    'not-found': 'There is no such room: check the link.',
    'password-required': 'This room needs a password.',
    'wrong-password': 'That password is not right.',
    'rate-limited': 'Too many attempts: wait a moment and try again.',
    'database-unavailable': 'The service is unavailable right now: try again shortly.',
    'turn-unavailable': 'The service is unavailable right now: try again shortly.',
    'invalid-token': 'The invitation has expired: join again from the room link.',
    'worker-gone': 'The media server of this room went away.',
    'worker-unavailable': 'The media server of this room is unavailable right now.',
};

// Signaling errors the server sends just before it closes the connection:
// the close that follows (signaling-closed) says what they say; they are
// no `error` event of their own (a reconnection follows, not a failure).
const CLOSING_ERRORS = new Set(['worker-gone', 'worker-unavailable', 'database-unavailable']);

// Joining again cannot help after these.
const FATAL_REST = new Set(['room-ended', 'room-not-found', 'not-found',
    'password-required', 'wrong-password', 'forbidden', 'invalid-field',
    'missing-field', 'unknown-field', 'invalid-json']);

// Signaling refusals that leave a join's token unused: the next attempt
// takes the same place again instead of holding one more (each REST join
// holds a place for a while; ngx_module/README.md).
const TOKEN_UNUSED = new Set(['signaling-failed', 'worker-unavailable', 'database-unavailable']);
// How long a failed subscribe connection waits for the SFU's new_connection
// offer (it notices the failure 10-16 s after the browser at worst) before
// the room rejoins instead.
const SUBSCRIBE_RENEWAL_WAIT_MS = 20000;

async function restCall(url, body, headers = {}) {
    let res;
    try {
        res = await globalThis.fetch(url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', ...headers },
            body: JSON.stringify(body),
        });
    } catch (e) {
        throw new SfuError('network', 'Cannot reach the server: check your connection.');
    }
    let json = null;
    try { json = await res.json(); } catch (e) { /* not JSON: handled below */ }
    if (res.ok && json) return json;
    const code = json?.error?.code ?? `http-${res.status}`;
    const message = ERROR_TEXT[code] ?? json?.error?.message
        ?? `The server answered ${res.status}.`;
    throw new SfuError(code, message, {
        status: res.status,
        retryAfter: Number(res.headers.get('Retry-After')) || 0,
    });
}

// Create a room through an endpoint that takes the REST API's create body
// (POST /api/v1/rooms with an API key, or a same-origin endpoint that adds
// the key, like the demo's /demo/rooms).  Resolves to the room object.
export function createRoom(url, fields, { apiKey } = {}) {
    return restCall(url, fields, apiKey ? { Authorization: `Bearer ${apiKey}` } : {});
}

// The claims of a join token (not verified: the server does that).
function tokenClaims(token) {
    try {
        const b64 = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
        const bin = atob(b64 + '='.repeat((4 - b64.length % 4) % 4));
        return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, c => c.charCodeAt(0))));
    } catch (e) {
        return {};
    }
}

// ----------------------------------------------------------------- links

// A room link (https://host/?room=ID), or a bare room id taken relative to
// `base` (default: this page).  Returns { origin, roomId }.
export function parseRoomLink(link, base = globalThis.location?.href) {
    const text = String(link ?? '').trim();
    if (/^[A-Za-z0-9_-]{1,128}$/.test(text)) {
        return { origin: new URL(base).origin, roomId: text };
    }
    let url;
    try { url = new URL(text, base); } catch (e) { url = null; }
    const roomId = url?.searchParams.get('room');
    if (!roomId) throw new SfuError('invalid-link', 'That is not a room link.');
    return { origin: url.origin, roomId };
}

export function roomLink(origin, roomId) {
    return `${origin}/?room=${encodeURIComponent(roomId)}`;
}

// -------------------------------------------------------------- devices

const DEVICE_NAMES = { audioinput: 'Microphone', videoinput: 'Camera', audiooutput: 'Speaker' };

// Cameras, microphones and speakers; labels are empty until the page has
// been granted media once (then they are the device names): until then
// they are called "Camera 1" and so on.
export async function listDevices() {
    const all = await navigator.mediaDevices.enumerateDevices();
    const pick = kind => all.filter(d => d.kind === kind)
        .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${DEVICE_NAMES[kind]} ${i + 1}` }));
    return { audioinput: pick('audioinput'), videoinput: pick('videoinput'),
             audiooutput: pick('audiooutput') };
}

function constraint(want, deviceId) {
    if (!want) return false;
    const c = typeof want === 'object' ? { ...want } : {};
    if (deviceId) c.deviceId = { exact: deviceId };
    return Object.keys(c).length ? c : true;
}

function mediaError(kind, e) {
    const what = kind === 'audio' ? 'microphone' : kind === 'video' ? 'camera' : 'screen';
    const why = e?.name === 'NotAllowedError' ? 'permission was refused'
        : e?.name === 'NotFoundError' ? 'none was found'
        : e?.name === 'NotReadableError' ? 'it is in use by another program'
        : (e?.message || 'it failed');
    return new SfuError('media-unavailable', `Cannot use the ${what}: ${why}.`);
}

// ------------------------------------------------------------- protocol
// Everything that knows the signaling messages' shapes: what the client
// sends (ngx_module/README.md, "Messages") and what the SFU worker sends
// back (sfu/PROTOCOL.md, "Worker messages to a client").

const Out = {
    join: token => ({ type: 'join', token }),
    offer: sdp => ({ type: 'offer', sdp }),
    answer: sdp => ({ type: 'answer', sdp }),
    candidate: (pc, c) => ({ type: 'ice-candidate', pc, candidate: c.candidate,
                             sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex }),
    // sent before the publish offer that adds the screen's m-line, `mid`
    // naming that m-line
    startScreenShare: mid => ({ type: 'start-screen-share', mid }),
    stopScreenShare: () => ({ type: 'stop-screen-share' }),
    toggle: (kind, enabled) => ({ type: kind === 'audio' ? 'toggle-audio' : 'toggle-video',
                                  enabled }),
    quality: quality => ({ type: 'update-quality', quality }),
    chat: text => ({ type: 'chat', text }),
    leave: () => ({ type: 'leave' }),
};

// A participant object (joined.participants[]) or participant-joined:
// {participant_id, name?, role, audio, video, screen?, tracks?}.
function readParticipant(m) {
    return { id: m.participant_id, name: m.name ?? '', role: m.role ?? 'participant',
             audio: m.audio, video: m.video };
}

// participant-left {participant_id, reason?}: "kicked", "disconnected",
// absent for a leave
function readLeaveReason(m) {
    return m.reason === 'kicked' || m.reason === 'disconnected' ? m.reason : 'left';
}

// track-published / track-unpublished {participant_id, track_id, kind,
// source, mid?}, and the `tracks` of a participant object in joined (the
// same without participant_id).  `mid` is the subscribe pc's m-line that
// carries the track; without one (no m-line left) it is not received.
function readTrack(m, participantId = m.participant_id) {
    return { participantId, trackId: m.track_id, kind: m.kind, source: m.source,
             mid: m.mid ?? null };
}

// media-state {participant_id, audio, video}
function readMediaState(m) {
    return { participantId: m.participant_id, audio: !!m.audio, video: !!m.video };
}

// joined {..., simulcast?}: `simulcast: true` says the SFU accepts a
// camera published as rid layers and forwards one of them to each
// subscriber (sfu/PROTOCOL.md); an SFU that does not say so gets a single
// layer whatever the `simulcast` option says.
function acceptsSimulcast(joined) {
    return joined.simulcast === true;
}

// The camera's layers when publishing simulcast: quarter, half and full
// resolution.  The order is the SDP's `a=simulcast:send q;h;f`.
const SIMULCAST_LAYERS = [
    { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
    { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
    { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1200000 },
];

// chat {participant_id, text, ts}: ts in ms since the epoch (the server's clock)
function readChat(m) {
    return { participantId: m.participant_id, text: String(m.text ?? ''),
             time: new Date(m.ts ?? Date.now()) };
}

// --------------------------------------------------------------- events

class Emitter {
    #handlers = new Map();

    // Returns a function that removes the handler.
    on(type, fn) {
        if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
        this.#handlers.get(type).add(fn);
        return () => this.off(type, fn);
    }

    off(type, fn) { this.#handlers.get(type)?.delete(fn); }

    once(type, fn) {
        const off = this.on(type, ev => { off(); fn(ev); });
        return off;
    }

    emit(type, ev) {
        for (const fn of [...(this.#handlers.get(type) ?? [])]) {
            try { fn(ev); } catch (e) { console.error(`sfu: a "${type}" handler threw`, e); }
        }
    }
}

// The delay before reconnection attempt n (1, 2, ...): doubling from
// `baseDelay` up to `maxDelay`, less up to `jitter` of it at random so that
// a room's clients do not all come back at the same instant.
export function backoffDelay(n, { baseDelay = 500, maxDelay = 10000, jitter = 0.3 } = {},
                             random = Math.random) {
    const d = Math.min(maxDelay, baseDelay * 2 ** Math.max(0, n - 1));
    return Math.round(d * (1 - jitter * random()));
}

// ----------------------------------------------------------------- stats

// Rates are taken over at least RATE_WINDOW ms: against the newest earlier
// sample that old (or the oldest there is), so that getStats() callers at
// different paces (the demo's badge, an application's own) do not make
// each other's rates from a few milliseconds of traffic.
const RATE_WINDOW = 1000;

// Keep `sample` ({ts, ...}) in `samples` (oldest first) and return the one
// to measure it against, or null for the first.
function baseSample(samples, sample) {
    samples.push(sample);
    while (samples.length > 2 && samples[1].ts <= sample.ts - RATE_WINDOW) samples.shift();
    return samples.length > 1 ? samples[0] : null;
}

function rate(base, bytes, ts) {
    if (!base || ts <= base.ts) return 0;
    return Math.max(0, Math.round((bytes - base.bytes) * 8000 / (ts - base.ts)));
}

export function qualityOf({ packets, lossRate, rtt }) {
    if (!packets) return 'unknown';
    if (lossRate > 0.1 || rtt > 0.5) return 'poor';
    if (lossRate > 0.03 || rtt > 0.25) return 'fair';
    return 'good';
}

// ------------------------------------------------------------------ room

const SOURCES = ['microphone', 'camera', 'screen'];

export class Room extends Emitter {
    // Options: see sfu.d.ts (RoomOptions).
    constructor(options = {}) {
        super();
        this.options = {
            name: '', audio: true, video: true, simulcast: false,
            joinTimeout: 15000, ...options,
            reconnect: { maxAttempts: 12, baseDelay: 500, maxDelay: 10000, jitter: 0.3,
                         ...(options.reconnect ?? {}) },
        };
        if (options.link || options.roomId) {
            const { origin, roomId } = options.roomId
                ? { origin: new URL(options.baseUrl ?? globalThis.location.href).origin,
                    roomId: options.roomId }
                : parseRoomLink(options.link);
            this.origin = origin;
            this.roomId = roomId;
        } else if (options.token && options.signalingUrl) {
            // a token minted elsewhere: its claims say which room to rejoin
            const claims = tokenClaims(options.token);
            const ws = new URL(options.signalingUrl);
            this.origin = `${ws.protocol === 'wss:' ? 'https:' : 'http:'}//${ws.host}`;
            this.roomId = claims.room ?? null;
            this.options.name ||= claims.name ?? '';
        } else {
            throw new SfuError('invalid-options',
                'Give a room link, a room id, or a token with its signaling URL.');
        }
        this.state = 'new';
        this.participantId = null;
        this.role = null;
        this.participants = new Map();          // id -> Participant (others only)
        this.localTracks = { microphone: null, camera: null, screen: null };
        this.audioEnabled = !!this.options.audio;
        this.videoEnabled = !!this.options.video;
        this.devices = { audio: this.options.audioDeviceId ?? null,
                         video: this.options.videoDeviceId ?? null };
        this.password = this.options.password ?? null;
        this.session = null;                    // the live connection, see #connect
        this.generation = 0;
        this.attempt = 0;
        this.reconnectTimer = null;
        this.unusedGrant = null;                // see TOKEN_UNUSED
        this.statsSamples = new Map();
    }

    get link() { return this.roomId ? roomLink(this.origin, this.roomId) : null; }

    get screenSharing() { return !!this.localTracks.screen; }

    // Whether the camera goes out as simulcast layers on this connection:
    // asked for (`simulcast` option) and accepted by the server (`joined`).
    get simulcastActive() { return !!this.session?.simulcast; }

    // Join: get a token (REST), take the camera and microphone, connect the
    // signaling and both peer connections.  Resolves once `joined` arrived;
    // rejects with an SfuError (and leaves the room closed) otherwise.
    async join() {
        if (this.state !== 'new') throw new SfuError('invalid-state', 'join() was already called.');
        this.#setState('connecting');
        try {
            await this.#acquireLocalMedia();
            await this.#connect();
        } catch (e) {
            this.#close('failed', e);
            throw e;
        }
        return this;
    }

    // ICE restart of the publish connection (new ICE credentials, the same
    // DTLS session): an offer with them, answered by the SFU with its own.
    // Resolves once the answer is applied; media goes on meanwhile.
    async restartIce() {
        const s = this.session;
        if (!s?.joined || !s.pubPc) throw new SfuError('invalid-state', 'Not in a call.');
        s.pubPc.restartIce();
        await this.#negotiatePublish(s);
    }

    async leave() {
        if (this.state === 'closed') return;
        this.#send(Out.leave());
        this.#close('left');
    }

    // ---- local media controls (each is signalled to the room)

    setAudioEnabled(enabled) {
        this.audioEnabled = !!enabled;
        if (this.localTracks.microphone) this.localTracks.microphone.enabled = this.audioEnabled;
        this.#send(Out.toggle('audio', this.audioEnabled));
        this.emit('local-media-state', { audio: this.audioEnabled, video: this.videoEnabled });
    }

    // Camera off releases the camera (its light goes out); on takes it again.
    async setVideoEnabled(enabled) {
        this.videoEnabled = !!enabled;
        if (this.videoEnabled && !this.localTracks.camera) {
            await this.#openCamera();
        } else if (!this.videoEnabled && this.localTracks.camera) {
            this.localTracks.camera.stop();
            this.#setLocalTrack('camera', null);
            await this.session?.senders.camera?.replaceTrack(null);
        }
        this.#send(Out.toggle('video', this.videoEnabled));
        this.emit('local-media-state', { audio: this.audioEnabled, video: this.videoEnabled });
    }

    async setCamera(deviceId) {
        this.devices.video = deviceId || null;
        if (this.videoEnabled) await this.#openCamera();
    }

    async setMicrophone(deviceId) {
        this.devices.audio = deviceId || null;
        const stream = await this.#getUserMedia({ audio: constraint(this.options.audio || true, this.devices.audio) }, 'audio');
        const track = stream.getAudioTracks()[0];
        track.enabled = this.audioEnabled;
        this.localTracks.microphone?.stop();
        this.#setLocalTrack('microphone', track);
        await this.session?.senders.microphone?.replaceTrack(track);
    }

    // Share a screen, window or tab as a separate track (source "screen").
    // The browser's own "stop sharing" ends it like stopScreenShare().
    async startScreenShare() {
        if (this.localTracks.screen) return;
        let stream;
        try {
            stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
        } catch (e) {
            if (e?.name === 'NotAllowedError') return;   // the person cancelled the picker
            throw mediaError('screen', e);
        }
        const track = stream.getVideoTracks()[0];
        track.addEventListener('ended', () => { this.stopScreenShare(); });
        this.#setLocalTrack('screen', track);
        if (this.session?.joined) await this.#publishScreen(this.session);
    }

    async stopScreenShare() {
        const track = this.localTracks.screen;
        if (!track) return;
        track.stop();
        this.#setLocalTrack('screen', null);
        const s = this.session;
        if (s?.joined && s.screenTransceiver) await this.#unpublishScreen(s);
    }

    sendChat(text) {
        const t = String(text ?? '').trim();
        if (!t) return;
        if (!this.#send(Out.chat(t))) {
            throw new SfuError('not-connected', 'Not connected: the message was not sent.');
        }
        this.emit('chat', { participantId: this.participantId, name: this.options.name,
                            text: t, time: new Date(), self: true });
    }

    // "low" | "medium" | "high" | "auto" | "off": the simulcast layer to
    // receive ("off": no video from simulcast tracks).
    setReceiveQuality(quality) { this.#send(Out.quality(quality)); }

    // One summary per track, local (outbound) and remote (inbound).
    async getStats() {
        const s = this.session;
        if (!s) return [];
        const out = [];
        for (const tr of s.pubPc.getTransceivers()) {
            const source = s.sourceOfMid.get(tr.mid);
            if (!source || !tr.sender.track) continue;
            out.push(this.#summary(await tr.sender.getStats(), 'outbound', {
                participantId: this.participantId, source, kind: tr.sender.track.kind }));
        }
        for (const tr of s.subPc.getTransceivers()) {
            const bound = s.bound.get(tr.mid);
            if (!bound) continue;
            out.push(this.#summary(await tr.receiver.getStats(), 'inbound', {
                participantId: bound.participantId, source: bound.source,
                kind: tr.receiver.track.kind }));
        }
        return out;
    }

    // ------------------------------------------------------------ internals

    #setState(state, detail = {}) {
        if (this.state === state) return;
        this.state = state;
        this.emit('state', { state, ...detail });
    }

    #send(msg) {
        const ws = this.session?.ws;
        if (!ws || ws.readyState !== 1) return false;
        ws.send(JSON.stringify(msg));
        return true;
    }

    #setLocalTrack(source, track) {
        this.localTracks[source] = track;
        this.emit('local-track', { source, kind: track?.kind ?? (source === 'microphone' ? 'audio' : 'video'),
                                   track });
    }

    async #getUserMedia(constraints, kind) {
        try {
            return await navigator.mediaDevices.getUserMedia(constraints);
        } catch (e) {
            throw mediaError(kind, e);
        }
    }

    // Camera and microphone, each on its own so that one missing device
    // leaves the other usable; a failure is reported, not fatal.
    async #acquireLocalMedia() {
        const want = [['audio', 'microphone'], ['video', 'camera']]
            .filter(([kind]) => this.options[kind]);
        for (const [kind, source] of want) {
            if (kind === 'video' && !this.videoEnabled) continue;
            try {
                const stream = await this.#getUserMedia(
                    { [kind]: constraint(this.options[kind], this.devices[kind]) }, kind);
                const track = stream.getTracks()[0];
                if (kind === 'audio') track.enabled = this.audioEnabled;
                this.#setLocalTrack(source, track);
            } catch (e) {
                if (kind === 'video') this.videoEnabled = false;
                else this.audioEnabled = false;
                this.emit('error', { error: e });
            }
        }
    }

    async #openCamera() {
        const stream = await this.#getUserMedia(
            { video: constraint(this.options.video || true, this.devices.video) }, 'video');
        const track = stream.getVideoTracks()[0];
        this.localTracks.camera?.stop();
        this.#setLocalTrack('camera', track);
        await this.session?.senders.camera?.replaceTrack(track);
    }

    async #token() {
        if (this.unusedGrant) {
            const grant = this.unusedGrant;
            this.unusedGrant = null;
            return grant;
        }
        // a given token serves the first connection; rejoining asks for a new one
        if (this.options.token && (this.generation === 1 || !this.roomId)) {
            return { token: this.options.token, signaling_url: this.options.signalingUrl,
                     ice_servers: this.options.iceServers ?? [],
                     participant_id: this.options.participantId ?? null };
        }
        const url = `${this.origin}/api/v1/rooms/${encodeURIComponent(this.roomId)}/join`;
        let wrong = false;
        for (;;) {
            const body = { name: this.options.name || 'Guest' };
            if (this.password != null) body.password = this.password;
            try {
                return await restCall(url, body);
            } catch (e) {
                const hook = this.options.onPasswordRequired;
                if (!hook || (e.code !== 'password-required' && e.code !== 'wrong-password')) throw e;
                wrong = e.code === 'wrong-password';
                const password = await hook({ roomId: this.roomId, wrong });
                if (password == null || password === '') throw e;
                this.password = password;
            }
        }
    }

    // One connection: REST join, WebSocket, `join`, both peer connections.
    async #connect() {
        const gen = ++this.generation;
        const grant = await this.#token();
        if (gen !== this.generation || this.state === 'closed') return;
        const url = grant.signaling_url ?? this.options.signalingUrl;
        if (!url) throw new SfuError('invalid-options', 'No signaling URL to connect to.');
        const s = {
            gen, grant, ws: null, joined: false, iceServers: grant.ice_servers ?? [],
            serverSimulcast: false, simulcast: false,   // see acceptsSimulcast
            pubPc: null, subPc: null, senders: {}, sourceOfMid: new Map(),
            screenTransceiver: null, pubChain: Promise.resolve(), subChain: Promise.resolve(),
            pendingAnswer: null, pendingCandidates: { publish: [], subscribe: [] },
            closingError: null,        // see CLOSING_ERRORS
            published: new Map(),      // subscribe mid -> readTrack()
            bound: new Map(),          // subscribe mid -> { participantId, source, kind }
        };
        this.session = s;
        this.participantId = grant.participant_id ?? this.participantId;
        this.role = grant.role ?? this.role;

        await new Promise((resolve, reject) => {
            let settled = false;
            const fail = e => { if (!settled) { settled = true; clearTimeout(timer); reject(e); } };
            const timer = setTimeout(() => fail(new SfuError('join-timeout',
                'The server did not answer: joining timed out.')), this.options.joinTimeout);
            s.joinedResolve = () => { if (!settled) { settled = true; clearTimeout(timer); resolve(); } };
            s.joinedReject = fail;
            let ws;
            try {
                ws = new globalThis.WebSocket(url);
            } catch (e) {
                fail(new SfuError('signaling-failed', `Cannot open the signaling connection: ${e.message}`));
                return;
            }
            s.ws = ws;
            let opened = false;
            ws.onopen = () => {
                opened = true;
                ws.send(JSON.stringify(Out.join(grant.token)));
            };
            ws.onmessage = ev => this.#onMessage(s, ev.data);
            ws.onclose = ev => {
                const e = !opened
                    ? new SfuError('signaling-failed', 'Cannot reach the signaling server.')
                    : new SfuError('signaling-closed', s.closingError?.message
                        ?? (ev.code === 1006 || !ev.code
                            ? 'Lost the connection to the server.'
                            : `The server closed the connection (${ev.code}${ev.reason ? ': ' + ev.reason : ''}).`));
                e.closeCode = ev.code;
                if (!s.joined) fail(e); else this.#lost(s, e);
            };
            ws.onerror = () => { /* onclose follows with the code */ };
        });
        if (gen !== this.generation || this.state === 'closed') return;
        await this.#startPeerConnections(s);
    }

    #onMessage(s, data) {
        if (s.gen !== this.generation) return;
        let m;
        try { m = JSON.parse(data); } catch (e) { return; }
        if (!m || typeof m.type !== 'string') return;
        this.emit('message', m);
        switch (m.type) {
        case 'joined': return this.#onJoined(s, m);
        case 'participant-joined': return this.#onParticipantJoined(readParticipant(m));
        case 'participant-left': return this.#onParticipantLeft(s, readParticipant(m).id, readLeaveReason(m));
        case 'answer': return this.#onAnswer(s, m.sdp);
        case 'offer': return this.#onOffer(s, m.sdp, m.new_connection === true);
        case 'ice-candidate': return this.#onRemoteCandidate(s, m);
        case 'track-published': return this.#onTrackPublished(s, readTrack(m));
        case 'track-unpublished': return this.#onTrackUnpublished(s, readTrack(m));
        case 'media-state': return this.#onMediaState(readMediaState(m));
        case 'chat': return this.#onChat(readChat(m));
        case 'error': return this.#onServerError(s, m);
        case 'kicked': return this.#close('kicked', new SfuError('kicked', 'You were removed from the room.'));
        case 'room-closed': return this.#close('room-closed', new SfuError('room-closed', 'The room was closed.'));
        default: return undefined;
        }
    }

    #onJoined(s, m) {
        this.participantId = m.participant_id ?? this.participantId;
        if (m.ice_servers) s.iceServers = m.ice_servers;
        s.serverSimulcast = acceptsSimulcast(m);
        const wasReconnect = this.attempt > 0;
        const present = new Set();
        const tracks = [];
        for (const raw of m.participants ?? []) {
            const p = readParticipant(raw);
            if (p.id == null || p.id === this.participantId) continue;
            present.add(p.id);
            this.#onParticipantJoined(p);
            for (const t of raw.tracks ?? []) tracks.push(readTrack(t, p.id));
        }
        // whoever left while we were away
        for (const id of [...this.participants.keys()]) {
            if (!present.has(id)) this.#onParticipantLeft(s, id);
        }
        s.joined = true;
        this.attempt = 0;
        this.#setState('connected');
        this.emit(wasReconnect ? 'reconnected' : 'joined',
                  { participantId: this.participantId, participants: [...this.participants.values()] });
        // what they publish already: the subscribe offer carrying it follows
        for (const t of tracks) this.#onTrackPublished(s, t);
        s.joinedResolve?.();
    }

    #onParticipantJoined(p) {
        if (p.id == null || p.id === this.participantId) return;
        const known = this.participants.get(p.id);
        if (known) {
            Object.assign(known, { name: p.name || known.name, role: p.role });
            if (typeof p.audio === 'boolean') known.audio = p.audio;
            if (typeof p.video === 'boolean') known.video = p.video;
            return;
        }
        const participant = { id: p.id, name: p.name, role: p.role,
                              audio: p.audio ?? true, video: p.video ?? true,
                              tracks: {}, streams: {} };
        this.participants.set(p.id, participant);
        this.emit('participant-joined', { participant });
        if (this.session) this.#bindTracks(this.session);
    }

    #onParticipantLeft(s, id, reason = 'left') {
        const participant = this.participants.get(id);
        if (!participant) return;
        for (const t of [...s.published.values()]) {
            if (t.participantId === id) this.#onTrackUnpublished(s, t);
        }
        this.participants.delete(id);
        this.emit('participant-left', { participant, reason });
    }

    #onMediaState(st) {
        const p = this.participants.get(st.participantId);
        if (!p) return;
        p.audio = st.audio;
        p.video = st.video;
        this.emit('media-state', { participant: p, audio: p.audio, video: p.video });
    }

    #onChat(c) {
        const p = this.participants.get(c.participantId);
        this.emit('chat', { ...c, name: p?.name ?? '', self: false });
    }

    #onServerError(s, m) {
        const e = new SfuError(m.code ?? 'error',
                               ERROR_TEXT[m.code] ?? m.message ?? 'The server reported an error.');
        if (!s.joined) { s.joinedReject?.(e); return; }
        if (CLOSING_ERRORS.has(e.code)) { s.closingError = e; return; }
        this.emit('error', { error: e });
    }

    // ---- peer connections

    #newPc(s, name) {
        const pc = new globalThis.RTCPeerConnection({
            iceServers: s.iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require',
            ...(this.options.iceTransportPolicy ? { iceTransportPolicy: this.options.iceTransportPolicy } : {}),
        });
        pc.onicecandidate = ev => {
            if (ev.candidate && ev.candidate.candidate) this.#send(Out.candidate(name, ev.candidate));
        };
        pc.onconnectionstatechange = () => {
            if (pc.connectionState !== 'failed' || s.gen !== this.generation) return;
            const lost = () => this.#lost(s, new SfuError('ice-failed', `The media connection (${name}) failed.`));
            // the SFU replaces a failed subscribe connection itself (#onOffer, new_connection)
            if (name === 'subscribe') {
                setTimeout(() => { if (s.subPc === pc && s.gen === this.generation) lost(); },
                           SUBSCRIBE_RENEWAL_WAIT_MS);
            } else {
                lost();
            }
        };
        return pc;
    }

    async #startPeerConnections(s) {
        s.subPc = this.#newPc(s, 'subscribe');
        s.subPc.ontrack = () => this.#bindTracks(s);
        s.pubPc = this.#newPc(s, 'publish');
        const mic = s.pubPc.addTransceiver(this.localTracks.microphone ?? 'audio', { direction: 'sendonly' });
        s.simulcast = !!this.options.simulcast && s.serverSimulcast;
        const cam = s.pubPc.addTransceiver(this.localTracks.camera ?? 'video', {
            direction: 'sendonly',
            ...(s.simulcast ? { sendEncodings: SIMULCAST_LAYERS.map(l => ({ ...l })) } : {}),
        });
        s.senders = { microphone: mic.sender, camera: cam.sender };
        await this.#negotiatePublish(s, () => {
            s.sourceOfMid.set(mic.mid, 'microphone');
            s.sourceOfMid.set(cam.mid, 'camera');
        });
        // what the room must know about us after a (re)join
        if (!this.audioEnabled) this.#send(Out.toggle('audio', false));
        if (!this.videoEnabled) this.#send(Out.toggle('video', false));
        if (this.localTracks.screen) await this.#publishScreen(s);
    }

    // Offer on the publish pc and wait for the SFU's answer; one at a time.
    // `beforeOffer` runs once the offer's mids are known, before it is sent.
    #negotiatePublish(s, beforeOffer) {
        const run = async () => {
            if (s.gen !== this.generation) return;
            const offer = await s.pubPc.createOffer();
            await s.pubPc.setLocalDescription(offer);
            beforeOffer?.();
            const answered = new Promise((resolve, reject) => {
                const timer = setTimeout(() => reject(new SfuError('negotiation-timeout',
                    'The server did not answer the media offer.')), this.options.joinTimeout);
                s.pendingAnswer = { resolve: v => { clearTimeout(timer); resolve(v); },
                                    reject: e => { clearTimeout(timer); reject(e); } };
            });
            this.#send(Out.offer(s.pubPc.localDescription.sdp));
            await answered;
        };
        s.pubChain = s.pubChain.then(run, run);
        return s.pubChain.catch(e => {
            if (s.gen === this.generation && this.state !== 'closed') this.#lost(s, e);
        });
    }

    async #onAnswer(s, sdp) {
        const pending = s.pendingAnswer;
        s.pendingAnswer = null;
        try {
            await s.pubPc.setRemoteDescription({ type: 'answer', sdp });
            await this.#flushCandidates(s, 'publish');
            pending?.resolve();
        } catch (e) {
            pending?.reject(new SfuError('negotiation-failed', `The server's answer was refused: ${e.message}`));
        }
    }

    #onOffer(s, sdp, newConnection) {
        s.subChain = s.subChain.then(async () => {
            if (s.gen !== this.generation) return;
            try {
                if (newConnection) this.#renewSubscribe(s);
                await s.subPc.setRemoteDescription({ type: 'offer', sdp });
                await this.#flushCandidates(s, 'subscribe');
                const answer = await s.subPc.createAnswer();
                await s.subPc.setLocalDescription(answer);
                this.#send(Out.answer(s.subPc.localDescription.sdp));
                this.#bindTracks(s);
            } catch (e) {
                this.emit('error', { error: new SfuError('negotiation-failed',
                    `Cannot accept the server's media offer: ${e.message}`) });
            }
        });
    }

    // The SFU replaced the failed subscribe transport: its offer is answered
    // from a new peer connection, whose tracks are bound anew.
    #renewSubscribe(s) {
        s.subPc.onconnectionstatechange = null;
        s.subPc.close();
        s.subPc = this.#newPc(s, 'subscribe');
        s.subPc.ontrack = () => this.#bindTracks(s);
        s.pendingCandidates.subscribe = [];
        s.bound.clear();
    }

    async #onRemoteCandidate(s, m) {
        if (!m.candidate) return;     // end of candidates: nothing to do
        const name = m.pc === 'subscribe' ? 'subscribe' : 'publish';
        const pc = name === 'subscribe' ? s.subPc : s.pubPc;
        const c = { candidate: m.candidate, sdpMid: m.sdpMid ?? null, sdpMLineIndex: m.sdpMLineIndex ?? null };
        if (!pc || !pc.remoteDescription) { s.pendingCandidates[name].push(c); return; }
        try { await pc.addIceCandidate(c); } catch (e) { /* a candidate we cannot use */ }
    }

    async #flushCandidates(s, name) {
        const pc = name === 'subscribe' ? s.subPc : s.pubPc;
        for (const c of s.pendingCandidates[name].splice(0)) {
            try { await pc.addIceCandidate(c); } catch (e) { /* a candidate we cannot use */ }
        }
    }

    async #publishScreen(s) {
        const track = this.localTracks.screen;
        if (!track) return;
        const tr = s.pubPc.addTransceiver(track, { direction: 'sendonly' });
        s.screenTransceiver = tr;
        s.senders.screen = tr.sender;
        await this.#negotiatePublish(s, () => {
            s.sourceOfMid.set(tr.mid, 'screen');
            this.#send(Out.startScreenShare(tr.mid));
        });
    }

    async #unpublishScreen(s) {
        const tr = s.screenTransceiver;
        s.screenTransceiver = null;
        delete s.senders.screen;
        s.sourceOfMid.delete(tr.mid);
        tr.stop();
        this.#send(Out.stopScreenShare());
        await this.#negotiatePublish(s);
    }

    // ---- remote tracks: a track is shown once both its subscribe m-line
    // and the track-published naming it are here, whichever came first.
    // The SFU reuses an m-line whose track has gone for a later track of
    // the same kind, so `published` and `bound` are keyed by mid.

    #onTrackPublished(s, t) {
        if (t.mid == null) return;    // no m-line carries it to us
        s.published.set(t.mid, t);
        this.#bindTracks(s);
    }

    #onTrackUnpublished(s, t) {
        if (t.mid == null) return;
        s.published.delete(t.mid);
        const b = s.bound.get(t.mid);
        if (!b) return;
        s.bound.delete(t.mid);
        const p = this.participants.get(b.participantId);
        if (!p) return;
        delete p.tracks[b.source];
        delete p.streams[b.source];
        this.emit('track-removed', { participant: p, source: b.source, kind: b.kind });
    }

    #bindTracks(s) {
        if (!s.subPc) return;
        const byMid = new Map(s.subPc.getTransceivers().filter(t => t.mid != null)
            .map(t => [t.mid, t]));
        for (const [mid, t] of s.published) {
            const tr = byMid.get(mid);
            if (!tr || s.bound.has(mid)) continue;
            const p = this.participants.get(t.participantId);
            if (!p) continue;
            const track = tr.receiver.track;
            s.bound.set(mid, { participantId: p.id, source: t.source, kind: track.kind });
            const stream = new MediaStream([track]);
            p.tracks[t.source] = track;
            p.streams[t.source] = stream;
            this.emit('track', { participant: p, source: t.source, kind: track.kind, track, stream,
                                 mid, trackId: t.trackId });
        }
    }

    // ---- losing the connection, and coming back

    #teardown(s) {
        if (!s) return;
        s.gen = -1;
        s.pendingAnswer?.reject(new SfuError('signaling-closed', 'Disconnected.'));
        for (const pc of [s.pubPc, s.subPc]) {
            if (pc) { pc.onconnectionstatechange = null; pc.close(); }
        }
        if (s.ws) {
            s.ws.onclose = s.ws.onmessage = s.ws.onopen = null;
            if (s.ws.readyState <= 1) s.ws.close(1000);
        }
        this.statsSamples.clear();
    }

    #lost(s, error) {
        if (s !== this.session || this.state === 'closed') return;
        this.#teardown(s);
        this.session = null;
        // remote media is gone with the peer connections; the participants
        // are kept until the new `joined` says who is still there
        for (const p of this.participants.values()) {
            for (const source of SOURCES) {
                if (!p.tracks[source]) continue;
                const kind = p.tracks[source].kind;
                delete p.tracks[source];
                delete p.streams[source];
                this.emit('track-removed', { participant: p, source, kind });
            }
        }
        this.#scheduleReconnect(error);
    }

    #scheduleReconnect(error) {
        const r = this.options.reconnect;
        this.attempt += 1;
        if (this.attempt > r.maxAttempts) {
            const e = new SfuError('reconnect-failed', r.maxAttempts
                ? `Could not reconnect: ${error?.message ?? 'the server is unreachable'}`
                : error?.message ?? 'Disconnected.');
            e.cause = error;
            this.#close('failed', e);
            return;
        }
        const delay = Math.max(backoffDelay(this.attempt, r), (error?.retryAfter ?? 0) * 1000);
        this.#setState('reconnecting');
        this.emit('reconnecting', { attempt: this.attempt, delay, error });
        this.reconnectTimer = setTimeout(async () => {
            this.reconnectTimer = null;
            if (this.state === 'closed') return;
            try {
                await this.#connect();
            } catch (e) {
                if (this.state === 'closed') return;
                if (FATAL_REST.has(e.code)) { this.#close('failed', e); return; }
                this.unusedGrant = TOKEN_UNUSED.has(e.code) ? this.session?.grant ?? null : null;
                this.#teardown(this.session);
                this.session = null;
                this.#scheduleReconnect(e);
            }
        }, delay);
    }

    #close(reason, error = null) {
        if (this.state === 'closed') return;
        clearTimeout(this.reconnectTimer);
        this.reconnectTimer = null;
        this.#teardown(this.session);
        this.session = null;
        this.generation++;
        for (const source of SOURCES) {
            if (this.localTracks[source]) {
                this.localTracks[source].stop();
                this.#setLocalTrack(source, null);
            }
        }
        this.#setState('closed', { reason, error });
        if (reason === 'kicked' || reason === 'room-closed') this.emit(reason, { error });
        this.emit('closed', { reason, error });
    }

    // ---- stats

    #summary(report, direction, who) {
        const sum = { ...who, direction, bitrate: 0, packets: 0, packetsLost: 0,
                      lossRate: 0, rtt: null, width: null, height: null, fps: null };
        let lost = 0, total = 0;
        for (const r of report.values()) {
            if (r.type === (direction === 'inbound' ? 'inbound-rtp' : 'outbound-rtp')) {
                const bytes = direction === 'inbound' ? r.bytesReceived : r.bytesSent;
                const packets = direction === 'inbound' ? r.packetsReceived : r.packetsSent;
                if (!this.statsSamples.has(r.id)) this.statsSamples.set(r.id, []);
                const prev = baseSample(this.statsSamples.get(r.id), {
                    bytes, ts: r.timestamp, lost: r.packetsLost ?? 0, packets: packets ?? 0 });
                sum.bitrate += rate(prev, bytes, r.timestamp);
                sum.packets += packets ?? 0;
                if (r.frameWidth && r.frameWidth > (sum.width ?? 0)) {
                    sum.width = r.frameWidth;
                    sum.height = r.frameHeight;
                    sum.fps = r.framesPerSecond ?? null;
                }
                if (direction === 'inbound') {
                    // loss over the bitrate's window, or since the start
                    const dl = (r.packetsLost ?? 0) - (prev?.lost ?? 0);
                    const dp = (packets ?? 0) - (prev?.packets ?? 0);
                    sum.packetsLost += r.packetsLost ?? 0;
                    lost += Math.max(0, dl);
                    total += Math.max(0, dl) + Math.max(0, dp);
                }
            } else if (r.type === 'remote-inbound-rtp') {
                sum.packetsLost += r.packetsLost ?? 0;
                if (r.fractionLost != null) sum.lossRate = Math.max(sum.lossRate, r.fractionLost);
                if (r.roundTripTime != null) sum.rtt = Math.max(sum.rtt ?? 0, r.roundTripTime);
            } else if (r.type === 'candidate-pair' && r.nominated && r.currentRoundTripTime != null
                       && sum.rtt == null) {
                sum.rtt = r.currentRoundTripTime;
            }
        }
        if (direction === 'inbound' && total) sum.lossRate = lost / total;
        sum.quality = qualityOf(sum);
        return sum;
    }
}
