/**
 * A Room driven without sockets, in the spirit of tldraw sync-core's in-memory socket pairs: the real Room
 * and Metrics, an in-memory DocumentStore whose appends a test can hold, release and fail, and peers that are
 * real Y.Doc clients speaking y-protocols frames the way a browser tab behind a Connection does. Everything a
 * test waits on is an event (store, peers, harness), never a fixed sleep.
 */
import { EventEmitter } from 'node:events';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { Role, type Identity } from '../../shared/auth.js';
import type { TandemCloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeSyncStep1 } from '../../shared/protocol/frames.js';
import { MessageType } from '../../shared/protocol/messages.js';
import { loggerOver } from '../../server/log.js';
import { Metrics } from '../../server/metrics.js';
import type { PeerOrigin } from '../../server/peers/origins.js';
import type { RoomPeer } from '../../server/peers/peer.js';
import { decodeFrame } from '../../server/room/decodeFrame.js';
import { Room, type RoomDeps } from '../../server/room/room.js';
import {
  storageUsage,
  type AppendBatch,
  type AppendedRange,
  type Checkpoint,
  type ClientBinding,
  type DocumentStore,
  type EventRow,
  type LogRow,
  type NewLogRow,
  type NewSnapshot,
  type SnapshotInfo,
  type StorageUsage,
  type StoredDocument,
} from '../../server/storage/types.js';
import { bodyText, documentText } from './yBlocks.js';
import { waitUntil } from './wait.js';

/** Anything that tells a waiter "something happened": Node EventEmitters (store, peers, harness) and Y.Docs. */
export interface EventSource {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/** Resolves once `predicate()` holds, re-checking on each of `events`; rejects after `timeoutMs` naming `description`. */
export function waitFor(
  predicate: () => boolean,
  events: ReadonlyArray<readonly [EventSource, string]>,
  description: string,
  timeoutMs = 2_000,
): Promise<void> {
  return waitUntil(predicate, events, description, timeoutMs);
}

// ---------------------------------------------------------------------------------------------------------
// Store

interface StoredSnapshot extends SnapshotInfo {
  state: Uint8Array;
}

interface MemoryDocument {
  checkpoint: Checkpoint | null;
  rows: LogRow[];
  bindings: Map<number, string>;
  latestSeq: number;
  snapshots: StoredSnapshot[];
  updatedAt: number;
}

/** One appendMany call that has not committed yet. */
interface PendingAppend {
  batches: ReadonlyArray<AppendBatch>;
  fails: boolean;
  resolve(ranges: AppendedRange[]): void;
  reject(error: Error): void;
}

const DEFAULT_META = { kind: 'edit', userName: null, userColor: null, inserted: 0, deleted: 0, sections: [] } as const;

/**
 * A DocumentStore in memory: seqs allocated at commit as a database would inside the append's transaction.
 * While held, appends wait in arrival order until released; `failNext()` makes the next append reject with
 * nothing written. `durableDoc()` is what a reload would see. Emits `append` when an append arrives (after
 * it is counted as held), `durable` when one commits and `failed` when one is refused, each with its batches.
 */
export class MemoryStore extends EventEmitter implements DocumentStore {
  /** The contract names only real backends; this one stands in for SQLite (one process, one writer). */
  readonly kind = 'sqlite' as const;
  private readonly docs = new Map<string, MemoryDocument>();
  private holding = false;
  private failArmed = false;
  private readonly held: PendingAppend[] = [];
  private nextSnapshotId = 1;
  /** Every appendMany call in arrival order, committed or not: what the room asked to store. */
  readonly appendCalls: Array<ReadonlyArray<AppendBatch>> = [];

  /** Appends from now on wait until released. */
  hold(): void {
    this.holding = true;
  }

  /** Stops holding and commits (or fails) every held append, oldest first. */
  release(): void {
    this.holding = false;
    while (this.held.length > 0) this.settle(this.held.shift() as PendingAppend);
  }

