// Types of the ngx-sfu browser SDK (sfu.js), written by hand.

export const VERSION: string;

/** An error a person can read (`message`) and a program can test (`code`). */
export class SfuError extends Error {
    /**
     * A REST error code (room-full, room-ended, room-not-found,
     * password-required, wrong-password, rate-limited, ...), a signaling
     * `error` code, or one of the SDK's: network, invalid-link,
     * invalid-options, invalid-state, media-unavailable, join-timeout,
     * signaling-failed, signaling-closed, negotiation-failed,
     * negotiation-timeout, ice-failed, not-connected, kicked, room-closed,
     * reconnect-failed.
     */
    code: string;
    /** HTTP status for REST errors, else 0. */
    status: number;
    /** Seconds from Retry-After (rate-limited), else 0. */
    retryAfter: number;
    /** WebSocket close code, for signaling-closed. */
    closeCode?: number;
    /** For reconnect-failed: the last error that ended a connection. */
    cause?: SfuError;
    constructor(code: string, message: string, extra?: { status?: number; retryAfter?: number });
}

export type Source = 'camera' | 'microphone' | 'screen';
export type Quality = 'low' | 'medium' | 'high' | 'auto' | 'off';
export type RoomState = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'closed';
export type CloseReason = 'left' | 'kicked' | 'room-closed' | 'failed';

/** Parses https://host/?room=ID (or a bare id, taken relative to `base`). */
export function parseRoomLink(link: string, base?: string): { origin: string; roomId: string };
export function roomLink(origin: string, roomId: string): string;

/** POSTs the REST create body to `url`; resolves to the created room. */
export function createRoom(
    url: string,
    fields: { name: string; max_participants?: number; password?: string;
              waiting_room?: boolean; recording_enabled?: boolean },
    options?: { apiKey?: string },
): Promise<{ id: string; name: string; join_url: string; [field: string]: unknown }>;

export interface DeviceInfo { deviceId: string; label: string }
export function listDevices(): Promise<{
    audioinput: DeviceInfo[]; videoinput: DeviceInfo[]; audiooutput: DeviceInfo[];
}>;

export interface ReconnectOptions {
    /** Attempts before giving up (state "closed", reason "failed"). Default 12;
     *  0 ends the room at the first drop. */
    maxAttempts?: number;
    /** First delay in ms, doubled each attempt. Default 500. */
    baseDelay?: number;
    /** Largest delay in ms. Default 10000. */
    maxDelay?: number;
    /** Up to this fraction of a delay is taken off at random. Default 0.3. */
    jitter?: number;
}

/** The delay in ms before reconnection attempt `n` (1, 2, ...). */
export function backoffDelay(n: number, options?: ReconnectOptions, random?: () => number): number;

export interface RoomOptions {
    /** A room link (https://host/?room=ID) ... */
    link?: string;
    /** ... or a room id on `baseUrl` (default: this page's origin) ... */
    roomId?: string;
    baseUrl?: string;
    /** ... or a join token minted elsewhere, with the join answer's fields. */
    token?: string;
    signalingUrl?: string;
    iceServers?: RTCIceServer[];
    participantId?: string;

    /** Display name (default "Guest", or the token's name). */
    name?: string;
    /** The room password, if known; otherwise onPasswordRequired is asked. */
    password?: string;
    /** Asked when the room needs a password (again if `wrong`); null cancels. */
    onPasswordRequired?: (info: { roomId: string; wrong: boolean }) => Promise<string | null> | string | null;

    /** Publish the microphone / camera (true, false, or constraints). Default true. */
    audio?: boolean | MediaTrackConstraints;
    video?: boolean | MediaTrackConstraints;
    audioDeviceId?: string;
    videoDeviceId?: string;
    /**
     * Publish the camera as three simulcast layers (rid q, h, f at a
     * quarter, half and full resolution) when the server accepts them:
     * only when its `joined` message says `simulcast: true`.  No ngx-sfu
     * worker says so yet, so today the camera goes out as one layer
     * either way (see Room.simulcastActive).  Default false.
     */
    simulcast?: boolean;
    /** Passed to both RTCPeerConnections (e.g. "relay"). */
    iceTransportPolicy?: RTCIceTransportPolicy;
    /** ms to wait for `joined` and for each SDP answer. Default 15000. */
    joinTimeout?: number;
    reconnect?: ReconnectOptions;
}

export interface Participant {
    id: string;
    name: string;
    role: string;
    /** Microphone on, camera on, as last signalled (media-state). */
    audio: boolean;
    video: boolean;
    tracks: Partial<Record<Source, MediaStreamTrack>>;
    /** One stream per source, ready for a <video>/<audio> srcObject. */
    streams: Partial<Record<Source, MediaStream>>;
}

