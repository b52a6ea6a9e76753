// The in-page half of t/peers/chromium_peer: joins with the SDK (window.sfu,
// conf/www/sfu.js) on a token the Perl half got from the REST join, plays
// every remote track, and counts what it decodes as the other test peers
// do (t/peers/README.md): each decoded video frame's stamp is read back
// from its top-left corner (WebCodecs frames from a
// MediaStreamTrackProcessor), and the audio is measured in 20 ms frames
// (an AudioWorklet): audible above the same RMS, the tone from zero
// crossings.  The Perl half calls peer.start(options), then peer.pull() a
// few times a second, and peer.leave() at the end.

window.peer = (() => {
    const t0 = performance.now();
    const events = [];          // not yet pulled
    const sessions = [];
    let room = null;
    let ended = null;
    const media = [];           // one per bound track: { session, from, kind, source, mid, counts, stop }

    const ms = () => Math.round((performance.now() - t0) * 10) / 10;
    const emit = (event, fields = {}) => events.push({ event, ...fields });
    const session = () => sessions[sessions.length - 1];

    function newSession(participantId) {
        sessions.push({ session: sessions.length + 1, participant_id: participantId, end: null,
                        end_detail: null, join_ms: null, conditions_met: false,
                        conditions_ms: null, remotes: {}, started: ms() });
    }

    // ---- the stamp (sfu_peer.py: stamp_cells, read_stamp)

    const CELL = 16, COLS = 20, ROWS = 2, MAGIC = 0xA5;
    const STAMP_W = CELL * COLS, STAMP_H = CELL * ROWS;

    const stampCheck = (tag, counter) => (tag >> 8) ^ (tag & 0xFF) ^ counter ^ 0x5A;

    // The sender's tag from a frame's luma (a row-major plane), or null.
    function readStamp(luma, stride) {
        let value = 0;          // 40 bits: past 32, so arithmetic, not shifts
        for (let row = 0; row < ROWS; row++) {
            for (let col = 0; col < COLS; col++) {
                let sum = 0;
                for (let y = 4; y < 12; y++) {
                    const at = (row * CELL + y) * stride + col * CELL;
                    for (let x = 4; x < 12; x++) sum += luma[at + x];
                }
                value = value * 2 + (sum / 64 > 128 ? 1 : 0);
            }
        }
        const magic = Math.floor(value / 2 ** 32), tag = Math.floor(value / 2 ** 16) % 65536;
        const counter = Math.floor(value / 256) % 256, check = value % 256;
        return magic === MAGIC && check === stampCheck(tag, counter) ? tag : null;
    }

    // The luma of a VideoFrame's stamp area as [plane, stride], or null.
    async function stampLuma(frame) {
        if (frame.codedWidth < STAMP_W || frame.codedHeight < STAMP_H) return null;
        const rect = { x: 0, y: 0, width: STAMP_W, height: STAMP_H };
        const buf = new Uint8Array(frame.allocationSize({ rect }));
        const layout = await frame.copyTo(buf, { rect });
        if (/^(I4|NV12)/.test(frame.format)) {
            return [buf.subarray(layout[0].offset), layout[0].stride];
        }
        // RGB formats: BT.601 luma, as the encoder's input had it
        const bgr = /^BGR/.test(frame.format);
        const luma = new Uint8Array(STAMP_W * STAMP_H);
        for (let y = 0; y < STAMP_H; y++) {
            for (let x = 0; x < STAMP_W; x++) {
                const i = layout[0].offset + y * layout[0].stride + 4 * x;
                const [r, b] = bgr ? [buf[i + 2], buf[i]] : [buf[i], buf[i + 2]];
                luma[y * STAMP_W + x] = 16 + 0.257 * r + 0.504 * buf[i + 1] + 0.098 * b;
            }
        }
        return [luma, STAMP_W];
    }

    // Counts a video track's decoded frames by stamp until stopped.
    function countVideo(track, counts) {
        const clone = track.clone();
        const reader = new MediaStreamTrackProcessor({ track: clone }).readable.getReader();
        (async () => {
            for (;;) {
                const { value: frame, done } = await reader.read();
                if (done) return;
                let key = 'none';
                counts.width = frame.displayWidth;
                counts.height = frame.displayHeight;
                try {
                    const luma = await stampLuma(frame);
                    const tag = luma && readStamp(...luma);
                    if (tag != null) key = String(tag);
                } catch (e) {
                    // a frame whose pixels cannot be read counts as unstamped
                } finally {
                    frame.close();
                }
                counts.tags[key] = (counts.tags[key] ?? 0) + 1;
                counts.frames++;
            }
        })().catch(() => {});
        return () => { reader.cancel().catch(() => {}); clone.stop(); };
    }

    // ---- audio: 20 ms frames, as sfu_peer.py's Counter.audio

    const AUDIBLE_RMS = 500 / 32768;
    const METER = `registerProcessor('meter', class extends AudioWorkletProcessor {
        constructor() { super(); this.buf = new Float32Array(Math.round(sampleRate / 50)); this.n = 0; }
        process(inputs) {
            const ch = inputs[0][0];
            for (let i = 0; ch && i < ch.length; i++) {
                this.buf[this.n++] = ch[i];
                if (this.n < this.buf.length) continue;
                let sq = 0, zc = 0;
                for (let k = 0; k < this.n; k++) {
                    sq += this.buf[k] * this.buf[k];
                    if (k && (this.buf[k] < 0) !== (this.buf[k - 1] < 0)) zc++;
                }
                this.port.postMessage({ rms: Math.sqrt(sq / this.n), zc, n: this.n });
                this.n = 0;
            }
            return true;
        }
    });`;
    let audio = null;           // the AudioContext, once its meter is loaded

    // The tone in Hz of audible frames given as [zero crossings, samples],
    // as sfu_peer.py's tone_of: crossings pooled over the frames within 15 %
    // of the median frame, so that frames the decoder concealed after a late
    // or lost packet (noisy, crossing zero far more often) on a loaded
    // machine do not pull the estimate off the tone.
    const TONE_FRAMES = 500;
    function toneOf(frames, rate) {
        const hz = frames.map(([c, n]) => c / 2 / (n / rate));
        const sorted = [...hz].sort((a, b) => a - b);
        const mid = sorted.length % 2 ? sorted[sorted.length >> 1]
            : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        let kept = frames.filter((f, i) => Math.abs(hz[i] - mid) <= 0.15 * mid);
        if (!kept.length) kept = frames;
        return kept.reduce((s, [c]) => s + c, 0) / 2
            / (kept.reduce((s, [, n]) => s + n, 0) / rate);
    }

    async function audioContext() {
        audio ??= (async () => {
            const ctx = new AudioContext();
            await ctx.audioWorklet.addModule(URL.createObjectURL(
                new Blob([METER], { type: 'text/javascript' })));
            await ctx.resume();
            return ctx;
        })();
        return audio;
    }

    // Counts an audio track's 20 ms frames that carry sound until stopped.
    async function countAudio(track, counts) {
        const ctx = await audioContext();
        const source = ctx.createMediaStreamSource(new MediaStream([track]));
        const meter = new AudioWorkletNode(ctx, 'meter');
        meter.port.onmessage = ({ data }) => {
            if (data.rms === 0) return;          // no stream data yet: silence
            counts.frames++;
            if (data.rms < AUDIBLE_RMS) return;
            counts.audible++;
            counts.tone.push([data.zc, data.n]);
            counts.tone.splice(0, counts.tone.length - TONE_FRAMES);
            counts.tone_hz = Math.round(toneOf(counts.tone, ctx.sampleRate));
        };
        source.connect(meter);
        return () => { source.disconnect(); meter.disconnect(); };
    }

    // The session's remotes from its media: {participant: {video, audio}}.
    function count() {
        const s = session();
        for (const m of media.filter(x => x.session === s.session)) {
            const r = (s.remotes[m.from] ??= {})[m.kind] ??= m.kind === 'video'
                ? { frames: 0, first_ms: null, tags: {} }
                : { frames: 0, first_ms: null, audible: 0, tone_hz: null };
            const sum = media.filter(x => x.session === s.session && x.from === m.from
                                          && x.kind === m.kind).map(x => x.counts);
            r.frames = sum.reduce((n, c) => n + c.frames, 0);
            if (m.kind === 'video') {
                // the size of the last frame decoded (a simulcast layer switch changes it)
                const sized = sum.filter(c => c.width);
                r.width = sized.length ? sized[sized.length - 1].width : null;
                r.height = sized.length ? sized[sized.length - 1].height : null;
                r.tags = {};
                for (const c of sum) {
                    for (const [k, n] of Object.entries(c.tags)) r.tags[k] = (r.tags[k] ?? 0) + n;
                }
            } else {
                r.audible = sum.reduce((n, c) => n + c.audible, 0);
                r.tone_hz = sum.map(c => c.tone_hz).filter(t => t != null).pop() ?? null;
            }
            if (r.frames > 0 && r.first_ms == null) {
                r.first_ms = Math.round((ms() - s.started) * 10) / 10;
                emit('first-frame', { from: m.from, kind: m.kind, mid: m.mid, ms: r.first_ms });
            }
        }
    }

    // The selected candidate pair of each connected peer connection, once
    // per session: "ice-pair" {pc, local, remote}, each "type ip:port proto".
    const reported = new Set();     // "<session>/<pc>"
    async function reportPairs() {
        const sdk = room?.session;
        for (const [name, pc] of [['publish', sdk?.pubPc], ['subscribe', sdk?.subPc]]) {
            const key = `${session().session}/${name}`;
            if (!pc || pc.connectionState !== 'connected' || reported.has(key)) continue;
            const stats = await pc.getStats();
            const transport = [...stats.values()].find(r => r.type === 'transport');
            const pair = stats.get(transport?.selectedCandidatePairId);
            if (!pair) continue;
            reported.add(key);
            const show = c => `${c.candidateType} ${c.address}:${c.port} ${c.protocol}`;
            emit('ice-pair', { pc: name, local: show(stats.get(pair.localCandidateId)),
                               remote: show(stats.get(pair.remoteCandidateId)) });
        }
    }

    function end(reason, detail = null) {
        if (ended) return;
        ended = { reason, ...(detail ?? {}) };
        session().end = reason;
        session().end_detail = detail;
        emit('session-ended', { session: session().session, reason, ...(detail ?? {}) });
    }

    return {
        async start(o) {
            newSession(o.participantId);
            // Chromium offers loopback candidates only to a page that has
            // had a camera or microphone: a peer that does not publish
            // takes the microphone once
            if (!o.publish) {
                (await navigator.mediaDevices.getUserMedia({ audio: true })).getTracks()
                    .forEach(t => t.stop());
            }
            room = new window.sfu.Room({
                token: o.token, signalingUrl: o.signalingUrl, iceServers: o.iceServers,
                participantId: o.participantId, name: o.name, password: o.password ?? undefined,
                audio: o.publish, video: o.publish && (o.video ?? true),
                iceTransportPolicy: o.relayOnly ? 'relay' : undefined,
                simulcast: !!o.simulcast,
                reconnect: { maxAttempts: o.rejoin ? 1000 : 0, baseDelay: 500, maxDelay: 5000 },
            });
            room.on('message', m => {
                if (['offer', 'answer', 'ice-candidate'].includes(m.type)) {
                    emit('signal', { type: m.type, pc: m.pc ?? (m.type === 'offer' ? 'subscribe' : 'publish') });
                    if (m.new_connection) emit('subscribe-renewed', { had_pc: true });
                } else {
                    emit('server', { message: m });
                }
                if (m.type === 'participant-left' && m.participant_id === room.participantId) end('removed');
            });
            room.on('track', async ({ participant, source, kind, track, stream, mid }) => {
                const el = document.createElement(kind);
                el.autoplay = true;
                // not muted: Chromium decodes remote audio only while it
                // plays out (the browser runs with --mute-audio)
                el.muted = kind === 'video';
                el.srcObject = stream;
                document.body.append(el);
                el.play().catch(() => {});
                const m = { session: session().session, from: participant.id, kind, source, mid,
                            counts: { frames: 0, tags: {}, audible: 0, tone: [], tone_hz: null },
                            stop: null };
                media.push(m);
                emit('track', { kind, mid, owner: participant.id });
                m.stop = kind === 'video' ? countVideo(track, m.counts) : await countAudio(track, m.counts);
            });
            // an m-line the SFU reuses carries someone else's track next
            room.on('track-removed', ({ participant, source }) => {
                for (const m of media) {
                    if (m.from === participant.id && m.source === source && m.stop) {
                        m.stop();
                        m.stop = null;
                    }
                }
            });
            room.on('reconnecting', ({ attempt, delay }) => emit('rejoining', { after_s: delay / 1000, attempt }));
            room.on('reconnected', ({ participantId }) => {
                newSession(participantId);
                session().join_ms = 0;
                emit('joined', { session: session().session, participant_id: participantId, ms: 0,
                                 participants: [...room.participants.keys()] });
            });
            room.on('closed', ({ reason, error }) => {
                if (reason === 'left') return;
                if (reason === 'kicked' || reason === 'room-closed') { end(reason); return; }
                const cause = error?.cause ?? error;
                if (cause?.code === 'signaling-closed') {
                    end('ws-closed', { code: cause.closeCode ?? null, close_reason: cause.message });
                } else if (session().join_ms == null) {
                    end(['join-timeout', 'signaling-failed'].includes(cause?.code) ? cause.code : 'join-refused',
                        { error: cause?.message ?? null });
                } else {
                    end(cause?.code ?? 'failed', { error: cause?.message ?? null });
                }
            });
            const started = ms();
            try {
                await room.join();
            } catch (e) {
                return false;      // the closed event said why
            }
            session().join_ms = Math.round((ms() - started) * 10) / 10;
            emit('joined', { session: session().session, participant_id: room.participantId,
                             ms: session().join_ms, participants: [...room.participants.keys()] });
            return true;
        },

        async pull() {
            if (sessions.length) {
                count();
                await reportPairs();
            }
            return { events: events.splice(0), ended, session: session() ?? null };
        },

        // ICE restart of the publish connection through the SDK: the
        // ufrags before and after, ours and the SFU's, and the state after.
        async restartIce() {
            const pc = room?.session?.pubPc;
            const ufrag = d => d?.sdp.match(/^a=ice-ufrag:(\S+)/m)?.[1] ?? null;
            const before = [ufrag(pc?.localDescription), ufrag(pc?.remoteDescription)];
            let error = null;
            try {
                await room.restartIce();
            } catch (e) {
                error = String(e.message ?? e);
            }
            reported.delete(`${session().session}/publish`);     // report the new pair too
            emit('ice-restarted', { pc: 'publish', error, local_before: before[0], remote_before: before[1],
                                    local_after: ufrag(pc?.localDescription),
                                    remote_after: ufrag(pc?.remoteDescription), state: pc?.connectionState });
        },

        // Closes the subscribe connection behind the SDK's back, as a
        // browser losing it would: the SFU renews it (new_connection).
        closeSubscribe() {
            room?.session?.subPc?.close();
            emit('subscribe-closed');
        },

        // update-quality: the simulcast layer to receive
        quality(q) {
            room?.setReceiveQuality(q);
        },

        conditionsMet(at) {
            const s = session();
            s.conditions_met = true;
            s.conditions_ms = at;
        },

        async leave(reason = 'left') {
            if (!ended) {
                await room?.leave();
                end(reason);
            }
            return sessions;
        },

        sessions: () => sessions,
    };
})();
