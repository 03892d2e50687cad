/**
 * The storage contract every backend (SQLite, PostgreSQL) implements and the shared contract suite
 * checks. A document is a checkpoint (a full-state Yjs update at some log position) plus the log rows
 * after it; loading applies the checkpoint, then the rows in `seq` order.
 */
/** A row as a writer hands it to the log: the database gives it its position (see AppendedRange). */
export interface NewLogRow {
  /** A Yjs update (v1 encoding) exactly as the server's document emitted it. */
  update: Uint8Array;
  /** The user whose connection produced it; null for server-made changes. */
  userId: string | null;
  /** Server time in milliseconds since the epoch. */
  createdAt: number;
  /** What the timeline shows for this row; rows written without it store `edit` with zero counts. */
  meta?: EventMeta;
}

export interface LogRow extends NewLogRow {
  /** Position in the document's log: strictly increasing per document, never reused, allocated by the
   *  database inside the append's transaction, so several instances appending to one document never collide. */
  seq: number;
}

/** The positions the database gave one append's rows: consecutive, firstSeq..lastSeq in the order given.
 *  With no rows, lastSeq is the document's latest seq and firstSeq = lastSeq + 1. */
export interface AppendedRange {
  firstSeq: number;
  lastSeq: number;
}

/** Kinds of timeline events: an ordinary edit, a restore of an older point, a lock violation the server reverted,
 *  and the server's one-time repair of a document stored in a shape the editor cannot show. */
export const EventKind = { edit: 'edit', restore: 'restore', revert: 'revert', repair: 'repair' } as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Per-row metadata, computed once when the update is accepted (never by re-reading the document). */
export interface EventMeta {
  kind: EventKind;
  /**
   * Display name and colour of `userId`. Stored once per user and document (the latest seen), not per
   * row: reading returns the user's current name, so a rename shows everywhere in the timeline.
   */
  userName: string | null;
  userColor: string | null;
  /** Characters inserted and deleted by this update. */
  inserted: number;
  deleted: number;
  /** Ids of the sections the update touched (`leading`, a heading's sectionId, or `unstamped:<i>`). */
  sections: string[];
  /** For `restore`: the log position that was restored. */
  restoredFrom?: number | null;
}

/** A log row as the timeline lists it: metadata without the update bytes. */
export interface EventRow {
  seq: number;
  userId: string | null;
  createdAt: number;
  bytes: number;
  meta: EventMeta;
}

export const SnapshotKind = { auto: 'auto', named: 'named' } as const;
export type SnapshotKind = (typeof SnapshotKind)[keyof typeof SnapshotKind];

/** A stored full-state update of the document exactly as it was after log row `seq`. */
export interface SnapshotInfo {
  id: number;
  seq: number;
  kind: SnapshotKind;
  /** Set for named versions. */
  name: string | null;
  userId: string | null;
  userName: string | null;
  createdAt: number;
  bytes: number;
}

export interface NewSnapshot {
  seq: number;
  state: Uint8Array;
  kind: SnapshotKind;
  name: string | null;
  userId: string | null;
  userName: string | null;
  createdAt: number;
}

export interface Checkpoint {
  /** The last log row folded into `state`. */
  seq: number;
  state: Uint8Array;
}

/** A Yjs clientID bound to the user who first used it in a document (insert-only: the first binding wins). */
export interface ClientBinding {
  clientId: number;
  userId: string;
}

export interface StoredDocument {
  checkpoint: Checkpoint | null;
  /** Rows with seq > checkpoint.seq, ascending. */
  rows: LogRow[];
  /** Every binding of the document, any order. */
  bindings: ClientBinding[];
}

export interface AppendBatch {
  docName: string;
  rows: readonly NewLogRow[];
  bindings?: readonly ClientBinding[];
}

/** Bytes of stored Yjs data per category (update and state bytes only, not metadata or index overhead). */
export interface StorageUsage {
  checkpointBytes: number;
  logBytes: number;
  snapshotBytes: number;
  versionBytes: number;
  totalBytes: number;
}

/** Builds a StorageUsage from its parts, so every backend computes the total the same way. */
export function storageUsage(parts: Omit<StorageUsage, 'totalBytes'>): StorageUsage {
  const { checkpointBytes, logBytes, snapshotBytes, versionBytes } = parts;
  return { checkpointBytes, logBytes, snapshotBytes, versionBytes, totalBytes: checkpointBytes + logBytes + snapshotBytes + versionBytes };
}

