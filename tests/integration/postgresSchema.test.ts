/**
 * Opening the PostgreSQL store migrates its schema under an advisory lock that serialises several
 * instances' first starts. When the schema could not be created, the lock once stayed held by the
 * failed store's pooled connection, so every other instance's start waited until that connection timed out.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../server/storage/sqlDocumentStore.js';
import { postgresAvailable, TEST_DATABASE_URL } from '../helpers/services.js';

const hasPostgres = await postgresAvailable();
/** The migrations table the store's runner locks on (see sql/migrations.ts). */
const MIGRATIONS_TABLE = 'tandem_store_migrations';

describe.runIf(hasPostgres)('PostgreSQL store: opening', () => {
  const schema = `tandem_open_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    // A view where the store expects a table: its CREATE TABLE IF NOT EXISTS skips, its CREATE INDEX fails.
    await admin.query(`CREATE VIEW ${schema}.tandem_snapshots AS SELECT 1 AS seq`);
  });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  });

  it('a failed schema creation rejects with the database error and leaves the schema lock free', async () => {
    await expect(openPostgresStore(url)).rejects.toThrow(/tandem_snapshots/);
    // Another instance's start takes the lock right away (with the bug it waited for the idle timeout).
    const other = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await other.connect();
    try {
      await other.query("SET statement_timeout = '3s'");
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock(hashtext($1))', [MIGRATIONS_TABLE]);
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }
  });

  it('once the obstacle is gone, the store opens and works in that schema', async () => {
    await admin.query(`DROP VIEW ${schema}.tandem_snapshots`);
    const store = await openPostgresStore(url);
    try {
      expect(await store.listSnapshots('nothing-here', 10)).toEqual([]);
      // Nothing of the failed attempt was recorded: every migration ran now.
      const applied = await admin.query(`SELECT version FROM ${schema}.${MIGRATIONS_TABLE} ORDER BY version`);
      expect(applied.rows.map((row: { version: number }) => row.version)).toEqual([1, 2]);
    } finally {
      await store.close();
    }
  });
});
