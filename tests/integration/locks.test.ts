/**
 * Section locks against the real server with stock WebsocketProvider clients (which know nothing about
 * locks): the server reverts edits inside a section held by someone else, precisely, and every replica
 * converges. Rules L1–L6 (arbitration) are unit-tested in tests/unit/locks.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { TandemServer } from '../../server/app.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { findServerLockTable, type LockTable } from '../../shared/locks/lockProtocol.js';
import { editorToken, type TestClient, waitSynced } from '../helpers/clients.js';
import { waitUntil } from '../helpers/wait.js';
import { yHeading, yParagraph } from '../helpers/yBlocks.js';
import { testScope } from '../helpers/scope.js';

const scope = testScope();

const server = (): Promise<TandemServer> => scope.server();

const client = scope.client;

const fragmentOf = (c: TestClient): Y.XmlFragment => c.doc.getXmlFragment(DOCUMENT_FRAGMENT);

/** The text of each top-level block, e.g. ['Intro', 'intro text', …]. */
function blockTexts(c: TestClient): string[] {
  return fragmentOf(c)
    .toArray()
    .map((block) => ((block as Y.XmlElement).toArray()[0] as Y.XmlText | undefined)?.toString() ?? '');
}

/** The Y.XmlText of the index-th top-level block. */
function textAt(c: TestClient, index: number): Y.XmlText {
  return (fragmentOf(c).get(index) as Y.XmlElement).get(0) as Y.XmlText;
}

function lockTable(c: TestClient): LockTable {
  return findServerLockTable(c.provider.awareness.getStates() as Map<number, Record<string, unknown>>);
}

function requestLock(c: TestClient, ...sectionIds: string[]): void {
  c.provider.awareness.setLocalStateField('lockRequests', sectionIds);
}

function waitForLock(c: TestClient, sectionId: string, present: boolean): Promise<void> {
  return waitUntil(
    () => (lockTable(c)[sectionId] !== undefined) === present,
    [[c.provider.awareness, 'change']],
    `lock on ${sectionId} ${present ? 'granted' : 'gone'}`,
    10_000,
    () => lockTable(c),
  );
}

/** Resolves once every replica holds the same document and `check` holds on it. */
function waitConverged(clients: TestClient[], check: (texts: string[]) => boolean, description: string): Promise<void> {
  const texts = (): string[][] => clients.map(blockTexts);
  return waitUntil(
    () => {
      const [first, ...rest] = clients.map((c) => fragmentOf(c).toString());
      return rest.every((other) => other === first) && check(blockTexts(clients[0] as TestClient));
    },
    clients.map((c) => [c.doc, 'update'] as const),
    description,
    15_000,
    texts,
  );
}

/** Intro / Clause / Other, each a heading and one paragraph, written by `author`. */
async function seed(author: TestClient, others: TestClient[]): Promise<void> {
  fragmentOf(author).insert(0, [
    yHeading('s-intro', 'Intro'),
    yParagraph('intro text'),
    yHeading('s-clause', 'Clause'),
    yParagraph('clause text'),
    yHeading('s-other', 'Other'),
    yParagraph('other text'),
  ]);
  await waitConverged([author, ...others], (texts) => texts.length === 6, 'seeded document');
}

