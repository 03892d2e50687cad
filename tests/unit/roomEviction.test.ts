/**
 * RoomRegistry's eviction rule (registry.ts header): a room leaves memory only once its last peer has left
 * AND everything it holds is durable and folded into a checkpoint; a peer that joins while the eviction
 * waits on storage keeps the room, and sees what was typed before it joined.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Role, type Identity } from '../../shared/auth.js';
import { encodeSyncStep1 } from '../../shared/protocol/frames.js';
import { loggerOver } from '../../server/log.js';
import { Metrics } from '../../server/metrics.js';
import { RoomRegistry } from '../../server/room/registry.js';
import { HarnessPeer, MemoryStore, waitFor } from '../helpers/roomHarness.js';
import { documentText } from '../helpers/yBlocks.js';

const DOC = 'evicted-doc';
let registry: RoomRegistry;
let store: MemoryStore;
const peers: HarnessPeer[] = [];

afterEach(async () => {
  store.release();
  await registry.shutdown(async () => undefined);
  for (const peer of peers) peer.doc.destroy();
  peers.length = 0;
});

function identity(name: string): Identity {
  return { userId: name, name, color: '#336699', role: Role.editor, doc: DOC };
}

/** A peer joined through the registry (as a Connection is), its sync step 1 sent. */
async function joined(name: string, id: number): Promise<HarnessPeer> {
  const { room, release } = await registry.hold(DOC);
  const peer = new HarnessPeer(room, id, identity(name));
  peers.push(peer);
  registry.join(DOC, peer);
  release();
  peer.sendToRoom(encodeSyncStep1(peer.doc));
  await waitFor(() => peer.framesOf('syncStep2').length > 0, [[peer, 'frame']], `${name} synced`);
  return peer;
}

function leave(peer: HarnessPeer): void {
  registry.get(DOC)?.leave(peer);
}

describe('room eviction', () => {
  it('waits until the last peer’s edit is durable and checkpointed before the room leaves memory', async () => {
    store = new MemoryStore();
    registry = new RoomRegistry({ store, logger: loggerOver(() => undefined), metrics: new Metrics() });
    const ada = await joined('ada', 1);
    const room = registry.get(DOC);
    store.hold();
    ada.type('last words');
    await waitFor(() => store.heldCount === 1, [[store, 'append']], 'the edit’s append is held');
    leave(ada);

    // Idle, but not durable: the room stays, live, holding the only copy of the edit besides ada's.
    expect(registry.get(DOC)).toBe(room);
    expect(room?.state.kind).toBe('live');

    store.release();
    await registry.evictionsSettled();
    expect(registry.get(DOC)).toBeUndefined();
    const stored = await store.load(DOC);
    expect(stored.checkpoint).not.toBeNull();
    expect(documentText(store.durableDoc(DOC))).toBe('last words');
  });

  it('keeps the room for a peer who joins while the eviction waits on storage', async () => {
    store = new MemoryStore();
    registry = new RoomRegistry({ store, logger: loggerOver(() => undefined), metrics: new Metrics() });
    const ada = await joined('ada', 1);
    const room = registry.get(DOC);
    store.hold();
    ada.type('for bob');
    await waitFor(() => store.heldCount === 1, [[store, 'append']], 'the edit’s append is held');
    leave(ada);

    const bob = new HarnessPeer(room!, 2, identity('bob'));
    peers.push(bob);
    expect(registry.join(DOC, bob)).toBe(room);
    bob.sendToRoom(encodeSyncStep1(bob.doc));
    store.release();
    await waitFor(() => bob.text() === 'for bob', [[bob, 'frame']], 'bob gets the edit made before he joined');
    await registry.evictionsSettled();
    expect(registry.get(DOC)).toBe(room);
    expect(room?.state.kind).toBe('live');
    bob.type('!');
    await waitFor(() => documentText(store.durableDoc(DOC)) === 'for bob!', [[store, 'durable']], 'bob’s edit is stored by the kept room');
  });
});
