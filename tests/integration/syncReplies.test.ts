/**
 * The send-queue bound with real sockets (Connection over ws, no room): a full-state frame larger than the
 * bound reaches an honest reader together with the frames queued behind it, while a socket that never reads
 * is closed as a slow consumer once all but its largest frame pass the bound.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { MAX_SEND_QUEUE_BYTES } from '../../shared/limits.js';
import { listenWithConnections } from '../helpers/connectionServer.js';

/** Bigger than the bound plus whatever the kernel buffers on loopback (a few MiB each way). */
const BIG = Math.round(MAX_SEND_QUEUE_BYTES * 2.5);

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function listen() {
  return listenWithConnections(cleanups);
}

/** A WebSocket client that completes the handshake and then never reads another byte. */
async function nonReader(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  let head = '';
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
  });
  expect(head.startsWith('HTTP/1.1 101')).toBe(true);
  return socket;
}

const small = (): Uint8Array => new Uint8Array(64).fill(7);

describe('send queue bound', () => {
  it('delivers a full-state frame larger than the bound, and the frames behind it, to an honest reader', async () => {
    const server = await listen();
    const accepted = server.next();
    const client = new WebSocket(`ws://127.0.0.1:${server.port}/`, { maxPayload: 2 * BIG });
    cleanups.push(() => client.terminate());
    const sizes: number[] = [];
    client.on('message', (data: Buffer) => sizes.push(data.length));
    await new Promise<void>((resolve) => client.once('open', resolve));
    const { connection } = await accepted;

    connection.send(new Uint8Array(BIG)); // the shared full state
    for (let i = 0; i < 100; i++) connection.send(small()); // the tail, queued right behind it
    let sent = 101;
    expect(connection.state).toEqual({ kind: 'open' });
    // Awareness and edits keep coming while the client downloads, and after.
    while (sizes.length < sent) {
      connection.send(small());
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(connection.state).toEqual({ kind: 'open' });
    expect(sizes).toHaveLength(sent);
    expect(sizes[0]).toBe(BIG);
    expect(connection.state).toEqual({ kind: 'open' });
  });

  it('closes a socket that never reads once everything but its largest frame passes the bound', async () => {
    const server = await listen();
    const accepted = server.next();
    await nonReader(server.port);
    const { connection } = await accepted;

    connection.send(new Uint8Array(BIG));
    for (let i = 0; i < 100; i++) connection.send(small());
    expect(connection.state).toEqual({ kind: 'open' });
    // A second full state on top of an unread first one: the first alone is over the bound.
    connection.send(new Uint8Array(BIG));
    expect(connection.state).toEqual({ kind: 'closed', code: CloseCode.unavailable });
  });

  it('closes a socket that never reads after about the bound in ordinary frames, not before', async () => {
    const server = await listen();
    const accepted = server.next();
    await nonReader(server.port);
    const { connection } = await accepted;

    const frame = 1024 * 1024;
    const boundFrames = MAX_SEND_QUEUE_BYTES / frame;
    let sent = 0;
    while (connection.state.kind === 'open' && sent < 4 * boundFrames) {
      connection.send(new Uint8Array(frame));
      sent++;
    }
    expect(connection.state).toEqual({ kind: 'closed', code: CloseCode.unavailable });
    // The kernel buffers some MiB on loopback before anything queues in the process.
    expect(sent).toBeGreaterThan(boundFrames);
    expect(sent).toBeLessThan(boundFrames + 48);
  });
});
