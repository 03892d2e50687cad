/**
 * The document at any point of its log, from storage alone: the nearest exact base at or before the
 * point (an automatic or named snapshot, or the checkpoint) plus the log rows after it. Automatic
 * snapshots every HISTORY_SNAPSHOT_EVERY_ROWS rows bound the replay, so any point opens quickly.
 */
import * as Y from 'yjs';
import type { DocumentStore } from '../storage/types.js';

export type StateAtResult =
  | { ok: true; seq: number; doc: Y.Doc }
  /** `gone`: the rows needed were pruned (older than the retention window) and no snapshot covers the point. */
  | { ok: false; reason: 'gone' };

/** The document right after log row `seq` (clamped to the latest row; 0 is the empty document). */
export async function stateAt(store: DocumentStore, docName: string, seq: number): Promise<StateAtResult> {
  const { latestSeq } = await store.logBounds(docName);
  const target = Math.max(0, Math.min(seq, latestSeq));
  const doc = new Y.Doc();
  if (target === 0) return { ok: true, seq: 0, doc };
  const base = await store.baseAtOrBefore(docName, target);
  const baseSeq = base?.seq ?? 0;
  const rows = await store.readUpdates(docName, baseSeq, target);
  // Seqs are dense per document: any gap means rows were pruned, and the result would not be exact.
  if (rows.length !== target - baseSeq || rows.some((row, i) => row.seq !== baseSeq + i + 1)) {
    doc.destroy();
    return { ok: false, reason: 'gone' };
  }
  // One transaction per row: measured faster than one transaction around all of them (Yjs's cleanup
  // of a huge transaction costs more than many small ones) and than merging rows first.
  if (base) Y.applyUpdate(doc, base.state);
  for (const row of rows) Y.applyUpdate(doc, row.update);
  return { ok: true, seq: target, doc };
}