describe('locks: server enforcement (stock clients)', () => {
  it('reverts a hostile edit inside a locked section, keeps its edits outside and the holder’s concurrent edit', async () => {
    const srv = await server();
    const [adaToken, bobToken, carolToken] = await Promise.all(['Ada', 'Bob', 'Carol'].map((name) => editorToken(name)));
    const ada = client(srv.url, 'locks-hostile', adaToken as string);
    const bob = client(srv.url, 'locks-hostile', bobToken as string);
    const carol = client(srv.url, 'locks-hostile', carolToken as string);
    await Promise.all([ada, bob, carol].map((c) => waitSynced(c)));
    await seed(ada, [bob, carol]);

    requestLock(ada, 's-clause');
    await Promise.all([ada, bob, carol].map((c) => waitForLock(c, 's-clause', true)));
    expect(lockTable(carol)['s-clause']).toMatchObject({ name: 'Ada' });

    // Bob ignores the lock: ONE update edits the intro, the clause (text, a new block) and the other section.
    bob.doc.transact(() => {
      textAt(bob, 1).insert(textAt(bob, 1).length, ' +bob-intro');
      textAt(bob, 3).insert(0, 'HACK ');
      fragmentOf(bob).insert(4, [yParagraph('smuggled paragraph')]);
      textAt(bob, 6).insert(textAt(bob, 6).length, ' +bob-other');
    });
    // Meanwhile the holder edits her section (concurrently: neither has seen the other's change).
    textAt(ada, 3).insert('clause text'.length, ' +ada');

    await waitConverged(
      [ada, bob, carol],
      (texts) => texts.join('|') === 'Intro|intro text +bob-intro|Clause|clause text +ada|Other|other text +bob-other',
      'hostile edit reverted, the rest kept',
    );
    // The server's own copy agrees.
    expect(srv.rooms.get('locks-hostile')?.doc.getXmlFragment(DOCUMENT_FRAGMENT).toString()).toBe(fragmentOf(carol).toString());
  });

  it('restores a locked section a hostile client deleted, heading and all', async () => {
    const srv = await server();
    const [adaToken, bobToken] = await Promise.all(['Ada', 'Bob'].map((name) => editorToken(name)));
    const ada = client(srv.url, 'locks-delete', adaToken as string);
    const bob = client(srv.url, 'locks-delete', bobToken as string);
    await Promise.all([ada, bob].map((c) => waitSynced(c)));
    await seed(ada, [bob]);
    requestLock(ada, 's-clause');
    await waitForLock(bob, 's-clause', true);

    // Replace the whole section with one paragraph, and edit the next section in the same update.
    bob.doc.transact(() => {
      fragmentOf(bob).delete(2, 2);
      fragmentOf(bob).insert(2, [yParagraph('replaced')]);
      textAt(bob, 4).insert(0, 'kept ');
    });
    await waitConverged(
      [ada, bob],
      (texts) => texts.join('|') === 'Intro|intro text|Clause|clause text|Other|kept other text',
      'deleted section restored',
    );
    const restoredHeading = fragmentOf(bob).get(2) as Y.XmlElement;
    expect(restoredHeading.getAttribute('sectionId')).toBe('s-clause');
  });

  it('keeps the lock on the section when a hostile client moves its heading away', async () => {
    // y-tiptap moves a block by deleting it and inserting a copy. The server restores the heading in
    // place, and the two headings then share the id: the restored one keeps it (and the lock), the copy
    // gets a new id. Bob's client id is the lowest possible, so without that preference his copy would win.
    const srv = await server();
    const [adaToken, bobToken] = await Promise.all(['Ada', 'Bob'].map((name) => editorToken(name)));
    const ada = client(srv.url, 'locks-move', adaToken as string);
    const bobDoc = new Y.Doc();
    bobDoc.clientID = 1;
    const bob = client(srv.url, 'locks-move', bobToken as string, { doc: bobDoc });
    await Promise.all([ada, bob].map((c) => waitSynced(c)));
    await seed(ada, [bob]);
    requestLock(ada, 's-clause');
    await waitForLock(bob, 's-clause', true);

    bob.doc.transact(() => {
      fragmentOf(bob).delete(2, 1);
      fragmentOf(bob).insert(fragmentOf(bob).length, [yHeading('s-clause', 'Clause')]);
    });
    const sectionIdAt = (c: TestClient, index: number): unknown => (fragmentOf(c).get(index) as Y.XmlElement).getAttribute('sectionId');
    await waitConverged([ada, bob], (texts) => texts.join('|') === 'Intro|intro text|Clause|clause text|Other|other text|Clause', 'heading restored in place');
    await waitUntil(() => sectionIdAt(ada, 6) !== 's-clause', [[ada.doc, 'update']], 'the copy renamed', 10_000, () => sectionIdAt(ada, 6));
    expect(sectionIdAt(ada, 2)).toBe('s-clause');
    expect(sectionIdAt(bob, 6)).toBe(sectionIdAt(ada, 6));
    expect(lockTable(bob)['s-clause']).toMatchObject({ name: 'Ada' });

    // The lock still holds on the section in its place: Bob's next edit there is reverted too.
    textAt(bob, 3).insert(0, 'HACK ');
    textAt(bob, 5).insert(0, 'fine ');
    await waitConverged([ada, bob], (texts) => texts.join('|') === 'Intro|intro text|Clause|clause text|Other|fine other text|Clause', 'edit in the locked section reverted');
  });

  it('reverts formatting and block changes inside a locked section', async () => {
    const srv = await server();
    const [adaToken, bobToken] = await Promise.all(['Ada', 'Bob'].map((name) => editorToken(name)));
    const ada = client(srv.url, 'locks-format', adaToken as string);
    const bob = client(srv.url, 'locks-format', bobToken as string);
    await Promise.all([ada, bob].map((c) => waitSynced(c)));
    await seed(ada, [bob]);
    requestLock(ada, 's-clause');
    await waitForLock(bob, 's-clause', true);
    const locked = fragmentOf(ada).toString();

    bob.doc.transact(() => {
      textAt(bob, 3).format(0, 6, { bold: {} });
      (fragmentOf(bob).get(2) as Y.XmlElement).setAttribute('level', 3 as unknown as string);
      (fragmentOf(bob).get(2) as Y.XmlElement).setAttribute('sectionId', 'stolen');
    });
    await waitUntil(
      () => fragmentOf(bob).toString() === locked && fragmentOf(ada).toString() === locked,
      [ada, bob].map((c) => [c.doc, 'update'] as const),
      'formatting and attributes restored',
      15_000,
      () => fragmentOf(bob).toString(),
    );
  });

  it('reverts offline edits to a section that was locked while the replica was away', async () => {
    const srv = await server();
    const [adaToken, bobToken] = await Promise.all(['Ada', 'Bob'].map((name) => editorToken(name)));
    const ada = client(srv.url, 'locks-offline', adaToken as string);
    const bob = client(srv.url, 'locks-offline', bobToken as string);
    await Promise.all([ada, bob].map((c) => waitSynced(c)));
    await seed(ada, [bob]);

    bob.provider.disconnect();
    textAt(bob, 3).insert(0, 'offline-inside ');
    textAt(bob, 5).insert(0, 'offline-outside ');
    requestLock(ada, 's-clause');
    await waitForLock(ada, 's-clause', true);
    textAt(ada, 3).insert(0, 'holder ');

    bob.provider.connect();
    await waitConverged(
      [ada, bob],
      (texts) => texts.join('|') === 'Intro|intro text|Clause|holder clause text|Other|offline-outside other text',
      'offline edit inside the locked section reverted',
    );
  });

  it('keeps the holder’s lock through her own brief reconnect; her edits there are accepted', async () => {
    const srv = await server();
    const [adaToken, bobToken] = await Promise.all(['Ada', 'Bob'].map((name) => editorToken(name)));
    const ada = client(srv.url, 'locks-reconnect', adaToken as string);
    const bob = client(srv.url, 'locks-reconnect', bobToken as string);
    await Promise.all([ada, bob].map((c) => waitSynced(c)));
    await seed(ada, [bob]);
    requestLock(ada, 's-clause');
    await waitForLock(bob, 's-clause', true);
    const since = lockTable(bob)['s-clause']?.since;

    // A network blip: the connection dies without a close handshake (a deliberate disconnect() announces
    // leaving, see the next test); the provider reconnects by itself.
    ada.provider.shouldConnect = false;
    (ada.provider.ws as unknown as { _socket: { destroy(): void } })._socket.destroy();
    await waitUntil(() => !bob.provider.awareness.getStates().has(ada.doc.clientID), [[bob.provider.awareness, 'change']], 'Ada gone');
    requestLock(bob, 's-clause');
    textAt(ada, 3).insert(0, 'reconnected ');
    ada.provider.connect();
    await waitConverged([ada, bob], (texts) => texts[3] === 'reconnected clause text', "Ada's edit accepted after her reconnect");
    expect(lockTable(bob)['s-clause']).toMatchObject({ name: 'Ada', since });
  });

  it('frees a section at once when its holder leaves on purpose: her tab closes (1001) or her client removes its state', async () => {
    const srv = await server();
    const [adaToken, bobToken, cyToken] = await Promise.all(['Ada', 'Bob', 'Cy'].map((name) => editorToken(name)));
    const ada = client(srv.url, 'locks-leave', adaToken as string);
    const bob = client(srv.url, 'locks-leave', bobToken as string);
    const cy = client(srv.url, 'locks-leave', cyToken as string);
    await Promise.all([ada, bob, cy].map((c) => waitSynced(c)));
    await seed(ada, [bob, cy]);
    requestLock(ada, 's-clause');
    await waitForLock(bob, 's-clause', true);
    requestLock(bob, 's-clause');

    // A browser closes a closing tab's sockets with 1001 (going away), and sends nothing else.
    ada.provider.shouldConnect = false;
    ada.provider.ws?.close(1001, 'going away');
    await waitUntil(() => lockTable(cy)['s-clause']?.name === 'Bob', [[cy.provider.awareness, 'change']], 'Bob gets the section Ada left', 5_000, () => lockTable(cy));

    // A stock client that disconnects (leaving a document: provider.destroy()) first sends its own state as
    // removed.
    bob.provider.disconnect();
    await waitForLock(cy, 's-clause', false);
  });

  it('publishes the lock table only in the server’s entry; a client cannot imitate it', async () => {
    const srv = await server();
    const [adaToken, malloryToken] = await Promise.all(['Ada', 'Mallory'].map((name) => editorToken(name)));
    const ada = client(srv.url, 'locks-spoof', adaToken as string);
    const mallory = client(srv.url, 'locks-spoof', malloryToken as string);
    await Promise.all([ada, mallory].map((c) => waitSynced(c)));
    await seed(ada, [mallory]);

    // Mallory publishes a state that carries a lock table "held by Ada" (without the presence schema's
    // `v`, so the server admits it as a stock client's state rather than refusing it outright).
    const fake = { userId: 'someone', name: 'Ada', color: '#000000', since: 0, expiresAt: Date.now() + 3_600_000 };
    mallory.provider.awareness.setLocalState({ locks: { 's-other': fake }, note: 'hello' });
    await waitUntil(
      () => ada.provider.awareness.getStates().get(mallory.doc.clientID)?.note === 'hello',
      [[ada.provider.awareness, 'change']],
      "Mallory's state relayed",
    );
    const relayed = ada.provider.awareness.getStates().get(mallory.doc.clientID) as Record<string, unknown>;
    expect(relayed.locks).toBeUndefined();
    expect(relayed.user).toMatchObject({ name: 'Mallory' });
    expect(lockTable(ada)).toEqual({});

    // Ada's real lock is in the server's entry, and Mallory's own request for it is not granted.
    requestLock(ada, 's-clause');
    await waitForLock(ada, 's-clause', true);
    requestLock(mallory, 's-clause');
    await waitUntil(
      () => ada.provider.awareness.getStates().get(mallory.doc.clientID)?.lockRequests !== undefined,
      [[ada.provider.awareness, 'change']],
      "Mallory's request relayed",
    );
    expect(lockTable(ada)['s-clause']).toMatchObject({ name: 'Ada' });
    expect(Object.keys(lockTable(ada))).toEqual(['s-clause']);

    // Releasing: Ada drops the id; the lock goes (Mallory's waiting request may then be granted).
    requestLock(ada);
    await waitUntil(
      () => lockTable(ada)['s-clause']?.name !== 'Ada',
      [[ada.provider.awareness, 'change']],
      'Ada released',
    );
  });
});
