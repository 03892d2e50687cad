/**
 * Automatic snapshots of one loaded document: after every `snapshotEveryRows` stored rows, at least every
 * `snapshotEveryMs` while edits arrive, and once the document has been quiet for `quietMs` — each only
 * once the log written since the last snapshot is `snapshotBytesRatio` of that snapshot's size, so
 * snapshots of a big document stay a bounded share of storage. Each is the
 * exact state after a stored log row (the room only offers a capture when nothing is pending), so any
 * point in the log is reconstructed from the nearest snapshot plus at most `snapshotEveryRows` rows
 * (more while the document's storage quota has no room for snapshots: then none is taken).
 */
import type { Logger } from '../log.js';
import { errorFields } from '../log.js';
import type { DocumentStore } from '../storage/types.js';
import type { HistorySettings } from './settings.js';

export interface ExactState {
  seq: number;
  state: Uint8Array;
}

export interface AutoSnapshotDeps {
  docName: string;
  store: DocumentStore;
  settings: HistorySettings;
  logger: Logger;
  /** The document's exact state at its last stored row, or null if updates are still pending. */
  capture(): ExactState | null;
  /** Whether a snapshot of `bytes` may be stored (the document's storage quota); absent: always. */
  mayStore?(bytes: number): boolean;
  /** Called once a snapshot of `bytes` is stored. */
  onStored?(bytes: number): void;
  now?: () => number;
}

export class AutoSnapshots {
  private lastSeq = 0;
  private lastAt: number;
  private rowsSince = 0;
  private bytesSince = 0;
  private lastBytes = 0;
  /** Size of the last state captured, stored or not: the estimate asked of `mayStore` before capturing again. */
  private lastCapturedBytes = 0;
  private quietTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(private readonly deps: AutoSnapshotDeps) {
    this.lastAt = this.now();
  }

  /** Call after rows (of `bytes` update bytes in all) were appended durably. */
  noteAppended(rows: number, bytes: number): void {
    if (this.disposed) return;
    this.rowsSince += rows;
    this.bytesSince += bytes;
    const { settings } = this.deps;
    if (this.rowsSince >= settings.snapshotEveryRows || this.now() - this.lastAt >= settings.snapshotEveryMs) this.take();
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.quietTimer = null;
      this.take();
    }, settings.quietMs);
    this.quietTimer.unref();
  }

  /** Takes a snapshot now if enough was stored since the last one; resolves once it is saved. */
  async flush(): Promise<void> {
    if (this.rowsSince > 0) this.take();
    await this.saving;
  }

  dispose(): void {
    this.disposed = true;
    if (this.quietTimer) clearTimeout(this.quietTimer);
  }

  private take(): void {
    if (this.rowsSince === 0 || this.bytesSince < this.deps.settings.snapshotBytesRatio * this.lastBytes) return;
    // Skipped while the document's storage quota has no room for it (reconstruction then replays from an
    // older base): checked first against the last capture's size, so a document over its quota is not
    // re-encoded on every append just to find that out.
    const { mayStore } = this.deps;
    if (mayStore && !mayStore(this.lastCapturedBytes)) return;
    const captured = this.deps.capture();
    if (!captured || captured.seq <= this.lastSeq) return;
    this.lastCapturedBytes = captured.state.length;
    if (mayStore && !mayStore(captured.state.length)) return;
    this.lastSeq = captured.seq;
    this.lastAt = this.now();
    this.rowsSince = 0;
    this.bytesSince = 0;
    this.lastBytes = captured.state.length;
    const { store, docName, logger } = this.deps;
    this.saving = this.saving
      .then(() =>
        store.saveSnapshot(docName, {
          seq: captured.seq,
          state: captured.state,
          kind: 'auto',
          name: null,
          userId: null,
          userName: null,
          createdAt: this.lastAt,
        }),
      )
      .then(
        (info) => this.deps.onStored?.(info.bytes),
        (error: unknown) => logger.warn('automatic snapshot failed', { doc: docName, ...errorFields(error) }),
      );
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
