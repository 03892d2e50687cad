/**
 * Access changes reach open connections (server/accounts/liveAccess.ts): removing someone, changing a
 * role, resetting or turning off a link, deleting a document, disabling an account and ending sessions
 * each take effect on the connections already open, within a second, and a token minted before the
 * change is worth only the access that exists after it.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentInfo, Sharing } from '../../shared/accounts/api.js';
import { ACCESS_REVOKED_REASON, SESSION_ENDED_REASON } from '../../shared/protocol/closeCodes.js';
import type { TandemServer } from '../../server/app.js';
import { ApiUser, uniqueEmail } from '../helpers/accounts.js';
import { type TestClient, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { HostileClient } from '../helpers/hostileClient.js';
import { testScope } from '../helpers/scope.js';
import { bodyText, documentText } from '../helpers/yBlocks.js';

const scope = testScope();

/** The bound: a change reaches open connections within one second. */
const LIVE_MS = 1000;

interface Room {
  server: TandemServer;
  owner: ApiUser;
  doc: DocumentInfo;
  ownerClient: TestClient;
}

async function room(): Promise<Room> {
  const server = await scope.server();
  const owner = new ApiUser(server.url);
  await owner.signUp(uniqueEmail('owner'), 'Owner');
  const doc = await owner.createDocument('Live');
  const ownerClient = scope.client(server.url, doc.id, await owner.socketToken(doc.id));
  await waitSynced(ownerClient);
  bodyText(ownerClient.doc).insert(0, 'owner text');
  return { server, owner, doc, ownerClient };
}

async function person(server: TandemServer, name: string): Promise<ApiUser> {
  const user = new ApiUser(server.url);
  await user.signUp(uniqueEmail(name.toLowerCase()), name);
  return user;
}

async function open(server: TandemServer, docId: string, token: string): Promise<HostileClient> {
  const client = await HostileClient.connect(server.url, docId, token);
  scope.defer(() => client.close());
  return client;
}

/** An edit made on top of what the connection was shown, under a clientID of its own. */
function editOf(client: HostileClient, text: string): Uint8Array {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(client.mirror));
  const before = Y.encodeStateVector(doc);
  bodyText(doc).insert(0, text);
  return Y.encodeStateAsUpdate(doc, before);
}

function accessNotices(client: HostileClient): string[] {
  return client.frames.flatMap((frame) => (frame.type === 'tandem' && frame.message.kind === 'notice' && frame.message.notice.type === 'access' ? [frame.message.notice.role] : []));
}

async function closedWithin(client: HostileClient): Promise<{ code: number; reason: string }> {
  await client.waitFor(() => client.closeEvent !== null, 'the server closes the connection', LIVE_MS);
  return client.closeEvent as { code: number; reason: string };
}

