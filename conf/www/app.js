// ngx-sfu demo page: a lobby (create a room or join one by link) and a call
// (tiles, controls, chat) on top of the SDK in sfu.js.

import { Room, SfuError, createRoom, listDevices, parseRoomLink, roomLink } from '/sfu.js';

const $ = sel => document.querySelector(sel);
const STATS_INTERVAL = 2000;

let room = null;
let statsTimer = null;
let toastTimer = null;

// for people poking at the page, and for the tests
window.sfuDemo = { get room() { return room; } };

// ---------------------------------------------------------------- banners

function showError(e) {
    const text = e instanceof SfuError || e?.message ? e.message : String(e);
    $('#error-text').textContent = text;
    $('#error').hidden = false;
}

function clearError() { $('#error').hidden = true; }

function toast(text) {
    const t = $('#toast');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 4000);
}

$('#error-close').addEventListener('click', clearError);

// ------------------------------------------------------------------ lobby

const params = new URLSearchParams(location.search);
$('#name').value = localStorage.getItem('sfu-name') ?? '';
if (params.get('room')) {
    $('#link').value = location.href;
    $('#lobby-lead').textContent = 'You are invited to a call.';
}

async function fillDevices() {
    let devices;
    try { devices = await listDevices(); } catch (e) { return; }
    for (const [sel, list, key] of [['#camera-select', devices.videoinput, 'sfu-camera'],
                                    ['#mic-select', devices.audioinput, 'sfu-mic']]) {
        const select = $(sel);
        const current = select.value || localStorage.getItem(key) || '';
        select.replaceChildren(...list.map(d => new Option(d.label, d.deviceId)));
        if (list.some(d => d.deviceId === current)) select.value = current;
    }
}

function lobbyBusy(busy, text = '') {
    for (const b of ['#join', '#create']) $(b).disabled = busy;
    $('#lobby-status').textContent = text;
}

function askPassword({ wrong }) {
    const dialog = $('#password-dialog');
    $('#password-note').textContent = wrong
        ? 'That password is not right. Try again:' : 'This room needs a password.';
    $('#password').value = '';
    dialog.showModal();
    return new Promise(resolve => {
        dialog.addEventListener('close', () => {
            resolve(dialog.returnValue === 'ok' ? $('#password').value : null);
        }, { once: true });
    });
}

function nameOrComplain() {
    const name = $('#name').value.trim();
    if (!name) {
        showError('Type your name first.');
        $('#name').focus();
        return null;
    }
    localStorage.setItem('sfu-name', name);
    return name;
}

$('#lobby-form').addEventListener('submit', ev => {
    ev.preventDefault();
    const name = nameOrComplain();
    if (!name) return;
    let link;
    try {
        link = parseRoomLink($('#link').value);
    } catch (e) {
        showError('Paste a room link (or create a new room).');
        return;
    }
    enterRoom(roomLink(link.origin, link.roomId), name);
});

$('#create').addEventListener('click', async () => {
    const name = nameOrComplain();
    if (!name) return;
    clearError();
    lobbyBusy(true, 'Creating a room…');
    try {
        const created = await createRoom('/demo/rooms', { name: `${name}'s room`, max_participants: 8 });
        const link = roomLink(location.origin, created.id);
        $('#link').value = link;
        await enterRoom(link, name);
    } catch (e) {
        lobbyBusy(false);
        showError(e.code === 'rate-limited'
            ? 'Too many rooms were created from here: wait a minute and try again.' : e);
    }
});

// ------------------------------------------------------------------- call

async function enterRoom(link, name) {
    clearError();
    lobbyBusy(true, 'Joining…');
    room = new Room({
        link, name,
        audioDeviceId: $('#mic-select').value || undefined,
        videoDeviceId: $('#camera-select').value || undefined,
        onPasswordRequired: askPassword,
    });
    wireRoom(room);
    try {
        await room.join();
    } catch (e) {
        lobbyBusy(false);
        showError(e);
        return;
    }
    history.replaceState(null, '', link);
    $('#room-name').textContent = `Room ${room.roomId}`;
    $('#lobby').hidden = true;
    $('#call').hidden = false;
    lobbyBusy(false);
    fillDevices();
    statsTimer = setInterval(updateQuality, STATS_INTERVAL);
}

