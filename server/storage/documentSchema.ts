/**
 * The document store's schema on each engine, and the few ways the engines differ (the dialect adapter).
 * Migration 1 is the schema as it was before migrations existed, verbatim (CREATE … IF NOT EXISTS), so
 * databases made by earlier releases are recognised in place; later migrations change it.
 */
import type { SqlDatabase } from './sql/database.js';
import type { Migration } from './sql/migrations.js';

/** Table names per engine: PostgreSQL's are prefixed, as the database may be shared with other software. */
export interface StoreTables {
  documents: string;
  updates: string;
  checkpoints: string;
  snapshots: string;
  authors: string;
  bindings: string;
  /** Per document, the last seq handed out: seqs are allocated from it, never reused. */
  logHeads: string;
}

export interface StoreDialect {
  tables: StoreTables;
  migrationsTable: string;
  migrations: readonly Migration[];
}

const SQLITE_TABLES: StoreTables = {
  documents: 'documents',
  updates: 'updates',
  checkpoints: 'checkpoints',
  snapshots: 'snapshots',
  authors: 'authors',
  bindings: 'client_bindings',
  logHeads: 'log_heads',
};

const POSTGRES_TABLES: StoreTables = {
  documents: 'tandem_documents',
  updates: 'tandem_updates',
  checkpoints: 'tandem_checkpoints',
  snapshots: 'tandem_snapshots',
  authors: 'tandem_authors',
  bindings: 'tandem_client_bindings',
  logHeads: 'tandem_log_heads',
};

const SQLITE_SCHEMA_V1 = [
  `CREATE TABLE IF NOT EXISTS documents (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS updates (
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    user_id TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (doc, seq)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS checkpoints (
    doc TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    user_id TEXT,
    user_name TEXT,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS snapshots_doc_seq ON snapshots (doc, seq)`,
  `CREATE TABLE IF NOT EXISTS authors (
    doc TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    color TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (doc, user_id)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS client_bindings (
    doc TEXT NOT NULL,
    client_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (doc, client_id)
  ) WITHOUT ROWID`,
];

/** SQLite has no ADD COLUMN IF NOT EXISTS: files from before the timeline get its `meta` column here. */
async function addSqliteMetaColumn(db: SqlDatabase): Promise<void> {
  const columns = await db.all('PRAGMA table_info(updates)');
  if (!columns.some((column) => column.name === 'meta')) await db.run('ALTER TABLE updates ADD COLUMN meta TEXT');
}

const POSTGRES_SCHEMA_V1 = [
  `CREATE TABLE IF NOT EXISTS tandem_documents (
    name TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS tandem_updates (
    doc TEXT NOT NULL,
    seq BIGINT NOT NULL,
    data BYTEA NOT NULL,
    user_id TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (doc, seq)
  )`,
  `CREATE TABLE IF NOT EXISTS tandem_checkpoints (
    doc TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
  )`,
  // Timeline metadata (see eventMetaCodec.ts), added in place on databases from before the timeline.
  `ALTER TABLE tandem_updates ADD COLUMN IF NOT EXISTS meta TEXT`,
  `CREATE TABLE IF NOT EXISTS tandem_snapshots (
    id BIGSERIAL PRIMARY KEY,
    doc TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    user_id TEXT,
    user_name TEXT,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS tandem_snapshots_doc_seq ON tandem_snapshots (doc, seq)`,
  `CREATE TABLE IF NOT EXISTS tandem_authors (
    doc TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    color TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (doc, user_id)
  )`,
  // Yjs clientIDs are unsigned 32-bit: BIGINT, since INTEGER is signed 32-bit.
  `CREATE TABLE IF NOT EXISTS tandem_client_bindings (
    doc TEXT NOT NULL,
    client_id BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (doc, client_id)
  )`,
];

/** Migration 2: the seq counter, started where each document's log (or its checkpoint, if every row was
 *  folded and dropped) left off, so no seq an earlier release wrote is handed out again. */
function logHeadsMigration(tables: StoreTables, integer: 'INTEGER' | 'BIGINT'): Migration {
  return {
    version: 2,
    statements: [
      `CREATE TABLE ${tables.logHeads} (doc TEXT PRIMARY KEY, last_seq ${integer} NOT NULL)`,
      `INSERT INTO ${tables.logHeads} (doc, last_seq)
       SELECT doc, max(seq) FROM (SELECT doc, seq FROM ${tables.updates} UNION ALL SELECT doc, seq FROM ${tables.checkpoints}) AS known
       GROUP BY doc`,
    ],
  };
}

export const SQLITE_DIALECT: StoreDialect = {
  tables: SQLITE_TABLES,
  migrationsTable: 'schema_migrations',
  migrations: [{ version: 1, statements: SQLITE_SCHEMA_V1, upgrade: addSqliteMetaColumn }, logHeadsMigration(SQLITE_TABLES, 'INTEGER')],
};

export const POSTGRES_DIALECT: StoreDialect = {
  tables: POSTGRES_TABLES,
  migrationsTable: 'tandem_store_migrations',
  migrations: [{ version: 1, statements: POSTGRES_SCHEMA_V1 }, logHeadsMigration(POSTGRES_TABLES, 'BIGINT')],
};

export function dialectOf(db: SqlDatabase): StoreDialect {
  return db.dialect === 'sqlite' ? SQLITE_DIALECT : POSTGRES_DIALECT;
}
