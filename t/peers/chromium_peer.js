// The in-page half of t/peers/chromium_peer: joins with the SDK (window.sfu,
// conf/www/sfu.js) on a token the Perl half got from the REST join, plays
// every remote track, and counts what it decodes.  The Perl half calls
// peer.start(options), then peer.pull() a few times a second, and
// peer.leave() at the end.

window.peer = (() => {
    const t0 = performance.now();
    const events = [];          // not yet pulled
    const sessions = [];
    let room = null;
    let ended = null;
    const media = [];           // { session, from, kind, mid, el, receiverStats }

    const ms = () => Math.round((performance.now() - t0) * 10) / 10;
    const emit = (event, fields = {}) => events.push({ event, ...fields });
    const session = () => sessions[sessions.length - 1];

    function newSession(participantId) {
        sessions.push({ session: sessions.length + 1, participant_id: participantId, end: null,
                        end_detail: null, join_ms: null, conditions_met: false,
                        conditions_ms: null, remotes: {}, started: ms() });
    }

    function remote(from, kind) {
        const r = session().remotes[from] ??= {};
        return r[kind] ??= kind === 'video' ? { frames: 0, first_ms: null, tags: {} }
                                             : { frames: 0, first_ms: null, audible: 0 };
    }

    async function count() {
        for (const m of media.filter(x => x.session === session().session)) {
            const r = remote(m.from, m.kind);
            let frames = 0;
            if (m.kind === 'video') {
                frames = m.el.getVideoPlaybackQuality().totalVideoFrames;
                r.tags = frames ? { none: frames } : {};
            } else {
                for (const s of (await m.track.receiver?.getStats?.() ?? new Map()).values()) {
                    if (s.type !== 'inbound-rtp') continue;
                    frames = s.packetsReceived ?? 0;
                    r.audible = (s.totalAudioEnergy ?? 0) > 0 ? frames : 0;
                }
            }
            r.frames = frames;
            if (frames > 0 && r.first_ms == null) {
                r.first_ms = Math.round((ms() - session().started) * 10) / 10;
                emit('first-frame', { from: m.from, kind: m.kind, mid: m.mid, ms: r.first_ms });
            }
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
            room = new window.sfu.Room({
                token: o.token, signalingUrl: o.signalingUrl, iceServers: o.iceServers,
                participantId: o.participantId, name: o.name, password: o.password ?? undefined,
                audio: o.publish, video: o.publish && (o.video ?? true),
                iceTransportPolicy: o.relayOnly ? 'relay' : undefined,
                reconnect: { maxAttempts: o.rejoin ? 1000 : 0, baseDelay: 500, maxDelay: 5000 },
            });
            room.on('message', m => {
                if (['offer', 'answer', 'ice-candidate'].includes(m.type)) {
                    emit('signal', { type: m.type, pc: m.pc ?? (m.type === 'offer' ? 'subscribe' : 'publish') });
                } else {
                    emit('server', { message: m });
                }
                if (m.type === 'participant-left' && m.participant_id === room.participantId) end('removed');
            });
            room.on('track', ({ participant, kind, track, stream, mid }) => {
                const el = document.createElement(kind);
                el.autoplay = true;
                el.muted = true;
                el.srcObject = stream;
                document.body.append(el);
                el.play().catch(() => {});
                const receiver = room.session?.subPc.getReceivers().find(r => r.track === track);
                media.push({ session: session().session, from: participant.id, kind, mid, el,
                             track: { receiver } });
                emit('track', { kind, mid, owner: participant.id });
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
            if (sessions.length) await count();
            return { events: events.splice(0), ended, session: session() ?? null };
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