  /** Commits (or fails) only the oldest held append; later ones stay held. */
  releaseOldest(): void {
    const oldest = this.held.shift();
    if (!oldest) throw new Error('no append is held');
    this.settle(oldest);
  }

  /** The next append rejects (when it would commit: at once, or on release if held) and stores nothing. */
  failNext(): void {
    this.failArmed = true;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** The durable log rows of a document still retained (folded into the checkpoint or not), ascending. */
  durableRows(docName: string): readonly LogRow[] {
    return this.docs.get(docName)?.rows ?? [];
  }

  /** The document as a reload would rebuild it: checkpoint, then the durable rows. */
  durableDoc(docName: string): Y.Doc {
    const doc = new Y.Doc();
    const stored = this.docs.get(docName);
    if (!stored) return doc;
    if (stored.checkpoint) Y.applyUpdate(doc, stored.checkpoint.state);
    for (const row of this.rowsAfterCheckpoint(stored)) Y.applyUpdate(doc, row.update);
    return doc;
  }

  /** Whether `update` adds nothing to what is durable: a frame carrying it carries no unstored state. */
  isDurable(docName: string, update: Uint8Array): boolean {
    const doc = this.durableDoc(docName);
    const before = Y.encodeStateAsUpdate(doc);
    Y.applyUpdate(doc, update);
    return equalBytes(before, Y.encodeStateAsUpdate(doc));
  }

  async load(docName: string): Promise<StoredDocument> {
    const stored = this.docs.get(docName);
    if (!stored) return { checkpoint: null, rows: [], bindings: [] };
    return {
      checkpoint: stored.checkpoint,
      rows: this.rowsAfterCheckpoint(stored),
      bindings: [...stored.bindings].map(([clientId, userId]) => ({ clientId, userId })),
    };
  }

  async append(docName: string, rows: readonly NewLogRow[], bindings?: readonly ClientBinding[]): Promise<AppendedRange> {
    const [range] = await this.appendMany([{ docName, rows, bindings }]);
    return range as AppendedRange;
  }

  appendMany(batches: ReadonlyArray<AppendBatch>): Promise<AppendedRange[]> {
    this.appendCalls.push(batches);
    const fails = this.failArmed;
    this.failArmed = false;
    return new Promise((resolve, reject) => {
      const append: PendingAppend = { batches, fails, resolve, reject };
      if (this.holding) this.held.push(append);
      // Emitted once held, so a waiter on `append` already sees it in heldCount.
      this.emit('append', batches);
      if (!this.holding) this.settle(append);
    });
  }

  async compact(docName: string, checkpoint: Checkpoint, options: { pruneBefore?: number } = {}): Promise<void> {
    const stored = this.document(docName);
    if (stored.checkpoint && checkpoint.seq < stored.checkpoint.seq) throw new Error('checkpoint would move backwards');
    stored.checkpoint = checkpoint;
    const { pruneBefore } = options;
    if (pruneBefore !== undefined) {
      stored.rows = stored.rows.filter((row) => row.seq > checkpoint.seq || row.createdAt >= pruneBefore);
      stored.snapshots = stored.snapshots.filter((s) => s.kind === 'named' || s.createdAt >= pruneBefore);
    }
    this.emit('compacted', docName);
  }

  async readUpdates(docName: string, afterSeq: number, uptoSeq: number): Promise<Array<{ seq: number; update: Uint8Array }>> {
    return (await this.readRows(docName, afterSeq, uptoSeq)).map(({ seq, update }) => ({ seq, update }));
  }

  async readRows(docName: string, afterSeq: number, uptoSeq: number): Promise<LogRow[]> {
    return this.durableRows(docName).filter((row) => row.seq > afterSeq && row.seq <= uptoSeq);
  }

  async listEvents(docName: string, beforeSeq: number | null, limit: number): Promise<EventRow[]> {
    return this.durableRows(docName)
      .filter((row) => beforeSeq === null || row.seq < beforeSeq)
      .reverse()
      .slice(0, limit)
      .map((row) => ({ seq: row.seq, userId: row.userId, createdAt: row.createdAt, bytes: row.update.length, meta: row.meta ?? { ...DEFAULT_META, sections: [] } }));
  }

  async logBounds(docName: string): Promise<{ latestSeq: number; oldestRetainedSeq: number | null }> {
    const stored = this.docs.get(docName);
    return { latestSeq: stored?.latestSeq ?? 0, oldestRetainedSeq: stored?.rows[0]?.seq ?? null };
  }

  async saveSnapshot(docName: string, snapshot: NewSnapshot): Promise<SnapshotInfo> {
    const saved: StoredSnapshot = { ...snapshot, id: this.nextSnapshotId++, bytes: snapshot.state.length };
    this.document(docName).snapshots.push(saved);
    return infoOf(saved);
  }

  async listSnapshots(docName: string, limit: number): Promise<SnapshotInfo[]> {
    return [...(this.docs.get(docName)?.snapshots ?? [])].reverse().slice(0, limit).map(infoOf);
  }

  async getSnapshot(docName: string, id: number): Promise<(SnapshotInfo & { state: Uint8Array }) | null> {
    return this.docs.get(docName)?.snapshots.find((s) => s.id === id) ?? null;
  }

  async deleteSnapshot(docName: string, id: number): Promise<boolean> {
    const stored = this.docs.get(docName);
    const index = stored?.snapshots.findIndex((s) => s.id === id) ?? -1;
    if (!stored || index < 0) return false;
    stored.snapshots.splice(index, 1);
    return true;
  }

  async baseAtOrBefore(docName: string, seq: number): Promise<Checkpoint | null> {
    const stored = this.docs.get(docName);
    const candidates = [stored?.checkpoint ?? null, ...(stored?.snapshots ?? [])].filter((base): base is Checkpoint => base !== null && base.seq <= seq);
    return candidates.reduce<Checkpoint | null>((best, base) => (best === null || base.seq > best.seq ? { seq: base.seq, state: base.state } : best), null);
  }

  async usage(docName: string): Promise<StorageUsage> {
    const stored = this.docs.get(docName);
    const bytesOf = (kind: SnapshotInfo['kind']) => (stored?.snapshots ?? []).filter((s) => s.kind === kind).reduce((sum, s) => sum + s.bytes, 0);
    return storageUsage({
      checkpointBytes: stored?.checkpoint?.state.length ?? 0,
      logBytes: (stored?.rows ?? []).reduce((sum, row) => sum + row.update.length, 0),
      snapshotBytes: bytesOf('auto'),
      versionBytes: bytesOf('named'),
    });
  }

  async dropHistory(docName: string): Promise<void> {
    const stored = this.docs.get(docName);
    if (!stored) return;
    const foldedUpTo = stored.checkpoint?.seq ?? 0;
    stored.rows = stored.rows.filter((row) => row.seq > foldedUpTo);
    stored.snapshots = stored.snapshots.filter((s) => s.kind === 'named');
  }

  async purge(docName: string): Promise<void> {
    this.docs.delete(docName);
  }

  async listDocuments(limit: number): Promise<Array<{ name: string; updatedAt: number }>> {
    return [...this.docs]
      .map(([name, stored]) => ({ name, updatedAt: stored.updatedAt }))
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(0, limit);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private settle(append: PendingAppend): void {
    if (append.fails) {
      this.emit('failed', append.batches);
      append.reject(new Error('injected append failure'));
      return;
    }
    const ranges = append.batches.map((batch) => this.commit(batch));
    this.emit('durable', append.batches);
    append.resolve(ranges);
  }

  private commit(batch: AppendBatch): AppendedRange {
    const stored = this.document(batch.docName);
    const firstSeq = stored.latestSeq + 1;
    for (const row of batch.rows) stored.rows.push({ ...row, seq: ++stored.latestSeq });
    for (const { clientId, userId } of batch.bindings ?? []) if (!stored.bindings.has(clientId)) stored.bindings.set(clientId, userId);
    stored.updatedAt = Date.now();
    return { firstSeq, lastSeq: stored.latestSeq };
  }

  private rowsAfterCheckpoint(stored: MemoryDocument): LogRow[] {
    const foldedUpTo = stored.checkpoint?.seq ?? 0;
    return stored.rows.filter((row) => row.seq > foldedUpTo);
  }

  private document(docName: string): MemoryDocument {
    let stored = this.docs.get(docName);
    if (!stored) {
      stored = { checkpoint: null, rows: [], bindings: new Map(), latestSeq: 0, snapshots: [], updatedAt: 0 };
      this.docs.set(docName, stored);
    }
    return stored;
  }
}

function infoOf({ state: _state, ...info }: StoredSnapshot): SnapshotInfo {
  return info;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

// ---------------------------------------------------------------------------------------------------------
// Peers

export type FrameKind = 'syncStep1' | 'syncStep2' | 'syncUpdate' | 'awareness' | 'other';

/** A frame the room sent a peer, as it arrived. */
export interface ReceivedFrame {
  bytes: Uint8Array;
  kind: FrameKind;
  /** The Yjs update a step 2 or update frame carries. */
  update: Uint8Array | null;
}

/** Origin of what a peer applies from the room, so its update handler does not echo it back (as y-websocket). */
const FROM_ROOM = Symbol('from room');

/**
 * One client: a Y.Doc whose own changes go to the room as sync update frames, which answers the room's sync
 * step 1 with its step 2, sends its own step 1 on connecting, and applies every sync frame the room sends.
 * Emits `frame` (a ReceivedFrame) and `close`.
 */
export class HarnessPeer extends EventEmitter implements RoomPeer {
  readonly origin: PeerOrigin = { kind: 'peer', peer: this };
  readonly optedIn = false;
  readonly tandemVersion = null;
  readonly doc = new Y.Doc();
  /** Every frame the room sent while the connection was open, in order. */
  readonly frames: ReceivedFrame[] = [];
  closedWith: { code: TandemCloseCode; reason: string } | null = null;

  constructor(
    private readonly room: Room,
    readonly id: number,
    readonly identity: Identity,
  ) {
    super();
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== FROM_ROOM) this.sendToRoom(syncFrame((encoder) => syncProtocol.writeUpdate(encoder, update)));
    });
  }

