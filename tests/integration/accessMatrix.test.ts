/**
 * The access matrix: every kind of party × every thing one can do to a document, over real sockets
 * (stock WebsocketProviders) and real HTTP, each cell asserting its outcome — and for refused writes, that
 * nothing reached the owner or storage. One world is built once: an owner's document with a section,
 * shared with a viewer, a commenter and an editor by email, with a view link held by a guest (no account);
 * a stranger signed in without access; a removed editor and a holder of a reset link, each with the token
 * they were given before.
 *
 * Destructive routes allowed to the owner (delete, link reset, ownership transfer) would end the world
 * for the other cells; their allowed case is asserted in liveAccess.test.ts, their refusals here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sharing } from '../../shared/accounts/api.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { findServerLockTable } from '../../shared/locks/lockProtocol.js';
import type { TandemServer } from '../../server/app.js';
import { ApiUser, uniqueEmail } from '../helpers/accounts.js';
import { connectClient, type TestClient, waitSynced } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { bodyText, documentText, yHeading, yParagraph } from '../helpers/yBlocks.js';

type Party = 'anonymous' | 'stranger' | 'viewer' | 'commenter' | 'editor' | 'owner' | 'removed' | 'oldLink' | 'guest';
const PARTIES: Party[] = ['anonymous', 'stranger', 'viewer', 'commenter', 'editor', 'owner', 'removed', 'oldLink', 'guest'];

interface World {
  server: TandemServer;
  docId: string;
  users: Partial<Record<Party, ApiUser>>;
  /** The token each party can present for the document (minted before removal / reset where that applies). */
  tokens: Record<Party, string>;
  owner: TestClient;
}

let world: World;
const clients: TestClient[] = [];

beforeAll(async () => {
  const server = await startTestServer();
  const user = async (label: string): Promise<ApiUser> => {
    const created = new ApiUser(server.url);
    await created.signUp(uniqueEmail(label), label);
    return created;
  };
  const owner = await user('Owner');
  const doc = await owner.createDocument('Matrix');
  const users: World['users'] = { owner };
  for (const role of ['viewer', 'commenter', 'editor'] as const) {
    users[role] = await user(role);
    await owner.share(doc.id, users[role]?.me?.email ?? '', role);
  }
  users.stranger = await user('Stranger');
  users.removed = await user('Removed');
  await owner.share(doc.id, users.removed.me?.email ?? '', 'editor');
  const removedToken = await users.removed.socketToken(doc.id);
  await owner.request('DELETE', `/api/documents/${doc.id}/members/${encodeURIComponent(users.removed.me?.email ?? '')}`);
  const first = await owner.request<Sharing>('PUT', `/api/documents/${doc.id}/link`, { role: 'viewer' });
  users.oldLink = await user('OldLink');
  const oldLinkToken = await users.oldLink.socketToken(doc.id, first.body.link.secret);
  const reset = await owner.request<Sharing>('POST', `/api/documents/${doc.id}/link/reset`);
  const guest = new ApiUser(server.url);
  const joined = await guest.request('POST', '/api/auth/guest', { name: 'Guest', document: doc.id, link: reset.body.link.secret });
  expect(joined.status).toBe(200);
  users.guest = guest;
  // The stranger's token is for a document of their own: valid, just not for this one.
  const strangersDoc = await users.stranger.createDocument('Elsewhere');

  const tokens: World['tokens'] = {
    anonymous: '',
    stranger: await users.stranger.socketToken(strangersDoc.id),
    viewer: await users.viewer!.socketToken(doc.id),
    commenter: await users.commenter!.socketToken(doc.id),
    editor: await users.editor!.socketToken(doc.id),
    owner: await owner.socketToken(doc.id),
    removed: removedToken,
    oldLink: oldLinkToken,
    guest: await guest.socketToken(doc.id),
  };
  const ownerClient = connectClient(server.url, doc.id, tokens.owner);
  clients.push(ownerClient);
  await waitSynced(ownerClient);
  ownerClient.doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [yHeading('s-one', 'One'), yParagraph('owner text')]);
  ownerClient.provider.awareness.setLocalStateField('status', 'active');
  world = { server, docId: doc.id, users, tokens, owner: ownerClient };
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await world?.server.close();
});

// ---------------------------------------------------------------------------------------------------
// The socket

