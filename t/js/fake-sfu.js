// A fake ngx-sfu server inside the page, for tests of sfu.js and the demo
// page without the real one: fetch answers REST calls from a script (or
// with a join grant), WebSocket is an in-page fake, and the SFU's side of
// both peer connections is real RTCPeerConnections in this page (so offers,
// answers, ICE and decoded frames are real).  Used by t/js/sdk-unit.js and,
// through install(), by t/502-demo-ui.t on the demo page itself.

export const net = {
    fetchScript: [],       // REST answers, in order: {status, body, headers}
    fetchCalls: [],
    sockets: [],           // every FakeSocket the SDK opened
    onSocket: null,        // called with each new FakeSocket
};

export function grant(pid = 'p-ada') {
    return { token: 'e30.e30.x', participant_id: pid, room_id: 'r1', role: 'participant',
             signaling_url: 'ws://fake.invalid/ws', ice_servers: [] };
}

export function reset() {
    net.fetchScript = [];
    net.fetchCalls = [];
    net.sockets = [];
}

export async function until(fn, what, ms = 20000) {
    const end = performance.now() + ms;
    for (;;) {
        const v = await fn();
        if (v) return v;
        if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise(r => setTimeout(r, 20));
    }
}

// Answers REST calls under /api/ and /demo/; anything else goes through.
export function fakeFetch(realFetch) {
    return async (url, init) => {
        const path = new URL(String(url), location.href).pathname;
        if (!/^\/(api|demo)\//.test(path)) return realFetch(url, init);
        net.fetchCalls.push({ url: String(url), body: JSON.parse(init.body) });
        const a = net.fetchScript.shift()
            ?? { status: 200, body: path === '/demo/rooms' ? { id: 'r1', join_url: '' } : grant() };
        return new Response(JSON.stringify(a.body), {
            status: a.status ?? 200,
            headers: { 'Content-Type': 'application/json', ...(a.headers ?? {}) },
        });
    };
}

export class FakeSocket {
    constructor(url) {
        this.url = url;
        this.readyState = 0;
        this.sent = [];
        this.server = null;
        this.refuse = FakeSocket.refuseCount > 0;
        if (this.refuse) FakeSocket.refuseCount--;
        net.sockets.push(this);
        setTimeout(() => {
            if (this.refuse) { this.readyState = 3; this.onclose?.({ code: 1006, reason: '' }); return; }
            this.readyState = 1;
            this.onopen?.();
        }, 0);
        net.onSocket?.(this);
    }
    send(text) {
        const m = JSON.parse(text);
        this.sent.push(m);
        this.server?.receive(m);
    }
    close() { this.readyState = 3; }
    // the server's side
    deliver(m) { if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(m) }); }
    drop(code = 1011, reason = 'worker gone') {
        this.readyState = 3;
        this.onclose?.({ code, reason });
    }
    of(type) { return this.sent.filter(m => m.type === type); }
}
FakeSocket.refuseCount = 0;    // this many next sockets fail to open

// The answer of an SFU that takes simulcast (RFC 8853): each m-line offered
// with `a=simulcast:send` gets its rids back as recv.  A browser answering
// leaves them out (and so would bring the offerer down to one layer).
function acceptLayers(offer, answer) {
    const offered = offer.split('\r\nm=');
    return answer.split('\r\nm=').map((m, i) => {
        const layers = /\r\na=simulcast:send (\S+)/.exec(offered[i] ?? '')?.[1];
        if (!layers || /\r\na=simulcast:/.test(m)) return m;
        const end = m.endsWith('\r\n') ? '\r\n' : '';
        const added = [...layers.split(';').map(rid => `a=rid:${rid} recv`), `a=simulcast:recv ${layers}`];
        return [m.slice(0, m.length - end.length), ...added].join('\r\n') + end;
    }).join('\r\nm=');
}

// A fake SFU on one socket: answers join and the publish offer with a real
// RTCPeerConnection, trickles candidates, and can offer remote tracks on
// the subscribe side.
export class FakeSfu {
    // `joined`: more fields for the joined message (e.g. simulcast: true)
    constructor(ws, { others = [], joined = {} } = {}) {
        this.ws = ws;
        ws.server = this;
        this.others = others;
        this.joinedExtra = joined;
        this.pub = new RTCPeerConnection();
        this.sub = new RTCPeerConnection();
        this.pub.onicecandidate = e => e.candidate && ws.deliver({ type: 'ice-candidate', pc: 'publish',
            candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex });
        this.sub.onicecandidate = e => e.candidate && ws.deliver({ type: 'ice-candidate', pc: 'subscribe',
            candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex });
        this.offers = [];
        this.pubTracks = [];
        this.pub.ontrack = e => this.pubTracks.push(e);
        this.log = [];
        for (const m of ws.sent) this.receive(m);    // sent before we were here
    }
    async receive(m) {
        this.log.push(m.type);
        if (m.type === 'join') {
            this.ws.deliver({ type: 'joined', participant_id: 'p-ada', ice_servers: [],
                              participants: [{ participant_id: 'p-ada', name: 'Ada' }, ...this.others],
                              ...this.joinedExtra });
        } else if (m.type === 'offer') {
            this.offers.push(m.sdp);
            await this.pub.setRemoteDescription({ type: 'offer', sdp: m.sdp });
            await this.pub.setLocalDescription(await this.pub.createAnswer());
            const sdp = this.pub.localDescription.sdp;
            this.ws.deliver({ type: 'answer', sdp: this.joinedExtra.simulcast ? acceptLayers(m.sdp, sdp) : sdp });
        } else if (m.type === 'answer') {
            await this.sub.setRemoteDescription({ type: 'answer', sdp: m.sdp });
        } else if (m.type === 'ice-candidate') {
            const pc = m.pc === 'subscribe' ? this.sub : this.pub;
            await until(() => pc.remoteDescription, 'remote description before candidates');
            await pc.addIceCandidate({ candidate: m.candidate, sdpMid: m.sdpMid, sdpMLineIndex: m.sdpMLineIndex });
        }
    }
    // Offer a remote track on the subscribe pc; announce it (track-published)
    // before or after the offer, or not at all (joined listed it).
    async publishRemote(participantId, source, track, { announceFirst = false, announce: tell = true } = {}) {
        // one subscribe offer at a time, as the SFU does
        await until(() => this.sub.signalingState === 'stable', 'the previous answer');
        const tr = this.sub.addTransceiver(track, { direction: 'sendonly' });
        await this.sub.setLocalDescription(await this.sub.createOffer());
        const announce = () => this.ws.deliver({ type: 'track-published', participant_id: participantId,
                                                 track_id: `${participantId}:${tr.mid}`,
                                                 kind: track.kind, source, mid: tr.mid });
        if (tell && announceFirst) announce();
        this.ws.deliver({ type: 'offer', sdp: this.sub.localDescription.sdp });
        if (tell && !announceFirst) announce();
        return tr;
    }
    close() { this.pub.close(); this.sub.close(); }
}

// Put the fakes in place of fetch and WebSocket, with a FakeSfu serving
// every socket; `others` are the participants `joined` lists.
export function install({ others = [] } = {}) {
    window.fetch = fakeFetch(window.fetch.bind(window));
    window.WebSocket = FakeSocket;
    const sfus = [];
    net.onSocket = ws => sfus.push(new FakeSfu(ws, { others }));
    return { net, sfus, sfu: () => sfus[sfus.length - 1], grant };
}
