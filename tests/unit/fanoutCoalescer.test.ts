/**
 * Fan-out pacing (issue #12 item 2, server/room/fanoutCoalescer.ts): a quiet room sends an update at once;
 * a busy one sends what became durable within an interval as one merged frame; every peer converges and
 * nothing reaches anyone before it is durable.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { FanoutCoalescer, type DurableUpdate } from '../../server/room/fanoutCoalescer.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { roomHarness, waitFor, type RoomHarness } from '../helpers/roomHarness.js';
import { documentText } from '../helpers/yBlocks.js';

/** Updates of one replica typing `chars` one transaction each. */
function typedUpdates(chars: string): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (const char of chars) doc.getText('t').insert(doc.getText('t').length, char);
  doc.destroy();
  return updates;
}

function textOf(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  updates.forEach((update) => Y.applyUpdate(doc, update));
  return doc.getText('t').toString();
}

describe('FanoutCoalescer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends at once when quiet, holds within the interval, then sends one merged frame', () => {
    vi.useFakeTimers();
    let now = 1000;
    const tick = (ms: number) => {
      now += ms;
      vi.advanceTimersByTime(ms);
    };
    const sent: Array<{ update: Uint8Array; queuedAt: number }> = [];
    const coalescer = new FanoutCoalescer((update, queuedAt) => sent.push({ update, queuedAt }), 16, () => now);
    const [a, b, c, d] = typedUpdates('abcd').map((update, i): DurableUpdate => ({ update, queuedAt: 100 + i }));

    coalescer.add([a!]);
    expect(sent).toHaveLength(1); // quiet room: no delay

    tick(5);
    coalescer.add([b!]);
    tick(5);
    coalescer.add([c!]);
    expect(sent).toHaveLength(1); // within 16 ms of the last frame: held

    tick(5);
    expect(sent).toHaveLength(1); // 15 ms since the last frame
    tick(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.queuedAt).toBe(101); // the oldest held update's
    expect(textOf(sent.map((frame) => frame.update))).toBe('abc');

    tick(100);
    coalescer.add([d!]);
    expect(sent).toHaveLength(3); // quiet again: at once
    expect(textOf(sent.map((frame) => frame.update))).toBe('abcd');
  });

  it('spaces frames by three times what the last one took to send, at most 16 ms', () => {
    vi.useFakeTimers();
    let now = 0;
    let sendCost = 4;
    const tick = (ms: number) => {
      now += ms;
      vi.advanceTimersByTime(ms);
    };
    const sent: Uint8Array[] = [];
    // No minimum: only the cost of sending spaces frames.
    const coalescer = new FanoutCoalescer((update) => {
      sent.push(update);
      now += sendCost;
    }, 0, () => now);
    const updates = typedUpdates('abcdef').map((update): DurableUpdate => ({ update, queuedAt: 0 }));

    coalescer.add([updates[0]!]); // costs 4 ms: the next frame may go 12 ms after it ended
    tick(11);
    coalescer.add([updates[1]!]);
    expect(sent).toHaveLength(1);
    sendCost = 10;
    tick(1);
    expect(sent).toHaveLength(2); // costs 10 ms: 30, capped at 16

    tick(15);
    coalescer.add([updates[2]!]);
    expect(sent).toHaveLength(2);
    tick(1);
    expect(sent).toHaveLength(3);

    sendCost = 0; // a cheap frame: no gap at all
    tick(16);
    coalescer.add([updates[3]!]);
    coalescer.add([updates[4]!]);
    coalescer.add([updates[5]!]);
    expect(sent).toHaveLength(6);
    expect(textOf(sent)).toBe('abcdef');
  });

  it('flush sends what is held now; dispose drops it and sends nothing more', () => {
    vi.useFakeTimers();
    let now = 0;
    const sent: Uint8Array[] = [];
    const coalescer = new FanoutCoalescer((update) => sent.push(update), 16, () => now);
    const [a, b, c] = typedUpdates('abc').map((update): DurableUpdate => ({ update, queuedAt: 0 }));
    coalescer.add([a!]);
    now += 1;
    coalescer.add([b!]);
    coalescer.flush();
    expect(sent).toHaveLength(2);
    now += 1;
    coalescer.add([c!]);
    coalescer.dispose();
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(2);
  });
});

describe('room fan-out', () => {
  let harness: RoomHarness;
  afterEach(() => harness.destroy());

  it('sends the updates of one durable batch as one frame, and every peer converges', async () => {
    harness = await roomHarness();
    const { store } = harness;
    const peers = [await harness.connectedPeer('ada'), await harness.connectedPeer('bob'), await harness.connectedPeer('carl')];
    const [ada] = peers;
    const before = peers.map((peer) => peer.framesOf('syncUpdate').length);

    // Three updates in one event-loop turn: one append (roomWritePath rule 2), so one durable batch.
    ada!.type('a');
    ada!.type('b');
    ada!.type('c');
    await waitFor(() => documentText(store.durableDoc(harness.docName)) === 'abc', [[store, 'durable']], 'all three edits durable');
    await waitFor(() => peers.every((peer) => peer.text() === 'abc'), peers.map((peer) => [peer, 'frame'] as const), 'every peer converges');

    peers.forEach((peer, i) => expect(peer.framesOf('syncUpdate').length - before[i]!, `${peer.identity.name}'s update frames`).toBe(1));
    expect(harness.unstoredDeliveries).toEqual([]);
  });

  it('holds what a busy room made durable until the interval ends, and still delivers it before closing', async () => {
    // An interval no test run reaches: what is held stays held until the room flushes it.
    harness = await roomHarness(undefined, undefined, { fanoutIntervalMs: 3_600_000 });
    const { store } = harness;
    const ada = await harness.connectedPeer('ada');
    const bob = await harness.connectedPeer('bob');
    const durableText = () => documentText(store.durableDoc(harness.docName));

    ada.type('a');
    await waitFor(() => bob.text() === 'a', [[bob, 'frame']], 'the first edit of a quiet room goes out at once');
    const framesBefore = bob.framesOf('syncUpdate').length;

    ada.type('b');
    await waitFor(() => durableText() === 'ab', [[store, 'durable']], 'b durable');
    ada.type('c');
    await waitFor(() => durableText() === 'abc', [[store, 'durable']], 'c durable');
    expect(bob.text()).toBe('a'); // durable, held for the next frame

    await harness.room.closeAll(CloseCode.unavailable, 'server shutting down');
    expect(bob.text()).toBe('abc');
    expect(bob.framesOf('syncUpdate').length - framesBefore).toBe(1);
    expect(bob.closedWith?.code).toBe(CloseCode.unavailable);
    expect(harness.unstoredDeliveries).toEqual([]);
  });
});