describe('access changes reach open connections', () => {
  it('an editor lowered to viewer is told, keeps reading, and has every later update dropped', async () => {
    const { server, owner, doc, ownerClient } = await room();
    const bob = await person(server, 'Bob');
    await owner.share(doc.id, bob.me?.email ?? '', 'editor');
    const socket = await open(server, doc.id, await bob.socketToken(doc.id));
    await socket.pull();

    await owner.share(doc.id, bob.me?.email ?? '', 'viewer');
    await socket.waitFor(() => accessNotices(socket).includes('viewer'), 'the access notice', LIVE_MS);

    socket.sendUpdate(editOf(socket, 'dropped '));
    bodyText(ownerClient.doc).insert(0, 'after ');
    await socket.waitFor(() => documentText(socket.mirror).includes('after owner text'), 'the owner\'s later edit reaches the viewer');
    const roomDoc = server.rooms.get(doc.id)?.doc;
    expect(roomDoc && documentText(roomDoc)).toBe('after owner text');
    expect(documentText(ownerClient.doc)).not.toContain('dropped');
    expect(socket.open).toBe(true);
  });

  it('a viewer raised to editor can write at once, without reconnecting', async () => {
    const { server, owner, doc, ownerClient } = await room();
    const cy = await person(server, 'Cy');
    await owner.share(doc.id, cy.me?.email ?? '', 'viewer');
    const socket = await open(server, doc.id, await cy.socketToken(doc.id));
    await socket.pull();
    await owner.share(doc.id, cy.me?.email ?? '', 'editor');
    await socket.waitFor(() => accessNotices(socket).includes('editor'), 'the access notice', LIVE_MS);
    socket.sendUpdate(editOf(socket, 'cy writes '));
    await waitForDocumentText(ownerClient.doc, (text) => text.includes('cy writes'), 'the raised editor\'s edit');
  });

  it('someone removed is closed with 4403, and the token they held opens nothing any more', async () => {
    const { server, owner, doc, ownerClient } = await room();
    const dee = await person(server, 'Dee');
    await owner.share(doc.id, dee.me?.email ?? '', 'editor');
    const token = await dee.socketToken(doc.id);
    const socket = await open(server, doc.id, token);

    expect((await owner.request('DELETE', `/api/documents/${doc.id}/members/${encodeURIComponent(dee.me?.email ?? '')}`)).status).toBe(200);
    expect(await closedWithin(socket)).toEqual({ code: 4403, reason: ACCESS_REVOKED_REASON });

    await expect(HostileClient.connect(server.url, doc.id, token)).rejects.toThrow(/4403/);
    const events = await fetch(`${server.url}/api/docs/${doc.id}/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(events.status).toBe(403);
    expect((await dee.token(doc.id)).status).toBe(404);
    expect(ownerClient.provider.wsconnected).toBe(true);
  });

  it('resetting the link closes link holders and leaves members alone; turning the link off does the same', async () => {
    const { server, owner, doc } = await room();
    const sharing = await owner.request<Sharing>('PUT', `/api/documents/${doc.id}/link`, { role: 'viewer' });
    const secret = sharing.body.link.secret ?? '';
    const holder = await person(server, 'Holder');
    const member = await person(server, 'Member');
    await owner.share(doc.id, member.me?.email ?? '', 'viewer');
    const holderSocket = await open(server, doc.id, await holder.socketToken(doc.id, secret));
    const memberSocket = await open(server, doc.id, await member.socketToken(doc.id));

    const reset = await owner.request<Sharing>('POST', `/api/documents/${doc.id}/link/reset`);
    expect(reset.body.link.secret).not.toBe(secret);
    expect(await closedWithin(holderSocket)).toEqual({ code: 4403, reason: ACCESS_REVOKED_REASON });
    expect(memberSocket.open).toBe(true);
    // The old secret is worth nothing now; the new one works until the link is turned off.
    expect((await holder.token(doc.id, secret)).status).toBe(404);
    const again = await open(server, doc.id, await holder.socketToken(doc.id, reset.body.link.secret));
    await owner.request('PUT', `/api/documents/${doc.id}/link`, { role: null });
    expect(await closedWithin(again)).toEqual({ code: 4403, reason: ACCESS_REVOKED_REASON });
    expect(memberSocket.open).toBe(true);
  });

  it('deleting a document closes everyone, the owner included; restoring it from the trash lets the owner back in', async () => {
    const { server, owner, doc } = await room();
    const eve = await person(server, 'Eve');
    await owner.share(doc.id, eve.me?.email ?? '', 'editor');
    const eveSocket = await open(server, doc.id, await eve.socketToken(doc.id));
    const ownerSocket = await open(server, doc.id, await owner.socketToken(doc.id));

    expect((await owner.request('DELETE', `/api/documents/${doc.id}`)).status).toBe(204);
    expect(await closedWithin(eveSocket)).toEqual({ code: 4403, reason: ACCESS_REVOKED_REASON });
    expect(await closedWithin(ownerSocket)).toEqual({ code: 4403, reason: ACCESS_REVOKED_REASON });
    expect((await owner.token(doc.id)).status).toBe(404);
    const trash = await owner.request<{ documents: DocumentInfo[] }>('GET', '/api/documents/trash');
    expect(trash.body.documents.map((d) => d.id)).toEqual([doc.id]);

    expect((await owner.request('POST', `/api/documents/${doc.id}/restore`)).status).toBe(200);
    const back = await open(server, doc.id, await owner.socketToken(doc.id));
    await back.pull();
    expect(documentText(back.mirror)).toBe('owner text');
  });

  it('a disabled account is closed with 4401 (session ended) and cannot sign in', async () => {
    const { server, owner, doc } = await room();
    expect(owner.me?.isAdmin).toBe(true);
    const fay = await person(server, 'Fay');
    await owner.share(doc.id, fay.me?.email ?? '', 'editor');
    const socket = await open(server, doc.id, await fay.socketToken(doc.id));
    expect((await owner.request('PUT', `/api/admin/users/${fay.me?.id}`, { disabled: true })).status).toBe(200);
    expect(await closedWithin(socket)).toEqual({ code: 4401, reason: SESSION_ENDED_REASON });
    expect((await new ApiUser(server.url).signIn(fay.me?.email ?? '')).status).toBe(403);
  });

  it('signing out everywhere closes that person\'s connections and nobody else\'s', async () => {
    const { server, owner, doc } = await room();
    const gus = await person(server, 'Gus');
    await owner.share(doc.id, gus.me?.email ?? '', 'editor');
    const laptop = await open(server, doc.id, await gus.socketToken(doc.id));
    const phone = new ApiUser(server.url);
    expect((await phone.signIn(gus.me?.email ?? '')).status).toBe(200);
    const phoneSocket = await open(server, doc.id, await phone.socketToken(doc.id));
    const ownerSocket = await open(server, doc.id, await owner.socketToken(doc.id));

    expect((await gus.request('POST', '/api/auth/signout-all')).status).toBe(204);
    expect(await closedWithin(laptop)).toEqual({ code: 4401, reason: SESSION_ENDED_REASON });
    expect(await closedWithin(phoneSocket)).toEqual({ code: 4401, reason: SESSION_ENDED_REASON });
    expect(ownerSocket.open).toBe(true);
    expect((await phone.request('GET', '/api/documents')).status).toBe(401);
  });

  it('a password change ends the other sessions and keeps this one', async () => {
    const { server, owner, doc } = await room();
    const hal = await person(server, 'Hal');
    await owner.share(doc.id, hal.me?.email ?? '', 'editor');
    const other = new ApiUser(server.url);
    await other.signIn(hal.me?.email ?? '');
    const otherSocket = await open(server, doc.id, await other.socketToken(doc.id));
    const thisSocket = await open(server, doc.id, await hal.socketToken(doc.id));

    const changed = await hal.request('POST', '/api/auth/password', { currentPassword: 'correct horse battery', newPassword: 'a new long passphrase' });
    expect(changed.status).toBe(204);
    expect(await closedWithin(otherSocket)).toEqual({ code: 4401, reason: SESSION_ENDED_REASON });
    expect(thisSocket.open).toBe(true);
    expect((await hal.request('GET', '/api/documents')).status).toBe(200);
    expect((await new ApiUser(server.url).signIn(hal.me?.email ?? '', 'a new long passphrase')).status).toBe(200);
  });
});