export interface TrackStats {
    participantId: string;
    source: Source;
    kind: 'audio' | 'video';
    direction: 'inbound' | 'outbound';
    /** bits per second over at least the last second: since the newest
     *  earlier getStats() call that long ago, else the oldest (0 on the first). */
    bitrate: number;
    packets: number;
    packetsLost: number;
    /** 0..1: inbound over the bitrate's window; outbound as the SFU reports it. */
    lossRate: number;
    /** seconds, or null while unknown. */
    rtt: number | null;
    width: number | null;
    height: number | null;
    fps: number | null;
    quality: 'good' | 'fair' | 'poor' | 'unknown';
}

export function qualityOf(s: { packets: number; lossRate: number; rtt: number | null }):
    TrackStats['quality'];

export interface RoomEvents {
    state: { state: RoomState; reason?: CloseReason; error?: SfuError | null };
    joined: { participantId: string; participants: Participant[] };
    reconnecting: { attempt: number; delay: number; error?: SfuError };
    reconnected: { participantId: string; participants: Participant[] };
    'participant-joined': { participant: Participant };
    /** `reason`: "left" (they left, or were gone when we reconnected),
     *  "kicked", or "disconnected" (their connection dropped). */
    'participant-left': { participant: Participant; reason: 'left' | 'kicked' | 'disconnected' };
    /** `mid`: the subscribe pc's m-line carrying the track; `trackId`: the
     *  SFU's id of the track ("<participant>:<publish mid>"). */
    track: { participant: Participant; source: Source; kind: 'audio' | 'video';
             track: MediaStreamTrack; stream: MediaStream; mid: string; trackId: string };
    'track-removed': { participant: Participant; source: Source; kind: 'audio' | 'video' };
    'media-state': { participant: Participant; audio: boolean; video: boolean };
    'local-track': { source: Source; kind: 'audio' | 'video'; track: MediaStreamTrack | null };
    'local-media-state': { audio: boolean; video: boolean };
    chat: { participantId: string; name: string; text: string; time: Date; self: boolean };
    /** Non-fatal: a server `error`, a device that could not be opened, ... */
    error: { error: SfuError };
    kicked: { error: SfuError };
    'room-closed': { error: SfuError };
    /** The end: after leave(), a kick, the room's end, or a failure. */
    closed: { reason: CloseReason; error: SfuError | null };
    /** Every message the server sends, as it came. */
    message: { type: string; [field: string]: unknown };
}

export class Room {
    constructor(options: RoomOptions);
    readonly options: RoomOptions;
    readonly origin: string;
    readonly roomId: string | null;
    readonly link: string | null;
    readonly state: RoomState;
    readonly participantId: string | null;
    readonly role: string | null;
    /** Everyone else in the room, by participant id. */
    readonly participants: Map<string, Participant>;
    readonly localTracks: Record<Source, MediaStreamTrack | null>;
    readonly audioEnabled: boolean;
    readonly videoEnabled: boolean;
    readonly screenSharing: boolean;
    /** The camera goes out as simulcast layers on the current connection:
     *  the `simulcast` option is on and the server's `joined` accepted it. */
    readonly simulcastActive: boolean;

    /** Returns a function that removes the handler. */
    on<K extends keyof RoomEvents>(type: K, handler: (event: RoomEvents[K]) => void): () => void;
    once<K extends keyof RoomEvents>(type: K, handler: (event: RoomEvents[K]) => void): () => void;
    off<K extends keyof RoomEvents>(type: K, handler: (event: RoomEvents[K]) => void): void;

    /** Resolves once joined; rejects with an SfuError (room-full, room-ended, ...). */
    join(): Promise<Room>;
    /** ICE restart of the publish connection (the SFU answers with new credentials). */
    restartIce(): Promise<void>;
    leave(): Promise<void>;

    /** Mute / unmute (signalled as toggle-audio). */
    setAudioEnabled(enabled: boolean): void;
    /** Camera on / off (signalled as toggle-video); off releases the camera. */
    setVideoEnabled(enabled: boolean): Promise<void>;
    setCamera(deviceId: string): Promise<void>;
    setMicrophone(deviceId: string): Promise<void>;

    /** Resolves without sharing if the person cancels the picker. */
    startScreenShare(): Promise<void>;
    stopScreenShare(): Promise<void>;

    /** Throws SfuError not-connected while disconnected. */
    sendChat(text: string): void;
    setReceiveQuality(quality: Quality): void;
    getStats(): Promise<TrackStats[]>;
}
