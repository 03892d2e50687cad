/**
 * Hostile clients against the early release of section locks (rule L5' in server/locks/lockArbiter.ts: a
 * client that leaves on purpose, by removing its own awareness state or closing with 1000/1001, lets go at
 * once). Mallory, another user, tries to make the server treat Yana's departure as "left" and so free the
 * section Yana holds: by removing Yana's state under Yana's clientID, by claiming that clientID after Yana's
 * link is lost and then leaving cleanly with it, and by closing her own socket with 1000. Each test asserts that
 * Yana keeps the lock (and, while connected, her presence).
 */
import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { TandemServer } from '../../server/app.js';
import type { Room } from '../../server/room/room.js';
import { Role } from '../../shared/auth.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { findServerLockTable } from '../../shared/locks/lockProtocol.js';
import { encodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';
import { encodeAwarenessFrame } from '../../shared/protocol/frames.js';
import { openRawSocket, type TestClient, waitSynced } from '../helpers/clients.js';
import { testScope } from '../helpers/scope.js';
import { nextEvent, type Subscribable, waitUntil } from '../helpers/wait.js';
import { yHeading, yParagraph } from '../helpers/yBlocks.js';

const scope = testScope();
const SECTION = 's-intro';

const mint = (srv: TandemServer, doc: string, name: string, role: Role = Role.editor): Promise<string> =>
  srv.tokens.mint({ sub: `user-${name.toLowerCase()}`, name, color: '#e5484d', role, doc }, 600);

/** Waits until the room has let a connection go: a leaving connection's awareness states are removed right
 *  after it leaves the room's peers, so the room's own awareness `update` is the event to check on (every
 *  connection closed here owns a state). */
function waitForLeave(room: Room | undefined, before: number, description: string): Promise<void> {
  if (!room) throw new Error('the room is not loaded');
  return waitUntil(() => room.peerCount < before, [[room.awareness as unknown as Subscribable, 'update']], description, 10_000);
}

/** Yana's client with the document seeded and the section locked to her (as the server sees it). */
async function yanaHoldsLock(srv: TandemServer, doc: string): Promise<TestClient> {
  const yana = scope.client(srv.url, doc, await mint(srv, doc, 'Yana'));
  await waitSynced(yana);
  yana.doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [yHeading(SECTION, 'Intro'), yParagraph('intro text')]);
  yana.provider.awareness.setLocalStateField('lockRequests', [SECTION]);
  await waitUntil(
    () => findServerLockTable(yana.provider.awareness.getStates() as Map<number, Record<string, unknown>>)[SECTION]?.userId === 'user-yana',
    [[yana.provider.awareness, 'change']],
    'Yana is granted the section',
  );
  return yana;
}

const holder = (srv: TandemServer, doc: string): string | undefined => srv.rooms.get(doc)?.locks.holderOf(SECTION)?.userId;

/** Mallory's raw socket on `doc` (no provider: she owns no clientID of her own, so she could claim one). */
async function mallorySocket(srv: TandemServer, doc: string): Promise<WebSocket> {
  const token = await mint(srv, doc, 'Mallory');
  const { socket } = await openRawSocket(`${srv.url.replace(/^http/, 'ws')}/collab/${doc}?token=${token}`);
  // The upgrade completes before admission: the room's greeting (sync step 1) says she has joined it.
  await nextEvent(socket as unknown as Subscribable, 'message');
  return socket;
}

/** Mallory's own presence under a fresh clientID: a clean close then removes it as "left" (rule L5'). */
function announceOwnState(socket: WebSocket): void {
  const clientId = 0x7ffff000; // any id nobody in the room uses (each test has its own server)
  socket.send(encodeAwarenessFrame(encodeAwarenessUpdate([{ clientId, clock: 1, state: { user: { name: 'Mallory' }, lockRequests: [SECTION] } }])));
}

/** Closes `socket` with `code` and waits until the room has let the connection go (so any release it caused has happened). */
async function closeAndWait(srv: TandemServer, doc: string, socket: WebSocket, code: number): Promise<void> {
  const room = srv.rooms.get(doc);
  const before = room?.peerCount ?? 0;
  socket.close(code);
  await waitForLeave(room, before, 'the room lets the closed connection go');
}

