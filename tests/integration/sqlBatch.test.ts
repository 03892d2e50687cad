/**
 * SqlDatabase.batch (server/storage/sql/database.ts) on both engines: the statements run in order in one
 * transaction, each later one seeing what the earlier ones wrote and taking parameters from their answers,
 * each answering its rows and changes alike on SQLite and PostgreSQL; one failing statement rolls the whole
 * batch back, on its own or inside `transaction`.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresDatabase, openSqliteDatabase, type SqlDatabase, type SqlStatement } from '../../server/storage/sql/database.js';
import { tempDataDir } from '../helpers/server.js';
import { postgresAvailable, TEST_DATABASE_URL } from '../helpers/services.js';

const hasPostgres = await postgresAvailable();

const engines: Array<[string, boolean, () => Promise<SqlDatabase>]> = [
  ['sqlite', true, () => openSqliteDatabase(path.join(tempDataDir('sql-batch'), 'test.sqlite'))],
  ['postgres', hasPostgres, () => openPostgresDatabase(TEST_DATABASE_URL)],
];

for (const [engine, available, open] of engines) {
  describe.skipIf(!available)(`SQL batch: ${engine}`, () => {
    const opened: Array<[SqlDatabase, string]> = [];
    afterAll(async () => {
      for (const [db, table] of opened) {
        await db.run(`DROP TABLE IF EXISTS ${table}`);
        await db.close();
      }
    });
    /** A table of its own per test: the PostgreSQL test database is shared between runs. */
    async function table(): Promise<{ db: SqlDatabase; t: string; insert(id: number): SqlStatement }> {
      const db = await open();
      const t = `batch_test_${process.pid}_${opened.length}_${Date.now().toString(36)}`;
      opened.push([db, t]);
      await db.run(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`);
      return { db, t, insert: (id) => ({ sql: `INSERT INTO ${t} (id, n) VALUES (?, ?)`, params: [id, id * 10] }) };
    }

    it('answers each statement’s rows and changes, later statements reading what earlier ones wrote', async () => {
      const { db, t } = await table();
      const results = await db.batch([
        { sql: `INSERT INTO ${t} (id, n) VALUES (1, 10), (2, 20)` },
        { sql: `UPDATE ${t} SET n = n + ? WHERE id = (SELECT max(id) FROM ${t}) RETURNING n`, params: [5] },
        // n = the answer of statement 1, minus one: filled in on the engine's side, not awaited in between.
        { sql: `INSERT INTO ${t} (id, n) VALUES (?, ?)`, params: [3, { earlier: 1, column: 'n', plus: -1 }] },
        { sql: `SELECT id, n FROM ${t} ORDER BY id` },
      ]);
      expect(results).toEqual([
        { rows: [], changes: 2 },
        { rows: [{ n: 25 }], changes: 1 },
        { rows: [], changes: 1 },
        {
          rows: [
            { id: 1, n: 10 },
            { id: 2, n: 25 },
            { id: 3, n: 24 },
          ],
          changes: 3,
        },
      ]);
      expect(await db.batch([])).toEqual([]);
    });

    it('rolls the whole batch back when one statement fails, alone or inside a transaction', async () => {
      const { db, t, insert } = await table();
      await expect(db.batch([insert(1), insert(2), insert(1)])).rejects.toThrow();
      expect(await db.all(`SELECT id FROM ${t}`)).toEqual([]);
      await expect(
        db.transaction(async (tx) => {
          await tx.run(`INSERT INTO ${t} (id, n) VALUES (5, 50)`);
          await tx.batch([insert(6), insert(5)]);
        }),
      ).rejects.toThrow();
      expect(await db.all(`SELECT id FROM ${t}`)).toEqual([]);
      // A parameter from an answer that has no row fails like a statement, before anything is kept.
      await expect(
        db.batch([insert(7), { sql: `SELECT n FROM ${t} WHERE id = 0` }, { sql: `INSERT INTO ${t} (id, n) VALUES (8, ?)`, params: [{ earlier: 1, column: 'n', plus: 0 }] }]),
      ).rejects.toThrow(/batch statement 1 answered no number in n/);
      expect(await db.all(`SELECT id FROM ${t}`)).toEqual([]);
      // Nothing is left of the failed transactions: the next batch commits.
      await db.batch([insert(3)]);
      expect(await db.all(`SELECT id FROM ${t}`)).toEqual([{ id: 3 }]);
    });
  });
}
