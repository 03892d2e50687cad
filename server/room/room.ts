/**
 * One loaded document: its Y.Doc, awareness, peers, and durable write-ahead log writer.
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
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CloseCode, type TandemCloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeAwarenessFrame, encodeSyncStep1, encodeSyncUpdate } from '../../shared/protocol/frames.js';
import { assertNever, encodeTandemMessage } from '../../shared/protocol/messages.js';
import { COMPACT_AFTER_ROWS, COSTLY_UPDATE_MS, MAX_DOCUMENT_BYTES } from '../../shared/limits.js';
import { errorFields, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { AutoSnapshots, type ExactState } from '../history/autoSnapshots.js';
import { TransactionStatsTracker } from '../history/eventStats.js';
import { DEFAULT_HISTORY_SETTINGS, type HistorySettings } from '../history/settings.js';
import type { ServerChangeEvent, ServerChangeTarget } from '../history/serverChange.js';
import { EventKind, type DocumentStore, type EventMeta, type LogRow } from '../storage/types.js';
import { RoomLocks } from '../locks/roomLocks.js';
import type { InboundMessage } from './decodeFrame.js';
import { applyStoredDocument } from '../storage/storedDocument.js';
import { RoomAwareness } from './roomAwareness.js';
import { SharedSyncReplies } from './syncReplies.js';
import { DocumentRepairs } from '../../shared/editor/documentRepairs.js';
import { isUpdateOrigin, type RoomPeer, SERVER_ORIGIN, STORAGE_ORIGIN, type UpdateOrigin } from '../peers/peer.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { checkUpdate, type UpdateRefusal } from '../integrity/updateCheck.js';
import { dropPending } from '../integrity/yjsInternals.js';
import { findViolations, repairViolations } from '../integrity/documentCheck.js';
import { ClientBindings, SERVER_USER_ID } from './clientBindings.js';
import { closeRefused, refusalReason, respondToRefusal } from './updateRefusals.js';
import { DEFAULT_DOCUMENT_QUOTA_BYTES, DocumentQuota } from './documentQuota.js';
import { uint32 } from 'lib0/random';

export type RoomState =
  | { kind: 'loading' }
  | { kind: 'live' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'closed' };

interface PendingUpdate {
  update: Uint8Array;
  origin: UpdateOrigin;
  userId: string | null;
  createdAt: number;
  /** Timeline metadata (who, what kind, +/− characters, sections), computed when the update is queued. */
  meta: EventMeta;
}

