/**
 * One open document: a Y.Doc, its IndexedDB copy and its WebSocket provider, created together and
 * destroyed together. React reads it through `subscribe`/`getSnapshot` (see useCollabSession).
 *
 * Data flow: editor → Y.Doc → (IndexedDB, provider) → server. IndexedDB is the truth for this
 * browser, so edits survive offline periods and reloads; the flush protocol tells us when the
 * server has them too. The provider is reached only through its adapter (providerAdapter.ts).
 */
import { IndexeddbPersistence, storeState } from 'y-indexeddb';
import * as Y from 'yjs';
import { canEdit, type DocumentRole } from '../../shared/accounts/api.js';
import { CloseCode, closeReaction } from '../../shared/protocol/closeCodes.js';
import { assertNever, type TandemMessage } from '../../shared/protocol/messages.js';
import { deleteSetOf, holdsChangesServerLacks } from './droppedChanges.js';
import { announcesClose, stopCause, stopMessage, type StopCause } from './closeMessages.js';
import { initialConnectionState, nextConnectionState, type ConnectionEvent, type ConnectionState } from './connectionMachine.js';
import { FlushTracker } from './flushTracker.js';
import { deleteLocalCopy } from './localCopy.js';
import { createWebsocketAdapter, type ProviderAdapter, type ProviderFactory } from './providerAdapter.js';
import { TokenError, type DocumentToken, type TokenManager } from './tokens.js';

/** What the session needs of its tokens (a TokenManager in the app). */
export type SessionTokens = Pick<TokenManager, 'hostMode' | 'current' | 'refresh' | 'onToken'>;

export interface SessionSnapshot {
  connection: ConnectionState;
  /** Local updates the server has not yet confirmed durable. */
  pendingChanges: number;
  /** IndexedDB has loaded and holds this document (false while opening, or if storage is unavailable). */
  storedLocally: boolean;
  /** Set when this connection may only read (our role, or the server said so), in the words to show. */
  readOnlyReason: string | null;
  /** The latest polite notice from the server, e.g. an edit it refused. */
  notice: { text: string; id: number } | null;
  /** The latest restore someone made while we were connected (the server's `restored` message), until dismissed. */
  restored: RestoredNotice | null;
  /** What we may do here; absent until the first token says. */
  access?: DocumentAccess;
}

/** A restore, as the page tells it: who, which version, and the point that undoes it. */
export interface RestoredNotice {
  byName: string;
  byColor: string;
  /** We made it (the same person, in this tab or another). */
  mine: boolean;
  restoredFrom: number;
  /** When the restored version was made (ms); null when the server's log no longer says. */
  fromAt: number | null;
  /** The named version restored, if it was one. */
  versionName: string | null;
  /** Restoring to this seq undoes the restore. */
  undoSeq: number;
  at: number;
  /** Counts up with every restore, so the page can tell a new one from the one it shows. */
  id: number;
  /** We edited since it arrived: Ctrl+Z is the editor's own undo again, not "undo the restore". */
  editedSince: boolean;
  /** It is this tab's own undo of an earlier restore (see noteUndoRequested): Ctrl+Z must not redo it. */
  undoesRestore: boolean;
}

export interface DocumentAccess {
  role: DocumentRole;
  /** Our role changed while we were connected (the server's `access` notice). */
  changed: boolean;
  /**
   * This replica holds changes the server never accepted, and our role no longer lets them through (typed
   * just before the role was lowered, or offline before it). They are only on this device.
   */
  changeDropped: boolean;
}

/** What became of "Discard unsynced changes": the page reloads, or another tab holds the local copy open. */
export type DiscardOutcome = 'reloading' | 'blocked' | 'failed';

/** Wait this long after the last keystroke before asking the server to confirm: one request per burst. */
const FLUSH_DEBOUNCE_MS = 300;
/** Token fetch retries (server unreachable): start fast, never hammer. */
const AUTH_RETRY_MS = [1_000, 2_000, 5_000, 10_000] as const;
/** The words for a role lowered while we were away (the server's `access` notice says the same when it is live). */
function loweredText(role: DocumentRole): string | null {
  if (role === 'viewer') return 'Your access changed: you can now only view.';
  if (role === 'commenter') return 'Your access changed: you can now comment but not edit.';
  return null;
}

