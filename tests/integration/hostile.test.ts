/** Rules H1–H6: hostile and broken input gets its close code; the room and other clients are unharmed. */
import { describe, expect, it } from 'vitest';
import { encodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeTandemMessage, MessageType } from '../../shared/protocol/messages.js';
import { HostileClient } from '../helpers/hostileClient.js';
import { MAX_FRAME_BYTES, MESSAGE_RATE_BURST } from '../../shared/limits.js';
import { Role } from '../../shared/auth.js';
import type { TandemServer } from '../../server/app.js';
import { editorToken, openRawSocket, type TestClient, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { waitUntil } from '../helpers/wait.js';
import { testScope } from '../helpers/scope.js';
import { bodyText } from '../helpers/yBlocks.js';
import { encodeAwarenessFrame as awarenessFrame } from '../../shared/protocol/frames.js';

const scope = testScope();

const server = (): Promise<TandemServer> => scope.server();

const client = scope.client;

function wsUrl(srv: TandemServer, path: string): string {
  return `${srv.url.replace(/^http/, 'ws')}${path}`;
}

async function closeCodeFor(url: string, frame?: Uint8Array | string): Promise<number> {
  const { socket, closed } = await openRawSocket(url);
  if (frame !== undefined && socket.readyState === socket.OPEN) socket.send(frame);
  return (await closed).code;
}

/** Two healthy clients on `docName`, synced; the test checks they still work after an attack. */
async function bystanders(srv: TandemServer, docName: string): Promise<[TestClient, TestClient]> {
  const token = await editorToken();
  const a = client(srv.url, docName, token);
  const b = client(srv.url, docName, token);
  await Promise.all([waitSynced(a), waitSynced(b)]);
  bodyText(a.doc).insert(0, 'before ');
  await waitForDocumentText(b.doc, (t) => t === 'before ', 'bystander sync before attack');
  return [a, b];
}

async function stillServing(a: TestClient, b: TestClient): Promise<void> {
  const text = bodyText(b.doc);
  text.insert(text.length, 'after');
  await waitForDocumentText(a.doc, (t) => t === 'before after', 'bystanders still sync after attack');
}

describe('H1 authentication and admission', () => {
  it('closes a connection without a token with 4401', async () => {
    const srv = await server();
    expect(await closeCodeFor(wsUrl(srv, '/collab/doc'))).toBe(CloseCode.unauthenticated);
  });

  it('closes a forged or expired token with 4401', async () => {
    const srv = await server();
    const forged = (await editorToken()).slice(0, -4) + 'AAAA';
    expect(await closeCodeFor(wsUrl(srv, `/collab/doc?token=${forged}`))).toBe(CloseCode.unauthenticated);
    const expired = await srv.tokens.mint({ sub: 'u', name: 'U', role: Role.editor, doc: '*' }, -10);
    expect(await closeCodeFor(wsUrl(srv, `/collab/doc?token=${expired}`))).toBe(CloseCode.unauthenticated);
  });

  it('closes a token for another document with 4403', async () => {
    const srv = await server();
    const token = await srv.tokens.mint({ sub: 'u', name: 'U', role: Role.editor, doc: 'other' }, 600);
    expect(await closeCodeFor(wsUrl(srv, `/collab/doc?token=${token}`))).toBe(CloseCode.forbidden);
  });

  it('refuses a bad document name with 4400 before touching storage', async () => {
    const srv = await server();
    const token = await editorToken();
    for (const name of ['.hidden', 'a%2Fb', 'x'.repeat(129), 'sp%20ace']) {
      expect(await closeCodeFor(wsUrl(srv, `/collab/${name}?token=${token}`)), name).toBe(CloseCode.badRequest);
    }
    expect(await srv.store.listDocuments(10)).toEqual([]);
  });
});

describe('H2 malformed frames', () => {
  const cases: Array<[string, Uint8Array | string]> = [
    ['text frame', 'hello'],
    ['unknown message type', Uint8Array.of(42)],
    ['truncated sync message', Uint8Array.of(MessageType.sync, 2, 200)],
    ['unknown sync kind', Uint8Array.of(MessageType.sync, 9, 0)],
    ['garbage update', Uint8Array.of(MessageType.sync, 2, 5, 255, 255, 255, 255, 255)],
    ['trailing bytes', Uint8Array.of(MessageType.queryAwareness, 1, 2, 3)],
    ['malformed awareness JSON', awarenessFrame(Uint8Array.of(1, 5, 1, 3, 123, 123, 123))],
    ['malformed state vector', Uint8Array.of(MessageType.sync, 0, 3, 200, 200, 200)],
  ];
  for (const [label, bad] of cases) {
    it(`closes on ${label} with 4400; the room keeps serving others`, async () => {
      const srv = await server();
      const [a, b] = await bystanders(srv, 'victim');
      const token = await editorToken();
      expect(await closeCodeFor(wsUrl(srv, `/collab/victim?token=${token}`), bad)).toBe(CloseCode.badRequest);
      await stillServing(a, b);
    });
  }
});

describe('H2b Tandem channel forward compatibility', () => {
  it('ignores Tandem kinds it does not take from clients, keeps the connection and still acknowledges flushes', async () => {
    const srv = await server();
    const [a, b] = await bystanders(srv, 'newer-client');
    const newer = await HostileClient.connect(srv.url, 'newer-client', await editorToken());
    await newer.pull();
    // A kind from a newer client (with a body this server cannot read), and a server-to-client kind.
    newer.send(Uint8Array.of(MessageType.tandem, 77, 1, 2, 3));
    newer.send(encodeTandemMessage({ kind: 'flushed', nonce: 5 }));
    newer.send(encodeTandemMessage({ kind: 'flushRequest', nonce: 42 }));
    const acknowledged = () => newer.frames.some((frame) => frame.type === 'tandem' && frame.message.kind === 'flushed' && frame.message.nonce === 42);
    await newer.waitFor(() => acknowledged() || newer.closeEvent !== null, 'the server acknowledges the flush after the unknown kinds');
    expect(newer.closeEvent).toBeNull();
    expect(acknowledged()).toBe(true);
    expect(await srv.metrics.value('tandem_channel_messages_ignored_total')).toBe(2);
    await stillServing(a, b);
  });

  it('still closes a truncated known Tandem kind with 4400', async () => {
    const srv = await server();
    const [a, b] = await bystanders(srv, 'truncated-tandem');
    const token = await editorToken();
    expect(await closeCodeFor(wsUrl(srv, `/collab/truncated-tandem?token=${token}&tandem=1`), Uint8Array.of(MessageType.tandem, 0))).toBe(CloseCode.badRequest);
    await stillServing(a, b);
  });
});

describe('H3 size limits', () => {
  it('closes a frame over MAX_FRAME_BYTES with 4413 and keeps the room serving', async () => {
    const srv = await server();
    const [a, b] = await bystanders(srv, 'big');
    const token = await editorToken();
    const huge = new Uint8Array(MAX_FRAME_BYTES + 1024);
    huge[0] = MessageType.sync;
    expect(await closeCodeFor(wsUrl(srv, `/collab/big?token=${token}`), huge)).toBe(CloseCode.tooLarge);
    await stillServing(a, b);
    const stored = await srv.store.load('big');
    expect(stored.rows.length).toBeGreaterThan(0);
  });
});

describe('H4 awareness', () => {
  it('refuses a state written for another connection’s clientID and stamps identity from the token', async () => {
    const srv = await server();
    const alice = client(srv.url, 'aw', await editorToken('Alice'));
    const bob = client(srv.url, 'aw', await editorToken('Bob'));
    await Promise.all([waitSynced(alice), waitSynced(bob)]);
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#e5484d' });
    await waitUntil(() => bob.provider.awareness.getStates().has(alice.doc.clientID), [[bob.provider.awareness, 'change']], 'bob sees alice');

    // Mallory speaks raw protocol: she claims Alice's clientID (with a higher clock) and to be "Alice".
    const { socket } = await openRawSocket(wsUrl(srv, `/collab/aw?token=${await editorToken('Mallory')}`));
    socket.send(awarenessFrame(encodeAwarenessUpdate([{ clientId: alice.doc.clientID, clock: 999, state: { user: { name: 'Hacked' } } }])));
    socket.send(awarenessFrame(encodeAwarenessUpdate([{ clientId: alice.doc.clientID, clock: 1000, state: null }])));
    socket.send(awarenessFrame(encodeAwarenessUpdate([{ clientId: 424242, clock: 1, state: { user: { name: 'Alice', id: 'fake' } } }])));
    await waitUntil(() => bob.provider.awareness.getStates().has(424242), [[bob.provider.awareness, 'change']], 'mallory state relayed');

    const aliceSeenByBob = bob.provider.awareness.getStates().get(alice.doc.clientID) as { user: { name: string } };
    expect(aliceSeenByBob.user.name).toBe('Alice');
    const mallory = bob.provider.awareness.getStates().get(424242) as { user: { name: string; id: string } };
    expect(mallory.user.name).toBe('Mallory');
    expect(mallory.user.id).not.toBe('fake');
    expect(await srv.metrics.value('tandem_awareness_refused_total')).toBe(2);
    socket.close();
  });

  it('removes a closed connection’s awareness state', async () => {
    const srv = await server();
    const alice = client(srv.url, 'gone', await editorToken('Alice'));
    const bob = client(srv.url, 'gone', await editorToken('Bob'));
    await Promise.all([waitSynced(alice), waitSynced(bob)]);
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' });
    await waitUntil(() => bob.provider.awareness.getStates().has(alice.doc.clientID), [[bob.provider.awareness, 'change']], 'bob sees alice');
    // Kill the socket without the client saying goodbye: the server must remove the state itself.
    (alice.provider.ws as unknown as { terminate(): void }).terminate();
    alice.provider.shouldConnect = false;
    await waitUntil(() => !bob.provider.awareness.getStates().has(alice.doc.clientID), [[bob.provider.awareness, 'change']], 'alice gone');
  });
});

describe('H5 rate limits', () => {
  it('closes a connection that floods messages with 4529, without harming others', async () => {
    const srv = await server();
    const [a, b] = await bystanders(srv, 'flood');
    const { socket, closed } = await openRawSocket(wsUrl(srv, `/collab/flood?token=${await editorToken()}`));
    const query = Uint8Array.of(MessageType.queryAwareness);
    for (let i = 0; i < MESSAGE_RATE_BURST * 3 && socket.readyState === socket.OPEN; i++) socket.send(query);
    expect((await closed).code).toBe(CloseCode.rateLimited);
    await stillServing(a, b);
  });
});

describe('H6 awareness across reconnects', () => {
  it('shows a reconnecting client’s unchanged state again at once, not after its next renewal', async () => {
    const srv = await server();
    const alice = client(srv.url, 'rejoin', await editorToken('Alice'));
    const bob = client(srv.url, 'rejoin', await editorToken('Bob'));
    await Promise.all([waitSynced(alice), waitSynced(bob)]);
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' });
    const bobSeesAlice = (): boolean => bob.provider.awareness.getStates().has(alice.doc.clientID);
    await waitUntil(bobSeesAlice, [[bob.provider.awareness, 'change']], 'bob sees alice');
    alice.provider.disconnect();
    await waitUntil(() => !bobSeesAlice(), [[bob.provider.awareness, 'change']], 'alice gone');
    // Alice reconnects without touching her state: the provider re-sends it with the same clock.
    alice.provider.connect();
    // 5 s is far below the 15 s renewal that would otherwise be needed.
    await waitUntil(bobSeesAlice, [[bob.provider.awareness, 'change']], 'alice back', 5_000);
  });
});
