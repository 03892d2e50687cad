/**
 * Prebuilt shared frames (server/transport/wireFrames.ts): a real ws client receives every payload intact, in
 * the order sent, whether it was written as a prebuilt frame (each header size) or framed by ws (large ones,
 * pings), and one payload is framed once for every socket.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { binarySender, MAX_SHARED_FRAME_BYTES, wireFrame } from '../../server/transport/wireFrames.js';
import { waitUntil } from '../helpers/wait.js';

let server: WebSocketServer | null = null;
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = null;
});

/** `count` clients connected to a fresh server; resolves with the server-side sockets and what each client receives. */
async function connected(count: number): Promise<{ sockets: WebSocket[]; received: Buffer[][] }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server = wss;
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  const sockets: WebSocket[] = [];
  const received: Buffer[][] = [];
  const accepted = new Promise<void>((resolve) =>
    wss.on('connection', (socket) => {
      sockets.push(socket);
      if (sockets.length === count) resolve();
    }),
  );
  for (let i = 0; i < count; i++) {
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    const inbox: Buffer[] = [];
    client.on('message', (data) => inbox.push(data as Buffer));
    received.push(inbox);
    clients.push(client);
  }
  await accepted;
  return { sockets, received };
}

function payload(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);
}

describe('shared wire frames', () => {
  it('delivers every payload intact and in order, prebuilt or framed by ws, around pings', async () => {
    const { sockets, received } = await connected(1);
    const socket = sockets[0]!;
    // Each header form (7-bit, 16-bit, 64-bit length), both sides of the prebuilt limit, an empty payload.
    const sizes = [0, 1, 125, 126, 65_535, 65_536, MAX_SHARED_FRAME_BYTES + 1, 300_000, 3];
    const sent = sizes.map((size, i) => payload(size, i));
    const send = binarySender(socket);
    sent.forEach((bytes, i) => {
      send(bytes);
      if (i % 3 === 0) socket.ping();
      if (i === 4) socket.send(payload(10, 99)); // ws's own framing in between
    });
    const expected = [...sent.slice(0, 5), payload(10, 99), ...sent.slice(5)];
    await waitUntil(() => received[0]!.length === expected.length, [[clients[0]!, 'message']], 'every frame arrives');
    expect(received[0]!.map((frame) => Buffer.from(frame).toString('hex'))).toEqual(expected.map((bytes) => Buffer.from(bytes).toString('hex')));
  });

  it('frames one payload once for every socket', async () => {
    const { sockets, received } = await connected(3);
    const shared = payload(2_000, 7);
    expect(wireFrame(shared)).toBe(wireFrame(shared));
    for (const socket of sockets) binarySender(socket)(shared);
    await waitUntil(() => received.every((inbox) => inbox.length === 1), clients.map((client) => [client, 'message'] as const), 'all three receive it');
    for (const inbox of received) expect(Buffer.compare(inbox[0]!, Buffer.from(shared))).toBe(0);
  });
});
