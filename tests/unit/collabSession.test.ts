// @vitest-environment happy-dom
/**
 * CollabSession against a fake provider adapter: the session's own decisions (connection state, what a
 * close of each class leads to, Tandem messages, flush requests) without a socket or a server.
 */
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CollabSession, type SessionTokens } from '../../client/session/CollabSession.js';
import type { ProviderAdapter, ProviderEvents } from '../../client/session/providerAdapter.js';
import type { DocumentToken } from '../../client/session/tokens.js';
import { ACCESS_REVOKED_REASON, CloseCode, SESSION_ENDED_REASON, refusedUpdateReason } from '../../shared/protocol/closeCodes.js';
import type { TandemMessage } from '../../shared/protocol/messages.js';
import { useFreshIndexedDb } from '../helpers/convergenceIdb.js';

/** Records what the session asks of the connection; the test plays the provider's part through `events`. */
class FakeAdapter implements ProviderAdapter {
  readonly awareness: Awareness;
  readonly params: Record<string, string> = {};
  readonly sent: TandemMessage[] = [];
  connected = false;
  synced = false;
  connects = 0;
  disconnects = 0;
  reconnects = 0;
  private connectWaiters: Array<() => void> = [];

  constructor(
    doc: Y.Doc,
    readonly events: ProviderEvents,
  ) {
    this.awareness = new Awareness(doc);
  }

  connect(): void {
    this.connects++;
    for (const resolve of this.connectWaiters.splice(0)) resolve();
  }

  disconnect(): void {
    this.disconnects++;
    this.connected = false;
    this.synced = false;
  }

  reconnect(): void {
    this.reconnects++;
    this.connected = false;
    this.synced = false;
    this.connect();
  }

  connectTabs(): void {}

  sendTandem(message: TandemMessage): boolean {
    if (!this.connected) return false;
    this.sent.push(message);
    return true;
  }

  delivered(origin: unknown): boolean {
    return origin === this;
  }

  on(): void {}
  off(): void {}

  destroy(): void {
    this.awareness.destroy();
  }

  /** Resolves at the session's next `connect()`. */
  nextConnect(): Promise<void> {
    return new Promise((resolve) => this.connectWaiters.push(resolve));
  }

  /** The provider's part of a successful connection, up to the moment a flush request may be sent. */
  open(): void {
    this.events.onConnecting();
    this.connected = true;
    this.events.onOpen();
    this.synced = true;
    this.events.onSynced();
    this.events.onServerStateAnswered();
  }

  close(): void {
    this.connected = false;
    this.synced = false;
    this.events.onConnectionLost();
  }
}

function token(role: DocumentToken['role'] = 'editor', name = 'Ada'): DocumentToken {
  return { token: `token-${role}-${name}`, role, expiresAt: Date.now() / 1000 + 900, user: { id: 'ada', name, color: '#3e63dd' }, source: 'account' };
}

class FakeTokens implements SessionTokens {
  readonly hostMode = false;
  refreshes = 0;
  next: DocumentToken = token();
  current(): Promise<DocumentToken> {
    return Promise.resolve(this.next);
  }
  refresh(): Promise<DocumentToken> {
    this.refreshes++;
    return Promise.resolve(this.next);
  }
  onToken(): () => void {
    return () => undefined;
  }
}

