/**
 * Who may lock what, and whose awareness clientID is whose, against the real server with stock
 * WebsocketProvider clients and raw sockets: a viewer's lock request never counts; a request for a section
 * that does not exist is dropped (it is not granted, and it does not wait to win once the section
 * appears); a departed user's awareness clientID cannot be taken over by another user, while she herself
 * comes back under it as before.
 */
import type WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { TandemServer } from '../../server/app.js';
import { Role } from '../../shared/auth.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { findServerLockTable, type LockTable } from '../../shared/locks/lockProtocol.js';
import { parsePresenceState } from '../../shared/presence/schema.js';
import { encodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';
import { encodeAwarenessFrame } from '../../shared/protocol/frames.js';
import { editorToken, openRawSocket, type TestClient, waitSynced , hostSession, type HostSession } from '../helpers/clients.js';
import { waitUntil } from '../helpers/wait.js';
import { plainText, yHeading, yParagraph } from '../helpers/yBlocks.js';
import { testScope } from '../helpers/scope.js';

const scope = testScope();

const server = (): Promise<TandemServer> => scope.server();

const client = scope.client;

const fragmentOf = (c: TestClient): Y.XmlFragment => c.doc.getXmlFragment(DOCUMENT_FRAGMENT);

function blockTexts(c: TestClient): string[] {
  return fragmentOf(c)
    .toArray()
    .map((block) => {
      const text = (block as Y.XmlElement).toArray()[0];
      return text instanceof Y.XmlText ? plainText(text) : '';
    });
}

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

/** Resolves once `observer` sees `of`'s state carrying exactly these lock requests (the server has handled them). */
function waitForRelayedRequests(observer: TestClient, of: TestClient, requests: string[]): Promise<void> {
  const relayed = (): unknown => observer.provider.awareness.getStates().get(of.doc.clientID)?.lockRequests;
  return waitUntil(
    () => JSON.stringify(relayed()) === JSON.stringify(requests),
    [[observer.provider.awareness, 'change']],
    `lock requests ${JSON.stringify(requests)} relayed`,
    10_000,
    relayed,
  );
}

function waitConverged(clients: TestClient[], check: (texts: string[]) => boolean, description: string): Promise<void> {
  return waitUntil(
    () => {
      const [first, ...rest] = clients.map((c) => fragmentOf(c).toString());
      return rest.every((other) => other === first) && check(blockTexts(clients[0] as TestClient));
    },
    clients.map((c) => [c.doc, 'update'] as const),
    description,
    15_000,
    () => clients.map(blockTexts),
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

describe('locks: only editors, only existing sections', () => {
  it('never grants (or queues) a viewer’s request; the editor keeps editing that section', async () => {
    const srv = await server();
    const ada = client(srv.url, 'roles-locks', await editorToken('Ada'));
    const viewerToken = await srv.tokens.mint({ sub: 'viewer-vic', name: 'Vic', role: Role.viewer, doc: 'roles-locks' }, 600);
    const vic = client(srv.url, 'roles-locks', viewerToken);
    await Promise.all([ada, vic].map((c) => waitSynced(c)));
    await seed(ada, [vic]);

    requestLock(vic, 's-clause');
    await waitForRelayedRequests(ada, vic, ['s-clause']);
    // A later grant of Ada's: every table published since Vic's request lies behind it.
    requestLock(ada, 's-other');
    await waitForLock(ada, 's-other', true);
    expect(lockTable(ada)['s-clause']).toBeUndefined();
    expect(lockTable(vic)['s-clause']).toBeUndefined();

    // Ada's edit in the section Vic asked for is accepted, for everyone.
    textAt(ada, 3).insert('clause text'.length, ' +ada');
    await waitConverged([ada, vic], (texts) => texts[3] === 'clause text +ada', "Ada's edit kept");
    expect(srv.rooms.get('roles-locks')?.doc.getXmlFragment(DOCUMENT_FRAGMENT).toString()).toBe(fragmentOf(ada).toString());

    // Vic's request did not wait in line either: Ada gets the section, and once she lets go it stays free.
    requestLock(ada, 's-other', 's-clause');
    await waitForLock(ada, 's-clause', true);
    expect(lockTable(ada)['s-clause']).toMatchObject({ name: 'Ada' });
    requestLock(ada, 's-other');
    await waitForLock(ada, 's-clause', false);
    expect(Object.keys(lockTable(ada))).toEqual(['s-other']);
  });

  it('drops a request for a section that does not exist: never published, and no head start once it appears', async () => {
    const srv = await server();
    const [adaToken, malloryToken] = await Promise.all(['Ada', 'Mallory'].map((name) => editorToken(name)));
    const ada = client(srv.url, 'unknown-locks', adaToken as string);
    const mallory = client(srv.url, 'unknown-locks', malloryToken as string);
    await Promise.all([ada, mallory].map((c) => waitSynced(c)));
    await seed(ada, [mallory]);
    const tables: LockTable[] = [];
    ada.provider.awareness.on('change', () => tables.push(lockTable(ada)));

    // Mallory asks for ids no heading has (yet): one Ada is about to create, and one nobody will.
    requestLock(mallory, 's-later', 'no-such-section');
    await waitForRelayedRequests(ada, mallory, ['s-later', 'no-such-section']);

    // Ada adds the heading and asks for it: hers, not the earlier (then unknown) request's.
    fragmentOf(ada).insert(6, [yHeading('s-later', 'Later'), yParagraph('later text')]);
    requestLock(ada, 's-later');
    await waitForLock(ada, 's-later', true);
    expect(lockTable(ada)['s-later']).toMatchObject({ name: 'Ada' });
    await waitForLock(mallory, 's-later', true);
    expect(lockTable(mallory)['s-later']).toMatchObject({ name: 'Ada' });
    expect(tables.every((table) => !('no-such-section' in table) && table['s-later']?.name !== 'Mallory')).toBe(true);
  });
});

describe('awareness clientIDs: bound to their user', () => {
  async function guest(_srv: TandemServer, name: string): Promise<HostSession> {
    return hostSession(name);
  }

  async function rawPeer(srv: TandemServer, docName: string, token: string): Promise<WebSocket> {
    const { socket } = await openRawSocket(`${srv.url.replace(/^http/, 'ws')}/collab/${docName}?token=${token}`);
    scope.defer(() => socket.terminate());
    return socket;
  }

  function presence(sectionId: string | null): Record<string, unknown> {
    return { v: 1, user: { id: 'whoever', name: 'Whoever', color: '#3e63dd' }, status: 'active', sectionId, typing: false };
  }

  function awarenessFrame(clientId: number, clock: number, state: Record<string, unknown> | null): Uint8Array {
    return encodeAwarenessFrame(encodeAwarenessUpdate([{ clientId, clock, state }]));
  }

  function seen(observer: TestClient, clientId: number, present: boolean): Promise<void> {
    const awareness = observer.provider.awareness;
    return waitUntil(
      () => awareness.getStates().has(clientId) === present,
      [[awareness, 'change']],
      `client ${clientId} ${present ? 'present' : 'gone'}`,
      10_000,
      () => [...awareness.getStates().keys()],
    );
  }

  it('does not let another user take over a departed user’s clientID; she reclaims it on reconnect', async () => {
    const srv = await server();
    const doc = 'aw-reclaim';
    const bob = client(srv.url, doc, await editorToken('Bob'));
    await waitSynced(bob);
    const ada = await guest(srv, 'Ada');
    const mallory = await guest(srv, 'Mallory');
    const ADA_ID = 640_001;

    const adaSocket = await rawPeer(srv, doc, ada.token);
    adaSocket.send(awarenessFrame(ADA_ID, 1, presence('ada-section')));
    await seen(bob, ADA_ID, true);
    adaSocket.terminate();
    await seen(bob, ADA_ID, false);

    // Mallory, on a fresh connection, re-sends Ada's id at the clock the room has seen (the shape of a
    // returning client) and then at a newer one; then her own state, which Bob sees after both.
    const mallorySocket = await rawPeer(srv, doc, mallory.token);
    mallorySocket.send(awarenessFrame(ADA_ID, 1, presence('hijacked')));
    mallorySocket.send(awarenessFrame(ADA_ID, 7, presence('hijacked')));
    mallorySocket.send(awarenessFrame(640_002, 1, presence('mallory-section')));
    await seen(bob, 640_002, true);
    expect(bob.provider.awareness.getStates().has(ADA_ID)).toBe(false);
    expect(parsePresenceState(bob.provider.awareness.getStates().get(640_002))?.user).toEqual(mallory.user);

    // Ada comes back (same user, new connection) with her unchanged state: it is hers, and shown again.
    const adaAgain = await rawPeer(srv, doc, ada.token);
    adaAgain.send(awarenessFrame(ADA_ID, 1, presence('ada-section')));
    await seen(bob, ADA_ID, true);
    const back = parsePresenceState(bob.provider.awareness.getStates().get(ADA_ID));
    expect(back?.user).toEqual(ada.user);
    expect(back?.sectionId).toBe('ada-section');
  });

  it('lets a stock client of the same user reconnect under its clientID, as before', async () => {
    const srv = await server();
    const doc = 'aw-reconnect';
    const bob = client(srv.url, doc, await editorToken('Bob'));
    const ada = client(srv.url, doc, await editorToken('Ada'));
    await Promise.all([bob, ada].map((c) => waitSynced(c)));
    ada.provider.awareness.setLocalStateField('note', 'ada');
    await seen(bob, ada.doc.clientID, true);
    ada.provider.disconnect();
    await seen(bob, ada.doc.clientID, false);
    ada.provider.connect();
    await seen(bob, ada.doc.clientID, true);
    expect(bob.provider.awareness.getStates().get(ada.doc.clientID)).toMatchObject({ note: 'ada', user: { name: 'Ada' } });
  });
});
