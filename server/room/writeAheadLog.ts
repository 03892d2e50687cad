/**
 * A room's write-ahead log: what the room applied, queued in order, appended to the store once per
 * event-loop turn, and handed back only once durable. It keeps the durability watermark (updates queued vs
 * updates durable), so a waiter waits only for what was queued before it, never for an empty queue; and
 * the log position the store gave the last durable row, which a checkpoint or snapshot is taken at.
 *
 * The store allocates seqs inside the append's transaction (several instances may append to one
 * document), so a position is known only once its append is durable: the exact state at a known position
 * exists only while nothing is queued or in flight.
 */
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { UpdateOrigin } from '../peers/origins.js';
import type { AppendedRange, ClientBinding, EventMeta, NewLogRow, StoredDocument, WriteLog } from '../storage/types.js';

export interface QueuedUpdate {
  update: Uint8Array;
  origin: UpdateOrigin;
  userId: string | null;
  createdAt: number;
  /** Timeline metadata (who, what kind, +/− characters, sections), computed when the update is queued. */
  meta: EventMeta;
  /** performance.now() when queued: how long it took to reach the other peers is a metric. */
  queuedAt: number;
}

export interface LogPosition {
  seq: number;
  /** Rows stored after the checkpoint up to `seq`, and their update bytes. */
  rows: number;
  rowBytes: number;
}

export interface WriteAheadLogDeps {
  docName: string;
  store: WriteLog;
  metrics: Metrics;
  logger: Logger;
  /** Client bindings made since the last append; stored in the same transaction as the next rows. */
  bindings: { hasUnsaved(): boolean; takeUnsaved(): ClientBinding[] };
  /** The batch is durable, in the order it was queued (the room broadcasts it). */
  onDurable(batch: readonly QueuedUpdate[], bytes: number): void;
  /** An append failed: the document in memory holds state that is not on disk. */
  onFailure(error: unknown): void;
}

export class WriteAheadLog {
  private pending: QueuedUpdate[] = [];
  private flushing: Promise<void> | null = null;
  /** True from the moment an append is handed to the store until it resolves or rejects. */
  private inFlight = false;
  private flushTimer: NodeJS.Immediate | null = null;
  private stopped = false;
  /** Updates queued and updates made durable since the room loaded: the durability watermark. */
  private queuedCount = 0;
  private durableCount = 0;
  private durableWaiters: Array<{ target: number; resolve(): void }> = [];
  private lastSeq = 0;
  /** The stored checkpoint's size, and the log rows stored after it with their update bytes. */
  private checkpointBytes = 0;
  private rowsAfterCheckpoint = 0;
  private rowBytesAfterCheckpoint = 0;

  constructor(private readonly deps: WriteAheadLogDeps) {}

  /** Takes up where the stored document left off. */
  restore(stored: StoredDocument): void {
    this.lastSeq = stored.rows.at(-1)?.seq ?? stored.checkpoint?.seq ?? 0;
    this.checkpointBytes = stored.checkpoint?.state.length ?? 0;
    this.rowsAfterCheckpoint = stored.rows.length;
    this.rowBytesAfterCheckpoint = stored.rows.reduce((sum, row) => sum + row.update.length, 0);
  }

  /** Bytes of the checkpoint and the rows after it: the document as it loads. */
  get storedBytes(): number {
    return this.checkpointBytes + this.rowBytesAfterCheckpoint;
  }

  get rowsSinceCheckpoint(): number {
    return this.rowsAfterCheckpoint;
  }

  /** Everything queued so far is durable. */
  get allDurable(): boolean {
    return this.durableCount === this.queuedCount;
  }

  /** Queued and not yet handed to the store, oldest first (attribution may still amend their metadata). */
  get queued(): readonly QueuedUpdate[] {
    return this.pending;
  }

  queue(item: QueuedUpdate): void {
    if (this.stopped) return;
    this.pending.push(item);
    this.queuedCount++;
    this.scheduleFlush();
  }

