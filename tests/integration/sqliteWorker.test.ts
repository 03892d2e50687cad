/**
 * SQLite runs in a worker thread (server/storage/sql/sqliteWorker.ts): the main thread's event loop keeps
 * turning while a commit is being written and fsynced, errors come back as the SQLite errors they are, a
 * batch is one transaction in one message, and a worker that dies fails every call instead of leaving a
 * caller waiting.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteDatabase, type SqlDatabase } from '../../server/storage/sql/database.js';
import type { SqliteWorker } from '../../server/storage/sql/sqliteWorker.js';
import { REPO_ROOT, tempDataDir } from '../helpers/server.js';

const opened: SqlDatabase[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close().catch(() => undefined);
});

async function open(options: Parameters<typeof openSqliteDatabase>[1] = {}): Promise<SqlDatabase> {
  const db = await openSqliteDatabase(path.join(tempDataDir('sqlite-worker'), 'test.sqlite'), options);
  opened.push(db);
  await db.run('CREATE TABLE rows (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  return db;
}

describe('SQLite worker', () => {
  it('keeps the event loop turning while a transaction is written and committed', async () => {
    const db = await open();
    let turns = 0;
    let done = false;
    const tick = (): void => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const turnsBefore = turns;
    // On the main thread (better-sqlite3 called directly) the whole transaction, fsync included, runs
    // without giving the loop a single turn: the awaits between its statements are microtasks only.
    await db.transaction(async (tx) => {
      for (let i = 0; i < 20; i++) await tx.run('INSERT INTO rows (data) VALUES (?)', [new Uint8Array(64 * 1024).fill(i)]);
    });
    done = true;
    expect(turns - turnsBefore).toBeGreaterThan(0);
    const row = await db.get('SELECT count(*) AS n, sum(length(data)) AS bytes FROM rows');
    expect(row).toEqual({ n: 20, bytes: 20 * 64 * 1024 });
  });

  it('returns blobs as bytes and integers as numbers', async () => {
    const db = await open();
    await db.run('INSERT INTO rows (id, data) VALUES (?, ?)', [7, new Uint8Array([1, 2, 3])]);
    const row = await db.get('SELECT id, data FROM rows');
    expect(row?.id).toBe(7);
    expect(row?.data).toBeInstanceOf(Uint8Array);
    expect([...(row?.data as Uint8Array)]).toEqual([1, 2, 3]);
  });

  it('passes SQLite’s own errors back, and a failed transaction leaves nothing behind', async () => {
    const db = await open();
    await expect(db.run('INSERT INTO nowhere VALUES (1)')).rejects.toMatchObject({ message: expect.stringMatching(/no such table/), code: 'SQLITE_ERROR' });
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO rows (id, data) VALUES (1, ?)', [new Uint8Array([1])]);
        await tx.run('INSERT INTO rows (id, data) VALUES (1, ?)', [new Uint8Array([2])]);
      }),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(await db.all('SELECT id FROM rows')).toEqual([]);
  });

  it('sends a batch, its BEGIN and COMMIT included, as one request', async () => {
    let worker: SqliteWorker | undefined;
    const db = await open({ onWorker: (w) => (worker = w) });
    const before = worker?.requestsSent ?? NaN;
    const results = await db.batch([
      { sql: 'INSERT INTO rows (id, data) VALUES (1, ?), (2, ?)', params: [new Uint8Array([1]), new Uint8Array([2])] },
      // Reads what the statement before it wrote, inside the same transaction.
      { sql: 'UPDATE rows SET data = ? WHERE id = (SELECT max(id) FROM rows) RETURNING id', params: [new Uint8Array([9])] },
      { sql: 'SELECT id FROM rows ORDER BY id' },
    ]);
    expect((worker?.requestsSent ?? NaN) - before).toBe(1);
    expect(results).toEqual([
      { rows: [], changes: 2 },
      { rows: [{ id: 2 }], changes: 1 },
      { rows: [{ id: 1 }, { id: 2 }], changes: 2 },
    ]);
  });

  it('fails every pending and later call when the worker dies, instead of hanging', async () => {
    let worker: SqliteWorker | undefined;
    const db = await open({ onWorker: (w) => (worker = w) });
    let queuedBatch: Promise<unknown> = Promise.resolve('not sent');
    const inFlight = db.transaction(async (tx) => {
      await tx.run('INSERT INTO rows (data) VALUES (?)', [new Uint8Array(8)]);
      // Waits in the connection's queue behind this transaction, so it reaches the worker only once it died.
      // Its failure is kept as a value: it settles while the test still awaits the transaction's.
      queuedBatch = db.batch([{ sql: 'INSERT INTO rows (data) VALUES (?)', params: [new Uint8Array(8)] }]).catch((error: unknown) => error);
      await worker?.terminate();
      await tx.run('INSERT INTO rows (data) VALUES (?)', [new Uint8Array(8)]);
    });
    await expect(inFlight).rejects.toThrow(/SQLite worker/);
    expect(await queuedBatch).toMatchObject({ message: expect.stringMatching(/SQLite worker/) });
    await expect(db.get('SELECT 1 AS one')).rejects.toThrow(/SQLite worker/);
    await expect(db.batch([{ sql: 'SELECT 1 AS one' }])).rejects.toThrow(/SQLite worker/);
  });

  it('keeps a script alive until close has finished, when closing is the last thing it does', async () => {
    // The close reply leaves nothing else for the event loop; if the thread were unref'd by then, the
    // process would end with the close still awaited (exit code 13) and print nothing.
    const dir = tempDataDir('sqlite-worker');
    const script = path.join(dir, 'closeLast.mts');
    fs.writeFileSync(
      script,
      `import { openSqliteDatabase } from ${JSON.stringify(path.join(REPO_ROOT, 'server/storage/sql/database.ts'))};
      const db = await openSqliteDatabase(${JSON.stringify(path.join(dir, 'test.sqlite'))});
      await db.get('SELECT 1');
      await db.close();
      console.log('closed');`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT });
    expect(stdout.trim()).toBe('closed');
  });

  it('refuses to open a file it cannot create, with the reason', async () => {
    const blocker = path.join(tempDataDir('sqlite-worker'), 'not-a-dir');
    fs.writeFileSync(blocker, 'x');
    await expect(openSqliteDatabase(path.join(blocker, 'x', 'db.sqlite'))).rejects.toThrow();
  });
});
