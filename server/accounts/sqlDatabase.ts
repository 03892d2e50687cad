/**
 * The one SQL seam the accounts layer writes against: the same statements run on SQLite (the embedded
 * default, its own file in DATA_DIR) and PostgreSQL (DATABASE_URL). Statements use `?` placeholders and
 * only SQL both engines share; PostgreSQL gets them renumbered to `$1…`. Schema changes are numbered
 * migrations (accountMigrations.ts), applied once each and recorded, under a lock on PostgreSQL so
 * several instances starting at once do not race.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type SqlValue = string | number | null;
export type SqlRow = Record<string, SqlValue>;

export interface SqlDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  get(sql: string, params?: readonly SqlValue[]): Promise<SqlRow | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs `work` in one transaction; statements inside must go through the database it is given. */
  transaction<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Migration {
  version: number;
  /** Statements, each run on its own (PostgreSQL's client takes one statement per query with parameters). */
  statements: readonly string[];
}

export async function openSqliteDatabase(file: string): Promise<SqlDatabase> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  const cache = new Map<string, Database.Statement>();
  const statement = (sql: string): Database.Statement => {
    let prepared = cache.get(sql);
    if (!prepared) {
      prepared = db.prepare(sql);
      cache.set(sql, prepared);
    }
    return prepared;
  };
  // better-sqlite3 is synchronous: one transaction at a time is guaranteed by the event loop as long as
  // `work` does not await anything but this database. A queue keeps concurrent transactions apart anyway.
  let queue: Promise<unknown> = Promise.resolve();
  const sqlite: SqlDatabase = {
    dialect: 'sqlite',
    all: async (sql, params = []) => statement(sql).all(...params) as SqlRow[],
    get: async (sql, params = []) => statement(sql).get(...params) as SqlRow | undefined,
    run: async (sql, params = []) => statement(sql).run(...params).changes,
    transaction<T>(work: (inner: SqlDatabase) => Promise<T>): Promise<T> {
      const next = queue.then(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(sqlite);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      });
      queue = next.catch(() => undefined);
      return next;
    },
    close: async () => {
      db.close();
    },
  };
  return sqlite;
}

export async function openPostgresDatabase(url: string): Promise<SqlDatabase> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const numbered = (sql: string): string => {
    let index = 0;
    return sql.replace(/\?/g, () => `$${++index}`);
  };
  const over = (client: { query: (sql: string, params: SqlValue[]) => Promise<{ rows: SqlRow[]; rowCount: number | null }> }): Omit<SqlDatabase, 'transaction' | 'close'> => ({
    dialect: 'postgres',
    all: async (sql, params = []) => (await client.query(numbered(sql), [...params])).rows.map(normalizeRow),
    get: async (sql, params = []) => {
      const row = (await client.query(numbered(sql), [...params])).rows[0];
      return row ? normalizeRow(row) : undefined;
    },
    run: async (sql, params = []) => (await client.query(numbered(sql), [...params])).rowCount ?? 0,
  });
  const postgres: SqlDatabase = {
    ...over(pool),
    async transaction<T>(work: (inner: SqlDatabase) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const inner: SqlDatabase = { ...over(client), transaction: (nested) => nested(inner), close: async () => undefined };
        const result = await work(inner);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
  return postgres;
}

/** BIGINT columns arrive from pg as strings; every number the accounts layer stores fits a double. */
function normalizeRow(row: SqlRow): SqlRow {
  const out: SqlRow = {};
  for (const [key, value] of Object.entries(row)) out[key] = typeof value === 'string' && /^-?\d+$/.test(value) && key.endsWith('_at') ? Number(value) : value;
  return out;
}

/** Applies the migrations not yet recorded, in order, in one transaction: all of them or none. */
export async function migrate(db: SqlDatabase, table: string, migrations: readonly Migration[]): Promise<void> {
  await db.transaction(async (tx) => {
    // Several instances may start together: one migrates, the others wait and then find nothing to do.
    if (tx.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(7475)');
    await tx.run(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`);
    const done = new Set((await tx.all(`SELECT version FROM ${table}`)).map((row) => Number(row.version)));
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      for (const sql of migration.statements) await tx.run(sql);
      await tx.run(`INSERT INTO ${table} (version, applied_at) VALUES (?, ?)`, [migration.version, Date.now()]);
    }
  });
}
