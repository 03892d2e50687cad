/**
 * "Last edited, by whom" for the document lists: the durable append path tells the directory who wrote
 * last. At most one directory write per document per interval (the newest edit wins), so typing does not
 * add a database write per keystroke.
 */
import type { Logger } from '../log.js';
import { errorFields } from '../log.js';
import type { DocumentStore, NewLogRow } from '../storage/types.js';
import type { Directory } from './directory.js';

const TOUCH_INTERVAL_MS = 5_000;

export function withEditTracking(store: DocumentStore, directory: () => Directory | null, logger: Logger): DocumentStore {
  const pending = new Map<string, { userId: string | null; at: number }>();
  const timers = new Map<string, NodeJS.Timeout>();

  const write = (docName: string): Promise<void> => {
    timers.delete(docName);
    const edit = pending.get(docName);
    pending.delete(docName);
    const target = directory();
    if (!edit || !target) return Promise.resolve();
    return target.touch(docName, edit.userId, edit.at).catch((error: unknown) => logger.warn('could not record the last edit', { doc: docName, ...errorFields(error) }));
  };

  const noteRows = (docName: string, rows: readonly NewLogRow[]): void => {
    const last = [...rows].reverse().find((row) => row.userId !== null);
    if (!last) return;
    pending.set(docName, { userId: last.userId, at: last.createdAt });
    if (!timers.has(docName)) {
      const timer = setTimeout(() => void write(docName), TOUCH_INTERVAL_MS);
      timer.unref();
      timers.set(docName, timer);
    }
  };

  return {
    ...store,
    async append(docName, rows, bindings) {
      const range = await store.append(docName, rows, bindings);
      noteRows(docName, rows);
      return range;
    },
    async appendMany(batches) {
      const ranges = await store.appendMany(batches);
      for (const batch of batches) noteRows(batch.docName, batch.rows);
      return ranges;
    },
    async close() {
      // The last edits are written before the stores close (the accounts database closes after this one).
      const writes = [...timers.keys()].map((docName) => {
        clearTimeout(timers.get(docName));
        return write(docName);
      });
      await Promise.all(writes);
      await store.close();
    },
  };
}
