/**
 * Group commit: every room flushes its own updates once per event-loop turn; this wrapper gathers the
 * appends of all rooms made in one turn and commits them in one transaction on the next, so N busy
 * documents cost one fsync per turn instead of N (better-sqlite3 blocks the event loop during each).
 * Each caller's promise resolves only after the shared commit is durable, so the write-ahead rule
 * (stored before broadcast) is unchanged. If the commit fails, every caller in it fails (and fails closed).
 */
import type { AppendBatch, ClientBinding, DocumentStore, LogRow } from './types.js';

interface Waiter {
  batch: AppendBatch;
  resolve(): void;
  reject(error: unknown): void;
}

export function withGroupCommit(store: DocumentStore): DocumentStore {
  let queued: Waiter[] = [];
  let scheduled = false;

  function commit(): void {
    scheduled = false;
    const waiters = queued;
    queued = [];
    store.appendMany(waiters.map((waiter) => waiter.batch)).then(
      () => waiters.forEach((waiter) => waiter.resolve()),
      (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
    );
  }

  return {
    ...store,
    append(docName: string, rows: readonly LogRow[], bindings: readonly ClientBinding[] = []): Promise<void> {
      // A presence-only binding has no rows but must still be stored.
      if (rows.length === 0 && bindings.length === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        queued.push({ batch: { docName, rows, bindings }, resolve, reject });
        // Rooms flush from setImmediate callbacks; one scheduled from there runs after all of this turn's.
        if (!scheduled) {
          scheduled = true;
          setImmediate(commit);
        }
      });
    },
  };
}
