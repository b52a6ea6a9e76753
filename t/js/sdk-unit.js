// Unit tests of conf/www/sfu.js in a real browser, with the network faked:
// fetch answers from a script, WebSocket is an in-page fake, and the SFU's
// side of both peer connections is real RTCPeerConnections in this page
// (so offers, answers, ICE and the decoded frames are real).  Run by
// t/501-sdk-unit.t; results in window.unitResults, then window.unitDone.

import { Room, SfuError, backoffDelay, parseRoomLink, qualityOf } from '/sfu.js';
import { FakeSfu, FakeSocket, fakeFetch, grant, net, reset, until } from '/t/fake-sfu.js';

const results = [];
window.unitResults = results;

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

function assert(cond, what) { if (!cond) throw new Error(`assertion failed: ${what}`); }
function eq(got, want, what) {
    const g = JSON.stringify(got), w = JSON.stringify(want);
    if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

// ---- the fake network (t/js/fake-sfu.js)

const realFetch = window.fetch;
window.fetch = fakeFetch(realFetch);
window.WebSocket = FakeSocket;

function newRoom(extra = {}) {
    return new Room({ link: `${location.origin}/?room=r1`, name: 'Ada',
                      reconnect: { baseDelay: 40, maxDelay: 200, jitter: 0, maxAttempts: 4 },
                      joinTimeout: 10000, ...extra });
}

// join with a fake SFU on the first socket; returns { room, sfu }
async function joined(extra = {}, sfuOptions = {}) {
    const room = newRoom(extra);
    const events = [];
    for (const t of ['joined', 'participant-joined', 'participant-left', 'track', 'track-removed',
                     'media-state', 'chat', 'reconnecting', 'reconnected', 'closed', 'error', 'state'])
        room.on(t, e => events.push([t, e]));
    const joining = room.join();
    const ws = await until(() => net.sockets[net.sockets.length - 1], 'a socket');
    const sfu = new FakeSfu(ws, sfuOptions);
    await joining;
    room.events = events;
    return { room, sfu, ws };
}

function frames(stream) {
    const v = document.createElement('video');
    v.muted = true;
    v.srcObject = stream;
    v.play();
    document.body.append(v);
    return v;
}

// ---- the tests

test('parseRoomLink takes links and bare ids, refuses others', async () => {
    eq(parseRoomLink('https://a.example/?room=abc_D-1'), { origin: 'https://a.example', roomId: 'abc_D-1' }, 'link');
    eq(parseRoomLink('abc', 'https://b.example/x'), { origin: 'https://b.example', roomId: 'abc' }, 'bare id');
    let e = null;
    try { parseRoomLink('https://a.example/nothing'); } catch (x) { e = x; }
    assert(e instanceof SfuError && e.code === 'invalid-link', 'a link without a room is refused');
});

test('backoff doubles from the base delay up to the cap, less the jitter', async () => {
    const o = { baseDelay: 500, maxDelay: 10000, jitter: 0.3 };
    eq([1, 2, 3, 4, 5, 6, 7].map(n => backoffDelay(n, o, () => 0)),
       [500, 1000, 2000, 4000, 8000, 10000, 10000], 'without jitter');
    eq(backoffDelay(3, o, () => 1), 1400, 'the most jitter takes 30 %');
    eq(qualityOf({ packets: 0, lossRate: 0, rtt: 0 }), 'unknown', 'no packets');
    eq(qualityOf({ packets: 9, lossRate: 0.2, rtt: 0.01 }), 'poor', 'heavy loss');
    eq(qualityOf({ packets: 9, lossRate: 0.05, rtt: 0.01 }), 'fair', 'some loss');
    eq(qualityOf({ packets: 9, lossRate: 0, rtt: 0.05 }), 'good', 'clean');
});

test('REST errors become readable SfuErrors; the room stays closed', async () => {
    reset();
    net.fetchScript = [{ status: 409, body: { error: { code: 'room-full', message: 'the room is full' } } }];
    const room = newRoom();
    let e = null;
    try { await room.join(); } catch (x) { e = x; }
    assert(e instanceof SfuError, 'rejects with an SfuError');
    eq([e.code, e.status, e.message], ['room-full', 409, 'This room is full.'], 'room-full');
    eq(room.state, 'closed', 'state');
    eq(net.sockets.length, 0, 'no WebSocket opened');
    net.fetchScript = [{ status: 410, body: { error: { code: 'room-ended', message: 'x' } } }];
    e = null;
    try { await newRoom().join(); } catch (x) { e = x; }
    eq([e.code, e.message], ['room-ended', 'This room has ended.'], 'room-ended');
});

test('a password is asked through the hook, again when wrong', async () => {
    reset();
    net.fetchScript = [{ status: 401, body: { error: { code: 'password-required', message: 'x' } } },
                   { status: 403, body: { error: { code: 'wrong-password', message: 'x' } } },
                   { status: 200, body: grant() }];
    const asked = [];
    const answers = ['nope', 'sesame'];
    const room = newRoom({ onPasswordRequired: info => { asked.push(info.wrong); return answers.shift(); } });
    const joining = room.join();
    const ws = await until(() => net.sockets[0], 'a socket');
    const sfu = new FakeSfu(ws);
    await joining;
    eq(asked, [false, true], 'asked twice, the second time as wrong');
    eq(net.fetchCalls.map(c => c.body.password ?? null), [null, 'nope', 'sesame'], 'passwords sent');
    eq(ws.sent[0], { type: 'join', token: 'e30.e30.x' }, 'join carries the token');
    await room.leave();
    sfu.close();
});

test('a cancelled password prompt fails with password-required', async () => {
    reset();
    net.fetchScript = [{ status: 401, body: { error: { code: 'password-required', message: 'x' } } }];
    let e = null;
    try { await newRoom({ onPasswordRequired: () => null }).join(); } catch (x) { e = x; }
    eq(e?.code, 'password-required', 'code');
});

test('joining by a token minted elsewhere: no REST join first; a new token through REST to rejoin', async () => {
    reset();
    const b64url = o => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const token = `${b64url({ alg: 'HS256' })}.${b64url({ room: 'r1', name: 'Tia' })}.sig`;
    const room = new Room({ token, signalingUrl: 'ws://fake.invalid/ws',
                            reconnect: { baseDelay: 40, maxDelay: 200, jitter: 0, maxAttempts: 4 } });
    eq([room.roomId, room.options.name, room.origin], ['r1', 'Tia', 'http://fake.invalid'],
       'the room, name and origin from the token and URL');
    const joining = room.join();
    const ws = await until(() => net.sockets[0], 'a socket');
    const sfu = new FakeSfu(ws);
    await joining;
    eq(ws.sent[0], { type: 'join', token }, 'the given token joins');
    eq(net.fetchCalls.length, 0, 'no REST call');
    ws.drop(1006, '');
    const ws2 = await until(() => net.sockets[1], 'a second socket');
    const sfu2 = new FakeSfu(ws2);
    await until(() => room.state === 'connected', 'reconnected');
    eq(net.fetchCalls.map(c => [new URL(c.url).pathname, c.body.name]), [['/api/v1/rooms/r1/join', 'Tia']],
       'rejoining asks the room\'s REST join for a new token');
    eq(ws2.sent[0], { type: 'join', token: grant().token }, '... and joins with it');
    await room.leave();
    sfu.close();
    sfu2.close();
});

test('publish offer answered, remote camera bound by mid and decoded', async () => {
    reset();
    const { room, sfu, ws } = await joined({}, { others: [{ participant_id: 'p-bob', name: 'Bob' }] });
    eq(room.participantId, 'p-ada', 'own id from joined');
    eq([...room.participants.keys()], ['p-bob'], 'others, not us');
    await until(() => sfu.pub.connectionState === 'connected', 'publish pc connected');
    assert(ws.of('ice-candidate').some(m => m.pc === 'publish'), 'publish candidates trickled');
    eq(sfu.pubTracks.map(e => e.track.kind).sort(), ['audio', 'video'], 'camera and mic arrive at the SFU');

    const bobCam = (await navigator.mediaDevices.getUserMedia({ video: true })).getVideoTracks()[0];
    const bobTr = await sfu.publishRemote('p-bob', 'camera', bobCam);
    const ev = await until(() => room.events.find(([t]) => t === 'track')?.[1], 'track event');
    eq([ev.participant.id, ev.source, ev.kind], ['p-bob', 'camera', 'video'], 'bound to Bob\'s camera');
    await until(() => ws.of('answer').length === 1, 'the server offer answered');
    const v = frames(ev.stream);
    await until(() => v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 2, 'decoded frames');
    await until(() => ws.of('ice-candidate').some(m => m.pc === 'subscribe'), 'subscribe candidates trickled');

    const stats = await until(async () => {
        const s = await room.getStats();
        return s.find(x => x.direction === 'inbound' && x.kind === 'video' && x.width) && s;
    }, 'inbound video stats');
    const inbound = stats.find(x => x.direction === 'inbound' && x.kind === 'video');
    eq([inbound.participantId, inbound.source], ['p-bob', 'camera'], 'stats name the track');
    assert(stats.some(x => x.direction === 'outbound' && x.source === 'camera'), 'outbound camera stats');
    // the bitrate is measured between calls: it turns positive as bytes arrive
    await until(async () => (await room.getStats())
        .find(x => x.direction === 'inbound' && x.kind === 'video')?.bitrate > 0, 'a bitrate between two calls');

    ws.deliver({ type: 'track-unpublished', participant_id: 'p-bob', kind: 'video', source: 'camera',
                 mid: bobTr.mid });
    await until(() => room.events.some(([t, e]) => t === 'track-removed' && e.source === 'camera'), 'track-removed');
    eq(room.participants.get('p-bob').tracks.camera, undefined, 'track gone from the participant');
    await room.leave();
    eq(ws.sent[ws.sent.length - 1], { type: 'leave' }, 'leave sent last');
    sfu.close();
});

test('track-published before the offer binds as well', async () => {
    reset();
    const { room, sfu } = await joined({ audio: false, video: false },
                                       { others: [{ participant_id: 'p-bob', name: 'Bob' }] });
    const bobMic = (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks()[0];
    await sfu.publishRemote('p-bob', 'microphone', bobMic, { announceFirst: true });
    const ev = await until(() => room.events.find(([t]) => t === 'track')?.[1], 'track event');
    eq([ev.participant.id, ev.source, ev.kind], ['p-bob', 'microphone', 'audio'], 'bound');
    await room.leave();
    sfu.close();
});

test('tracks listed in joined bind to the subscribe offer that carries them', async () => {
    reset();
    const bob = { participant_id: 'p-bob', name: 'Bob', role: 'participant', audio: true, video: false,
                  screen: false, tracks: [{ track_id: 'p-bob:1', kind: 'video', source: 'camera', mid: '0' }] };
    const { room, sfu } = await joined({ audio: false, video: false }, { others: [bob] });
    eq([room.participants.get('p-bob').name, room.participants.get('p-bob').video], ['Bob', false],
       'Bob, camera off, from joined');
    const bobCam = (await navigator.mediaDevices.getUserMedia({ video: true })).getVideoTracks()[0];
    const tr = await sfu.publishRemote('p-bob', 'camera', bobCam, { announce: false });
    eq(tr.mid, '0', 'the subscribe offer carries it on mid 0');
    const ev = await until(() => room.events.find(([t]) => t === 'track')?.[1], 'track event');
    eq([ev.participant.id, ev.source, ev.kind, ev.mid, ev.trackId], ['p-bob', 'camera', 'video', '0', 'p-bob:1'],
       'bound as joined said');
    const v = frames(ev.stream);
    await until(() => v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 2, 'decoded frames');
    await room.leave();
    sfu.close();
});

test('participants, media state and chat from the server become events', async () => {
    reset();
    const { room, sfu, ws } = await joined();
    ws.deliver({ type: 'participant-joined', participant_id: 'p-cy', name: 'Cy', role: 'participant',
                 audio: true, video: true });
    ws.deliver({ type: 'media-state', participant_id: 'p-cy', audio: false, video: true });
    ws.deliver({ type: 'media-state', participant_id: 'p-cy', audio: false, video: false });
    ws.deliver({ type: 'chat', participant_id: 'p-cy', text: 'hi there', ts: 1700000000000 });
    ws.deliver({ type: 'participant-left', participant_id: 'p-cy' });
    for (const [id, reason] of [['p-dee', 'kicked'], ['p-eve', 'disconnected']]) {
        ws.deliver({ type: 'participant-joined', participant_id: id, name: id, role: 'participant' });
        ws.deliver({ type: 'participant-left', participant_id: id, reason });
    }
    eq(room.events.filter(([t]) => t === 'participant-left').map(([, e]) => [e.participant.id, e.reason]),
       [['p-cy', 'left'], ['p-dee', 'kicked'], ['p-eve', 'disconnected']], 'participant-left says why');
    const kinds = room.events.map(([t]) => t).filter(t => t !== 'state').slice(0, -4);
    eq(kinds.slice(kinds.indexOf('participant-joined')),
       ['participant-joined', 'media-state', 'media-state', 'chat', 'participant-left'], 'event order');
    const ms = room.events.filter(([t]) => t === 'media-state').map(([, e]) => [e.audio, e.video]);
    eq(ms, [[false, true], [false, false]], 'media states');
    const chat = room.events.find(([t]) => t === 'chat')[1];
    eq([chat.name, chat.text, chat.self, chat.time.getTime()], ['Cy', 'hi there', false, 1700000000000],
       'chat names the sender, at the server\'s time');

    room.sendChat('  hello  ');
    eq(ws.of('chat'), [{ type: 'chat', text: 'hello' }], 'chat sent trimmed');
    room.setAudioEnabled(false);
    await room.setVideoEnabled(false);
    eq(ws.sent.filter(m => m.type.startsWith('toggle-')),
       [{ type: 'toggle-audio', enabled: false }, { type: 'toggle-video', enabled: false }], 'toggles');
    eq(room.localTracks.camera, null, 'camera released when off');
    await room.setVideoEnabled(true);
    assert(room.localTracks.camera?.readyState === 'live', 'camera back when on');
    await room.leave();
    sfu.close();
});

test('screen share: start-screen-share names the new m-line before its offer; ended stops it', async () => {
    reset();
    const { room, sfu, ws } = await joined();
    await until(() => sfu.offers.length === 1, 'first publish offer');
    await room.startScreenShare();
    await until(() => sfu.offers.length === 2, 'renegotiation offer');
    const i = ws.sent.findIndex(m => m.type === 'start-screen-share');
    assert(i >= 0, 'start-screen-share sent');
    const offers = ws.sent.map((m, k) => [m, k]).filter(([m]) => m.type === 'offer');
    assert(i < offers[1][1], 'before the offer that adds the screen');
    const mid = ws.sent[i].mid;
    assert(new RegExp(`a=mid:${mid}\\r\\n`).test(offers[1][0].sdp), `mid ${mid} is in that offer`);
    assert(!new RegExp(`a=mid:${mid}\\r\\n`).test(offers[0][0].sdp), 'and was not in the first');
    await until(() => sfu.pubTracks.length === 3, 'screen track at the SFU');

    // the browser's own "stop sharing" ends the track
    room.localTracks.screen.dispatchEvent(new Event('ended'));
    await until(() => ws.of('stop-screen-share').length === 1 && sfu.offers.length === 3, 'stop + offer');
    eq(room.screenSharing, false, 'no longer sharing');
    const m = offers[1][0].sdp.split('\r\nm=').find(s => s.includes(`a=mid:${mid}\r\n`));
    assert(/^video/.test(m), 'the screen m-line is video');
    const last = sfu.offers[2].split('\r\nm=').find(s => s.includes(`a=mid:${mid}\r\n`));
    assert(/^video 0 /.test(last) || /a=inactive/.test(last), 'the screen m-line is stopped in the last offer');
    await room.leave();
    sfu.close();
});

test('simulcast: three layers q, h, f only when joined says the server accepts them', async () => {
    const camera = sfu => sfu.offers[0].split('\r\nm=').find(m => /^video/.test(m));
    const scales = room => room.session.senders.camera.getParameters().encodings
        .map(e => [e.rid ?? null, e.scaleResolutionDownBy ?? 1]);
    // asked for, not accepted (what every ngx-sfu worker says today): one layer
    reset();
    const refused = await joined({ simulcast: true });
    await until(() => refused.sfu.offers.length === 1, 'offer');
    assert(!/a=simulcast|a=rid:/.test(camera(refused.sfu)), 'no a=simulcast, no a=rid without the capability');
    eq(refused.room.session.senders.camera.getParameters().encodings.length, 1, 'one encoding');
    eq(refused.room.simulcastActive, false, 'simulcastActive false');
    await refused.room.leave();
    refused.sfu.close();
    // asked for and accepted: q, h, f at 1/4, 1/2, 1/1
    reset();
    const layered = await joined({ simulcast: true }, { joined: { simulcast: true } });
    await until(() => layered.sfu.offers.length === 1, 'offer');
    assert(/a=simulcast:send q;h;f\r\n/.test(camera(layered.sfu)), 'a=simulcast:send q;h;f');
    for (const rid of ['q', 'h', 'f']) assert(new RegExp(`a=rid:${rid} send`).test(camera(layered.sfu)), `rid ${rid}`);
    eq(scales(layered.room), [['q', 4], ['h', 2], ['f', 1]], 'scaleResolutionDownBy 4, 2, 1');
    eq(layered.room.simulcastActive, true, 'simulcastActive true');
    await until(() => layered.sfu.pub.connectionState === 'connected', 'the layered publish connected');
    await layered.room.leave();
    layered.sfu.close();
    // accepted, not asked for: one layer
    reset();
    const plain = await joined({}, { joined: { simulcast: true } });
    await until(() => plain.sfu.offers.length === 1, 'offer');
    assert(!/a=simulcast/.test(camera(plain.sfu)), 'off by default');
    await plain.room.leave();
    plain.sfu.close();
});

test('a dropped WebSocket (worker-gone): reconnecting with backoff, one REST rejoin, media again', async () => {
    reset();
    const { room, sfu, ws } = await joined({}, { others: [{ participant_id: 'p-bob', name: 'Bob' }] });
    await until(() => sfu.offers.length === 1, 'first offer');
    // the next two attempts fail at the WebSocket, the third succeeds
    FakeSocket.refuseCount = 2;
    net.fetchScript = [{ status: 200, body: { ...grant(), token: 'e30.e30.second' } }];
    // as the module does when the room's worker dies: error, then close
    ws.deliver({ type: 'error', code: 'worker-gone', message: "the room's media worker is gone: join again" });
    ws.drop(1011, 'worker-gone');
    const ws4 = await until(() => net.sockets[3], 'fourth socket');
    const sfu2 = new FakeSfu(ws4, { others: [] });
    await until(() => room.state === 'connected' && room.events.some(([t]) => t === 'reconnected'), 'reconnected');
    const rec = room.events.filter(([t]) => t === 'reconnecting').map(([, e]) => [e.attempt, e.delay]);
    eq(rec, [[1, 40], [2, 80], [3, 160]], 'attempts and doubling delays');
    const first = room.events.find(([t]) => t === 'reconnecting')[1].error;
    eq([first.code, first.message, first.closeCode], ['signaling-closed', 'The media server of this room went away.', 1011],
       'the first attempt says why, readably');
    eq(room.events.filter(([t]) => t === 'error').length, 0, 'the worker-gone error is no error event');
    eq(net.fetchCalls.length, 2, 'joined again through REST once: a token never used is used again');
    eq(net.sockets.slice(1).map(w => w.sent[0]?.token ?? null), [null, null, 'e30.e30.second'],
       'the refused sockets sent nothing, the fourth the new token');
    eq(room.events.filter(([t]) => t === 'participant-left').map(([, e]) => e.participant.id), ['p-bob'],
       'Bob, gone in the new joined, is reported left');
    await until(() => sfu2.offers.length === 1 && sfu2.pub.connectionState === 'connected', 'published again');
    eq(sfu2.pubTracks.length, 2, 'camera and mic published again');
    await room.leave();
    sfu.close();
    sfu2.close();
});

test('reconnection gives up on a room that ended', async () => {
    reset();
    const { room, sfu, ws } = await joined();
    net.fetchScript = [{ status: 410, body: { error: { code: 'room-ended', message: 'x' } } }];
    ws.drop(1011);
    await until(() => room.state === 'closed', 'closed');
    const closed = room.events.find(([t]) => t === 'closed')[1];
    eq([closed.reason, closed.error.code], ['failed', 'room-ended'], 'closed with the REST error');
    sfu.close();
});

test('kicked and room-closed end the room without reconnecting', async () => {
    reset();
    const a = await joined();
    a.ws.deliver({ type: 'kicked' });
    eq(a.room.state, 'closed', 'kicked closes');
    eq(a.room.events.find(([t]) => t === 'closed')[1].reason, 'kicked', 'reason');
    a.sfu.close();
    reset();
    const b = await joined();
    b.ws.deliver({ type: 'room-closed' });
    eq(b.room.events.find(([t]) => t === 'closed')[1].reason, 'room-closed', 'reason');
    await new Promise(r => setTimeout(r, 200));
    eq(net.sockets.length, 1, 'no reconnection');
    b.sfu.close();
});

// ---- run

for (const t of tests) {
    try {
        await t.fn();
        results.push({ name: t.name, ok: true });
    } catch (e) {
        results.push({ name: t.name, ok: false, detail: String(e?.stack ?? e) });
    }
}
window.fetch = realFetch;
window.unitDone = true;