  /** Joins the room and sends this replica's sync step 1, as a provider does when its socket opens. */
  connect(): void {
    this.room.join(this);
    this.sendToRoom(encodeSyncStep1(this.doc));
  }

  /** Appends `text` to the first paragraph (creating it if needed) in one transaction: one update. */
  type(text: string): void {
    this.doc.transact(() => {
      const body = bodyText(this.doc);
      body.insert(body.length, text);
    });
  }

  /** The plain text of this replica's document. */
  text(): string {
    return documentText(this.doc);
  }

  framesOf(kind: FrameKind): ReceivedFrame[] {
    return this.frames.filter((frame) => frame.kind === kind);
  }

  /** Hands the room one raw frame, decoded as a Connection decodes it. */
  sendToRoom(frame: Uint8Array): void {
    if (this.closedWith) return;
    const decoded = decodeFrame(frame);
    if (!decoded.ok) throw new Error(`harness peer built an undecodable frame: ${decoded.error}`);
    this.room.receive(this, decoded.value);
  }

  send(bytes: Uint8Array): void {
    if (this.closedWith) return;
    const frame = this.receive(bytes);
    this.frames.push(frame);
    this.emit('frame', frame);
  }

  close(code: TandemCloseCode, reason: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    this.emit('close', this.closedWith);
    // A socket's close event comes later than the close call; the connection then leaves its room.
    queueMicrotask(() => this.room.leave(this));
  }

