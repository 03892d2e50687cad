/**
 * The storage quota of one loaded document: everything it occupies (checkpoint, log, automatic
 * snapshots, named versions; `DocumentStore.usage`) against `DOCUMENT_QUOTA_BYTES`.
 *
 * The room reads the stored usage once at load, then keeps it current without asking storage again:
 * what it queues (`noteQueued`), what becomes durable (`noteAppended`), the automatic snapshots it stores
 * (`noteSnapshot`); after a compaction (a new checkpoint, pruned history) and after history was dropped or a
 * version deleted it re-reads (`refresh`). Updates queued but not yet durable count too, so many updates
 * arriving in one event-loop turn cannot overshoot the quota before the first of them is stored.
 *
 * Past the quota, growth is refused: a peer update that would add to the document is refused with 4413
 * (its sender keeps the edit in its own replica), automatic snapshots are skipped, a named version answers
 * 413. Everything that only reads still works (sync of new connections, awareness, the timeline API), and so
 * do restores and lock reverts (server changes): a document over its quota stays readable, restorable and
 * exportable, and space is freed by dropping history or deleting versions (server/api/timelineRoutes.ts).
 */
import * as Y from 'yjs';
import { MAX_DOCUMENT_BYTES } from '../../shared/limits.js';
import { CloseCode, QUOTA_EXCEEDED_REASON } from '../../shared/protocol/closeCodes.js';
import { closeRefused } from './updateRefusals.js';
import { clockOf, decodeStructs, existingStruct } from '../integrity/yjsInternals.js';
import { errorFields, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { storageUsage, type DocumentStore, type SnapshotKind, type StorageUsage } from '../storage/types.js';
import type { RoomPeer } from '../peers/peer.js';

/** Bounds one document's disk use (a document at the 64 MiB live-size limit, plus its history and a few
 *  versions), so that one document cannot fill the disk for every other. */
export const DEFAULT_DOCUMENT_QUOTA_BYTES = 4 * MAX_DOCUMENT_BYTES;

/** Smallest quota the setting accepts: below 1 MiB a document holds a few pages and one snapshot of them. */
export const MIN_DOCUMENT_QUOTA_BYTES = 1024 * 1024;


export interface DocumentQuotaDeps {
  docName: string;
  store: DocumentStore;
  quotaBytes: number;
  /** The live document: an update that adds nothing to it is not growth (see `refuses`). */
  doc: Y.Doc;
  /** Lines it writes are about this document: give it a logger that names it (Logger.child). */
  logger: Logger;
  metrics: Metrics;
}

const ZERO_USAGE: StorageUsage = storageUsage({ checkpointBytes: 0, logBytes: 0, snapshotBytes: 0, versionBytes: 0 });

export class DocumentQuota {
  /** What storage holds for the document, as last read plus what the room has written since. */
  usage: StorageUsage = ZERO_USAGE;
  /** Update bytes queued for the log and not yet durable. */
  private pendingBytes = 0;
  /** Bytes appended while a refresh was reading (the read may or may not include them). */
  private appendedDuringRefresh: number | null = null;

  constructor(private readonly deps: DocumentQuotaDeps) {}

  get quotaBytes(): number {
    return this.deps.quotaBytes;
  }

  /** Reads the stored usage; a failure rejects (the room fails to load, like any storage fault). */
  async load(): Promise<void> {
    this.usage = await this.deps.store.usage(this.deps.docName);
  }

  /** Re-reads the stored usage (after a compaction, dropped history, a deleted version). Never rejects: on a
   *  storage error the running estimate stays, and the next refresh corrects it. */
  async refresh(): Promise<void> {
    this.appendedDuringRefresh = 0;
    try {
      const read = await this.deps.store.usage(this.deps.docName);
      // An append that completed during the read may be missing from it: counted again rather than missed
      // (an overestimate of at most one turn's writes, corrected by the next refresh).
      const raced = this.appendedDuringRefresh;
      this.usage = raced > 0 ? this.plus(read, { logBytes: raced }) : read;
    } catch (error) {
      this.deps.logger.warn('reading storage usage failed; keeping the estimate', errorFields(error));
    } finally {
      this.appendedDuringRefresh = null;
    }
  }

  /** An update was queued for the log (any origin: peers, restores, reverts, repairs). */
  noteQueued(bytes: number): void {
    this.pendingBytes += bytes;
  }

  /** Rows of `bytes` update bytes in all, queued before, are now durable. */
  noteAppended(bytes: number): void {
    this.pendingBytes = Math.max(0, this.pendingBytes - bytes);
    if (this.appendedDuringRefresh !== null) this.appendedDuringRefresh += bytes;
    this.usage = this.plus(this.usage, { logBytes: bytes });
  }

  /** A snapshot (automatic) or named version of `bytes` was stored. */
  noteSnapshot(bytes: number, kind: SnapshotKind = 'auto'): void {
    this.usage = this.plus(this.usage, kind === 'auto' ? { snapshotBytes: bytes } : { versionBytes: bytes });
  }

  /** Stored plus queued bytes. */
  get totalBytes(): number {
    return this.usage.totalBytes + this.pendingBytes;
  }

  /** At or past the quota. */
  isOver(): boolean {
    return this.totalBytes >= this.deps.quotaBytes;
  }

  /** Whether `bytes` more fit within the quota. */
  allows(bytes: number): boolean {
    return this.totalBytes + bytes <= this.deps.quotaBytes;
  }

  /**
   * Refuses a peer update that would take the document past its quota: the sender gets the `updateRefused`
   * notice if it opted in, and is closed with 4413 (a stock client stops; its edits stay in its own replica).
   * True when refused. An update that adds nothing the document does not already have (a reconnecting
   * client's sync step 2, a delete of what is already deleted) is no growth and passes, so clients can
   * still connect and sync a document that is over its quota.
   */
  refuses(peer: RoomPeer, update: Uint8Array): boolean {
    if (this.allows(update.length) || !addsToDocument(this.deps.doc, update)) return false;
    this.deps.metrics.inc('tandem_updates_refused_total', 1, { reason: 'quota_exceeded' });
    this.deps.logger.info('refused update: document storage quota exceeded', {
      peer: peer.id,
      user: peer.identity.userId,
      bytes: update.length,
      usedBytes: this.totalBytes,
      quotaBytes: this.deps.quotaBytes,
    });
    closeRefused(peer, CloseCode.tooLarge, QUOTA_EXCEEDED_REASON);
    return true;
  }

  private plus(usage: StorageUsage, add: Partial<Omit<StorageUsage, 'totalBytes'>>): StorageUsage {
    return storageUsage({
      checkpointBytes: usage.checkpointBytes + (add.checkpointBytes ?? 0),
      logBytes: usage.logBytes + (add.logBytes ?? 0),
      snapshotBytes: usage.snapshotBytes + (add.snapshotBytes ?? 0),
      versionBytes: usage.versionBytes + (add.versionBytes ?? 0),
    });
  }
}

/**
 * Whether applying `update` would change `doc`: a struct at clocks the document does not have, or a
 * delete of something not yet deleted. Only asked near the quota, so its decoding cost does not burden
 * ordinary edits. Undecodable bytes answer false: checkUpdate refuses them anyway, as malformed.
 */
export function addsToDocument(doc: Y.Doc, update: Uint8Array): boolean {
  let decoded: ReturnType<typeof decodeStructs>;
  try {
    decoded = decodeStructs(update);
  } catch {
    return false;
  }
  for (const struct of decoded.structs) {
    if (struct instanceof Y.Skip) continue;
    if (struct.id.clock + struct.length > clockOf(doc, struct.id.client)) return true;
  }
  for (const [client, ranges] of decoded.deletes) {
    for (const { clock, len } of ranges) {
      for (let at = clock; at < clock + len; ) {
        const existing = existingStruct(doc, Y.createID(client, at));
        // A delete of clocks the document lacks changes it (or is refused by checkUpdate as incomplete).
        if (existing === null) return true;
        if (existing instanceof Y.Item && !existing.deleted) return true;
        at = existing.id.clock + existing.length;
      }
    }
  }
  return false;
}
