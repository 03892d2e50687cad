/** Lock arbitration (rules L1–L6 in server/locks/lockArbiter.ts) with injected time, and the room's
 *  lock publication and lease expiry with fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { Role } from '../../shared/auth.js';
import { LockArbiter, RENEW_STEP_MS, type SectionStructure } from '../../server/locks/lockArbiter.js';
import { RoomLocks } from '../../server/locks/roomLocks.js';
import { LOCK_LEASE_MS, findServerLockTable, parseLockRequests, parseServerLockState } from '../../shared/locks/lockProtocol.js';
import { MAX_SECTION_ID_LENGTH } from '../../shared/presence/schema.js';

const LEASE = 60_000;
const flat: SectionStructure = { exists: () => true, overlaps: (a, b) => a === b };
const ada = (requests: string[]) => ({ userId: 'u-ada', name: 'Ada', color: '#3e63dd', requests });
const bob = (requests: string[]) => ({ userId: 'u-bob', name: 'Bob', color: '#e5484d', requests });

describe('LockArbiter', () => {
  it('L1: two simultaneous requests → exactly one holder, the same whichever call comes first', () => {
    const holders = [0, 1].map((order) => {
      const arbiter = new LockArbiter(LEASE);
      const calls = [() => arbiter.setClient(1, bob(['s']), 1000), () => arbiter.setClient(2, ada(['s']), 1000)];
      if (order === 1) calls.reverse();
      for (const call of calls) call();
      expect(arbiter.settle(1000, flat)).toEqual(['s']);
      return arbiter.table();
    });
    expect(Object.keys(holders[0] ?? {})).toEqual(['s']);
    // Same instant: the smaller user id wins, regardless of arrival order within that instant.
    expect(holders[0]?.s?.userId).toBe('u-ada');
    expect(holders[1]).toEqual(holders[0]);
  });

  it('L1: the earlier request wins even if the later requester has the smaller id', () => {
    const arbiter = new LockArbiter(LEASE);
    arbiter.setClient(1, bob(['s']), 1000);
    arbiter.setClient(2, ada(['s']), 1001);
    arbiter.settle(1001, flat);
    expect(arbiter.table().s).toMatchObject({ userId: 'u-bob', since: 1001, expiresAt: 1001 + LEASE });
  });

  it('L2: a section inside or around one held by someone else is not granted', () => {
    const nested: SectionStructure = { exists: () => true, overlaps: (a, b) => a === b || [a, b].sort().join() === 'child,parent' };
    const arbiter = new LockArbiter(LEASE);
    arbiter.setClient(1, ada(['child']), 0);
    arbiter.settle(0, nested);
    arbiter.setClient(2, bob(['parent', 'other']), 1);
    expect(arbiter.settle(1, nested)).toEqual(['other']);
    expect(arbiter.holderOf('parent')).toBeUndefined();
    expect(new LockArbiter(LEASE).settle(0, { exists: () => false, overlaps: () => false })).toEqual([]);
  });

  it('L3: the holder renews the lease while it keeps requesting (in steps, not on every caret move)', () => {
    const arbiter = new LockArbiter(LEASE);
    arbiter.setClient(1, ada(['s']), 0);
    arbiter.settle(0, flat);
    expect(arbiter.setClient(1, ada(['s']), 1_000)).toBe(false);
    expect(arbiter.holderOf('s')?.expiresAt).toBe(LEASE);
    expect(arbiter.setClient(1, ada(['s']), RENEW_STEP_MS)).toBe(true);
    expect(arbiter.holderOf('s')?.expiresAt).toBe(RENEW_STEP_MS + LEASE);
    // Renewals every 15 s (the stock awareness cadence) keep it forever.
    for (let t = 15_000; t <= 300_000; t += 15_000) {
      arbiter.setClient(1, ada(['s']), t);
      arbiter.expire(t);
    }
    expect(arbiter.holderOf('s')).toMatchObject({ userId: 'u-ada', since: 0 });
  });

  it('L4: dropping the id releases, and the waiting request is granted next', () => {
    const arbiter = new LockArbiter(LEASE);
    arbiter.setClient(1, ada(['s']), 0);
    arbiter.settle(0, flat);
    arbiter.setClient(2, bob(['s']), 5);
    expect(arbiter.settle(5, flat)).toEqual([]);
    expect(arbiter.setClient(1, ada([]), 10)).toBe(true);
    expect(arbiter.holderOf('s')).toBeUndefined();
    expect(arbiter.settle(10, flat)).toEqual(['s']);
    expect(arbiter.holderOf('s')?.userId).toBe('u-bob');
  });

  it('L4: another tab of the holder that still asks keeps the lock', () => {
    const arbiter = new LockArbiter(LEASE);
    arbiter.setClient(1, ada(['s']), 0);
    arbiter.setClient(2, ada(['s']), 0);
    arbiter.settle(0, flat);
    arbiter.setClient(1, ada([]), 10);
    expect(arbiter.holderOf('s')?.userId).toBe('u-ada');
    arbiter.setClient(2, ada([]), 20);
    expect(arbiter.holderOf('s')).toBeUndefined();
  });

  it('L5: a disconnect keeps the lock until the lease lapses; a reconnect of the same user keeps it', () => {
    const arbiter = new LockArbiter(LEASE);
    arbiter.setClient(1, ada(['s']), 0);
    arbiter.settle(0, flat);
    arbiter.setClient(1, null, 1_000);
    arbiter.setClient(2, bob(['s']), 1_000);
    arbiter.settle(1_000, flat);
    expect(arbiter.holderOf('s')?.userId).toBe('u-ada');
    // Ada is back (a new clientID, same user) within the lease: the lock is hers, renewed.
    arbiter.setClient(3, ada(['s']), 20_000);
    expect(arbiter.holderOf('s')).toMatchObject({ userId: 'u-ada', expiresAt: 20_000 + LEASE });
    expect(arbiter.expire(LEASE + 1)).toBe(false);
  });

  it("L5': a client that left cleanly releases at once (unless another tab of the holder asks), and the next request gets it", () => {
    const arbiter = new LockArbiter(LEASE);
    arbiter.setClient(1, ada(['s', 't']), 0);
    arbiter.setClient(4, ada(['t']), 0); // Ada's second tab asks for t too
    arbiter.settle(0, flat);
    arbiter.setClient(2, bob(['s', 't']), 1);
    expect(arbiter.setClient(1, null, 1_000, 'left')).toBe(true);
    expect(arbiter.holderOf('s')).toBeUndefined();
    expect(arbiter.holderOf('t')?.userId).toBe('u-ada');
    expect(arbiter.settle(1_000, flat)).toEqual(['s']);
    expect(arbiter.holderOf('s')?.userId).toBe('u-bob');
  });

  it('L6: a lapsed lease frees the section for the next request', () => {
    const arbiter = new LockArbiter(LEASE);
    arbiter.setClient(1, ada(['s']), 0);
    arbiter.settle(0, flat);
    arbiter.setClient(1, null, 1);
    arbiter.setClient(2, bob(['s']), 2);
    expect(arbiter.nextExpiry()).toBe(LEASE);
    expect(arbiter.expire(LEASE - 1)).toBe(false);
    expect(arbiter.expire(LEASE)).toBe(true);
    expect(arbiter.settle(LEASE, flat)).toEqual(['s']);
    expect(arbiter.holderOf('s')?.userId).toBe('u-bob');
  });
});

describe('lock protocol parsing', () => {
  it('reads bounded, lockable request ids and only well-formed server tables', () => {
    expect(parseLockRequests({ lockRequests: ['a', 'a', 7, '', 'leading', 'unstamped:3', 'b'] })).toEqual(['a', 'b']);
    expect(parseLockRequests({ lockRequests: Array.from({ length: 40 }, (_, i) => `s${i}`) })).toHaveLength(16);
    const lock = { userId: 'u', name: 'Ada', color: '#000000', since: 1, expiresAt: 2 };
    expect(parseServerLockState({ v: 1, locks: { s: lock } })).toEqual({ s: lock });
    // A client state always carries a stamped user: never a lock table, whatever else it claims.
    expect(parseServerLockState({ v: 1, locks: { s: lock }, user: { id: 'x' } })).toBeNull();
    expect(findServerLockTable(new Map([[1, { v: 1, locks: { s: lock }, user: {} }]]))).toEqual({});
  });
});

describe('lock request ids', () => {
  it('are bounded like every section id: 64 characters of [A-Za-z0-9_.:-]', () => {
    const longest = 's'.repeat(MAX_SECTION_ID_LENGTH);
    expect(parseLockRequests({ lockRequests: [longest, `${longest}x`, 'a b', 'ok', '<b>', 'é'] })).toEqual([longest, 'ok']);
  });
});

describe('RoomLocks (awareness + fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A room-like setup: the server's doc and awareness, and a client awareness whose states the room sees. */
  function setup() {
    const doc = new Y.Doc();
    const heading = new Y.XmlElement('heading');
    heading.setAttribute('sectionId', 's-1');
    doc.getXmlFragment('default').insert(0, [heading]);
    const awareness = new Awareness(doc);
    awareness.setLocalState(null);
    /** The role of each clientID's connection (what the room knows from the owning peer's token). */
    const roles = new Map<number, Role>();
    const roleOf = (clientId: number): Role | undefined => roles.get(clientId) ?? Role.editor;
    const locks = new RoomLocks({ docName: 'd', doc, awareness, revertOrigin: { kind: 'server' }, roleOf });
    const setClientState = (clientId: number, state: Record<string, unknown> | null): void => {
      // What the room does after admission: store the (stamped) state and emit an update.
      if (state) awareness.states.set(clientId, state);
      else awareness.states.delete(clientId);
      const change = { added: [], updated: state ? [clientId] : [], removed: state ? [] : [clientId] };
      awareness.emit('update', [change, 'peer']);
    };
    const table = () => findServerLockTable(awareness.getStates() as Map<number, Record<string, unknown>>);
    const addHeading = (sectionId: string): Y.XmlElement => {
      const element = new Y.XmlElement('heading');
      element.setAttribute('sectionId', sectionId);
      doc.getXmlFragment('default').push([element]);
      return element;
    };
    return { doc, awareness, locks, roles, setClientState, addHeading, table, dispose: () => (locks.destroy(), awareness.destroy(), doc.destroy()) };
  }

  const user = (id: string, name: string) => ({ id, name, color: '#3e63dd' });

  it('publishes grants in the server entry and drops the entry once the lease of a departed holder lapses', () => {
    const room = setup();
    room.setClientState(11, { user: { id: 'u-ada', name: 'Ada', color: '#3e63dd' }, lockRequests: ['s-1'] });
    expect(room.table()['s-1']).toMatchObject({ userId: 'u-ada', name: 'Ada', since: 1_000_000, expiresAt: 1_000_000 + LOCK_LEASE_MS });
    expect(room.awareness.getLocalState()).toMatchObject({ v: 1 });

    room.setClientState(11, null); // disconnect
    vi.advanceTimersByTime(LOCK_LEASE_MS - 1);
    expect(room.table()['s-1']?.userId).toBe('u-ada');
    vi.advanceTimersByTime(1);
    expect(room.table()).toEqual({});
    expect(room.awareness.getLocalState()).toBeNull();
    room.dispose();
  });

  it('ignores a viewer’s requests: never granted, never queued, and they do not touch its user’s lock', () => {
    const room = setup();
    room.roles.set(11, Role.viewer);
    room.setClientState(11, { user: user('u-vic', 'Vic'), lockRequests: ['s-1'] });
    expect(room.table()).toEqual({});
    // An editor asking later gets it: the viewer's request never waited ahead of hers.
    vi.advanceTimersByTime(1_000);
    room.setClientState(12, { user: user('u-ada', 'Ada'), lockRequests: ['s-1'] });
    expect(room.table()['s-1']?.userId).toBe('u-ada');
    // Ada's own viewer connection neither renews nor releases what her editor tab holds.
    room.roles.set(13, Role.viewer);
    room.setClientState(13, { user: user('u-ada', 'Ada'), lockRequests: [] });
    room.setClientState(12, null);
    room.setClientState(13, { user: user('u-ada', 'Ada'), lockRequests: ['s-1'] });
    vi.advanceTimersByTime(LOCK_LEASE_MS);
    expect(room.table()).toEqual({});
    room.dispose();
  });

  it('drops requests for sections that do not exist: not granted, not kept to win once the section appears', () => {
    const room = setup();
    room.setClientState(11, { user: user('u-mal', 'Mallory'), lockRequests: ['s-later', 'no-such-section'] });
    expect(room.table()).toEqual({});
    vi.advanceTimersByTime(5_000);
    room.addHeading('s-later');
    // Ada asks once the heading exists; Mallory's earlier request for the id it did not name then is gone.
    room.setClientState(12, { user: user('u-ada', 'Ada'), lockRequests: ['s-later'] });
    expect(room.table()).toEqual({ 's-later': expect.objectContaining({ userId: 'u-ada' }) });
    expect(Object.keys(room.table())).toEqual(['s-later']);
    room.dispose();
  });

  it('grants a request made again after the section appeared', () => {
    const room = setup();
    room.setClientState(11, { user: user('u-ada', 'Ada'), lockRequests: ['s-2'] });
    expect(room.table()).toEqual({});
    room.addHeading('s-2');
    room.setClientState(11, { user: user('u-ada', 'Ada'), lockRequests: ['s-2'], typing: true });
    expect(room.table()['s-2']?.userId).toBe('u-ada');
    room.dispose();
  });

  it('keeps a holder’s lock while its heading is briefly gone (as before): her renewals still count', () => {
    const room = setup();
    room.addHeading('s-2');
    room.setClientState(11, { user: user('u-ada', 'Ada'), lockRequests: ['s-2'] });
    expect(room.table()['s-2']?.userId).toBe('u-ada');
    room.doc.getXmlFragment('default').delete(1, 1); // her cut: the heading is gone for a moment
    expect(room.doc.getXmlFragment('default').length).toBe(1);
    room.setClientState(11, { user: user('u-ada', 'Ada'), lockRequests: ['s-2'], typing: true });
    expect(room.table()['s-2']?.userId).toBe('u-ada');
    // Someone else's request for the vanished id is not taken, and does not queue for it.
    room.setClientState(12, { user: user('u-bob', 'Bob'), lockRequests: ['s-2'] });
    room.setClientState(11, { user: user('u-ada', 'Ada'), lockRequests: [] });
    expect(room.table()).toEqual({});
    room.addHeading('s-2');
    room.setClientState(13, { user: user('u-carol', 'Carol'), lockRequests: ['s-2'] });
    expect(room.table()['s-2']?.userId).toBe('u-carol');
    room.dispose();
  });
});
