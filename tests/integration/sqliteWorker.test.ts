/**
 * SQLite runs in a worker thread (server/storage/sql/sqliteWorker.ts): the main thread's event loop keeps
 * turning while a commit is being written and fsynced, errors come back as the SQLite errors they are, and
 * a worker that dies fails every call instead of leaving a caller waiting.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteDatabase, type SqlDatabase } from '../../server/storage/sql/database.js';
import type { SqliteWorker } from '../../server/storage/sql/sqliteWorker.js';
import { tempDataDir } from '../helpers/server.js';

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

  it('fails every pending and later call when the worker dies, instead of hanging', async () => {
    let worker: SqliteWorker | undefined;
    const db = await open({ onWorker: (w) => (worker = w) });
    const inFlight = db.transaction(async (tx) => {
      await tx.run('INSERT INTO rows (data) VALUES (?)', [new Uint8Array(8)]);
      await worker?.terminate();
      await tx.run('INSERT INTO rows (data) VALUES (?)', [new Uint8Array(8)]);
    });
    await expect(inFlight).rejects.toThrow(/SQLite worker/);
    await expect(db.get('SELECT 1 AS one')).rejects.toThrow(/SQLite worker/);
  });

  it('refuses to open a file it cannot create, with the reason', async () => {
    const blocker = path.join(tempDataDir('sqlite-worker'), 'not-a-dir');
    fs.writeFileSync(blocker, 'x');
    await expect(openSqliteDatabase(path.join(blocker, 'x', 'db.sqlite'))).rejects.toThrow();
  });
});
