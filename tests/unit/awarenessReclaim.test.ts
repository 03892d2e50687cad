/** RoomAwareness with the room's durable clientID bindings, over in-memory peers: a departed user's
 *  awareness clientID stays hers; her own return (reconnect, reload, second tab) works as before. */
import { afterEach, describe, expect, it } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { type Identity, Role } from '../../shared/auth.js';
import { type AwarenessEntry, encodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';
import { Metrics } from '../../server/metrics.js';
import { ClientBindings } from '../../server/room/clientBindings.js';
import type { RoomPeer } from '../../server/peers/peer.js';
import { RoomAwareness } from '../../server/room/roomAwareness.js';

const identity = (userId: string, name: string, role: Identity['role'] = Role.editor): Identity => ({ userId, name, color: '#3e63dd', role, doc: '*' });
const ADA = identity('u-ada', 'Ada');
const MALLORY = identity('u-mallory', 'Mallory');

let nextPeerId = 1;
function peer(who: Identity): RoomPeer & { closed: string[] } {
  const created: RoomPeer & { closed: string[] } = {
    id: nextPeerId++,
    identity: who,
    optedIn: false,
    tandemVersion: null,
    origin: { kind: 'peer', get peer() { return created; } },
    closed: [],
    send: () => undefined,
    close: (_code, reason) => void created.closed.push(reason),
  };
  return created;
}

function setup(stored: Parameters<ClientBindings['restore']>[0] = []) {
  const doc = new Y.Doc();
  const awareness = new Awareness(doc);
  awareness.setLocalState(null);
  const bindings = new ClientBindings();
  bindings.restore(stored);
  const metrics = new Metrics();
  const gate = new RoomAwareness(awareness, metrics, bindings);
  const send = (from: RoomPeer, ...entries: AwarenessEntry[]): void => gate.receive(from, encodeAwarenessUpdate(entries));
  const stateOf = (clientId: number) => awareness.getStates().get(clientId) as Record<string, unknown> | undefined;
  const clockOf = (clientId: number) => awareness.meta.get(clientId)?.clock;
  const refused = () => metrics.value('tandem_awareness_refused_total');
  cleanups.push(() => (awareness.destroy(), doc.destroy()));
  return { awareness, bindings, gate, send, stateOf, clockOf, refused };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

describe('RoomAwareness: clientID bindings', () => {
  it('binds a clientID to the user of the connection that first claims it, and knows its owner', () => {
    const room = setup();
    const ada = peer(ADA);
    room.send(ada, { clientId: 7, clock: 1, state: { note: 'hi' } });
    expect(room.bindings.userOf(7)).toBe('u-ada');
    expect(room.bindings.takeUnsaved()).toEqual([{ clientId: 7, userId: 'u-ada' }]);
    expect(room.gate.identityOf(7)).toBe(ADA);
    room.gate.release(ada, 'lost');
    expect(room.gate.identityOf(7)).toBeUndefined();
  });

  it('does not let another user claim a departed user’s clientID, as a “returning” client or with a newer clock', async () => {
    const room = setup();
    const ada = peer(ADA);
    room.send(ada, { clientId: 7, clock: 3, state: { note: 'ada' } });
    room.gate.release(ada, 'lost');
    expect(room.stateOf(7)).toBeUndefined();
    const clock = room.clockOf(7) as number;

    // Mallory's fresh connection re-sends Ada's id at the clock the room has: the returning-client shape.
    const mallory = peer(MALLORY);
    room.send(mallory, { clientId: 7, clock, state: { note: 'mallory as ada' } });
    expect(room.stateOf(7)).toBeUndefined();
    room.send(mallory, { clientId: 7, clock: clock + 5, state: { note: 'mallory as ada' } });
    expect(room.stateOf(7)).toBeUndefined();
    expect(await room.refused()).toBe(1);
    expect(room.gate.identityOf(7)).toBeUndefined();
    expect(room.bindings.userOf(7)).toBe('u-ada');
    // Mallory still has her one clientID to claim: the refusals did not use it up.
    room.send(mallory, { clientId: 8, clock: 1, state: { note: 'mallory' } });
    expect(room.stateOf(8)).toMatchObject({ note: 'mallory', user: { id: 'u-mallory' } });

    // Ada herself comes back on a new connection: her unchanged state is republished one clock later.
    const adaAgain = peer(ADA);
    room.send(adaAgain, { clientId: 7, clock, state: { note: 'ada' } });
    expect(room.stateOf(7)).toMatchObject({ note: 'ada', user: { id: 'u-ada' } });
    expect(room.clockOf(7)).toBe(clock + 1);
    expect(room.gate.identityOf(7)).toBe(ADA);
  });

  it('holds a binding stored before a restart: only its user may use the id', async () => {
    const room = setup([{ clientId: 9, userId: 'u-ada' }]);
    const mallory = peer(MALLORY);
    room.send(mallory, { clientId: 9, clock: 1, state: { note: 'mallory' } });
    expect(room.stateOf(9)).toBeUndefined();
    expect(await room.refused()).toBe(1);
    const ada = peer(ADA);
    room.send(ada, { clientId: 9, clock: 1, state: { note: 'ada' } });
    expect(room.stateOf(9)).toMatchObject({ note: 'ada' });
    expect(room.bindings.takeUnsaved()).toEqual([]);
  });

  it('lets the same user use her id from a viewer connection (the role is per connection, the id per user)', () => {
    const room = setup([{ clientId: 9, userId: 'u-ada' }]);
    const adaViewing = peer(identity('u-ada', 'Ada', Role.viewer));
    room.send(adaViewing, { clientId: 9, clock: 1, state: { note: 'ada' } });
    expect(room.gate.identityOf(9)?.role).toBe(Role.viewer);
  });
});
