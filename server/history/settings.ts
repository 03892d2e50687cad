/**
 * Timeline settings, from the environment (documented in docs/timeline.md; each default is declared once,
 * in DEFAULT_HISTORY_SETTINGS below):
 *
 *   HISTORY_RETENTION_DAYS        how long every individual edit stays in the log. Older
 *                                 rows are dropped when they are folded into a checkpoint; the document
 *                                 can then be reconstructed only at snapshots older than that. Named
 *                                 versions are kept forever. 0 keeps everything forever.
 *   HISTORY_SNAPSHOT_EVERY_ROWS   an automatic snapshot after this many log rows: bounds
 *                                 the replay needed to reconstruct any point, so scrubbing stays fast.
 *   HISTORY_SNAPSHOT_EVERY_MINUTES an automatic snapshot at least this often while edits arrive.
 *   HISTORY_QUIET_SECONDS         an automatic snapshot when the document has been quiet this long after
 *                                 an edit.
 *   HISTORY_SNAPSHOT_BYTES_RATIO  whatever the trigger, an automatic snapshot is taken only once the log
 *                                 written since the previous one is at least this fraction of that
 *                                 snapshot's size. A snapshot of a 1 MB document every 200
 *                                 keystrokes would cost ~5 KB per keystroke; with the ratio, snapshots add
 *                                 at most 1/ratio times the log's own size, and a big document is instead
 *                                 replayed from a few thousand rows (~27 µs each). Measured on a 1 MB
 *                                 document (docs/timeline.md): 0.1 → preview p95 0.48 s, 279 KiB per
 *                                 1,000 edits; 0.5 → p95 1.9 s, 92 KiB per 1,000 edits.
 */
import { ConfigError } from '../configError.js';

export interface HistorySettings {
  /** Rows older than this (ms) may be pruned once folded into a checkpoint; null keeps everything. */
  retentionMs: number | null;
  snapshotEveryRows: number;
  snapshotEveryMs: number;
  quietMs: number;
  snapshotBytesRatio: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_HISTORY_SETTINGS: HistorySettings = Object.freeze({
  retentionMs: 90 * DAY_MS,
  snapshotEveryRows: 200,
  snapshotEveryMs: 10 * 60 * 1000,
  quietMs: 60 * 1000,
  snapshotBytesRatio: 0.1,
});

export function historySettingsFromEnv(env: NodeJS.ProcessEnv): HistorySettings {
  const number = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new ConfigError(`${name} must be a number ≥ ${min} (got "${raw}")`);
    return value;
  };
  const days = number('HISTORY_RETENTION_DAYS', (DEFAULT_HISTORY_SETTINGS.retentionMs ?? 0) / DAY_MS, 0);
  return {
    retentionMs: days === 0 ? null : days * DAY_MS,
    snapshotEveryRows: Math.round(number('HISTORY_SNAPSHOT_EVERY_ROWS', DEFAULT_HISTORY_SETTINGS.snapshotEveryRows, 1)),
    snapshotEveryMs: number('HISTORY_SNAPSHOT_EVERY_MINUTES', DEFAULT_HISTORY_SETTINGS.snapshotEveryMs / 60_000, 0.01) * 60 * 1000,
    quietMs: number('HISTORY_QUIET_SECONDS', DEFAULT_HISTORY_SETTINGS.quietMs / 1000, 0.01) * 1000,
    snapshotBytesRatio: number('HISTORY_SNAPSHOT_BYTES_RATIO', DEFAULT_HISTORY_SETTINGS.snapshotBytesRatio, 0),
  };
}
