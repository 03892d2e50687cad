/**
 * Presence over awareness with stock providers: states appear with the identity the server stamps from
 * the token; nobody can write or erase another connection's state or publish a malformed presence state;
 * a departed peer's state disappears for everyone, whether it closed, was killed, or went silent.
 */
import type net from 'node:net';
import type WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import type { TandemServer } from '../../server/app.js';
import { AWARENESS_RATE_BURST, HEARTBEAT_INTERVAL_MS, MAX_AWARENESS_BYTES } from '../../shared/limits.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { parsePresenceState } from '../../shared/presence/schema.js';
import { encodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';
import { connectClient, openRawSocket, type TestClient, waitSynced , hostSession, type HostSession } from '../helpers/clients.js';
import { waitUntil } from '../helpers/wait.js';
import { testScope } from '../helpers/scope.js';
import { encodeAwarenessFrame } from '../../shared/protocol/frames.js';

const scope = testScope();

const server = (): Promise<TandemServer> => scope.server();

async function guest(_srv: TandemServer, name: string): Promise<HostSession> {
  return hostSession(name);
}

async function client(srv: TandemServer, docName: string, name: string): Promise<{ client: TestClient; session: HostSession }> {
  const session = await guest(srv, name);
  const created = connectClient(srv.url, docName, session.token);
  scope.defer(() => created.destroy());
  await waitSynced(created);
  return { client: created, session };
}

async function rawPeer(
  srv: TandemServer,
  docName: string,
  name: string,
): Promise<{ socket: WebSocket; session: HostSession; closed: Promise<{ code: number; reason: string }> }> {
  const session = await guest(srv, name);
  const { socket, closed } = await openRawSocket(`${srv.url.replace(/^http/, 'ws')}/collab/${docName}?token=${session.token}`);
  scope.defer(() => socket.terminate());
  return { socket, session, closed };
}

function presence(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { v: 1, user: { id: 'whoever', name: 'Whoever', color: '#3e63dd' }, status: 'active', sectionId: null, typing: false, ...overrides };
}

function awarenessFrame(entries: Parameters<typeof encodeAwarenessUpdate>[0]): Uint8Array {
  return encodeAwarenessFrame(encodeAwarenessUpdate(entries));
}

/** Waits (on awareness change events) until `observer` sees `clientId` present or absent. */
function seen(observer: TestClient, clientId: number, present: boolean, timeoutMs = 10_000): Promise<void> {
  const awareness = observer.provider.awareness;
  return waitUntil(
    () => awareness.getStates().has(clientId) === present,
    [[awareness, 'change']],
    `client ${clientId} ${present ? 'present' : 'gone'}`,
    timeoutMs,
    () => [...awareness.getStates().keys()],
  );
}

describe('presence over awareness', () => {
  it('shows a presence state with the identity stamped from the token, whatever the client claimed', async () => {
    const srv = await server();
    const ada = await client(srv, 'p-stamp', 'Ada');
    const bob = await client(srv, 'p-stamp', 'Bob');
    ada.client.provider.awareness.setLocalState(
      presence({ user: { id: bob.session.user.id, name: 'Bob', color: '#000000' }, status: 'idle', sectionId: 'intro', typing: true }),
    );
    await seen(bob.client, ada.client.doc.clientID, true);
    const state = parsePresenceState(bob.client.provider.awareness.getStates().get(ada.client.doc.clientID));
    expect(state).not.toBeNull();
    expect(state?.user).toEqual(ada.session.user);
    expect(state?.status).toBe('idle');
    expect(state?.sectionId).toBe('intro');
    expect(state?.typing).toBe(true);
  });

  it('refuses a spoofed state or removal for another connection’s clientID, and malformed presence', async () => {
    const srv = await server();
    const ada = await client(srv, 'p-spoof', 'Ada');
    const bob = await client(srv, 'p-spoof', 'Bob');
    const adaId = ada.client.doc.clientID;
    ada.client.provider.awareness.setLocalState(presence({ sectionId: 'ada-section' }));
    await seen(bob.client, adaId, true);

    const mallory = await rawPeer(srv, 'p-spoof', 'Mallory');
    mallory.socket.send(awarenessFrame([{ clientId: adaId, clock: 1_000, state: presence({ sectionId: 'hijacked' }) }]));
    mallory.socket.send(awarenessFrame([{ clientId: adaId, clock: 1_001, state: null }]));
    // A state in Tandem's schema must decode; this one has an unknown status, so it is refused outright.
    mallory.socket.send(awarenessFrame([{ clientId: 777_001, clock: 1, state: presence({ status: 'dancing' }) }]));
    // Mallory's own valid state arrives last: once Bob sees it, every earlier frame has been handled.
    mallory.socket.send(awarenessFrame([{ clientId: 777_002, clock: 1, state: presence({ sectionId: 'mallory-section' }) }]));
    await seen(bob.client, 777_002, true);

    const states = bob.client.provider.awareness.getStates();
    const adaSeen = parsePresenceState(states.get(adaId));
    expect(adaSeen?.sectionId).toBe('ada-section');
    expect(adaSeen?.user).toEqual(ada.session.user);
    expect(states.has(777_001)).toBe(false);
    expect(parsePresenceState(states.get(777_002))?.user).toEqual(mallory.session.user);
    expect(await srv.metrics.value('tandem_awareness_refused_total')).toBe(3);
  });

  it('removes the state of a client that closed, and of one killed without a goodbye, within seconds', async () => {
    const srv = await server();
    const bob = await client(srv, 'p-gone', 'Bob');
    const ada = await client(srv, 'p-gone', 'Ada');
    ada.client.provider.awareness.setLocalState(presence());
    await seen(bob.client, ada.client.doc.clientID, true);
    ada.client.destroy();
    await seen(bob.client, ada.client.doc.clientID, false, 5_000);

    // A killed process: the socket is torn down with no close frame and no awareness removal.
    const killed = await rawPeer(srv, 'p-gone', 'Killed');
    killed.socket.send(awarenessFrame([{ clientId: 888_001, clock: 1, state: presence() }]));
    await seen(bob.client, 888_001, true);
    killed.socket.terminate();
    await seen(bob.client, 888_001, false, 5_000);
  });

  it('does not let a tab claim a sibling tab’s state it relays, so the sibling’s state leaves with it', async () => {
    const srv = await server();
    const bob = await client(srv, 'p-tabs', 'Bob');
    // Two tabs of one browser (one user). Tab 1 relays tab 2's state, as BroadcastChannel delivers it,
    // before tab 2's own socket has sent anything.
    const tab1 = await rawPeer(srv, 'p-tabs', 'Ada');
    tab1.socket.send(awarenessFrame([{ clientId: 600_001, clock: 1, state: presence() }]));
    tab1.socket.send(awarenessFrame([{ clientId: 600_002, clock: 1, state: presence({ sectionId: 'relayed' }) }]));
    const tab2 = await rawPeer(srv, 'p-tabs', 'Ada');
    tab2.socket.send(awarenessFrame([{ clientId: 600_002, clock: 2, state: presence({ sectionId: 'own' }) }]));
    await waitUntil(
      () => parsePresenceState(bob.client.provider.awareness.getStates().get(600_002))?.sectionId === 'own',
      [[bob.client.provider.awareness, 'change']],
      'tab 2 publishes its own state',
    );
    expect(bob.client.provider.awareness.getStates().has(600_001)).toBe(true);
    tab2.socket.terminate();
    await seen(bob.client, 600_002, false, 5_000);
    expect(bob.client.provider.awareness.getStates().has(600_001)).toBe(true);
  });

  it('bounds awareness size (4413) and rate (4529) per connection, without harming others', async () => {
    const srv = await server();
    const bob = await client(srv, 'p-bounds', 'Bob');
    const big = await rawPeer(srv, 'p-bounds', 'Big');
    big.socket.send(awarenessFrame([{ clientId: 555_001, clock: 1, state: presence({ padding: 'x'.repeat(MAX_AWARENESS_BYTES) }) }]));
    expect((await big.closed).code).toBe(CloseCode.tooLarge);

    const chatty = await rawPeer(srv, 'p-bounds', 'Chatty');
    for (let clock = 1; clock <= AWARENESS_RATE_BURST * 3 && chatty.socket.readyState === chatty.socket.OPEN; clock++) {
      chatty.socket.send(awarenessFrame([{ clientId: 555_002, clock, state: presence({ typing: clock % 2 === 0 }) }]));
    }
    expect((await chatty.closed).code).toBe(CloseCode.rateLimited);
    // The flooder's state left with its connection; Bob's own presence still goes through.
    await seen(bob.client, 555_002, false);
    expect(bob.client.provider.awareness.getStates().has(555_001)).toBe(false);
    bob.client.provider.awareness.setLocalState(presence());
    const observer = await client(srv, 'p-bounds', 'Observer');
    await seen(observer.client, bob.client.doc.clientID, true);
  });

  it('does not charge relayed states against the relaying connection’s awareness rate', async () => {
    const srv = await server();
    const ada = await client(srv, 'p-relay', 'Ada');
    ada.client.provider.awareness.setLocalState(presence());
    // A stock client sends back every state it receives: here, Ada's state again and again, as it would
    // while several people move their carets. Only its own state changes should count against its budget.
    const observer = await rawPeer(srv, 'p-relay', 'Observer');
    observer.socket.send(awarenessFrame([{ clientId: 700_001, clock: 1, state: presence({ sectionId: 'before' }) }]));
    await seen(ada.client, 700_001, true);
    const adaState = () => ({ clientId: ada.client.doc.clientID, clock: ada.client.provider.awareness.meta.get(ada.client.doc.clientID)?.clock ?? 0, state: presence() });
    for (let i = 0; i < AWARENESS_RATE_BURST * 2; i++) observer.socket.send(awarenessFrame([adaState()]));
    observer.socket.send(awarenessFrame([{ clientId: 700_001, clock: 2, state: presence({ sectionId: 'after' }) }]));
    await waitUntil(
      () => parsePresenceState(ada.client.provider.awareness.getStates().get(700_001))?.sectionId === 'after',
      [[ada.client.provider.awareness, 'change']],
      'the observer’s own update after its relays',
      3_000,
    );
  });

  it(
    'removes the state of a peer that went silent (no close, no pongs) once its heartbeat lapses',
    async () => {
      const srv = await server();
      const bob = await client(srv, 'p-silent', 'Bob');
      const frozen = await rawPeer(srv, 'p-silent', 'Frozen');
      frozen.socket.send(awarenessFrame([{ clientId: 999_001, clock: 1, state: presence() }]));
      await seen(bob.client, 999_001, true);
      // Stop reading: the connection stays open at the TCP level but never answers a ping, like a laptop
      // that went to sleep. ws keeps its socket private; this is the only way to freeze it from outside.
      (frozen.socket as unknown as { _socket: net.Socket })._socket.pause();
      const started = Date.now();
      await seen(bob.client, 999_001, false, 2 * HEARTBEAT_INTERVAL_MS + 5_000);
      expect(Date.now() - started).toBeLessThanOrEqual(2 * HEARTBEAT_INTERVAL_MS + 5_000);
    },
    2 * HEARTBEAT_INTERVAL_MS + 30_000,
  );
});
