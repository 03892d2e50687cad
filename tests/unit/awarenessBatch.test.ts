/**
 * Awareness batching (issue #12 item 2): the room publishes the awareness changes of one interval as one
 * frame, so n peers moving their carets cost each recipient one frame per interval, not n.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { encodeAwarenessFrame } from '../../shared/protocol/frames.js';
import { roomHarness, waitFor, type HarnessPeer, type RoomHarness } from '../helpers/roomHarness.js';

let harness: RoomHarness;
const replicas: Awareness[] = [];

afterEach(() => {
  for (const replica of replicas.splice(0)) replica.destroy();
  harness.destroy();
});

/** What a browser tab's Awareness would hold: every awareness frame the peer receives, applied. */
function awarenessReplica(peer: HarnessPeer): Awareness {
  const replica = new Awareness(new Y.Doc());
  replica.setLocalState(null);
  replicas.push(replica);
  peer.on('frame', (frame: { kind: string; bytes: Uint8Array }) => {
    if (frame.kind !== 'awareness') return;
    const decoder = decoding.createDecoder(frame.bytes);
    decoding.readVarUint(decoder); // message type
    applyAwarenessUpdate(replica, decoding.readVarUint8Array(decoder), 'room');
  });
  return replica;
}

/** The peer's own awareness state, sent as a stock provider sends it. */
function sendOwnState(peer: HarnessPeer, state: Record<string, unknown>): void {
  const own = new Awareness(peer.doc);
  own.setLocalState(state);
  peer.sendToRoom(encodeAwarenessFrame(encodeAwarenessUpdate(own, [own.clientID])));
  own.destroy();
}

describe('awareness batching', () => {
  it('publishes the states n peers set within one interval as one frame to each peer, carrying all n', async () => {
    harness = await roomHarness();
    const n = 6;
    const peers: HarnessPeer[] = [];
    for (let i = 0; i < n; i++) peers.push(await harness.connectedPeer(`user${i}`));
    const replicas = peers.map(awarenessReplica);
    const framesBefore = peers.map((peer) => peer.framesOf('awareness').length);

    // One event-loop turn: well inside one interval.
    peers.forEach((peer, i) => sendOwnState(peer, { caret: i }));

    const expected = new Map(peers.map((peer, i) => [peer.doc.clientID, i]));
    const holdsEveryState = (replica: Awareness) =>
      [...expected].every(([clientId, caret]) => (replica.getStates().get(clientId) as { caret?: number } | undefined)?.caret === caret);
    await waitFor(() => replicas.every(holdsEveryState), peers.map((peer) => [peer, 'frame'] as const), 'every peer holds every state');

    peers.forEach((peer, i) => {
      const frames = peer.framesOf('awareness').slice(framesBefore[i]);
      expect(frames, `${peer.identity.name} receives one awareness frame`).toHaveLength(1);
    });
  });

  it('publishes a departed peer’s removal to the others', async () => {
    harness = await roomHarness();
    const ada = await harness.connectedPeer('ada');
    const bob = await harness.connectedPeer('bob');
    const bobsView = awarenessReplica(bob);
    sendOwnState(ada, { caret: 1 });
    await waitFor(() => bobsView.getStates().has(ada.doc.clientID), [[bob, 'frame']], 'bob sees ada');

    harness.room.leave(ada);
    await waitFor(() => !bobsView.getStates().has(ada.doc.clientID), [[bob, 'frame']], 'bob sees ada leave');
  });
});
