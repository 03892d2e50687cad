/**
 * One loaded document: its Y.Doc, awareness and peers. The room orchestrates; the parts are its own
 * modules: the write-ahead log (writeAheadLog.ts), who the timeline names (history/timelineAttribution.ts),
 * where frames go (roomBus.ts), section locks (locks/lockAuthority.ts), the sender's clientIDs
 * (clientBindings.ts), the quota (documentQuota.ts), shared sync replies (syncReplies.ts).
 *
 * Write path (the durability rule: an update any peer has seen is already on disk):
 *   1. a peer's update is judged first (server/integrity/updateCheck.ts: complete, under the sender's own
 *      clientIDs, inside the schema; a refused one never touches the doc), then applied with the peer as origin;
 *   2. the doc's `update` event queues the normalised update; one flush per event-loop turn appends the
 *      queue to the store in one transaction;
 *   3. only after the append resolves are the updates broadcast to the other peers;
 *   4. a sync step 2 reply waits until what was applied before the request is durable (a watermark, not an
 *      empty queue), so it never carries unstored state.
 * If an append fails, the in-memory doc holds state that is not on disk; the room fails closed: every
 * peer is closed with 4503 and the room is dropped, so the next load starts from what storage has and
 * the clients resend what is missing through the sync handshake.
 */
