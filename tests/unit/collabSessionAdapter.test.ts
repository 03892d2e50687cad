// @vitest-environment happy-dom
/**
 * The real provider adapter over a stock y-websocket WebsocketProvider and a scripted socket: the retry it
 * reports is the one the provider really waits (one backoff function), final codes are refusals, and the
 * Tandem channel hands every decoded kind on, an unknown one included, without closing the socket.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWebsocketAdapter, MAX_BACKOFF_MS, reconnectDelayMs, type ProviderAdapter, type ProviderEvents } from '../../client/session/providerAdapter.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeSyncStep2 } from '../../shared/protocol/frames.js';
import { MessageType, TANDEM_CHANNEL_VERSION, TANDEM_OPT_IN_PARAM, TANDEM_VERSION_PARAM, type TandemMessage, decodeTandemBody } from '../../shared/protocol/messages.js';
import * as decoding from 'lib0/decoding';
import { decodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';

/** How many awareness entries in `frames` announce this replica's state as removed (null). */
function departuresIn(frames: Uint8Array[], clientId: number): number {
  let count = 0;
  for (const frame of frames) {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== MessageType.awareness) continue;
    const decoded = decodeAwarenessUpdate(decoding.readVarUint8Array(decoder));
    if (decoded.ok) count += decoded.value.filter((entry) => entry.clientId === clientId && entry.state === null).length;
  }
  return count;
}

/** Stands in for the browser's WebSocket: the test opens, feeds and closes it. */
class ScriptedSocket {
  static readonly OPEN = 1;
  static created: ScriptedSocket[] = [];
  readonly OPEN = 1;
  readyState = 0;
  binaryType = 'blob';
  readonly sent: Uint8Array[] = [];
  closedByClient = false;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    ScriptedSocket.created.push(this);
  }

  send(data: Uint8Array): void {
    this.sent.push(data);
  }

  close(): void {
    this.closedByClient = true;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }

  receive(frame: Uint8Array): void {
    this.onmessage?.({ data: frame.slice().buffer });
  }

  serverCloses(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

function recordingEvents(): ProviderEvents & { log: string[]; tandem: TandemMessage[] } {
  const log: string[] = [];
  const tandem: TandemMessage[] = [];
  return {
    log,
    tandem,
    onConnecting: () => log.push('connecting'),
    onOpen: () => log.push('open'),
    onSynced: () => log.push('synced'),
    onRetrying: (retryInMs) => log.push(`retrying ${retryInMs}`),
    onConnectionLost: () => log.push('lost'),
    onRefused: ({ code, reason }) => log.push(`refused ${code} ${reason}`),
    onTandemMessage: (message) => tandem.push(message),
    onServerStateAnswered: () => undefined,
    onServerStateVector: () => undefined,
    onServerStateUpdate: () => undefined,
  };
}

function tandemFrame(kind: number, ...body: number[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.tandem);
  encoding.writeVarUint(encoder, kind);
  for (const byte of body) encoding.writeUint8(encoder, byte);
  return encoding.toUint8Array(encoder);
}

describe('reconnectDelayMs', () => {
  it('doubles from 200 ms and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(reconnectDelayMs)).toEqual([200, 400, 800, 1_600, 3_200, MAX_BACKOFF_MS, MAX_BACKOFF_MS]);
  });
});

