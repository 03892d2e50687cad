/**
 * A hostile reader against the busy-socket backlog (server/transport/updateBacklog.ts, Connection.send): it
 * never reads while a room streams updates at it. What it may cost the server is bounded: the bytes queued
 * for it plus the updates held for it never pass MAX_SEND_QUEUE_BYTES by more than one merge's worth
 * (MAX_HELD_BYTES) and one frame, it is closed as a slow consumer (4503, it resyncs on reconnect), and no
 * merge is ever given more than MAX_HELD_BYTES of held updates (plus the one that tipped it), so no single
 * merge can hold the event loop for a long time. An honest reader on the same stream gets every update.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { MAX_SEND_QUEUE_BYTES } from '../../shared/limits.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeSyncUpdate } from '../../shared/protocol/frames.js';
import { MessageType } from '../../shared/protocol/messages.js';
import { BUSY_SOCKET_BYTES, MAX_HELD_BYTES } from '../../server/transport/updateBacklog.js';
import { type AcceptedConnection, listenWithConnections } from '../helpers/connectionServer.js';
import { waitUntil } from '../helpers/wait.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Each update carries this many bytes: big enough to reach the bound in a few thousand sends. */
const CHUNK = 64 * 1024;
/** Enough updates to pass the bound one and a half times over. */
const UPDATES = Math.ceil((1.5 * MAX_SEND_QUEUE_BYTES) / CHUNK);

async function connect(server: Awaited<ReturnType<typeof listenWithConnections>>): Promise<{ client: WebSocket; accepted: AcceptedConnection }> {
  const next = server.next();
  const client = new WebSocket(`ws://127.0.0.1:${server.port}/`);
  cleanups.push(() => client.terminate());
  await new Promise<void>((resolve) => client.once('open', resolve));
  return { client, accepted: await next };
}

describe('a reader that never reads', () => {
  it('costs bounded memory, is closed as a slow consumer, never makes one huge merge; an honest reader gets everything', async () => {
    const server = await listenWithConnections(cleanups);
    const hostile = await connect(server);
    const honest = await connect(server);
    const honestDoc = new Y.Doc();
    honest.client.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(decoder) === MessageType.sync) syncProtocol.readSyncMessage(decoder, { writeVarUint: () => undefined } as never, honestDoc, 'server');
    });

    // Every frame larger than the prebuilt-frame size goes through ws's own send: the merged frames among them.
    const sentSizes: number[] = [];
    const send = hostile.accepted.socket.send.bind(hostile.accepted.socket);
    hostile.accepted.socket.send = ((data: Uint8Array, ...rest: never[]) => {
      sentSizes.push(data.length);
      return send(data, ...rest);
    }) as typeof hostile.accepted.socket.send;

    (hostile.client as unknown as { _socket: { pause(): void } })._socket.pause();
    const writer = new Y.Doc();
    // Binary values: the bytes dominate each update and merging them costs little (a copy), unlike long strings.
    const map = writer.getMap<Uint8Array>('m');
    let peak = 0;
    let sentWhileOpen = 0;
    const held = (): number => (hostile.accepted.connection as unknown as { backlog: { heldBytes: number } }).backlog.heldBytes;
    writer.on('update', (update: Uint8Array) => {
      const frame = encodeSyncUpdate(update);
      for (const { connection } of [hostile.accepted, honest.accepted]) connection.send(frame);
      if (hostile.accepted.connection.state.kind === 'open') sentWhileOpen++;
      peak = Math.max(peak, hostile.accepted.socket.bufferedAmount + held());
    });
    for (let i = 0; i < UPDATES; i++) {
      map.set(`k${i}`, new Uint8Array(CHUNK).fill(i % 251));
      // Let the honest socket's stream write what it can (and the hostile one fill the kernel's buffers).
      if (i % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
    }

    expect(hostile.accepted.connection.state).toEqual({ kind: 'closed', code: CloseCode.unavailable });
    expect(sentWhileOpen).toBeLessThan(UPDATES);
    // Bounded: the queue bound, plus one merge's worth of held updates and one frame past it.
    expect(peak).toBeLessThanOrEqual(MAX_SEND_QUEUE_BYTES + MAX_HELD_BYTES + 2 * CHUNK + 1024);
    // Held updates were merged (frames larger than one update are merged ones) while the reader never drained:
    // held bytes are merged and queued once they reach MAX_HELD_BYTES, so no merge was fed more than that and one update.
    const merged = sentSizes.filter((bytes) => bytes > CHUNK + 1024);
    expect(merged.length).toBeGreaterThan(0);
    expect(Math.max(...merged)).toBeGreaterThan(BUSY_SOCKET_BYTES);
    expect(Math.max(...merged)).toBeLessThanOrEqual(MAX_HELD_BYTES + 2 * CHUNK);
    expect(honest.accepted.connection.state).toEqual({ kind: 'open' });
    const honestMap = honestDoc.getMap<Uint8Array>('m');
    await waitUntil(() => honestMap.size === UPDATES, [[honestDoc, 'update']], 'the honest reader has every update', 30_000);
    for (let i = 0; i < UPDATES; i += 97) expect(honestMap.get(`k${i}`)).toEqual(new Uint8Array(CHUNK).fill(i % 251));
  });
});