function tileId(participantId, source) { return `tile-${participantId}-${source}`; }

function tileFor(participantId, source, name, local = false) {
    const id = tileId(participantId, source);
    let tile = document.getElementById(id);
    if (tile) return tile;
    tile = $('#tile-template').content.firstElementChild.cloneNode(true);
    tile.id = id;
    tile.querySelector('.quality-tip').id = `${id}-quality`;
    tile.querySelector('.quality').setAttribute('aria-describedby', `${id}-quality`);
    tile.dataset.participant = participantId;
    tile.dataset.source = source;
    tile.classList.toggle('local', local);
    tile.querySelector('.name').textContent = source === 'screen' ? `${name} (screen)` : name;
    tile.querySelector('.avatar').textContent = (name || '?').slice(0, 1).toUpperCase();
    if (source === 'camera') tile.classList.add('video-off');
    $('#tiles').append(tile);
    return tile;
}

function removeTile(participantId, source) {
    document.getElementById(tileId(participantId, source))?.remove();
}

function attach(tile, kind, stream) {
    if (kind === 'video') {
        const video = tile.querySelector('video');
        video.srcObject = stream;
        video.play().catch(() => {});
        return;
    }
    let audio = tile.querySelector('audio');
    if (!audio) {
        audio = document.createElement('audio');
        audio.autoplay = true;
        tile.append(audio);
    }
    audio.srcObject = stream;
    audio.play().catch(() => {});
}

function showMediaState(tile, audio, video) {
    tile.classList.toggle('audio-off', !audio);
    tile.classList.toggle('video-off', !video);
}

function localId() { return room?.participantId ?? 'local'; }

function showLocal() {
    const tile = tileFor('local', 'camera', `${room.options.name} (you)`, true);
    const cam = room.localTracks.camera;
    tile.querySelector('video').srcObject = cam ? new MediaStream([cam]) : null;
    showMediaState(tile, room.audioEnabled, !!cam && room.videoEnabled);
    $('#btn-mic').setAttribute('aria-pressed', String(room.audioEnabled));
    $('#btn-cam').setAttribute('aria-pressed', String(room.videoEnabled));
    $('#btn-screen').setAttribute('aria-pressed', String(room.screenSharing));
}

function wireRoom(r) {
    r.on('local-track', ({ source, track }) => {
        if (source === 'screen') {
            if (!track) { removeTile('local', 'screen'); showLocal(); return; }
            const tile = tileFor('local', 'screen', 'You', true);
            tile.querySelector('video').srcObject = new MediaStream([track]);
        }
        showLocal();
    });
    r.on('local-media-state', showLocal);
    r.on('joined', () => {
        showLocal();
        for (const p of r.participants.values()) addParticipant(p);
    });
    r.on('participant-joined', ({ participant }) => {
        addParticipant(participant);
        if (r.state === 'connected') toast(`${participant.name} joined`);
    });
    r.on('participant-left', ({ participant, reason }) => {
        removeTile(participant.id, 'camera');
        removeTile(participant.id, 'screen');
        toast(reason === 'kicked' ? `${participant.name} was removed from the call`
            : reason === 'disconnected' ? `${participant.name} lost their connection`
            : `${participant.name} left`);
    });
    r.on('track', ({ participant, source, kind, stream }) => {
        const tile = tileFor(participant.id, source === 'microphone' ? 'camera' : source, participant.name);
        attach(tile, kind, stream);
        if (source === 'camera') showMediaState(tile, participant.audio, participant.video);
    });
    // the SFU hands a freed m-line (and so its track) to someone else later
    r.on('track-removed', ({ participant, source }) => {
        if (source === 'screen') { removeTile(participant.id, 'screen'); return; }
        const tile = document.getElementById(tileId(participant.id, 'camera'));
        const el = tile?.querySelector(source === 'camera' ? 'video' : 'audio');
        if (el) el.srcObject = null;
    });
    r.on('media-state', ({ participant, audio, video }) => {
        showMediaState(tileFor(participant.id, 'camera', participant.name), audio, video);
    });
    r.on('chat', addChat);
    r.on('state', ({ state }) => {
        const s = $('#conn-status');
        s.dataset.state = state;
        s.textContent = state === 'connected' ? 'Connected' : state === 'reconnecting'
            ? 'Reconnecting…' : state === 'connecting' ? 'Connecting…' : '';
    });
    r.on('reconnecting', ({ attempt, delay, error }) => {
        $('#conn-status').textContent =
            `Connection lost (${(error?.message ?? 'unknown').replace(/\.$/, '')}); reconnecting, attempt ${attempt} in ${Math.ceil(delay / 1000)} s…`;
    });
    r.on('reconnected', () => {
        toast('Reconnected');
        showLocal();
        for (const p of r.participants.values()) addParticipant(p);
    });
    r.on('error', ({ error }) => showError(error));
    r.on('closed', ({ reason, error }) => leftRoom(reason, error));
}

