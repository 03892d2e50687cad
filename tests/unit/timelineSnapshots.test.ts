/** Automatic snapshot cadence: every N rows, on quiet, and never more than the bytes ratio allows. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutoSnapshots } from '../../server/history/autoSnapshots.js';
import type { HistorySettings } from '../../server/history/settings.js';
import { createLogger } from '../../server/log.js';
import type { DocumentStore, NewSnapshot } from '../../server/storage/types.js';

function harness(settings: Partial<HistorySettings>, stateBytes: () => number) {
  const saved: NewSnapshot[] = [];
  const store = { saveSnapshot: async (_doc: string, snapshot: NewSnapshot) => void saved.push(snapshot) } as unknown as DocumentStore;
  let seq = 0;
  let pending = false;
  const snapshots = new AutoSnapshots({
    docName: 'd',
    store,
    logger: createLogger('silent'),
    settings: { retentionMs: null, snapshotEveryRows: 3, snapshotEveryMs: 60_000, quietMs: 1_000, snapshotBytesRatio: 0, ...settings },
    capture: () => (pending ? null : { seq, state: new Uint8Array(stateBytes()) }),
  });
  return {
    saved,
    snapshots,
    append(rows: number, bytes = 10) {
      seq += rows;
      snapshots.noteAppended(rows, bytes);
    },
    setPending(value: boolean) {
      pending = value;
    },
  };
}

describe('automatic snapshots', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('takes one every N rows and one when the document goes quiet', async () => {
    const h = harness({}, () => 100);
    h.append(1);
    h.append(1);
    expect(h.saved).toHaveLength(0);
    h.append(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.saved.map((s) => [s.seq, s.kind])).toEqual([[3, 'auto']]);
    h.append(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.saved.map((s) => s.seq)).toEqual([3, 4]);
    h.snapshots.dispose();
  });

  it('waits while updates are pending, so every snapshot is exact', async () => {
    const h = harness({}, () => 100);
    h.setPending(true);
    h.append(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.saved).toHaveLength(0);
    h.setPending(false);
    h.append(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.saved.map((s) => s.seq)).toEqual([4]);
    h.snapshots.dispose();
  });

  it('keeps snapshots of a big document a bounded share of storage (bytes ratio)', async () => {
    const h = harness({ snapshotBytesRatio: 0.5 }, () => 10_000);
    h.append(3, 30); // first snapshot: nothing to compare with yet
    await vi.advanceTimersByTimeAsync(0);
    expect(h.saved).toHaveLength(1);
    for (let i = 0; i < 10; i++) h.append(3, 30); // 300 log bytes < 0.5 × 10,000
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.saved).toHaveLength(1);
    h.append(3, 5_000); // now the log since the snapshot is half its size
    await vi.advanceTimersByTimeAsync(0);
    expect(h.saved).toHaveLength(2);
    h.snapshots.dispose();
  });
});