type SocketOutcome = 'open' | 4401 | 4403;
const SOCKET: Record<Party, SocketOutcome> = {
  anonymous: 4401,
  stranger: 4403,
  viewer: 'open',
  commenter: 'open',
  editor: 'open',
  owner: 'open',
  removed: 4403,
  oldLink: 4403,
  guest: 'open',
};
const WRITES: Record<Party, boolean> = { anonymous: false, stranger: false, viewer: false, commenter: false, editor: true, owner: true, removed: false, oldLink: false, guest: false };

function connectAs(party: Party): TestClient {
  const client = connectClient(world.server.url, world.docId, world.tokens[party]);
  clients.push(client);
  return client;
}

async function closeCode(client: TestClient): Promise<number> {
  return new Promise((resolve) => {
    client.provider.on('connection-close', (event: CloseEvent | null) => resolve(event?.code ?? -1));
  });
}

/** The relayed awareness state of `client`, as the owner sees it. */
function ownerSees(client: TestClient): Record<string, unknown> | undefined {
  return world.owner.provider.awareness.getStates().get(client.doc.clientID) as Record<string, unknown> | undefined;
}

/** Waits until the owner sees `client`'s awareness field `key` = `value`: everything that client sent before it was handled. */
async function roundTrip(client: TestClient, key: string, value: unknown): Promise<void> {
  client.provider.awareness.setLocalStateField(key, value);
  await waitUntil(() => JSON.stringify(ownerSees(client)?.[key]) === JSON.stringify(value), [[world.owner.provider.awareness, 'change']], `the owner sees ${key} of the party`, 10_000);
}

