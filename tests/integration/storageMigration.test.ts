/**
 * Databases written by the release before schema migrations (its tables exist, no migrations table, seqs
 * chosen by the room) upgrade in place: the schema is recognised as migration 1, the seq counter is started
 * where each document's log left off, and no seq already stored is handed out again. The accounts layer's
 * migrations, run by the same runner, keep their existing records.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS_MIGRATIONS_TABLE } from '../../server/accounts/accountMigrations.js';
import { openAccountsDatabase } from '../../server/accounts/accountsApi.js';
import { openPostgresStore, openSqliteStore } from '../../server/storage/sqlDocumentStore.js';
import type { DocumentStore } from '../../server/storage/types.js';
import { tempDataDir } from '../helpers/server.js';
import { postgresAvailable, TEST_DATABASE_URL } from '../helpers/services.js';

const hasPostgres = await postgresAvailable();

/** The SQLite schema exactly as the release before migrations created it, from before the timeline
 *  (no `meta` column: that release added it in place, as migration 1 must too). */
const LEGACY_SQLITE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS updates (
    doc TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, user_id TEXT, created_at INTEGER NOT NULL, PRIMARY KEY (doc, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS checkpoints (doc TEXT PRIMARY KEY, seq INTEGER NOT NULL, data BLOB NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT, user_id TEXT,
    user_name TEXT, data BLOB NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS snapshots_doc_seq ON snapshots (doc, seq);
  CREATE TABLE IF NOT EXISTS authors (
    doc TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL, color TEXT, updated_at INTEGER NOT NULL, PRIMARY KEY (doc, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS client_bindings (
    doc TEXT NOT NULL, client_id INTEGER NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (doc, client_id)
  ) WITHOUT ROWID;
`;

/** The PostgreSQL schema exactly as the release before migrations created it. */
const LEGACY_POSTGRES_SCHEMA = `
  CREATE TABLE IF NOT EXISTS tandem_documents (name TEXT PRIMARY KEY, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
  CREATE TABLE IF NOT EXISTS tandem_updates (
    doc TEXT NOT NULL, seq BIGINT NOT NULL, data BYTEA NOT NULL, user_id TEXT, created_at BIGINT NOT NULL, PRIMARY KEY (doc, seq)
  );
  CREATE TABLE IF NOT EXISTS tandem_checkpoints (doc TEXT PRIMARY KEY, seq BIGINT NOT NULL, data BYTEA NOT NULL, created_at BIGINT NOT NULL);
  ALTER TABLE tandem_updates ADD COLUMN IF NOT EXISTS meta TEXT;
  CREATE TABLE IF NOT EXISTS tandem_snapshots (
    id BIGSERIAL PRIMARY KEY, doc TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, name TEXT, user_id TEXT, user_name TEXT,
    data BYTEA NOT NULL, created_at BIGINT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS tandem_snapshots_doc_seq ON tandem_snapshots (doc, seq);
  CREATE TABLE IF NOT EXISTS tandem_authors (
    doc TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL, color TEXT, updated_at BIGINT NOT NULL, PRIMARY KEY (doc, user_id)
  );
  CREATE TABLE IF NOT EXISTS tandem_client_bindings (
    doc TEXT NOT NULL, client_id BIGINT NOT NULL, user_id TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (doc, client_id)
  );
`;

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** What the old release left: `logged` with rows 1–3, `folded` with its checkpoint at 7 and every row dropped. */
async function expectUpgraded(open: () => Promise<DocumentStore>): Promise<void> {
  const store = await open();
  try {
    expect((await store.load('logged')).rows.map((row) => row.seq)).toEqual([1, 2, 3]);
    expect(await store.logBounds('folded')).toEqual({ latestSeq: 7, oldestRetainedSeq: null });
    expect(await store.append('logged', [{ update: bytes('four'), userId: 'u1', createdAt: 4 }])).toEqual({ firstSeq: 4, lastSeq: 4 });
    expect(await store.append('folded', [{ update: bytes('eight'), userId: null, createdAt: 8 }])).toEqual({ firstSeq: 8, lastSeq: 8 });
    expect((await store.load('folded')).rows.map((row) => row.seq)).toEqual([8]);
    expect((await store.readRows('logged', 0, 10)).map((row) => [row.seq, row.meta?.kind])).toEqual([[1, 'edit'], [2, 'edit'], [3, 'edit'], [4, 'edit']]);
  } finally {
    await store.close();
  }
  // Opened again, nothing is migrated twice: the counter keeps its place.
  const reopened = await open();
  try {
    expect(await reopened.append('logged', [{ update: bytes('five'), userId: null, createdAt: 5 }])).toEqual({ firstSeq: 5, lastSeq: 5 });
  } finally {
    await reopened.close();
  }
}

describe('storage migration: SQLite file from before migrations', () => {
  it('upgrades in place; seqs continue after the old log and checkpoint', async () => {
    const dataDir = tempDataDir('legacy-sqlite');
    const legacy = new Database(path.join(dataDir, 'tandem.sqlite'));
    legacy.exec(LEGACY_SQLITE_SCHEMA);
    const insertRow = legacy.prepare('INSERT INTO updates (doc, seq, data, user_id, created_at) VALUES (?, ?, ?, ?, ?)');
    for (const seq of [1, 2, 3]) insertRow.run('logged', seq, Buffer.from(bytes(`row ${seq}`)), 'u1', seq);
    legacy.prepare('INSERT INTO checkpoints (doc, seq, data, created_at) VALUES (?, ?, ?, ?)').run('folded', 7, Buffer.from(bytes('state')), 7);
    legacy.close();

    await expectUpgraded(() => openSqliteStore(dataDir));
  });
});

describe.runIf(hasPostgres)('storage migration: PostgreSQL database from before migrations', () => {
  const schema = `tandem_legacy_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const admin = new pg.Client({ connectionString: url });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(LEGACY_POSTGRES_SCHEMA);
    for (const seq of [1, 2, 3]) {
      await admin.query('INSERT INTO tandem_updates (doc, seq, data, user_id, created_at) VALUES ($1, $2, $3, $4, $5)', ['logged', seq, Buffer.from(bytes(`row ${seq}`)), 'u1', seq]);
    }
    await admin.query('INSERT INTO tandem_checkpoints (doc, seq, data, created_at) VALUES ($1, $2, $3, $4)', ['folded', 7, Buffer.from(bytes('state')), 7]);
  });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  });

  it('upgrades in place; seqs continue after the old log and checkpoint', async () => {
    await expectUpgraded(() => openPostgresStore(url));
  });
});

describe('accounts migrations after the move to server/storage/sql', () => {
  it('an accounts database already migrated keeps its records and is not migrated again', async () => {
    const dataDir = tempDataDir('accounts-migrations');
    const first = await openAccountsDatabase({ dataDir, databaseUrl: null });
    await first.run("INSERT INTO tandem_settings (key, value) VALUES ('signup_mode', 'open')");
    await first.close();
    // Migration 1 creates its tables without IF NOT EXISTS: running it again would fail.
    const again = await openAccountsDatabase({ dataDir, databaseUrl: null });
    try {
      expect((await again.all(`SELECT version FROM ${ACCOUNTS_MIGRATIONS_TABLE}`)).map((row) => row.version)).toEqual([1]);
      expect(await again.get("SELECT value FROM tandem_settings WHERE key = 'signup_mode'")).toEqual({ value: 'open' });
    } finally {
      await again.close();
    }
  });
});