  private receive(bytes: Uint8Array): ReceivedFrame {
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    if (type === MessageType.awareness) return { bytes, kind: 'awareness', update: null };
    if (type !== MessageType.sync) return { bytes, kind: 'other', update: null };
    const peek = decoding.createDecoder(bytes.subarray(decoder.pos));
    const kind = SYNC_KINDS[decoding.readVarUint(peek)] ?? 'other';
    const update = kind === 'syncStep1' ? null : decoding.readVarUint8Array(peek);
    const reply = syncFrame((encoder) => syncProtocol.readSyncMessage(decoder, encoder, this.doc, FROM_ROOM));
    // The step 2 answering the room's step 1 travels back later, as over a socket (never inside the room's send).
    if (reply.length > 1) queueMicrotask(() => this.sendToRoom(reply));
    return { bytes, kind, update };
  }
}

const SYNC_KINDS: Record<number, FrameKind> = { 0: 'syncStep1', 1: 'syncStep2', 2: 'syncUpdate' };

function syncFrame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

// ---------------------------------------------------------------------------------------------------------
// Harness

/** A frame that reached a peer carrying state the store did not have yet: what the write path forbids. */
export interface UnstoredDelivery {
  peer: HarnessPeer;
  frame: ReceivedFrame;
}

/**
 * A loaded Room over a MemoryStore. Every peer's sync frames are checked against the store as they arrive
 * (`unstoredDeliveries`). Emits `idle` when the room calls onIdle (last peer left, or it failed and is dropped).
 */
export class RoomHarness extends EventEmitter {
  readonly metrics = new Metrics();
  readonly room: Room;
  readonly peers: HarnessPeer[] = [];
  readonly unstoredDeliveries: UnstoredDelivery[] = [];
  idleCalls = 0;
  private nextPeerId = 1;