describe('access matrix: the socket', () => {
  for (const party of PARTIES) {
    const outcome = SOCKET[party];
    if (outcome !== 'open') {
      it(`${party}: the socket is closed with ${outcome}; nothing it sent reaches anyone`, async () => {
        const client = connectAs(party);
        const closed = closeCode(client);
        bodyText(client.doc).insert(0, `${party} was here `);
        expect(await closed).toBe(outcome);
        client.provider.disconnect();
        expect(documentText(world.server.rooms.get(world.docId)?.doc ?? world.owner.doc)).not.toContain(`${party} was here`);
        expect(ownerSees(client)).toBeUndefined();
      });
      continue;
    }
    it(`${party}: syncs the document, has presence, ${WRITES[party] ? 'writes' : 'cannot write'}, ${WRITES[party] ? 'can' : 'cannot'} lock`, async () => {
      const client = connectAs(party);
      await waitSynced(client);
      expect(documentText(client.doc)).toContain('owner text');
      // Write, then a presence round trip: by the time the owner sees it, the server has handled the write.
      const marker = `${party}-writes `;
      bodyText(client.doc).insert(0, marker);
      await roundTrip(client, 'status', 'active');
      if (WRITES[party]) {
        await waitUntil(() => documentText(world.owner.doc).includes(marker), [[world.owner.doc, 'update']], 'the write reaches the owner', 10_000);
        const stored = await world.server.store.load(world.docId);
        expect(stored.rows.length + (stored.checkpoint ? 1 : 0)).toBeGreaterThan(0);
      } else {
        expect(documentText(world.owner.doc)).not.toContain(marker);
        expect(documentText(world.server.rooms.get(world.docId)?.doc ?? world.owner.doc)).not.toContain(marker);
      }
      // Lock request for the existing section.
      await roundTrip(client, 'lockRequests', ['s-one']);
      const holder = world.server.rooms.get(world.docId)?.locks.holderOf('s-one');
      if (WRITES[party]) {
        expect(holder?.userId).toBe(world.users[party]?.me?.id);
        await roundTrip(client, 'lockRequests', []);
        await waitUntil(() => findServerLockTable(world.owner.provider.awareness.getStates() as Map<number, Record<string, unknown>>)['s-one'] === undefined, [[world.owner.provider.awareness, 'change']], 'the lock released', 10_000);
      } else {
        expect(holder).toBeUndefined();
      }
      client.provider.disconnect();
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// HTTP

type Route = { name: string; method: string; path: (doc: string) => string; body?: unknown; timeline?: boolean; destructive?: boolean };
const ROUTES: Route[] = [
  { name: 'read the document', method: 'GET', path: (d) => `/api/documents/${d}` },
  { name: 'rename', method: 'PATCH', path: (d) => `/api/documents/${d}`, body: { title: 'Matrix' } },
  { name: 'see the sharing', method: 'GET', path: (d) => `/api/documents/${d}/sharing` },
  { name: 'share with someone', method: 'PUT', path: (d) => `/api/documents/${d}/members`, body: { email: 'viewer-placeholder', role: 'viewer' } },
  { name: 'set the link', method: 'PUT', path: (d) => `/api/documents/${d}/link`, body: { role: 'viewer' } },
  { name: 'reset the link', method: 'POST', path: (d) => `/api/documents/${d}/link/reset`, destructive: true },
  { name: 'transfer ownership', method: 'POST', path: (d) => `/api/documents/${d}/owner`, body: { email: 'editor-placeholder' }, destructive: true },
  { name: 'delete', method: 'DELETE', path: (d) => `/api/documents/${d}`, destructive: true },
  { name: 'get a socket token', method: 'POST', path: (d) => `/api/documents/${d}/token`, body: {} },
  { name: 'timeline: events', method: 'GET', path: (d) => `/api/docs/${d}/events`, timeline: true },
  { name: 'timeline: name a version', method: 'POST', path: (d) => `/api/docs/${d}/versions`, body: { name: 'matrix' }, timeline: true },
  { name: 'timeline: restore', method: 'POST', path: (d) => `/api/docs/${d}/restore`, body: { seq: 0 }, timeline: true },
  { name: 'timeline: drop history', method: 'POST', path: (d) => `/api/docs/${d}/history/drop`, timeline: true },
];

const READ = new Set(['read the document', 'get a socket token', 'timeline: events']);
const EDIT = new Set([...READ, 'rename', 'see the sharing', 'timeline: name a version', 'timeline: restore']);

/** The status each party gets; null: allowed but destructive, asserted in liveAccess.test.ts. */
function expected(party: Party, route: Route): number | null {
  if (party === 'anonymous') return 401;
  if (party === 'stranger' || party === 'removed' || party === 'oldLink') return route.timeline ? 403 : 404;
  if (party === 'owner') return route.destructive ? null : route.name === 'timeline: name a version' ? 201 : 200;
  const allowed = party === 'editor' ? EDIT : READ;
  if (!allowed.has(route.name)) return 403;
  // Restoring to seq 0 is a well-formed request for a point before the retained log: not a permission answer.
  if (route.name === 'timeline: restore') return null;
  return route.name === 'timeline: name a version' ? 201 : 200;
}

async function call(party: Party, route: Route, origin?: string | null): Promise<number> {
  const path = route.path(world.docId);
  let body = route.body;
  if (route.name === 'share with someone') body = { email: world.users.viewer?.me?.email, role: 'viewer' };
  if (route.name === 'transfer ownership') body = { email: world.users.editor?.me?.email };
  if (route.timeline) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (world.tokens[party]) headers.authorization = `Bearer ${world.tokens[party]}`;
    const response = await fetch(`${world.server.url}${path}`, { method: route.method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return response.status;
  }
  const user = party === 'anonymous' ? new ApiUser(world.server.url) : world.users[party];
  if (!user) throw new Error(`no user for ${party}`);
  return (await user.request(route.method, path, body, origin === undefined ? {} : { origin })).status;
}

describe('access matrix: HTTP', () => {
  for (const party of PARTIES) {
    for (const route of ROUTES) {
      const status = expected(party, route);
      if (status === null) continue;
      it(`${party}: ${route.name} → ${status}`, async () => {
        expect(await call(party, route)).toBe(status);
      });
    }
  }

  it('refused parties changed nothing: title, sharing and link are as the owner set them', async () => {
    const sharing = await world.users.owner?.request<Sharing>('GET', `/api/documents/${world.docId}/sharing`);
    expect(sharing?.body.members.map((m) => [m.email, m.role]).sort()).toEqual(
      (['viewer', 'commenter', 'editor'] as const).map((role) => [world.users[role]?.me?.email, role]).sort(),
    );
    expect(sharing?.body.link.role).toBe('viewer');
    expect(sharing?.body.owner.id).toBe(world.users.owner?.me?.id);
    const info = await world.users.owner?.request<{ title: string; deletedAt?: number }>('GET', `/api/documents/${world.docId}`);
    expect(info?.body.title).toBe('Matrix');
    expect(info?.body.deletedAt).toBeUndefined();
  });

  it('no Origin header (a non-browser client with a valid session): works', async () => {
    expect(await call('editor', ROUTES[1] as Route, null)).toBe(200);
  });
});