describe('CollabSession over a provider adapter', () => {
  let session: CollabSession;
  let adapter: FakeAdapter;
  let tokens: FakeTokens;

  /** A session whose first connect() has happened (the token arrived). */
  async function openSession(): Promise<void> {
    const connected = startSession(`doc-${Math.random().toString(36).slice(2)}`);
    await connected;
  }

  /** A session over a fresh fake adapter; resolves at its first connect() (the token arrived). */
  function startSession(docName: string): Promise<void> {
    tokens = new FakeTokens();
    const first: { connect?: Promise<void> } = {};
    session = new CollabSession(docName, tokens, ({ doc }, events) => {
      adapter = new FakeAdapter(doc, events);
      first.connect = adapter.nextConnect();
      return adapter;
    });
    if (!first.connect) throw new Error('the session did not create its provider');
    expect(session.provider).toBe(adapter);
    return first.connect;
  }

  beforeEach(() => {
    useFreshIndexedDb();
  });

  afterEach(() => {
    session.destroy();
    vi.restoreAllMocks();
  });

  it('goes signing in → connecting → syncing → connected with the provider, and presents the token', async () => {
    const connected = startSession('doc-status');
    expect(session.getSnapshot().connection).toEqual({ kind: 'connecting', phase: 'authenticating' });
    await connected;
    expect(adapter.params.token).toBe(tokens.next.token);
    adapter.events.onConnecting();
    expect(session.getSnapshot().connection).toEqual({ kind: 'connecting', phase: 'opening' });
    adapter.events.onOpen();
    expect(session.getSnapshot().connection).toEqual({ kind: 'connecting', phase: 'syncing' });
    adapter.events.onSynced();
    expect(session.getSnapshot().connection).toEqual({ kind: 'connected' });
  });

  it('shows the retry the adapter reports after a retryable close, and "unreachable" after several', async () => {
    await openSession();
    adapter.open();
    vi.spyOn(Date, 'now').mockReturnValue(10_000);
    adapter.close();
    adapter.events.onRetrying(400);
    expect(session.getSnapshot().connection).toEqual({ kind: 'reconnecting', failures: 1, retryAt: 10_400 });
    for (const retryInMs of [800, 1_600, 3_200]) adapter.events.onRetrying(retryInMs);
    expect(session.getSnapshot().connection).toEqual({ kind: 'offline', reason: 'unreachable', failures: 4, retryAt: 13_200 });
    adapter.open();
    expect(session.getSnapshot().connection).toEqual({ kind: 'connected' });
  });

  const finalCloses: Array<[string, number, string, string]> = [
    ['a refused change (4400)', CloseCode.badRequest, refusedUpdateReason('schema'), 'changeRefused'],
    ['a bad link (4400)', CloseCode.badRequest, 'invalid document name', 'sessionRefused'],
    ['revoked access (4403)', CloseCode.forbidden, ACCESS_REVOKED_REASON, 'accessRevoked'],
    ['a document too large (4413)', CloseCode.tooLarge, 'too large', 'sessionRefused'],
    ['an ended session (4401)', CloseCode.unauthenticated, SESSION_ENDED_REASON, 'signedOut'],
  ];
  for (const [label, code, reason, cause] of finalCloses) {
    it(`stops for good on ${label}, with the words for it`, async () => {
      await openSession();
      adapter.open();
      adapter.close();
      adapter.events.onRefused({ code, reason });
      expect(session.getSnapshot().connection).toMatchObject({ kind: 'error', code, cause, message: expect.any(String) });
      // Late socket events cannot hide the refusal.
      adapter.open();
      expect(session.getSnapshot().connection).toMatchObject({ kind: 'error', code });
    });
  }

  it('on an expired token (4401) fetches a new one and connects with it', async () => {
    await openSession();
    adapter.open();
    adapter.close();
    tokens.next = token('editor', 'Ada again');
    const reconnected = adapter.nextConnect();
    adapter.events.onRefused({ code: CloseCode.unauthenticated, reason: 'token expired' });
    expect(session.getSnapshot().connection).toEqual({ kind: 'connecting', phase: 'authenticating' });
    await reconnected;
    expect(tokens.refreshes).toBe(1);
    expect(adapter.params.token).toBe(tokens.next.token);
  });

  it('asks the server to confirm local edits once it has them, and counts them saved when it says so', async () => {
    await openSession();
    session.doc.getText('t').insert(0, 'hello');
    expect(session.getSnapshot().pendingChanges).toBe(1);
    adapter.open();
    expect(adapter.sent).toEqual([{ kind: 'flushRequest', nonce: 1 }]);
    adapter.events.onTandemMessage({ kind: 'flushed', nonce: 1 });
    expect(session.getSnapshot().pendingChanges).toBe(0);
  });

  it('does not count updates the provider delivered as local edits', async () => {
    await openSession();
    const remote = new Y.Doc();
    remote.getText('t').insert(0, 'from the server');
    Y.applyUpdate(session.doc, Y.encodeStateAsUpdate(remote), adapter);
    expect(session.getSnapshot().pendingChanges).toBe(0);
  });

  it('shows a polite notice, and turns read-only when the server lowers our role', async () => {
    await openSession();
    adapter.open();
    adapter.events.onTandemMessage({ kind: 'notice', notice: { type: 'updateRefused', reason: 'That section is locked.' } });
    expect(session.getSnapshot().notice).toEqual({ text: 'That section is locked.', id: 1 });
    adapter.events.onTandemMessage({ kind: 'notice', notice: { type: 'access', role: 'viewer', reason: 'You can now only view.' } });
    expect(session.getSnapshot()).toMatchObject({ readOnlyReason: 'You can now only view.', access: { role: 'viewer', changed: true } });
  });

  it('exposes a restore: who made it, whether it was ours, the point that undoes it, and whether we typed since', async () => {
    await openSession();
    adapter.open();
    const by = { userId: 'bo', name: 'Bo', color: '#12a594' };
    adapter.events.onTandemMessage({ kind: 'restored', restored: { by, restoredFrom: 10, fromAt: 1_000, versionName: 'First draft', undoSeq: 42, at: 2_000 } });
    expect(session.getSnapshot().restored).toEqual({
      byName: 'Bo',
      byColor: '#12a594',
      mine: false,
      restoredFrom: 10,
      fromAt: 1_000,
      versionName: 'First draft',
      undoSeq: 42,
      at: 2_000,
      id: 1,
      editedSince: false,
      undoesRestore: false,
    });
    // A remote update is not an edit of ours; our own keystroke is.
    const remote = new Y.Doc();
    remote.getText('t').insert(0, 'from the server');
    Y.applyUpdate(session.doc, Y.encodeStateAsUpdate(remote), adapter);
    expect(session.getSnapshot().restored?.editedSince).toBe(false);
    session.doc.getText('t').insert(0, 'typed');
    expect(session.getSnapshot().restored?.editedSince).toBe(true);

    // Our own restore (the token's user is `ada`), then our undo of it: the undo is told apart from a new restore.
    const ada = { userId: 'ada', name: 'Ada', color: '#3e63dd' };
    adapter.events.onTandemMessage({ kind: 'restored', restored: { by: ada, restoredFrom: 5, fromAt: null, versionName: null, undoSeq: 50, at: 3_000 } });
    expect(session.getSnapshot().restored).toMatchObject({ mine: true, id: 2, editedSince: false, undoesRestore: false, undoSeq: 50 });
    session.noteUndoRequested(50);
    adapter.events.onTandemMessage({ kind: 'restored', restored: { by: ada, restoredFrom: 50, fromAt: 900, versionName: null, undoSeq: 51, at: 4_000 } });
    expect(session.getSnapshot().restored).toMatchObject({ mine: true, id: 3, undoesRestore: true });

    // Dismissing forgets it; a stale id (an older banner) does nothing, and ids keep counting.
    session.dismissRestored(2);
    expect(session.getSnapshot().restored?.id).toBe(3);
    session.dismissRestored(3);
    expect(session.getSnapshot().restored).toBeNull();
    adapter.events.onTandemMessage({ kind: 'restored', restored: { by, restoredFrom: 1, fromAt: null, versionName: null, undoSeq: 52, at: 5_000 } });
    expect(session.getSnapshot().restored).toMatchObject({ id: 4, mine: false });
    expect(adapter.disconnects).toBe(0);
  });

  it('ignores a Tandem kind it does not know: no disconnect, no change of state', async () => {
    await openSession();
    adapter.open();
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const before = session.getSnapshot();
    adapter.events.onTandemMessage({ kind: 'unknown', code: 77 });
    expect(session.getSnapshot()).toBe(before);
    expect(adapter.disconnects).toBe(0);
    expect(info).toHaveBeenCalledWith(expect.stringContaining('77'));
  });
});
