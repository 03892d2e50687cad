/**
 * The storage contract every backend (SQLite, PostgreSQL) implements and the shared contract suite
 * checks. A document is a checkpoint (a full-state Yjs update at some log position) plus the log rows
 * after it; loading applies the checkpoint, then the rows in `seq` order.
 */
export interface LogRow {
  /** Position in the document's log: strictly increasing per document, never reused. */
  seq: number;
  /** A Yjs update (v1 encoding) exactly as the server's document emitted it. */
  update: Uint8Array;
  /** The user whose connection produced it; null for server-made changes. */
  userId: string | null;
  /** Server time in milliseconds since the epoch. */
  createdAt: number;
}

export interface Checkpoint {
  /** The last log row folded into `state`. */
  seq: number;
  state: Uint8Array;
}

export interface StoredDocument {
  checkpoint: Checkpoint | null;
  /** Rows with seq > checkpoint.seq, ascending. */
  rows: LogRow[];
}

export interface DocumentStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Everything needed to rebuild the document; an unknown document loads as empty. */
  load(docName: string): Promise<StoredDocument>;
  /** Appends rows atomically (all or none). Resolves only once they are durable. */
  append(docName: string, rows: readonly LogRow[]): Promise<void>;
  /**
   * Atomically stores `checkpoint` and drops the rows it folds in (seq ≤ checkpoint.seq).
   * Refuses a checkpoint that would move backwards, so a stale writer cannot roll a document back.
   */
  compact(docName: string, checkpoint: Checkpoint): Promise<void>;
  /** Names of stored documents, most recently written first. */
  listDocuments(limit: number): Promise<Array<{ name: string; updatedAt: number }>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