/** The calm words for a role that cannot edit (shown above the editor). */
export function readOnlyText(role: DocumentRole): string | null {
  switch (role) {
    case 'viewer':
      return 'You can view this document.';
    case 'commenter':
      return 'You can comment on this document (comments are coming).';
    case 'editor':
    case 'owner':
      return null;
    default:
      return assertNever(role);
  }
}
/** More 4401s than this within a minute means the server will not accept our tokens: stop, don't loop. */
const MAX_REAUTHS_PER_MINUTE = 3;

export class CollabSession {
  readonly doc = new Y.Doc();
  readonly persistence: IndexeddbPersistence;
  readonly provider: ProviderAdapter;

  private snapshot: SessionSnapshot = {
    connection: initialConnectionState,
    pendingChanges: 0,
    storedLocally: false,
    readOnlyReason: null,
    notice: null,
    restored: null,
  };
  private readonly listeners = new Set<() => void>();
  private readonly flush = new FlushTracker();
  private serverStateAnswered = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private authTimer: ReturnType<typeof setTimeout> | null = null;
  private authFailures = 0;
  private reauthTimes: number[] = [];
  /** Who the token we connect with says we are; a change means a rename. */
  private tokenUser: DocumentToken['user'] | null = null;
  /** What the server had when this connection opened (its sync step 1), for checkForDroppedChanges. */
  private serverStateVector: Uint8Array | null = null;
  /** What the server had deleted, from its sync step 2 on this connection (read only while we may not edit). */
  private serverDeleteSet: ReturnType<typeof deleteSetOf> = null;
  private destroyed = false;
  /** Restores told so far (ids keep counting after a dismissal). */
  private restoredCount = 0;
  private undoRequestedSeq: number | null = null;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    readonly docName: string,
    /** Public so the page can make timeline requests with the same token (an undo from the restore toast). */
    readonly tokens: SessionTokens,
    createProvider: ProviderFactory = createWebsocketAdapter,
  ) {
    this.persistence = new IndexeddbPersistence(docName, this.doc);
    const wsBase = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    this.provider = createProvider({ serverUrl: `${wsBase}/collab`, docName, doc: this.doc }, {
      onConnecting: () => this.dispatch({ type: 'socketConnecting' }),
      onOpen: () => this.dispatch({ type: 'socketOpen' }),
      onSynced: () => {
        this.dispatch({ type: 'synced' });
        this.requestFlush();
      },
      onRetrying: (retryInMs) => this.dispatch({ type: 'socketClosed', retryInMs }),
      onConnectionLost: () => {
        this.serverStateAnswered = false;
        this.flush.connectionLost();
      },
      onRefused: ({ code, reason }) => this.refused(code, reason),
      onTandemMessage: (message) => this.handleTandemMessage(message),
      onServerStateAnswered: () => {
        this.serverStateAnswered = true;
        this.requestFlush();
      },
      onServerStateVector: (stateVector) => {
        this.serverStateVector = stateVector;
        this.serverDeleteSet = null;
        this.checkForDroppedChanges();
      },
      onServerStateUpdate: (update) => {
        // Decoding a whole document is not free: only while we may not edit, when the answer matters.
        const access = this.snapshot.access;
        if (!access || canEdit(access.role) || access.changeDropped) return;
        this.serverDeleteSet = deleteSetOf(update);
        this.checkForDroppedChanges();
      },
    });
    this.wireDocument();
    this.wireTokens();
    this.wireBrowser();
    if (navigator.onLine) this.authenticateAndConnect();
    else this.goOffline();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.snapshot;

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const cleanup of this.cleanups) cleanup();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.provider.destroy();
    void this.persistence.destroy();
    this.doc.destroy();
    this.listeners.clear();
  }

  /**
   * Forgets this device's copy of the document (the refused change and every other edit the server does not
   * have) and reloads the page, which starts a fresh replica from the server's document. The way out of a
   * refused change: it stays in the Y.Doc and IndexedDB, so every reconnect or reload would send it again.
   * Call it only after the person agreed in words; "Copy my text" comes first.
   */
  async discardUnsyncedChanges(): Promise<DiscardOutcome> {
    if (this.destroyed) return 'failed';
    // Nothing may write the change anywhere again: not the socket, not other tabs over BroadcastChannel,
    // not the database we are about to delete (destroy stops persisting and closes our connection to it).
    this.provider.disconnect();
    // Rejects only if the database never opened; there is still a (possibly half-made) one to delete.
    await this.persistence.destroy().catch(() => undefined);
    const outcome = await deleteLocalCopy(this.docName);
    if (outcome !== 'deleted') return outcome;
    location.reload();
    return 'reloading';
  }

  /** The page is about to restore to `seq` to undo a restore: the `restored` message that follows is that undo. */
  noteUndoRequested(seq: number): void {
    this.undoRequestedSeq = seq;
  }

  /** The page closed the restore toast (or undid it): forget it until the next restore. */
  dismissRestored(id: number): void {
    if (this.snapshot.restored?.id === id) this.update({ restored: null });
  }

  private update(patch: Partial<SessionSnapshot>): void {
    if (this.destroyed) return;
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }

  private dispatch(event: ConnectionEvent): void {
    const connection = nextConnectionState(this.snapshot.connection, event, Date.now());
    if (connection !== this.snapshot.connection) this.update({ connection });
  }

  private wireDocument(): void {
    const onUpdate = (_update: Uint8Array, origin: unknown): void => {
      // Updates from the provider came from the server or another tab; everything else is ours,
      // including edits restored from IndexedDB that may never have reached the server.
      if (this.provider.delivered(origin)) return;
      this.flush.recordLocalUpdate();
      const restored = this.snapshot.restored;
      this.update({ pendingChanges: this.flush.pending, ...(restored && !restored.editedSince ? { restored: { ...restored, editedSince: true } } : {}) });
      this.scheduleFlush();
    };
    this.doc.on('update', onUpdate);
    this.cleanups.push(() => this.doc.off('update', onUpdate));

    void this.persistence.whenSynced.then(() => {
      if (this.destroyed) return;
      // Without compaction y-indexeddb appends a full-state row on every open.
      void storeState(this.persistence, true);
      this.update({ storedLocally: true });
    });
  }

  /** A close with a final code (4400–4499): the provider stopped retrying. */
  private refused(code: number, reason: string): void {
    const reaction = closeReaction(code);
    switch (reaction) {
      case 'reauthenticate':
        // The session itself ended: a new token would be refused too, so go back to sign-in.
        if (stopCause(code, reason) === 'signedOut') return this.stop(code, 'signedOut');
        return this.reauthenticate(code);
      case 'stop':
        return this.dispatch({ type: 'stopped', code, message: stopMessage(code, reason), cause: stopCause(code, reason) });
      case 'retry':
        return; // not reported for retryable codes; the provider retries by itself
      default:
        return assertNever(reaction);
    }
  }

  private wireTokens(): void {
    const provider = this.provider;
    const offToken = this.tokens.onToken((token) => {
      const previous = this.tokenUser;
      this.useToken(token);
      // A rename only reaches others once the server sees the new token (it stamps names into
      // awareness from the token), so reconnect now rather than at the next network blip. A routine
      // refresh needs nothing: the provider re-reads params on its next (re)connect.
      const renamed = previous !== null && (previous.name !== token.user.name || previous.color !== token.user.color);
      if (renamed && provider.connected) {
        provider.reconnect();
      }
    });
    this.cleanups.push(offToken);
  }

  private wireBrowser(): void {
    const onOffline = (): void => this.goOffline();
    const onOnline = (): void => {
      this.dispatch({ type: 'browserOnline' });
      this.authenticateAndConnect();
    };
    const onBeforeUnload = (event: BeforeUnloadEvent): void => {
      // IndexedDB keeps unsent edits, so leaving is safe once it holds them.
      if (this.snapshot.pendingChanges > 0 && !this.snapshot.storedLocally) event.preventDefault();
    };
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    window.addEventListener('beforeunload', onBeforeUnload);
    this.cleanups.push(() => {
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('beforeunload', onBeforeUnload);
    });
  }

  private goOffline(): void {
    // Dispatch first so the provider's own close event cannot show "reconnecting" for a moment.
    this.dispatch({ type: 'browserOffline' });
    if (this.authTimer) clearTimeout(this.authTimer);
    // Some browsers keep a dead socket open for a long time after the network goes away; close it
    // ourselves. Other tabs of this browser still stay in step over BroadcastChannel.
    this.provider.disconnect();
    this.provider.connectTabs();
  }

  private authenticateAndConnect(): void {
    if (this.destroyed || this.snapshot.connection.kind === 'error') return;
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.tokenUser === null) this.dispatch({ type: 'authenticating' });
    this.tokens.current().then(
      (token) => {
        if (this.destroyed || !navigator.onLine) return;
        this.authFailures = 0;
        this.useToken(token);
        this.provider.connect();
      },
      (error: unknown) => {
        if (this.destroyed || !navigator.onLine) return;
        if (this.stopForToken(error)) return;
        console.warn('Could not get a document token', error);
        const delay = AUTH_RETRY_MS[Math.min(this.authFailures, AUTH_RETRY_MS.length - 1)] ?? 10_000;
        this.authFailures++;
        this.dispatch({ type: 'socketClosed', retryInMs: delay });
        this.authTimer = setTimeout(() => this.authenticateAndConnect(), delay);
      },
    );
  }

  private reauthenticate(code: number): void {
    const now = Date.now();
    this.reauthTimes = [...this.reauthTimes.filter((time) => now - time < 60_000), now];
    if (this.reauthTimes.length > MAX_REAUTHS_PER_MINUTE) {
      this.stop(code, 'sessionRefused');
      return;
    }
    this.dispatch({ type: 'authenticating' });
    this.tokens.refresh().then(
      (token) => {
        if (this.destroyed || !navigator.onLine) return;
        this.useToken(token);
        this.provider.connect();
      },
      (error: unknown) => {
        if (this.destroyed || this.stopForToken(error)) return;
        this.authenticateAndConnect();
      },
    );
  }

  private stop(code: number, cause: StopCause, reason = ''): void {
    this.dispatch({ type: 'stopped', code, message: stopMessage(code, reason, cause), cause });
  }

  /** A token refusal that no retry can fix ends the session here; true when it did. */
  private stopForToken(error: unknown): boolean {
    if (!(error instanceof TokenError) || error.failure === 'unavailable') return false;
    if (error.failure === 'signedOut') {
      this.stop(CloseCode.unauthenticated, 'signedOut');
      return true;
    }
    // No such document for us: if we were in a moment ago, our access ended; otherwise we never had it.
    this.stop(CloseCode.forbidden, this.tokenUser === null ? 'notFound' : 'accessRevoked');
    return true;
  }

  private useToken(token: DocumentToken): void {
    this.provider.params.token = token.token;
    this.tokenUser = token.user;
    // Read-only before the first keystroke: an edit the server refuses would stay in this replica.
    this.setRole(token.role, this.snapshot.access?.changed ?? false);
  }

  private setRole(role: DocumentRole, changed: boolean, readOnlyReason = readOnlyText(role)): void {
    const access = this.snapshot.access;
    const changeDropped = (access?.changeDropped ?? false) && !canEdit(role);
    if (access?.role === role && access.changed === changed && access.changeDropped === changeDropped && this.snapshot.readOnlyReason === readOnlyReason) return;
    this.update({ access: { role, changed, changeDropped }, readOnlyReason });
    // Lowered: whatever we sent since this connection opened and the server lacks was dropped.
    if (!canEdit(role)) this.checkForDroppedChanges();
  }

  /**
   * On each connection the server tells what it has. While we may not edit, anything we hold beyond that is a
   * change it dropped (or will drop): say so, so the person can copy it before discarding. Insertions are
   * seen in the server's state vector (its sync step 1), deletions in its delete set (its sync step 2).
   */
  private checkForDroppedChanges(): void {
    const access = this.snapshot.access;
    if (!access || canEdit(access.role) || access.changeDropped || this.serverStateVector === null) return;
    let stateVector: Map<number, number>;
    try {
      stateVector = Y.decodeStateVector(this.serverStateVector);
    } catch {
      return;
    }
    if (holdsChangesServerLacks(this.doc, { stateVector, deleteSet: this.serverDeleteSet })) this.update({ access: { ...access, changeDropped: true } });
  }

  private relearnRole(): void {
    this.tokens.refresh().then(
      (token) => {
        if (!this.destroyed) this.setRole(token.role, true, loweredText(token.role));
      },
      (error: unknown) => {
        if (!this.destroyed) this.stopForToken(error);
      },
    );
  }

  /**
   * Our role changed while connected. Lowered below editor: the server drops our updates from now on, so the
   * editor turns read-only at once, and whatever we sent in between is found out by asking the server what
   * it has (a reconnect: its sync step 1 carries its state vector). Raised: editable again, no reload.
   */
  private accessChanged(role: DocumentRole, reason: string, id: number): void {
    const wasEditing = this.snapshot.access ? canEdit(this.snapshot.access.role) : false;
    if (canEdit(role)) {
      const dropped = this.snapshot.access?.changeDropped ?? false;
      this.setRole(role, true);
      if (!wasEditing) this.update({ notice: { text: reason, id } });
      // What the server dropped while we could not edit goes through now, in the sync of a new connection.
      if (dropped && this.provider.connected) {
        this.provider.reconnect();
      }
      return;
    }
    this.setRole(role, true, reason);
    if (wasEditing && this.flush.pending > 0 && this.provider.connected) {
      this.provider.reconnect();
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.requestFlush();
    }, FLUSH_DEBOUNCE_MS);
  }

  private requestFlush(): void {
    if (!this.provider.synced || !this.serverStateAnswered) return;
    const nonce = this.flush.nextRequest();
    if (nonce !== null) this.provider.sendTandem({ kind: 'flushRequest', nonce });
  }

  private handleTandemMessage(message: TandemMessage): void {
    switch (message.kind) {
      case 'flushed':
        if (this.flush.confirm(message.nonce)) this.update({ pendingChanges: this.flush.pending });
        return;
      case 'notice': {
        const { notice } = message;
        const id = (this.snapshot.notice?.id ?? 0) + 1;
        switch (notice.type) {
          case 'readOnly':
            // Our token said we could edit, but the server (which re-reads sharing at every connection) says
            // otherwise: our role was lowered while we were away. Ask for a token, which carries the role now.
            // (A host application's token states its role and is trusted as it stands: nothing to relearn.)
            if (this.snapshot.access && canEdit(this.snapshot.access.role) && !this.tokens.hostMode) this.relearnRole();
            else if (this.snapshot.readOnlyReason === null) this.update({ readOnlyReason: notice.reason });
            return;
          case 'access':
            return this.accessChanged(notice.role, notice.reason, id);
          case 'updateRefused':
            // A refused update is followed by a close with the same reason, which the error banner says in
            // plain words; other refusals (a lock undid part of a change) are polite notices of their own.
            if (!announcesClose(notice.reason)) this.update({ notice: { text: notice.reason, id } });
            return;
          default:
            return assertNever(notice);
        }
      }
      case 'restored': {
        const { by, restoredFrom, fromAt, versionName, undoSeq, at } = message.restored;
        const id = (this.snapshot.restored?.id ?? this.restoredCount) + 1;
        this.restoredCount = id;
        const mine = this.tokenUser !== null && by.userId === this.tokenUser.id;
        const undoesRestore = mine && restoredFrom === this.undoRequestedSeq;
        if (undoesRestore) this.undoRequestedSeq = null;
        this.update({ restored: { byName: by.name, byColor: by.color, mine, restoredFrom, fromAt, versionName, undoSeq, at, id, editedSince: false, undoesRestore } });
        return;
      }
      case 'flushRequest':
        return; // only clients send these
      case 'unknown':
        // A newer server's extension (our channel version promises to ignore it), never a reason to disconnect.
        console.info(`Ignoring Tandem message kind ${message.code}, unknown to this version`);
        return;
      default:
        return assertNever(message);
    }
  }
}