/** The hot path a room writes through: load, append (durable before it resolves), compact. */
export interface WriteLog {
  /** Everything needed to rebuild the document; an unknown document loads as empty. */
  load(docName: string): Promise<StoredDocument>;
  /**
   * Appends rows and client bindings atomically (all or none), giving the rows the document's next seqs.
   * Resolves only once they are durable, with the seqs given. A binding whose clientID is already bound is
   * ignored (the first binding wins). Either list may be empty; with both empty nothing is written.
   */
  append(docName: string, rows: readonly NewLogRow[], bindings?: readonly ClientBinding[]): Promise<AppendedRange>;
  /** Appends several documents' rows and bindings in ONE atomic transaction (all or none), resolving once
   *  durable with each batch's range, in order: the server commits every room's writes of an event-loop turn
   *  together, one fsync instead of one per room. */
  appendMany(batches: ReadonlyArray<AppendBatch>): Promise<AppendedRange[]>;
  /**
   * Atomically stores `checkpoint` (so loading replays only the rows after it) and prunes history that
   * fell out of the retention window: rows folded into it (seq ≤ checkpoint.seq) written before
   * `pruneBefore`, and automatic snapshots taken before `pruneBefore`. Without `pruneBefore` nothing is
   * deleted. Named versions are never pruned. Refuses a checkpoint that would move backwards, so a stale
   * writer cannot roll a document back.
   */
  compact(docName: string, checkpoint: Checkpoint, options?: { pruneBefore?: number }): Promise<void>;
}

/** What the timeline reads and writes: the log's rows and events, snapshots and named versions. */
export interface TimelineStore {
  /**
   * Just the updates with afterSeq < seq ≤ uptoSeq, ascending: the lean read reconstruction replays
   * (no metadata decoding or author join, ~10× faster than readRows on long stretches).
   */
  readUpdates(docName: string, afterSeq: number, uptoSeq: number): Promise<Array<{ seq: number; update: Uint8Array }>>;
  /** Log rows with afterSeq < seq ≤ uptoSeq, ascending, with their update bytes and metadata. */
  readRows(docName: string, afterSeq: number, uptoSeq: number): Promise<LogRow[]>;
  /** Timeline events with seq < beforeSeq (all when null), newest first, at most `limit`. */
  listEvents(docName: string, beforeSeq: number | null, limit: number): Promise<EventRow[]>;
  /** Highest seq ever written (0 for an unknown document), and the lowest seq still in the log. */
  logBounds(docName: string): Promise<{ latestSeq: number; oldestRetainedSeq: number | null }>;
  saveSnapshot(docName: string, snapshot: NewSnapshot): Promise<SnapshotInfo>;
  /** Snapshots of the document, newest first (named versions and automatic ones), at most `limit`. */
  listSnapshots(docName: string, limit: number): Promise<SnapshotInfo[]>;
  getSnapshot(docName: string, id: number): Promise<(SnapshotInfo & { state: Uint8Array }) | null>;
  /** Deletes one snapshot or named version; false when it does not exist. */
  deleteSnapshot(docName: string, id: number): Promise<boolean>;
  /** The exact state with the highest seq ≤ `seq`: a snapshot or the checkpoint, whichever is later. */
  baseAtOrBefore(docName: string, seq: number): Promise<Checkpoint | null>;
}

/** A whole backend: the write log, the timeline, and the document-wide upkeep. */
export interface DocumentStore extends WriteLog, TimelineStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Bytes the document occupies: checkpoint state, log rows' updates, automatic snapshots and named
   *  versions (all zero for an unknown document). */
  usage(docName: string): Promise<StorageUsage>;
  /**
   * Frees history: deletes log rows already folded into the checkpoint (seq ≤ checkpoint seq) and every
   * automatic snapshot. Named versions, the checkpoint and rows after it stay, so the document loads
   * exactly as before; the timeline just reaches less far back.
   */
  dropHistory(docName: string): Promise<void>;
  /** Deletes everything stored for the document (its owner deleted it for good from the trash). The room
   *  must be unloaded first. */
  purge(docName: string): Promise<void>;
  /** Names of stored documents, most recently written first. */
  listDocuments(limit: number): Promise<Array<{ name: string; updatedAt: number }>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
