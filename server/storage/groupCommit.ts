/**
 * Group commit: every room flushes its own updates once per event-loop turn; this wrapper gathers the
 * appends of all rooms made in one turn (and in every turn while the previous commit is still being made
 * durable) and commits them in one transaction, so N busy documents cost one fsync instead of N.
 * Each caller's promise resolves only after the shared commit is durable, with the seqs its own rows got,
 * so the write-ahead rule (stored before broadcast) is unchanged. If the commit fails, every caller in it
 * fails (and fails closed).
 */
import type { AppendBatch, AppendedRange, ClientBinding, DocumentStore, NewLogRow } from './types.js';

interface Waiter {
  batch: AppendBatch;
  resolve(range: AppendedRange): void;
  reject(error: unknown): void;
}

export function withGroupCommit(store: DocumentStore): DocumentStore {
  let queued: Waiter[] = [];
  let scheduled = false;
  /** A commit is being made durable: appends made meanwhile gather for the next one (a pipeline of two:
   *  one commit on the disk, the next filling up), so a slow fsync means bigger commits, not more of them. */
  let committing = false;

  function commit(): void {
    scheduled = false;
    if (committing || queued.length === 0) return;
    committing = true;
    const waiters = queued;
    queued = [];
    store
      .appendMany(waiters.map((waiter) => waiter.batch))
      .then(
        // appendMany answers one range per batch, in the order given.
        (ranges) => waiters.forEach((waiter, i) => waiter.resolve(ranges[i] as AppendedRange)),
        (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => {
        committing = false;
        commit();
      });
  }

  return {
    ...store,
    append(docName: string, rows: readonly NewLogRow[], bindings: readonly ClientBinding[] = []): Promise<AppendedRange> {
      // Nothing to write: no need to wait for a commit to learn where the log stands.
      if (rows.length === 0 && bindings.length === 0) return store.append(docName, rows, bindings);
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