describe('the WebsocketProvider adapter', () => {
  let adapter: ProviderAdapter;
  let events: ReturnType<typeof recordingEvents>;
  const latest = (): ScriptedSocket => {
    const socket = ScriptedSocket.created.at(-1);
    if (!socket) throw new Error('no socket opened');
    return socket;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    ScriptedSocket.created = [];
    vi.stubGlobal('WebSocket', ScriptedSocket);
    events = recordingEvents();
    adapter = createWebsocketAdapter({ serverUrl: 'ws://tandem.test/collab', docName: 'doc', doc: new Y.Doc() }, events);
    adapter.params.token = 'secret';
    adapter.connect();
  });

  afterEach(() => {
    adapter.destroy();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('opts into the channel version this build speaks, with the token', () => {
    const url = new URL(latest().url);
    // The opt-in stays `tandem=1`, which servers from before versioning also accept.
    expect(url.searchParams.get(TANDEM_OPT_IN_PARAM)).toBe('1');
    expect(url.searchParams.get(TANDEM_VERSION_PARAM)).toBe(String(TANDEM_CHANNEL_VERSION));
    expect(url.searchParams.get('token')).toBe('secret');
  });

  it('reports the retry the provider really waits, from the one backoff function', () => {
    for (let attempt = 1; attempt <= 7; attempt++) {
      const socket = latest();
      socket.serverCloses(1006);
      const retryInMs = reconnectDelayMs(attempt);
      expect(events.log.at(-1)).toBe(`retrying ${retryInMs}`);
      const opened = ScriptedSocket.created.length;
      vi.advanceTimersByTime(retryInMs - 1);
      expect(ScriptedSocket.created.length, `attempt ${attempt}: not before ${retryInMs} ms`).toBe(opened);
      vi.advanceTimersByTime(1);
      expect(ScriptedSocket.created.length, `attempt ${attempt}: at ${retryInMs} ms`).toBe(opened + 1);
    }
  });

  it('reconnect() drops the socket without announcing this replica as gone and redials; disconnect() announces it', () => {
    const first = latest();
    first.open();
    const me = adapter.awareness.clientID;
    adapter.awareness.setLocalStateField('lockRequests', ['s-1']);
    const sentBefore = first.sent.length;
    adapter.reconnect();
    expect(first.closedByClient).toBe(true);
    expect(departuresIn(first.sent.slice(sentBefore), me)).toBe(0);
    first.serverCloses(1005); // the browser's close event for a socket we closed
    vi.advanceTimersByTime(MAX_BACKOFF_MS);
    expect(ScriptedSocket.created.length).toBe(2);

    const second = latest();
    second.open();
    const sentOnSecond = second.sent.length;
    adapter.disconnect();
    expect(departuresIn(second.sent.slice(sentOnSecond), me)).toBe(1);
  });

  it('reports a final close as a refusal, without a retry', () => {
    latest().serverCloses(CloseCode.forbidden, 'access revoked');
    expect(events.log.slice(-2)).toEqual(['lost', `refused ${CloseCode.forbidden} access revoked`]);
    const opened = ScriptedSocket.created.length;
    vi.advanceTimersByTime(MAX_BACKOFF_MS * 2);
    expect(ScriptedSocket.created.length).toBe(opened);
  });

  it('hands every decoded Tandem kind on, an unknown one too, and keeps the socket open', () => {
    const socket = latest();
    socket.open();
    socket.receive(tandemFrame(77, 1, 2, 3));
    socket.receive(tandemFrame(1, 5));
    expect(events.tandem).toEqual([
      { kind: 'unknown', code: 77 },
      { kind: 'flushed', nonce: 5 },
    ]);
    expect(socket.closedByClient).toBe(false);
    expect(adapter.connected).toBe(true);
  });

  it("tells editor extensions waiting on the provider's `synced` event when the first sync is done", () => {
    const seen: boolean[] = [];
    const listener = (synced: boolean): void => void seen.push(synced);
    adapter.on('synced', listener);
    const socket = latest();
    socket.open();
    socket.receive(encodeSyncStep2(new Y.Doc(), Y.encodeStateVector(new Y.Doc())));
    expect(seen).toEqual([true]);
    expect(adapter.synced).toBe(true);
    adapter.off('synced', listener);
    socket.serverCloses(1006);
    expect(seen).toEqual([true]);
  });

  it('sends Tandem messages only on an open socket', () => {
    expect(adapter.sendTandem({ kind: 'flushRequest', nonce: 1 })).toBe(false);
    const socket = latest();
    socket.open();
    expect(adapter.sendTandem({ kind: 'flushRequest', nonce: 2 })).toBe(true);
    const frame = socket.sent.at(-1);
    if (!frame) throw new Error('nothing sent');
    const decoder = decoding.createDecoder(frame);
    expect(decoding.readVarUint(decoder)).toBe(MessageType.tandem);
    expect(decodeTandemBody(decoder)).toEqual({ ok: true, value: { kind: 'flushRequest', nonce: 2 } });
  });
});