  /** One flush per event-loop turn: every update that arrived in this turn shares one transaction. */
  scheduleFlush(): void {
    if (this.stopped) return;
    this.flushTimer ??= setImmediate(() => {
      this.flushTimer = null;
      void this.flush();
    });
  }

  /**
   * Resolves once every update queued so far is durable (or the log has stopped). A watermark, not quiet:
   * updates queued after this call do not delay it, so under constant editing a sync reply or a durability
   * acknowledgement still goes out after the flushes already under way.
   */
  whenDurable(): Promise<void> {
    const target = this.queuedCount;
    if (this.durableCount >= target || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.durableWaiters.push({ target, resolve }));
  }

  /** Where the document's exact state is in the log (its seq, and the rows a checkpoint there would
   *  fold); null while anything is queued or in flight, when the document holds more than the log. */
  exactPosition(): LogPosition | null {
    if (this.stopped || this.inFlight || this.pending.length > 0) return null;
    return { seq: this.lastSeq, rows: this.rowsAfterCheckpoint, rowBytes: this.rowBytesAfterCheckpoint };
  }

  /** A checkpoint of `checkpointBytes` was stored at `position`: the rows it folded no longer load. */
  noteCompacted(position: LogPosition, checkpointBytes: number): void {
    this.checkpointBytes = checkpointBytes;
    this.rowsAfterCheckpoint -= position.rows;
    this.rowBytesAfterCheckpoint -= position.rowBytes;
  }

  /** Drops what is queued and releases every waiter: the room failed or closed, nothing more is stored. */
  stop(): void {
    this.stopped = true;
    this.pending = [];
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    this.settleWaiters();
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.stopped || (this.pending.length === 0 && !this.deps.bindings.hasUnsaved())) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    const rows: NewLogRow[] = batch.map(({ update, userId, createdAt, meta }) => ({ update, userId, createdAt, meta }));
    const bytes = rows.reduce((sum, row) => sum + row.update.length, 0);
    const started = performance.now();
    this.inFlight = true;
    this.flushing = this.deps.store
      .append(this.deps.docName, rows, this.deps.bindings.takeUnsaved())
      .then((range) => {
        this.inFlight = false;
        if (this.stopped) return;
        this.deps.metrics.observe('tandem_storage_append_seconds', (performance.now() - started) / 1000);
        this.noteDurable(rows.length, range);
        this.rowBytesAfterCheckpoint += bytes;
        this.deps.metrics.inc('tandem_updates_persisted_total', rows.length);
        this.deps.metrics.inc('tandem_persisted_bytes_total', bytes);
        this.durableCount += batch.length;
        this.deps.onDurable(batch, bytes);
      })
      .catch((error: unknown) => {
        this.inFlight = false;
        if (!this.stopped) this.deps.onFailure(error);
      })
      .finally(() => {
        this.flushing = null;
        // Updates that queued while this append was in flight found it busy (their turn's flush returned
        // this promise): start their append now, or they would wait for the next edit of the document.
        if (this.pending.length > 0 || this.deps.bindings.hasUnsaved()) this.scheduleFlush();
        this.settleWaiters();
      });
    return this.flushing;
  }

  private noteDurable(rowCount: number, range: AppendedRange): void {
    if (range.lastSeq - range.firstSeq + 1 !== rowCount || range.lastSeq < this.lastSeq) {
      // A store that breaks its contract could make a checkpoint claim the wrong position: stop here.
      throw new Error(`store gave seqs ${range.firstSeq}..${range.lastSeq} for ${rowCount} rows after ${this.lastSeq}`);
    }
    this.lastSeq = range.lastSeq;
    this.rowsAfterCheckpoint += rowCount;
  }

  private settleWaiters(): void {
    const waiting = this.durableWaiters;
    this.durableWaiters = [];
    for (const waiter of waiting) {
      if (this.stopped || this.durableCount >= waiter.target) waiter.resolve();
      else this.durableWaiters.push(waiter);
    }
  }
}