export interface RoomDeps {
  store: DocumentStore;
  logger: Logger;
  metrics: Metrics;
  /** Snapshot cadence and log retention; defaults to DEFAULT_HISTORY_SETTINGS. */
  history?: HistorySettings;
  /** Storage quota of the document (DOCUMENT_QUOTA_BYTES); defaults to DEFAULT_DOCUMENT_QUOTA_BYTES. */
  quotaBytes?: number;
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
  readonly locks: RoomLocks;
  private readonly awarenessGate: RoomAwareness;
  /** States no single replica made but merges can (shared sectionIds, forbidden mark pairs), repaired here
   *  where every change meets. */
  private readonly repairs = new DocumentRepairs(this.doc, (origin) => isUpdateOrigin(origin) && origin.kind === 'storage');
  private pending: PendingUpdate[] = [];
  /** Which user each clientID of this document belongs to; new bindings are stored with the next append. */
  private readonly bindings = new ClientBindings(() => this.scheduleFlush());
  /** Per connection: resyncs offered for updates that could not be integrated, since its last accepted one. */
  private readonly resyncs = new WeakMap<RoomPeer, number>();
  /** Sync replies encoded once and shared by every socket that asks (see syncReplies.ts). */
  private readonly syncReplies = new SharedSyncReplies(this.doc);
  /** Updates of this document that were costly to integrate (see meterUpdateCost). */
  private costlyUpdates = 0;
  private flushing: Promise<void> | null = null;
  /** Updates queued and updates made durable since the room loaded: the durability watermark. */
  private queuedCount = 0;
  private durableCount = 0;
  private durableWaiters: Array<{ target: number; resolve(): void }> = [];
  private flushTimer: NodeJS.Immediate | null = null;
  private nextSeq = 1;
  private rowsSinceCheckpoint = 0;
  private storedBytes = 0;
  private readonly txStats = new TransactionStatsTracker(this.doc, (origin) => !isUpdateOrigin(origin) || origin.kind === 'storage');
  private readonly snapshots: AutoSnapshots;
  /** What the document occupies in storage against its quota (documentQuota.ts). */
  readonly quota: DocumentQuota;
  /** The peer whose update is being applied right now (Yjs housekeeping during it is theirs). */
  private applyingFor: UpdateOrigin | null = null;
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
      logger: deps.logger,
      // Only editors' lock requests count (a viewer must not freeze a section for the people who edit).
      roleOf: (clientId) => this.awarenessGate.identityOf(clientId)?.role,
    });
    this.awarenessGate = new RoomAwareness(this.awareness, deps.metrics, this.bindings);
    this.locks.onViolation((violation) => this.attributeRevert(violation.userId, violation.sectionId));
    this.quota = new DocumentQuota({ docName: name, store: deps.store, quotaBytes: deps.quotaBytes ?? DEFAULT_DOCUMENT_QUOTA_BYTES, doc: this.doc, logger: deps.logger, metrics: deps.metrics });
    this.snapshots = new AutoSnapshots({
      docName: name,
      store: deps.store,
      settings: deps.history ?? DEFAULT_HISTORY_SETTINGS,
      logger: deps.logger,
      capture: () => this.captureExact(),
      mayStore: (bytes) => this.quota.allows(bytes),
      onStored: (bytes) => this.quota.noteSnapshot(bytes),
    });
    this.doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) =>
      this.onDocUpdate(update, origin, transaction),
    );
    this.awareness.on('update', ({ added, updated, removed }: AwarenessChange) => {
      // Echoed to the sender too: the stock client treats 30 s without any message as a dead link.
      const changed = added.concat(updated, removed);
      this.broadcast(encodeAwarenessFrame(encodeAwarenessUpdate(this.awareness, changed)));
    });
  }

  get peerCount(): number {
    return this.peers.size;
  }

  async load(): Promise<void> {
    try {
      const stored = await this.deps.store.load(this.name);
      await this.quota.load();
      applyStoredDocument(this.doc, stored, STORAGE_ORIGIN);
      this.bindings.restore(stored.bindings);
      this.claimServerClientId();
      if (dropPending(this.doc)) {
        // Stored before the server refused incomplete updates: never part of the document, so forgotten (the
        // next checkpoint no longer carries it).
        this.deps.metrics.inc('tandem_pending_dropped_total', 'Stored structs or deletes that could never be integrated, dropped');
        this.deps.logger.warn('dropped pending structs found in storage', { doc: this.name });
      }
      const lastSeq = stored.rows.at(-1)?.seq ?? stored.checkpoint?.seq ?? 0;
      this.nextSeq = lastSeq + 1;
      this.rowsSinceCheckpoint = stored.rows.length;
      this.storedBytes = (stored.checkpoint?.state.length ?? 0) + stored.rows.reduce((sum, row) => sum + row.update.length, 0);
      this.state = { kind: 'live' };
      this.repairStoredShape();
      this.deps.logger.debug('room loaded', { doc: this.name, rows: stored.rows.length, bytes: this.storedBytes });
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

  leave(peer: RoomPeer): void {
    if (!this.peers.delete(peer)) return;
    this.awarenessGate.release(peer);
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
        this.applyPeerUpdate(peer, message.update);
        break;
      case 'awareness':
        this.awarenessGate.receive(peer, message.update);
        break;
      case 'queryAwareness':
        peer.send(encodeAwarenessFrame(encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])));
        break;
      case 'tandem':
        // Anything but a flush request is ignored: a newer client's extension kinds, or server-to-client
        // kinds a confused client echoes, must not end its connection (messages.ts, forward compatibility).
        if (message.message.kind === 'flushRequest') void this.acknowledgeFlush(peer, message.message.nonce);
        else this.deps.metrics.inc('tandem_channel_messages_ignored_total', 'Tandem messages of kinds the server does not take from clients, ignored');
        break;
      default:
        assertNever(message);
    }
  }

  /**
   * Resolves once every update applied so far is durable (or the room has failed). A watermark, not
   * quiet: updates queued after this call do not delay it, so under constant editing a sync reply or a
   * durability acknowledgement still goes out after the flushes already under way.
   */
  whenDurable(): Promise<void> {
    const target = this.queuedCount;
    if (this.durableCount >= target || this.state.kind !== 'live') return Promise.resolve();
    return new Promise((resolve) => this.durableWaiters.push({ target, resolve }));
  }

  /** Folds the log into a checkpoint when it has grown, or when `force` and there is anything to fold. */
  async compact(force = false): Promise<void> {
    await this.whenDurable();
    if (this.state.kind !== 'live') return;
    if (force) await this.snapshots.flush();
    if (this.rowsSinceCheckpoint === 0 || (!force && this.rowsSinceCheckpoint < COMPACT_AFTER_ROWS)) return;
    // The timeline reconstructs old points from the checkpoint, so it must be the exact state at its
    // seq: fold only when no update is pending (the next flush retries otherwise).
    const checkpoint = this.captureExact();
    if (!checkpoint) return;
    const folded = this.rowsSinceCheckpoint;
    this.rowsSinceCheckpoint = 0;
    try {
      // History older than the retention window is pruned; everything newer stays for the timeline.
      const retentionMs = (this.deps.history ?? DEFAULT_HISTORY_SETTINGS).retentionMs;
      await this.deps.store.compact(this.name, checkpoint, retentionMs === null ? {} : { pruneBefore: Date.now() - retentionMs });
      this.storedBytes = checkpoint.state.length;
      this.deps.metrics.inc('tandem_compactions_total', 'Log compactions into checkpoints');
      // A new checkpoint, and history pruned: re-read what the document occupies (never rejects).
      await this.quota.refresh();
    } catch (error) {
      // The log is intact; compaction is only an optimisation, so try again later.
      this.rowsSinceCheckpoint += folded;
      this.deps.logger.warn('compaction failed', { doc: this.name, ...errorFields(error) });
    }
  }

  /** Closes every peer (e.g. shutdown), after making what they sent durable. */
  async closeAll(code: TandemCloseCode, reason: string): Promise<void> {
    await this.whenDurable();
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

  destroy(): void {
    this.snapshots.dispose();
    this.txStats.dispose();
    this.repairs.destroy();
    this.syncReplies.destroy();
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.state = this.state.kind === 'failed' ? this.state : { kind: 'closed' };
    this.locks.destroy();
    this.awareness.destroy();
    this.doc.destroy();
  }

  private greet(peer: RoomPeer): void {
    peer.send(encodeSyncStep1(this.doc));
    const states = this.awareness.getStates();
    if (states.size > 0) peer.send(encodeAwarenessFrame(encodeAwarenessUpdate(this.awareness, [...states.keys()])));
  }

  /**
   * A sync step 2 reply never carries unstored state. Once what was applied before the request is durable:
   * if everything applied is durable, the reply comes from the live document (shared frames for a replica far
   * behind, a diff for one nearly current); if newer updates are still on their way to disk, it comes from
   * the shared snapshot and the durable updates after it, or waits for the next durable moment.
   */
  private async replyToStep1(peer: RoomPeer, stateVector: Uint8Array): Promise<void> {
    for (;;) {
      await this.whenDurable();
      if (this.state.kind !== 'live' || !this.peers.has(peer)) return;
      const frames = this.durableCount === this.queuedCount ? this.syncReplies.reply(stateVector) : this.syncReplies.replyFromSnapshot();
      if (frames) {
        for (const frame of frames) peer.send(frame);
        return;
      }
    }
  }

  private applyPeerUpdate(peer: RoomPeer, update: Uint8Array): void {
    if (peer.identity.role !== 'editor') {
      if (peer.optedIn) peer.send(encodeTandemMessage({ kind: 'notice', notice: { type: 'readOnly', reason: 'You can view this document but not edit it.' } }));
      this.deps.metrics.inc('tandem_updates_refused_total', 'Updates refused', 1, { reason: 'read_only' });
      return;
    }
    if (this.storedBytes + update.length > MAX_DOCUMENT_BYTES) {
      this.deps.metrics.inc('tandem_updates_refused_total', 'Updates refused', 1, { reason: 'document_too_large' });
      peer.close(CloseCode.tooLarge, 'document too large');
      return;
    }
    const started = performance.now();
    try {
      this.judgeAndApply(peer, update);
    } finally {
      this.meterUpdateCost(peer, update, performance.now() - started);
    }
  }

  /** Judges the update (integrity/updateCheck.ts) and applies it only if accepted. */
  private judgeAndApply(peer: RoomPeer, update: Uint8Array): void {
    // Past the document's storage quota, growth is refused (4413); an update adding nothing still passes.
    if (this.quota.refuses(peer, update)) return;
    const userId = peer.identity.userId;
    const verdict = checkUpdate(update, { doc: this.doc, foreignClient: (clients) => this.bindings.foreignClient(clients, userId) });
    if (!verdict.ok) {
      this.refuseUpdate(peer, verdict.refusal);
      return;
    }
    this.resyncs.delete(peer);
    for (const clientId of verdict.writers) this.bindings.claim(clientId, userId, { quiet: true });
    this.applyingFor = peer.origin;
    try {
      this.locks.applyPeerUpdate(peer, () => Y.applyUpdate(this.doc, update, peer.origin));
    } catch (error) {
      // The check admits only what Yjs integrates; reaching this is a bug of ours (what integrated is kept).
      this.applyingFor = null;
      this.deps.metrics.inc('tandem_updates_refused_total', 'Updates refused', 1, { reason: 'malformed' });
      this.deps.logger.error('accepted update failed to apply', { doc: this.name, peer: peer.id, ...errorFields(error) });
      peer.close(CloseCode.badRequest, 'malformed update');
      return;
    } finally {
      if (dropPending(this.doc)) {
        // Also a bug of ours if it happens: the check exists so that nothing is ever pending.
        this.deps.metrics.inc('tandem_pending_dropped_total', 'Stored structs or deletes that could never be integrated, dropped');
        this.deps.logger.error('an accepted update left pending structs; dropped them', { doc: this.name, peer: peer.id });
      }
    }
    try {
      // Still inside this peer's change (applyingFor), so a repair is stored and relayed as part of it.
      // Between copies, the heading of a locked section keeps the id, so the lock stays where it was.
      let locked: Set<Y.XmlElement> | null = null;
      const repaired = this.repairs.run((heading) => (locked ??= this.locks.lockedHeadings()).has(heading));
      if (repaired.sectionIds > 0) this.deps.metrics.inc('tandem_section_id_repairs_total', 'Headings renamed because another heading had the same sectionId', repaired.sectionIds);
      if (repaired.marks > 0) this.deps.metrics.inc('tandem_mark_repairs_total', 'Text runs whose marks the schema forbids together, repaired', repaired.marks);
    } catch (error) {
      // A bug of ours, not the peer's: keep the update (it is valid and already applied) and say so.
      this.deps.logger.error('document repair failed', { doc: this.name, ...errorFields(error) });
    } finally {
      this.applyingFor = null;
    }
  }

  /**
   * An update whose check and integration took longer than COSTLY_UPDATE_MS held the event loop for every
   * document: counted, and logged with its document so an operator can find who sends them.
   */
  private meterUpdateCost(peer: RoomPeer, update: Uint8Array, ms: number): void {
    if (ms < COSTLY_UPDATE_MS) return;
    this.costlyUpdates++;
    this.deps.metrics.inc('tandem_costly_updates_total', `Peer updates that took ${COSTLY_UPDATE_MS} ms or more to check and apply`);
    this.deps.logger.warn('costly update', { doc: this.name, peer: peer.id, user: peer.identity.userId, bytes: update.length, ms: Math.round(ms), inThisDocument: this.costlyUpdates });
  }

  /** The update never touched the document; the sender is told (see updateRefusals.ts). */
  private refuseUpdate(peer: RoomPeer, refusal: UpdateRefusal): void {
    const resyncsSoFar = this.resyncs.get(peer) ?? 0;
    const response = respondToRefusal(refusal, resyncsSoFar);
    this.deps.metrics.inc('tandem_updates_refused_total', 'Updates refused', 1, { reason: refusalReason(refusal) });
    this.deps.logger.info('refused update', { doc: this.name, peer: peer.id, user: peer.identity.userId, refusal });
    if (response.kind === 'resync') {
      this.resyncs.set(peer, resyncsSoFar + 1);
      // A stock client answers a sync step 1 with everything the server lacks, the refused update included.
      peer.send(encodeSyncStep1(this.doc));
      return;
    }
    closeRefused(peer, response.code, response.reason);
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
    this.deps.metrics.inc('tandem_stored_shape_repairs_total', 'Items a stored document held that the editor schema forbids, removed on load', violations.length);
    this.deps.logger.warn('repaired a stored document the editor schema rejects', { doc: this.name, removed: violations.length, first: violations[0]?.detail });
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
    if (isUpdateOrigin(rawOrigin) && rawOrigin.kind === 'storage') return;
    // Yjs's own follow-up transactions carry no origin of ours: after an update leaves redundant formatting
    // markers, Yjs deletes them in a nested transaction with origin null, synchronously inside the peer's
    // applyUpdate. That changes the document, so it is stored (and broadcast) like any change, or a sync
    // reply could deliver it before it is on disk. It belongs to the peer whose update caused it; outside a
    // peer's update (e.g. while loading) it is a server change. Found by the convergence suite.
    const origin: UpdateOrigin = isUpdateOrigin(rawOrigin) ? rawOrigin : (this.applyingFor ?? HOUSEKEEPING_ORIGIN);
    const stats = this.txStats.take(transaction);
    const identity = origin.kind === 'peer' ? origin.peer.identity : null;
    // A server change without its own event is a compensating revert (e.g. of a lock violation), unless it
    // is Yjs housekeeping, which is recorded as an unattributed edit.
    const server =
      origin === HOUSEKEEPING_ORIGIN
        ? { userId: null, kind: EventKind.edit, userName: null, userColor: null }
        : origin.kind === 'server'
          ? (this.serverChange ?? { userId: null, kind: EventKind.revert, userName: null, userColor: null })
          : null;
    this.pending.push({
      update,
      origin,
      userId: identity ? identity.userId : (server?.userId ?? null),
      createdAt: Date.now(),
      meta: {
        kind: server ? server.kind : EventKind.edit,
        userName: identity ? identity.name : (server?.userName ?? null),
        userColor: identity ? identity.color : (server?.userColor ?? null),
        ...stats,
        ...(server?.restoredFrom != null ? { restoredFrom: server.restoredFrom } : {}),
      },
    });
    this.queuedCount++;
    this.quota.noteQueued(update.length);
    this.scheduleFlush();
  }

  /** One flush per event-loop turn: every update that arrived in this turn shares one transaction. */
  private scheduleFlush(): void {
    this.flushTimer ??= setImmediate(() => {
      this.flushTimer = null;
      void this.flush();
    });
  }

  private settleDurableWaiters(): void {
    const live = this.state.kind === 'live';
    const waiting = this.durableWaiters;
    this.durableWaiters = [];
    for (const waiter of waiting) {
      if (!live || this.durableCount >= waiter.target) waiter.resolve();
      else this.durableWaiters.push(waiter);
    }
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if ((this.pending.length === 0 && !this.bindings.hasUnsaved()) || this.state.kind !== 'live') return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    // Stored in the same transaction as the rows written under them.
    const bindings = this.bindings.takeUnsaved();
    const rows: LogRow[] = batch.map((item) => ({
      seq: this.nextSeq++,
      update: item.update,
      userId: item.userId,
      createdAt: item.createdAt,
      meta: item.meta,
    }));
    const bytes = rows.reduce((sum, row) => sum + row.update.length, 0);
    this.flushing = this.deps.store
      .append(this.name, rows, bindings)
      .then(() => {
        this.storedBytes += bytes;
        this.rowsSinceCheckpoint += rows.length;
        this.deps.metrics.inc('tandem_updates_persisted_total', 'Updates appended to the durable log', rows.length);
        this.deps.metrics.inc('tandem_persisted_bytes_total', 'Bytes appended to the durable log', bytes);
        for (const item of batch) this.broadcastUpdate(item);
        this.durableCount += batch.length;
        this.quota.noteAppended(bytes);
        this.snapshots.noteAppended(rows.length, bytes);
        if (this.rowsSinceCheckpoint >= COMPACT_AFTER_ROWS) void this.compact();
      })
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.flushing = null;
        // Updates that queued while this append was in flight found it busy (their turn's flush returned
        // this promise): start their append now, or they would wait for the next edit of the document.
        if ((this.pending.length > 0 || this.bindings.hasUnsaved()) && this.state.kind === 'live') this.scheduleFlush();
        this.settleDurableWaiters();
      });
    return this.flushing;
  }

  /**
   * A lock revert is queued as a server change without a user; name the person whose edit it undid (their
   * own row, queued just before it in the same turn, carries their display name) and the section.
   */
  private attributeRevert(userId: string, sectionId: string): void {
    const recent = [...this.pending].reverse();
    const revert = recent.find((item) => item.meta.kind === EventKind.revert && (item.userId === null || item.userId === userId));
    if (!revert) return;
    const edit = recent.find((item) => item.userId === userId && item.meta.kind === EventKind.edit);
    revert.userId = userId;
    revert.meta.userName = edit?.meta.userName ?? revert.meta.userName;
    revert.meta.userColor = edit?.meta.userColor ?? revert.meta.userColor;
    if (!revert.meta.sections.includes(sectionId)) revert.meta.sections.push(sectionId);
  }

  /** The exact state at the last stored row; null while updates are pending (the doc holds more). */
  private captureExact(): ExactState | null {
    if (this.state.kind !== 'live' || this.pending.length > 0) return null;
    return { seq: this.nextSeq - 1, state: Y.encodeStateAsUpdate(this.doc) };
  }

  private broadcastUpdate(item: PendingUpdate): void {
    // Sent to the sender too, as the stock server does. The update Yjs emits for one transaction also carries
    // any structs from others that were pending until this one completed them, and the sender may not have
    // those (found by the convergence suite, seed 153). To the sender the rest is a no-op.
    const frame = encodeSyncUpdate(item.update);
    this.syncReplies.noteBroadcast(frame);
    this.broadcast(frame);
  }

  private broadcast(message: Uint8Array): void {
    for (const peer of this.peers) peer.send(message);
  }

  private fail(error: unknown): void {
    if (this.state.kind === 'failed') return;
    this.state = { kind: 'failed', error };
    this.pending = [];
    this.syncReplies.invalidate();
    this.settleDurableWaiters();
    this.deps.metrics.inc('tandem_room_failures_total', 'Rooms closed because storage failed');
    this.deps.logger.error('room failed; closing its connections', { doc: this.name, ...errorFields(error) });
    for (const peer of [...this.peers]) peer.close(CloseCode.unavailable, 'storage unavailable');
    this.deps.onIdle(this);
  }
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

/** Origin for document changes Yjs makes by itself outside any peer's update (see onDocUpdate). */
const HOUSEKEEPING_ORIGIN: UpdateOrigin = Object.freeze({ kind: 'server' });