function addParticipant(p) {
    showMediaState(tileFor(p.id, 'camera', p.name), p.audio, p.video);
}

function leftRoom(reason, error) {
    const inCall = !$('#call').hidden;
    clearInterval(statsTimer);
    $('#tiles').replaceChildren();
    $('#chat-log').replaceChildren();
    $('#chat').hidden = true;
    $('#call').hidden = true;
    $('#lobby').hidden = false;
    $('#lobby-form').append($('#devices'));
    // a join that failed is reported by enterRoom
    if (inCall && reason !== 'left' && error) showError(error);
    room = null;
}

// The figures of a tile's tracks (its camera's video and microphone's audio,
// or its screen) as one: bitrate summed, the worst loss, RTT and quality,
// the video's size and frame rate.
function tileFigures(stats) {
    const rank = { unknown: 0, good: 1, fair: 2, poor: 3 };
    const tiles = new Map();
    for (const s of stats) {
        const who = s.direction === 'outbound' ? 'local' : s.participantId;
        const key = `${who}-${s.source === 'screen' ? 'screen' : 'camera'}`;
        const f = tiles.get(key) ?? { quality: 'unknown', bitrate: 0, lossRate: 0, rtt: null,
                                      width: null, height: null, fps: null };
        if (rank[s.quality] > rank[f.quality]) f.quality = s.quality;
        f.bitrate += s.bitrate;
        f.lossRate = Math.max(f.lossRate, s.lossRate);
        if (s.rtt != null) f.rtt = Math.max(f.rtt ?? 0, s.rtt);
        if (s.kind === 'video' && s.width) Object.assign(f, { width: s.width, height: s.height, fps: s.fps });
        tiles.set(key, f);
    }
    return tiles;
}

function describeFigures(f) {
    const parts = [`Connection quality: ${f.quality}`,
                   f.bitrate >= 1e6 ? `${(f.bitrate / 1e6).toFixed(1)} Mbit/s`
                                    : `${Math.round(f.bitrate / 1e3)} kbit/s`,
                   `loss ${(f.lossRate * 100).toFixed(1)} %`];
    if (f.rtt != null) parts.push(`RTT ${Math.round(f.rtt * 1000)} ms`);
    if (f.width) parts.push(`${f.width}×${f.height}`);
    if (f.fps != null) parts.push(`${Math.round(f.fps)} fps`);
    return parts.join(' · ');
}

async function updateQuality() {
    if (!room || room.state !== 'connected') return;
    let stats;
    try { stats = await room.getStats(); } catch (e) { return; }
    const tiles = tileFigures(stats);
    for (const tile of document.querySelectorAll('.tile')) {
        const f = tiles.get(`${tile.dataset.participant}-${tile.dataset.source}`);
        const badge = tile.querySelector('.quality');
        badge.dataset.quality = f?.quality ?? 'unknown';
        badge.setAttribute('aria-label', `Connection quality: ${badge.dataset.quality}`);
        tile.querySelector('.quality-tip').textContent =
            f ? describeFigures(f) : 'Connection quality: unknown';
    }
}