  /** `store`: one a previous harness wrote (a reload of the same document), or a fresh one. */
  constructor(
    readonly docName = 'harness-doc',
    readonly store = new MemoryStore(),
    options: Pick<RoomDeps, 'fanoutIntervalMs'> = {},
  ) {
    super();
    this.room = new Room(docName, {
      ...options,
      store: this.store,
      logger: loggerOver(() => undefined),
      metrics: this.metrics,
      onIdle: () => {
        this.idleCalls++;
        this.emit('idle');
      },
    });
  }

  /** A new editor peer (not yet connected; `connect()` it, or use `connectedPeer`). */
  peer(name: string, role: Role = Role.editor): HarnessPeer {
    const identity: Identity = { userId: name, name, color: '#336699', role, doc: this.docName };
    const peer = new HarnessPeer(this.room, this.nextPeerId++, identity);
    peer.on('frame', (frame: ReceivedFrame) => {
      if (frame.update && !this.store.isDurable(this.docName, frame.update)) this.unstoredDeliveries.push({ peer, frame });
    });
    this.peers.push(peer);
    return peer;
  }

  /** A peer that connected and received the room's sync step 2 (its sync handshake is done). */
  async connectedPeer(name: string, role: Role = Role.editor): Promise<HarnessPeer> {
    const peer = this.peer(name, role);
    peer.connect();
    await waitFor(() => peer.framesOf('syncStep2').length > 0, [[peer, 'frame']], `${name} receives its sync step 2`);
    return peer;
  }

  destroy(): void {
    this.room.destroy();
    for (const peer of this.peers) peer.doc.destroy();
  }
}

/** A harness whose room has loaded: empty from a fresh store, or what `store` holds for `docName`. */
export async function roomHarness(docName?: string, store?: MemoryStore, options?: Pick<RoomDeps, 'fanoutIntervalMs'>): Promise<RoomHarness> {
  const harness = new RoomHarness(docName, store, options);
  await harness.room.load();
  return harness;
}
