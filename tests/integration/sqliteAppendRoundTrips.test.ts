/**
 * A durable append costs one round trip to SQLite's worker (server/storage/sqlWriteLog.ts over
 * SqlDatabase.batch): BEGIN, the seq allocation, the rows, authors, documents, bindings and COMMIT travel as
 * one message and come back as one. Each message is a structured clone both ways and a wake-up of both
 * threads, so the count is what matters here, not the time: it is read from the worker's request counter.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withGroupCommit } from '../../server/storage/groupCommit.js';
import { openSqliteDatabase } from '../../server/storage/sql/database.js';
import type { SqliteWorker } from '../../server/storage/sql/sqliteWorker.js';
import { openSqlDocumentStore } from '../../server/storage/sqlDocumentStore.js';
import { EventKind, type DocumentStore, type NewLogRow } from '../../server/storage/types.js';
import { tempDataDir } from '../helpers/server.js';

const stores: DocumentStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function openStore(): Promise<{ store: DocumentStore; worker: SqliteWorker }> {
  let worker: SqliteWorker | undefined;
  const db = await openSqliteDatabase(path.join(tempDataDir('append-round-trips'), 'test.sqlite'), { onWorker: (w) => (worker = w) });
  const store = await openSqlDocumentStore(db);
  stores.push(store);
  if (!worker) throw new Error('openSqliteDatabase did not hand over its worker');
  return { store, worker };
}

/** Rows with an author, so the append writes every table it can (updates, authors, documents). */
function rows(count: number, name = 'Ada'): NewLogRow[] {
  return Array.from({ length: count }, (_, i) => ({
    update: new Uint8Array([i + 1]),
    userId: 'ada',
    createdAt: 1_000 + i,
    meta: { kind: EventKind.edit, userName: name, userColor: '#123456', inserted: 1, deleted: 0, sections: [] },
  }));
}

/** How many requests `work` sent to the worker. */
async function requestsOf<T>(worker: SqliteWorker, work: () => Promise<T>): Promise<{ requests: number; result: T }> {
  const before = worker.requestsSent;
  const result = await work();
  return { requests: worker.requestsSent - before, result };
}

describe('SQLite append round trips', () => {
  it('stores one append (rows, authors, bindings) with one request to the worker', async () => {
    const { store, worker } = await openStore();
    const { requests, result } = await requestsOf(worker, () => store.append('doc', rows(3), [{ clientId: 7, userId: 'ada' }]));
    expect(requests).toBe(1);
    expect(result).toEqual({ firstSeq: 1, lastSeq: 3 });

    const loaded = await store.load('doc');
    expect(loaded.rows.map((row) => [row.seq, [...row.update]])).toEqual([
      [1, [1]],
      [2, [2]],
      [3, [3]],
    ]);
    expect(loaded.bindings).toEqual([{ clientId: 7, userId: 'ada' }]);
    expect((await store.listDocuments(10)).map((doc) => doc.name)).toEqual(['doc']);
  });

  it('commits every batch of appendMany with one request, a document listed twice getting consecutive ranges', async () => {
    const { store, worker } = await openStore();
    await store.append('a', rows(2));
    const { requests, result } = await requestsOf(worker, () =>
      store.appendMany([
        { docName: 'a', rows: rows(2) },
        { docName: 'b', rows: rows(1), bindings: [{ clientId: 1, userId: 'ada' }] },
        { docName: 'a', rows: rows(3, 'Ada L.') },
        // Bindings only: no seqs taken, the range says where the log stands.
        { docName: 'c', rows: [], bindings: [{ clientId: 2, userId: 'ada' }] },
      ]),
    );
    expect(requests).toBe(1);
    expect(result).toEqual([
      { firstSeq: 3, lastSeq: 4 },
      { firstSeq: 1, lastSeq: 1 },
      { firstSeq: 5, lastSeq: 7 },
      { firstSeq: 1, lastSeq: 0 },
    ]);
    expect((await store.load('a')).rows.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await store.load('c')).bindings).toEqual([{ clientId: 2, userId: 'ada' }]);
  });

  it('commits the appends of several rooms made in one turn with one request (group commit)', async () => {
    const { store, worker } = await openStore();
    const grouped = withGroupCommit(store);
    const { requests, result } = await requestsOf(worker, () => Promise.all(['a', 'b', 'c'].map((doc) => grouped.append(doc, rows(2)))));
    expect(requests).toBe(1);
    expect(result).toEqual([1, 2, 3].map(() => ({ firstSeq: 1, lastSeq: 2 })));
  });

  it('rolls back every batch of a commit when one of its statements fails', async () => {
    const { store, worker } = await openStore();
    await store.append('b', rows(1));
    const stored = async (doc: string): Promise<number[]> => (await store.load(doc)).rows.map((row) => row.seq);
    // The second batch's row is refused (its update is NOT NULL) after the first batch's rows were written.
    const refused: NewLogRow = { update: null as unknown as Uint8Array, userId: null, createdAt: 0 };
    const { requests, result } = await requestsOf(worker, () =>
      store.appendMany([{ docName: 'a', rows: rows(2) }, { docName: 'b', rows: [refused] }]).then(
        () => 'stored',
        (error: unknown) => (error as { code?: string }).code,
      ),
    );
    expect(requests).toBe(1);
    expect(result).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(await stored('a')).toEqual([]);
    // The counters were rolled back too: the next append takes the seqs the failed one would have.
    expect(await store.append('a', rows(1))).toEqual({ firstSeq: 1, lastSeq: 1 });
    expect(await store.append('b', rows(1))).toEqual({ firstSeq: 2, lastSeq: 2 });
    expect(await stored('b')).toEqual([1, 2]);
  });
});
