/** Stock y-websocket clients in Node, plus a raw socket for hostile tests. */
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SignJWT } from 'jose';
import { colorForId } from '../../shared/colors.js';
import { TEST_AUTH_SECRET } from './server.js';
import { nextEvent, waitUntil } from './wait.js';
import { bodyText, documentText, existingBodyText } from './yBlocks.js';

/**
 * An editor token for every document, minted the way a host application does (AUTH_SECRET, no session):
 * a fresh user each call. Tests of accounts and sharing sign in instead (tests/helpers/accounts.ts).
 */
export async function editorToken(name = 'Tester'): Promise<string> {
  return (await hostSession(name)).token;
}

export interface HostSession {
  token: string;
  user: { id: string; name: string; color: string };
}

/** Like editorToken, with the user the token names (id and colour as the server derives them). */
export async function hostSession(name = 'Tester'): Promise<HostSession> {
  const id = `host-${crypto.randomUUID()}`;
  const token = await new SignJWT({ name, role: 'editor', doc: '*' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(id)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 24 * 60 * 60)
    .sign(new TextEncoder().encode(TEST_AUTH_SECRET));
  return { token, user: { id, name, color: colorForId(id) } };
}

export interface TestClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  destroy(): void;
}

/** A stock WebsocketProvider. `disableBc` because Node has a global BroadcastChannel through which
 *  in-process peers would otherwise sync around the server and hide server bugs. */
export function connectClient(
  baseUrl: string,
  docName: string,
  token: string,
  options: { doc?: Y.Doc; params?: Record<string, string>; connect?: boolean } = {},
): TestClient {
  const doc = options.doc ?? new Y.Doc();
  const provider = new WebsocketProvider(`${baseUrl.replace(/^http/, 'ws')}/collab`, docName, doc, {
    params: { token, ...options.params },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: options.connect ?? true,
  });
  return {
    doc,
    provider,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export function waitSynced(client: TestClient, timeoutMs = 10_000): Promise<void> {
  return waitUntil(() => client.provider.synced, [[client.provider, 'sync']], 'provider sync', timeoutMs);
}

/** Waits until the plain text of the editor fragment (`documentText`: block texts joined with '\n')
 *  satisfies `predicate`. */
export function waitForDocumentText(doc: Y.Doc, predicate: (text: string) => boolean, description: string, timeoutMs = 15_000): Promise<void> {
  return waitUntil(() => predicate(documentText(doc)), [[doc, 'update']], description, timeoutMs, () => documentText(doc).slice(0, 200));
}

/** Legacy: waits on a root Y.Text. A server that validates updates against the editor schema refuses
 *  writes to root types other than the editor fragment; new tests use `waitForDocumentText`. */
export function waitForText(doc: Y.Doc, name: string, predicate: (text: string) => boolean, description: string, timeoutMs = 15_000): Promise<void> {
  const text = doc.getText(name);
  return waitUntil(() => predicate(text.toString()), [[doc, 'update']], description, timeoutMs, () => text.toString().slice(0, 200));
}

/** One shared first paragraph for clients that will all type into it: `clients[0]` creates it (see
 *  `bodyText`) and every other client waits until it has received it, so concurrent typing never starts
 *  from separate paragraphs. Returns each client's `bodyText`, in order. */
export async function sharedBodyTexts(clients: TestClient[], timeoutMs = 15_000): Promise<Y.XmlText[]> {
  const [first, ...others] = clients;
  if (!first) return [];
  bodyText(first.doc);
  await Promise.all(others.map((c) => waitUntil(() => existingBodyText(c.doc) !== undefined, [[c.doc, 'update']], 'the shared paragraph arrives', timeoutMs)));
  return clients.map((c) => bodyText(c.doc));
}

/** A raw WebSocket: for sending hand-made (hostile) frames and observing the close code. */
export async function openRawSocket(url: string): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(url);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('error', () => undefined);
  await Promise.race([nextEvent(socket as never, 'open'), closed]);
  return { socket, closed };
}