describe("hostile clients cannot release another user's section lock", () => {
  it("removing Yana's awareness state under her clientID, then closing with 1000, leaves her lock and presence", async () => {
    const srv = await scope.server();
    const doc = 'hostile-locks-remove';
    const yana = await yanaHoldsLock(srv, doc);
    const yanaId = yana.doc.clientID;
    const clock = yana.provider.awareness.meta.get(yanaId)?.clock ?? 0;
    const since = srv.rooms.get(doc)?.locks.holderOf(SECTION)?.since;
    const mallory = await mallorySocket(srv, doc);
    // A removal at a newer clock, as Yana's own provider would send it when she leaves.
    mallory.send(encodeAwarenessFrame(encodeAwarenessUpdate([{ clientId: yanaId, clock: clock + 5, state: null }])));
    announceOwnState(mallory);
    await closeAndWait(srv, doc, mallory, 1000);
    expect(holder(srv, doc)).toBe('user-yana');
    // The same lease, not one freed and granted again (Yana still asks, so a release would be re-granted at once).
    expect(srv.rooms.get(doc)?.locks.holderOf(SECTION)?.since).toBe(since);
    // Yana's presence is still in the room (the server's awareness has her state).
    expect(yana.provider.awareness.getStates().has(yanaId)).toBe(true);
  });

  it("claiming Yana's clientID after her link is lost, then leaving cleanly, leaves her lock to its lease", async () => {
    const srv = await scope.server();
    const doc = 'hostile-locks-claim';
    const yana = await yanaHoldsLock(srv, doc);
    // An honest reader keeps the room loaded once Yana is gone (an empty room is unloaded, locks and all).
    const olga = scope.client(srv.url, doc, await mint(srv, doc, 'Olga', Role.viewer));
    await waitSynced(olga);
    const yanaId = yana.doc.clientID;
    const lastState = yana.provider.awareness.getLocalState();
    const clock = yana.provider.awareness.meta.get(yanaId)?.clock ?? 0;
    // Yana's link drops (no close frame: 1006, "lost"), so her lock waits out its lease (L5).
    yana.provider.shouldConnect = false;
    const before = srv.rooms.get(doc)?.peerCount ?? 0;
    (yana.provider.ws as unknown as WebSocket).terminate();
    await waitForLeave(srv.rooms.get(doc), before, "the room sees Yana's link lost");
    expect(holder(srv, doc)).toBe('user-yana');

    const mallory = await mallorySocket(srv, doc);
    // Re-send Yana's last state as her returning client would (same clock, then one newer), then remove it,
    // then close as a leaving tab does.
    mallory.send(encodeAwarenessFrame(encodeAwarenessUpdate([{ clientId: yanaId, clock, state: lastState }])));
    mallory.send(encodeAwarenessFrame(encodeAwarenessUpdate([{ clientId: yanaId, clock: clock + 1, state: lastState }])));
    mallory.send(encodeAwarenessFrame(encodeAwarenessUpdate([{ clientId: yanaId, clock: clock + 2, state: null }])));
    // Then she has a state of her own, so her clean close is a departure the locks hear about.
    announceOwnState(mallory);
    await closeAndWait(srv, doc, mallory, 1000);
    expect(holder(srv, doc)).toBe('user-yana');
    // And Olga's table still shows Yana holding it (nothing was published that freed it).
    const table = findServerLockTable(olga.provider.awareness.getStates() as Map<number, Record<string, unknown>>);
    expect(table[SECTION]?.userId).toBe('user-yana');
  });

  it.each([Role.editor, Role.viewer])('a %s of Yana\'s document closing with 1001 while asking for her section leaves her lock', async (role) => {
    const srv = await scope.server();
    const doc = `hostile-locks-close-${role}`;
    const yana = await yanaHoldsLock(srv, doc);
    const mallory = scope.client(srv.url, doc, await mint(srv, doc, 'Mallory', role));
    await waitSynced(mallory);
    // Mallory asks for the same section (waiting behind Yana), then goes away as a closing tab does.
    mallory.provider.awareness.setLocalStateField('lockRequests', [SECTION]);
    await waitUntil(
      () => yana.provider.awareness.getStates().get(mallory.doc.clientID)?.lockRequests !== undefined,
      [[yana.provider.awareness, 'change']],
      "Mallory's request reaches the room",
    );
    const since = srv.rooms.get(doc)?.locks.holderOf(SECTION)?.since;
    mallory.provider.shouldConnect = false;
    await closeAndWait(srv, doc, mallory.provider.ws as unknown as WebSocket, 1001);
    expect(holder(srv, doc)).toBe('user-yana');
    expect(srv.rooms.get(doc)?.locks.holderOf(SECTION)?.since).toBe(since);
    expect(yana.provider.awareness.getStates().has(yana.doc.clientID)).toBe(true);
  });
});