// A quality badge's figures: hover shows them (CSS), and so do keyboard
// focus and a click or tap (which toggles them), for screens without hover.
// Focus leaving, a click elsewhere or Escape closes them.
function closeQualityTips(except) {
    for (const b of document.querySelectorAll('.quality[aria-expanded="true"]'))
        if (b !== except) b.setAttribute('aria-expanded', 'false');
}

function qualityBadge(e) { return e.target.closest?.('.tile .quality') ?? null; }

document.addEventListener('click', e => {
    const badge = qualityBadge(e);
    closeQualityTips(badge);
    badge?.setAttribute('aria-expanded', String(badge.getAttribute('aria-expanded') !== 'true'));
});

document.addEventListener('focusin', e => {
    const badge = qualityBadge(e);
    if (badge?.matches(':focus-visible')) badge.setAttribute('aria-expanded', 'true');
});

document.addEventListener('focusout', e => qualityBadge(e)?.setAttribute('aria-expanded', 'false'));

document.addEventListener('keydown', e => { if (e.key === 'Escape') closeQualityTips(null); });

// ---------------------------------------------------------------- controls

$('#btn-mic').addEventListener('click', () => room?.setAudioEnabled(!room.audioEnabled));

$('#btn-cam').addEventListener('click', async () => {
    try { await room?.setVideoEnabled(!room.videoEnabled); } catch (e) { showError(e); }
});

$('#btn-screen').addEventListener('click', async () => {
    try {
        if (room?.screenSharing) await room.stopScreenShare();
        else await room?.startScreenShare();
    } catch (e) {
        showError(e);
    }
});

$('#btn-chat').addEventListener('click', () => {
    const chat = $('#chat');
    chat.hidden = !chat.hidden;
    $('#btn-chat').setAttribute('aria-pressed', String(!chat.hidden));
    if (!chat.hidden) {
        $('#chat-unread').hidden = true;
        $('#chat-input').focus();
    }
});

$('#chat-close').addEventListener('click', () => $('#btn-chat').click());

$('#chat-form').addEventListener('submit', ev => {
    ev.preventDefault();
    const input = $('#chat-input');
    try {
        room?.sendChat(input.value);
        input.value = '';
    } catch (e) {
        showError(e);
    }
});

function addChat({ name, text, time, self }) {
    const li = document.createElement('li');
    li.classList.toggle('self', self);
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = `${self ? 'You' : name} · ${time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
    li.append(who, document.createTextNode(text));
    $('#chat-log').append(li);
    li.scrollIntoView({ block: 'end' });
    if ($('#chat').hidden && !self) $('#chat-unread').hidden = false;
}

$('#btn-devices').addEventListener('click', () => {
    const devices = $('#devices');
    const open = devices.parentElement !== $('#toolbar') || !devices.open;
    if (open) {
        $('#toolbar').append(devices);
        devices.open = true;
        fillDevices();
    } else {
        devices.open = false;
        $('#lobby-form').append(devices);
    }
    $('#btn-devices').setAttribute('aria-pressed', String(open));
});

$('#camera-select').addEventListener('change', async ev => {
    localStorage.setItem('sfu-camera', ev.target.value);
    try { await room?.setCamera(ev.target.value); } catch (e) { showError(e); }
});

$('#mic-select').addEventListener('change', async ev => {
    localStorage.setItem('sfu-mic', ev.target.value);
    try { await room?.setMicrophone(ev.target.value); } catch (e) { showError(e); }
});

$('#btn-link').addEventListener('click', async () => {
    const link = room?.link ?? location.href;
    try {
        await navigator.clipboard.writeText(link);
        toast('Link copied: send it to the people you want to call.');
    } catch (e) {
        toast(`Share this link: ${link}`);
    }
});

$('#btn-leave').addEventListener('click', () => room?.leave());

window.addEventListener('pagehide', () => room?.leave());

fillDevices();
