/** The fault relay (tests/helpers/faultRelay.ts) against a tiny echo server. */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { FaultRelay } from '../helpers/faultRelay.js';
import { createPrng } from '../helpers/prng.js';
import { nextEvent, waitUntil } from '../helpers/wait.js';

/** Echoes every frame. A frame is [n, ...n bytes]; one whose length byte lies is refused with 4400,
 *  like Tandem refuses a truncated frame. */
async function echoServer(): Promise<{ url: string; paths: string[]; received: Buffer[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await nextEvent(wss as never, 'listening');
  const paths: string[] = [];
  const received: Buffer[] = [];
  wss.on('connection', (socket, request) => {
    paths.push(request.url ?? '');
    socket.on('message', (data: Buffer) => {
      received.push(data);
      if (data[0] !== data.length - 1) socket.close(4400, 'truncated frame');
      else socket.send(data);
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    paths,
    received,
    close: () => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => resolve());
    }),
  };
}

function frame(n: number): Buffer {
  const body = Buffer.from(`frame-${n}`);
  return Buffer.concat([Buffer.from([body.length]), body]);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function setup(latency = 0, jitter = 0) {
  const echo = await echoServer();
  const relay = await FaultRelay.start({ target: echo.url, prng: createPrng(5), latency, jitter });
  cleanups.push(() => echo.close(), () => relay.close());
  const socket = new WebSocket(`${relay.url.replace(/^http/, 'ws')}/collab/doc?token=abc`);
  const got: string[] = [];
  socket.on('message', (data: Buffer) => got.push(data.subarray(1).toString()));
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.on('error', () => undefined);
  cleanups.push(() => socket.terminate());
  await nextEvent(socket as never, 'open');
  return { echo, relay, socket, got, closed };
}

describe('FaultRelay', () => {
  test('forwards path and query and keeps frame order under latency and jitter', async () => {
    const { echo, relay, socket, got } = await setup(5, 40);
    for (let i = 0; i < 200; i++) socket.send(frame(i));
    await waitUntil(() => got.length === 200, [[socket as never, 'message']], '200 echoes', 10_000, () => got.length);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => `frame-${i}`));
    expect(echo.paths).toEqual(['/collab/doc?token=abc']);
    expect(relay.stats.framesToServer).toBe(200);
    expect(relay.stats.framesToClient).toBe(200);
  });

  test('a reset closes the client without a close frame (1006)', async () => {
    const { relay, closed } = await setup();
    expect(relay.inject('reset')).toBe(true);
    expect(await closed).toBe(1006);
    expect(relay.stats.resets).toBe(1);
    expect(relay.live).toBe(0);
  });

  test('a black hole drops frames both ways, then resets the connection', async () => {
    const { echo, relay, socket, got, closed } = await setup();
    socket.send(frame(1));
    await waitUntil(() => got.length === 1, [[socket as never, 'message']], 'first echo');
    relay.inject('blackhole', 300);
    for (let i = 2; i < 10; i++) socket.send(frame(i));
    expect(await closed).toBe(1006);
    expect(got).toEqual(['frame-1']);
    expect(echo.received).toHaveLength(1);
    expect(relay.stats.dropped).toBe(8);
    expect(relay.stats.blackholes).toBe(1);
  });

  test('a cut sends half a frame as a whole one, drops the client and records the server verdict', async () => {
    const { echo, relay, socket, closed } = await setup();
    relay.inject('cut');
    const whole = frame(12345);
    socket.send(whole);
    expect(await closed).toBe(1006);
    await waitUntil(() => relay.stats.cutCloseCodes.length === 1, [[relay.events, 'change']], 'server verdict');
    expect(echo.received).toEqual([whole.subarray(0, Math.floor(whole.length / 2))]);
    expect(relay.stats.cuts).toBe(1);
    expect(relay.stats.cutCloseCodes).toEqual([4400]);
  });

  test('a server close code is passed on to the client', async () => {
    const { socket, closed, relay } = await setup();
    socket.send(Buffer.from([9, 1])); // lying length byte: the echo server closes with 4400
    expect(await closed).toBe(4400);
    expect(relay.stats.upstreamCloseCodes).toEqual([4400]);
  });
});