import { Awareness } from 'y-protocols/awareness';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { CloseCode, type TandemCloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeSyncStep1, encodeSyncUpdate } from '../../shared/protocol/frames.js';
import { assertNever, encodeTandemMessage, RESTORED_MIN_VERSION, type TandemRestored } from '../../shared/protocol/messages.js';
import { COMPACT_AFTER_ROWS } from '../../shared/limits.js';
import { errorFields, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { AutoSnapshots, type ExactState } from '../history/autoSnapshots.js';
import { TransactionStatsTracker } from '../history/eventStats.js';
import { DEFAULT_HISTORY_SETTINGS, type HistorySettings } from '../history/settings.js';
import type { ServerChangeEvent, ServerChangeTarget } from '../history/serverChange.js';
import { attribute, attributeRevert } from '../history/timelineAttribution.js';
import { sectionsChangedByRestore } from '../history/restore.js';
import { EventKind, type DocumentStore } from '../storage/types.js';
import type { LockAuthority } from '../locks/lockAuthority.js';
import { RoomLocks } from '../locks/roomLocks.js';
import type { Departure } from '../locks/lockArbiter.js';
import type { InboundMessage } from './decodeFrame.js';
import { applyStoredDocument } from '../storage/storedDocument.js';
import { AwarenessBatch, RoomAwareness } from './roomAwareness.js';
import { encodeAwarenessFrames } from './awarenessFrames.js';
import { SharedSyncReplies } from './syncReplies.js';
import type { RoomPeer } from '../peers/peer.js';
import { isUpdateOrigin, SERVER_ORIGIN, STORAGE_ORIGIN } from '../peers/origins.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { dropPending } from '../integrity/yjsInternals.js';
import { findViolations, repairViolations } from '../integrity/documentCheck.js';
import { ClientBindings, SERVER_USER_ID } from './clientBindings.js';
import { DEFAULT_DOCUMENT_QUOTA_BYTES, DocumentQuota } from './documentQuota.js';
import { uint32 } from 'lib0/random';
import { LocalRoomBus, type RoomBus } from './roomBus.js';
import { TransactionChains } from './transactionChains.js';
import { WriteAheadLog } from './writeAheadLog.js';
import { PeerUpdates } from './peerUpdates.js';
import { FanoutCoalescer } from './fanoutCoalescer.js';
import type { AwarenessChange } from '../../shared/protocol/awarenessWire.js';

export type RoomState =
  | { kind: 'loading' }
  | { kind: 'live' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'closed' };

export interface RoomDeps {
  store: DocumentStore;
  logger: Logger;
  metrics: Metrics;
  /** Snapshot cadence and log retention; defaults to DEFAULT_HISTORY_SETTINGS. */
  history?: HistorySettings;
  /** Storage quota of the document (DOCUMENT_QUOTA_BYTES); defaults to DEFAULT_DOCUMENT_QUOTA_BYTES. */
  quotaBytes?: number;
  /** Shortest time between two update frames of a room (fanoutCoalescer.ts); 0 by default: only what sending
   *  a frame costs spaces them. */
  fanoutIntervalMs?: number;
  /** Called when the last peer has left, and when the room failed; the registry decides on eviction. */
  onIdle(room: Room): void;
}

export class Room implements ServerChangeTarget {
  readonly doc = new Y.Doc();
  readonly awareness = new Awareness(this.doc);
  state: RoomState = { kind: 'loading' };
  private readonly peers = new Set<RoomPeer>();
  /** Messages that arrived while loading, replayed in order once live. */
  private queued: Array<{ peer: RoomPeer; message: InboundMessage }> = [];
  /** Section locks: arbitration over awareness, the published table, and the revert of foreign edits. */
  readonly locks: LockAuthority;
  private readonly awarenessGate: RoomAwareness;
  /** Awareness changes collected for the next frame; echoed to the sender too: the stock client treats 30 s
   *  without any message as a dead link. */
  private readonly awarenessBatch = new AwarenessBatch((clientIds) =>
    encodeAwarenessFrames(this.awareness, clientIds).forEach((frame) => this.bus.publishAwareness(frame)),
  );
  /** Which user each clientID of this document belongs to; new bindings are stored with the next append. */
  private readonly bindings = new ClientBindings(() => this.log.scheduleFlush());
  private readonly log: WriteAheadLog;
  /** Peers' updates: refused or judged and applied (peerUpdates.ts). */
  private readonly updates: PeerUpdates;
  private readonly bus: RoomBus;
  /** Names Yjs's own follow-up transactions (housekeeping) after the change that caused them. */
  private readonly chains = new TransactionChains(this.doc);
  /** This document's log lines carry its name. */
  private readonly logger: Logger;
  /** Sync replies encoded once and shared by every socket that asks (see syncReplies.ts). */
  private readonly syncReplies = new SharedSyncReplies(this.doc);
  /** Durable updates go out at most one frame per interval while the room is busy (fanoutCoalescer.ts). */
  private readonly fanout: FanoutCoalescer;
  /** A compaction is being stored (one at a time: a second would fold the same rows). */
  private compacting = false;
  private readonly txStats = new TransactionStatsTracker(this.doc, (origin) => !isUpdateOrigin(origin) || origin.kind === 'storage');
  private readonly snapshots: AutoSnapshots;
  /** What the document occupies in storage against its quota (documentQuota.ts). */
  readonly quota: DocumentQuota;
  /** Set only while applyServerChange runs its transaction. */
  private serverChange: ServerChangeEvent | null = null;
  private markLoaded: () => void = () => undefined;
  /** Resolves once load() has finished (live or failed). */
  readonly loaded = new Promise<void>((resolve) => {
    this.markLoaded = resolve;
  });

  constructor(
    readonly name: string,
    private readonly deps: RoomDeps,
  ) {
    this.logger = deps.logger.child({ doc: name });
    this.bus = new LocalRoomBus(this.peers, deps.metrics);
    this.fanout = new FanoutCoalescer((update, queuedAt) => this.broadcastUpdate(update, queuedAt), deps.fanoutIntervalMs);
    this.log = new WriteAheadLog({
      docName: name,
      store: deps.store,
      metrics: deps.metrics,
      logger: this.logger,
      bindings: this.bindings,
      onDurable: (batch, bytes) => {
        this.fanout.add(batch);
        this.quota.noteAppended(bytes);
        this.snapshots.noteAppended(batch.length, bytes);
        if (this.log.rowsSinceCheckpoint >= COMPACT_AFTER_ROWS) void this.compact();
      },
      onFailure: (error) => this.fail(error),
    });
    // The fragment the editor binds to exists as an XmlFragment before anything is loaded or checked.
    this.doc.getXmlFragment(DOCUMENT_FRAGMENT);
    // The server's own awareness entry is the lock table (RoomLocks publishes it; none while unlocked).
    this.awareness.setLocalState(null);
    // Lock reverts use SERVER_ORIGIN: persisted and broadcast to everyone, the sender included.
    this.locks = new RoomLocks({
      docName: name,
      doc: this.doc,
      awareness: this.awareness,
      revertOrigin: SERVER_ORIGIN,
      metrics: deps.metrics,
      logger: this.logger,
      // Only editors' lock requests count (a viewer must not freeze a section for the people who edit).
      roleOf: (clientId) => this.awarenessGate.identityOf(clientId)?.role,
    });
    this.awarenessGate = new RoomAwareness(this.awareness, deps.metrics, this.bindings);
    this.locks.onViolation((violation) => attributeRevert(this.log.queued, violation.userId, violation.sectionId));
    this.quota = new DocumentQuota({ docName: name, store: deps.store, quotaBytes: deps.quotaBytes ?? DEFAULT_DOCUMENT_QUOTA_BYTES, doc: this.doc, logger: this.logger, metrics: deps.metrics });
    this.updates = new PeerUpdates({
      doc: this.doc,
      logger: this.logger,
      metrics: deps.metrics,
      locks: this.locks,
      quota: this.quota,
      bindings: this.bindings,
      storedBytes: () => this.log.storedBytes,
    });
    this.snapshots = new AutoSnapshots({
      docName: name,
      store: deps.store,
      settings: deps.history ?? DEFAULT_HISTORY_SETTINGS,
      logger: this.logger,
      capture: () => this.captureExact(),
      mayStore: (bytes) => this.quota.allows(bytes),
      onStored: (bytes) => this.quota.noteSnapshot(bytes),
    });
    this.doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) =>
      this.onDocUpdate(update, origin, transaction),
    );
    this.awareness.on('update', ({ added, updated, removed }: AwarenessChange) => {
      // Batched (roomAwareness.ts, AwarenessBatch): one frame per interval for everything that changed, peers
      // leaving and the lock table included, so n moving carets do not cost every peer n frames each.
      this.awarenessBatch.add(added.concat(updated, removed));
    });
  }

  get peerCount(): number {
    return this.peers.size;
  }

  async load(): Promise<void> {
    const started = performance.now();
    try {
      const stored = await this.deps.store.load(this.name);
      await this.quota.load();
      applyStoredDocument(this.doc, stored, STORAGE_ORIGIN);
      this.bindings.restore(stored.bindings);
      this.claimServerClientId();
      if (dropPending(this.doc)) {
        // Stored before the server refused incomplete updates: never part of the document, so forgotten (the
        // next checkpoint no longer carries it).
        this.deps.metrics.inc('tandem_pending_dropped_total');
        this.logger.warn('dropped pending structs found in storage');
      } else if (stored.checkpoint && stored.rows.length === 0) {
        // The document is exactly its checkpoint (a room evicted while idle is compacted first): the first
        // readers are answered with those bytes, no encoding. Before the shape repair below, whose changes
        // reach the snapshot's tail once durable, like any other broadcast.
        this.syncReplies.adoptCurrentState(stored.checkpoint.state);
      }
      this.log.restore(stored);
      this.state = { kind: 'live' };
      this.repairStoredShape();
      this.deps.metrics.observe('tandem_room_load_seconds', (performance.now() - started) / 1000);
      this.logger.debug('room loaded', { rows: stored.rows.length, bytes: this.log.storedBytes });
    } catch (error) {
      this.fail(error);
      this.markLoaded();
      return;
    }
    this.markLoaded();
    for (const peer of this.peers) this.greet(peer);
    const queued = this.queued;
    this.queued = [];
    for (const { peer, message } of queued) if (this.peers.has(peer)) this.receive(peer, message);
  }

  join(peer: RoomPeer): void {
    this.peers.add(peer);
    if (this.state.kind === 'live') this.greet(peer);
  }

  peerList(): RoomPeer[] {
    return [...this.peers];
  }

  /** `departure`: whether the peer left on purpose (its locks are released at once) or its connection was
   *  lost (they wait out their lease, in case it comes back). */
  leave(peer: RoomPeer, departure: Departure = 'lost'): void {
    if (!this.peers.delete(peer)) return;
    this.awarenessGate.release(peer, departure);
    if (this.peers.size === 0) this.deps.onIdle(this);
  }

  receive(peer: RoomPeer, message: InboundMessage): void {
    if (this.state.kind === 'loading') {
      this.queued.push({ peer, message });
      return;
    }
    if (this.state.kind !== 'live') return;
    switch (message.type) {
      case 'syncStep1':
        void this.replyToStep1(peer, message.stateVector);
        break;
      case 'syncUpdate':
        this.updates.receive(peer, message.update);
        break;
      case 'awareness':
        this.awarenessGate.receive(peer, message.update);
        break;
      case 'queryAwareness':
        for (const frame of encodeAwarenessFrames(this.awareness, [...this.awareness.getStates().keys()])) peer.send(frame);
        break;
      case 'tandem':
        // Anything but a flush request is ignored: a newer client's extension kinds, or server-to-client
        // kinds a confused client echoes, must not end its connection (messages.ts, forward compatibility).
        if (message.message.kind === 'flushRequest') void this.acknowledgeFlush(peer, message.message.nonce);
        else this.deps.metrics.inc('tandem_channel_messages_ignored_total');
        break;
      default:
        assertNever(message);
    }
  }

  /** Resolves once every update applied so far is durable (or the room has failed): a watermark, see
   *  WriteAheadLog.whenDurable. */
  whenDurable(): Promise<void> {
    return this.log.whenDurable();
  }

  /** Folds the log into a checkpoint when it has grown, or when `force` and there is anything to fold. */
  async compact(force = false): Promise<void> {
    await this.whenDurable();
    if (this.state.kind !== 'live') return;
    if (force) await this.snapshots.flush();
    if (this.compacting) return;
    // The timeline reconstructs old points from the checkpoint, so it must be the exact state at its
    // seq: fold only when nothing is queued or in flight (the next flush retries otherwise).
    const position = this.log.exactPosition();
    if (!position || position.rows === 0 || (!force && position.rows < COMPACT_AFTER_ROWS)) return;
    const checkpoint = { seq: position.seq, state: Y.encodeStateAsUpdate(this.doc) };
    this.compacting = true;
    try {
      // History older than the retention window is pruned; everything newer stays for the timeline.
      const retentionMs = (this.deps.history ?? DEFAULT_HISTORY_SETTINGS).retentionMs;
      await this.deps.store.compact(this.name, checkpoint, retentionMs === null ? {} : { pruneBefore: Date.now() - retentionMs });
      this.log.noteCompacted(position, checkpoint.state.length);
      this.deps.metrics.inc('tandem_compactions_total');
      // A new checkpoint, and history pruned: re-read what the document occupies (never rejects).
      await this.quota.refresh();
    } catch (error) {
      // The log is intact; compaction is only an optimisation, so try again later.
      this.logger.warn('compaction failed', errorFields(error));
    } finally {
      this.compacting = false;
    }
  }

  /** Closes every peer (e.g. shutdown), after making what they sent durable. */
  async closeAll(code: TandemCloseCode, reason: string): Promise<void> {
    await this.whenDurable();
    // What is durable but held for the next frame still reaches everyone before they are closed.
    this.fanout.flush();
    for (const peer of [...this.peers]) peer.close(code, reason);
  }

  /**
   * Applies a server-made change (e.g. a timeline restore) as one forward transaction through the normal
   * write path (stored, then broadcast), recorded in the timeline as `event`. Resolves once durable.
   */
  async applyServerChange(change: (doc: Y.Doc) => void, event: ServerChangeEvent): Promise<void> {
    if (this.state.kind !== 'live') throw new Error(`room "${this.name}" is not live`);
    this.serverChange = event;
    try {
      this.doc.transact(() => change(this.doc), SERVER_ORIGIN);
    } finally {
      this.serverChange = null;
    }
    await this.whenDurable();
    if (this.state.kind !== 'live') throw new Error(`room "${this.name}" failed while storing a server change`);
  }

  /** The seq of the last stored row once everything applied so far is stored (waits for such a moment):
   *  read and acted on in the same turn, nothing can be applied in between. */
  async settledSeq(): Promise<number> {
    for (;;) {
      await this.whenDurable();
      if (this.state.kind !== 'live') throw new Error(`room "${this.name}" is not live`);
      const position = this.log.exactPosition();
      if (position) return position.seq;
    }
  }

  /** Tells this room's peers that a restore became durable, so nobody's text changes without a word. Only
   *  peers whose channel version ignores unknown kinds get it: a version 1 client may close on it. */
  announceRestore(restored: TandemRestored): void {
    if (this.state.kind !== 'live') return;
    // The restored text first (it may be held for the next fan-out frame), then the words about it.
    this.fanout.flush();
    const frame = encodeTandemMessage({ kind: 'restored', restored });
    for (const peer of this.peers) if ((peer.tandemVersion ?? 0) >= RESTORED_MIN_VERSION) peer.send(frame);
  }

  /** The sections a restore to `target` would change that someone other than `userId` holds locked. */
  lockedAgainstRestore(userId: string, target: ProseMirrorNode): Array<{ sectionId: string; holder: string }> {
    return sectionsChangedByRestore(this.doc, target).flatMap((sectionId) => {
      const holder = this.locks.holderOf(sectionId);
      return holder && holder.userId !== userId ? [{ sectionId, holder: holder.name }] : [];
    });
  }

  destroy(): void {
    this.snapshots.dispose();
    this.txStats.dispose();
    this.updates.destroy();
    this.syncReplies.destroy();
    this.fanout.dispose();
    this.chains.destroy();
    this.log.stop();
    this.state = this.state.kind === 'failed' ? this.state : { kind: 'closed' };
    this.locks.destroy();
    this.awarenessBatch.dispose();
    this.awareness.destroy();
    this.doc.destroy();
  }

  private greet(peer: RoomPeer): void {
    peer.send(encodeSyncStep1(this.doc));
    const states = this.awareness.getStates();
    for (const frame of encodeAwarenessFrames(this.awareness, [...states.keys()])) peer.send(frame);
  }

  /**
   * A sync step 2 reply never carries unstored state. Once what was applied before the request is durable:
   * if everything applied is durable, the reply comes from the live document (shared frames for a replica far
   * behind, a diff for one nearly current); if newer updates are still on their way to disk, it comes from
   * the shared snapshot and the durable updates after it, or, with no snapshot yet, from one built of the
   * stored document: under constant editing the room may never again be wholly durable, and the reply must
   * not wait for that.
   */
  private async replyToStep1(peer: RoomPeer, stateVector: Uint8Array): Promise<void> {
    for (;;) {
      await this.whenDurable();
      if (this.state.kind !== 'live' || !this.peers.has(peer)) return;
      // The shared replies' tail is what was broadcast: nothing durable may still be held back from it.
      this.fanout.flush();
      const frames = this.log.allDurable ? this.syncReplies.reply(stateVector) : (this.syncReplies.replyFromSnapshot() ?? (await this.replyFromStorage()));
      if (this.state.kind !== 'live' || !this.peers.has(peer)) return;
      if (frames) {
        for (const frame of frames) peer.send(frame);
        return;
      }
    }
  }

  /** A shared snapshot of what storage holds, and the frames broadcast since it was read; null when storage
   *  cannot be read (then the reply waits for a durable moment, and the next append fails the room anyway). */
  private async replyFromStorage(): Promise<Uint8Array[] | null> {
    const snapshot = this.syncReplies.beginDurableSnapshot();
    let durableState: Uint8Array;
    try {
      const stored = await this.deps.store.load(this.name);
      const parts = stored.rows.map((row) => row.update);
      if (stored.checkpoint) parts.unshift(stored.checkpoint.state);
      durableState = parts.length > 0 ? Y.mergeUpdates(parts) : EMPTY_UPDATE;
    } catch (error) {
      snapshot.cancel();
      this.logger.warn('reading the stored document for a sync reply failed', errorFields(error));
      return null;
    }
    return snapshot.install(durableState);
  }

  /**
   * A document stored before the server checked every update may hold shapes no editor can show (an editor
   * would delete them, blaming whoever typed next). They are removed once, deterministically, as a server
   * change the timeline names; the next load finds nothing to do.
   */
  private repairStoredShape(): void {
    const violations = findViolations(this.doc);
    if (violations.length === 0) return;
    this.serverChange = { userId: null, kind: EventKind.repair, userName: 'Tandem', userColor: null };
    try {
      repairViolations(this.doc, violations, SERVER_ORIGIN);
    } finally {
      this.serverChange = null;
    }
    this.deps.metrics.inc('tandem_stored_shape_repairs_total', violations.length);
    this.logger.warn('repaired a stored document the editor schema rejects', { removed: violations.length, first: violations[0]?.detail });
  }

  /** The server writes repairs, reverts and restores under its doc's clientID: bind it, or pick one that is free. */
  private claimServerClientId(): void {
    while (!this.bindings.claim(this.doc.clientID, SERVER_USER_ID, { quiet: true })) this.doc.clientID = uint32();
    // The lock table is published under the awareness clientID: keep it the server's own.
    this.awareness.clientID = this.doc.clientID;
  }

  private async acknowledgeFlush(peer: RoomPeer, nonce: number): Promise<void> {
    await this.whenDurable();
    if (this.state.kind === 'live' && peer.optedIn) peer.send(encodeTandemMessage({ kind: 'flushed', nonce }));
  }

  private onDocUpdate(update: Uint8Array, rawOrigin: unknown, transaction: Y.Transaction): void {
    const origin = this.chains.originOf(rawOrigin);
    switch (origin.kind) {
      case 'storage':
        return; // already stored
      case 'remote':
        // Accepted and stored by another instance: only this instance's peers still need it.
        this.broadcastUpdate(update, performance.now());
        return;
      default: {
        // Everything else changes the document here and is stored before anyone sees it, Yjs's own
        // housekeeping too, or a sync reply could deliver it before it is on disk (found by the
        // convergence suite).
        const { userId, meta } = attribute(origin, this.txStats.take(transaction), this.serverChange);
        this.log.queue({ update, origin, userId, meta, createdAt: Date.now(), queuedAt: performance.now() });
        this.quota.noteQueued(update.length);
      }
    }
  }

  /** The exact state at the last stored row; null while anything is queued or in flight (the doc holds more). */
  private captureExact(): ExactState | null {
    if (this.state.kind !== 'live') return null;
    const position = this.log.exactPosition();
    return position ? { seq: position.seq, state: Y.encodeStateAsUpdate(this.doc) } : null;
  }

  private broadcastUpdate(update: Uint8Array, queuedAt: number): void {
    // Sent to the sender too, as the stock server does. The update Yjs emits for one transaction also carries
    // any structs from others that were pending until this one completed them, and the sender may not have
    // those (found by the convergence suite, seed 153). To the sender the rest is a no-op.
    const frame = encodeSyncUpdate(update);
    this.syncReplies.noteBroadcast(frame);
    this.bus.publishUpdate(frame, queuedAt);
  }

  private fail(error: unknown): void {
    if (this.state.kind === 'failed') return;
    this.state = { kind: 'failed', error };
    this.log.stop();
    this.syncReplies.invalidate();
    this.deps.metrics.inc('tandem_room_failures_total');
    this.logger.error('room failed; closing its connections', errorFields(error));
    for (const peer of [...this.peers]) peer.close(CloseCode.unavailable, 'storage unavailable');
    this.deps.onIdle(this);
  }
}

/** A Yjs update (v1) with no structs and no deletes. */
const EMPTY_UPDATE = new Uint8Array([0, 0]);
