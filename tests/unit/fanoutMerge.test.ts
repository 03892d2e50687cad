/**
 * Fan-out of a durable batch (issue #12 item 2): the updates of one append reach each peer as one frame of
 * their merged updates, after they are durable, and every replica converges.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { roomHarness, waitFor, type RoomHarness } from '../helpers/roomHarness.js';
import { documentText } from '../helpers/yBlocks.js';

let harness: RoomHarness;

afterEach(() => harness.destroy());

describe('durable batch fan-out', () => {
  it('sends the updates of one turn as fewer frames than updates, and every peer converges', async () => {
    harness = await roomHarness();
    const { store } = harness;
    const ada = await harness.connectedPeer('ada');
    const bob = await harness.connectedPeer('bob');
    const carl = await harness.connectedPeer('carl');
    const before = [ada, bob, carl].map((peer) => peer.framesOf('syncUpdate').length);
    const appendsBefore = store.appendCalls.length;

    // Several updates in one event-loop turn: one append (roomWritePath rule 2), so one durable batch.
    ada.type('a');
    ada.type('b');
    ada.type('c');
    const durableText = () => documentText(store.durableDoc(harness.docName));
    await waitFor(() => durableText() === 'abc', [[store, 'durable']], 'all three edits durable');
    const expected = 'abc';
    await waitFor(() => [ada, bob, carl].every((peer) => peer.text() === expected), [ada, bob, carl].map((peer) => [peer, 'frame'] as const), 'every peer converges');

    const rows = store.appendCalls.slice(appendsBefore).flatMap((batches) => batches.flatMap((batch) => batch.rows));
    expect(rows).toHaveLength(3);
    [ada, bob, carl].forEach((peer, i) => {
      expect(peer.framesOf('syncUpdate').length - (before[i] ?? 0), `${peer.identity.name}'s update frames`).toBe(1);
    });
    expect(harness.unstoredDeliveries).toEqual([]);
  });
});
