/**
 * Numbered schema migrations: each applied once, in order, and recorded in a per-schema table
 * (`version`, `applied_at`). Never edit a released migration: add the next number.
 */
import type { SqlDatabase } from './database.js';

export interface Migration {
  version: number;
  /** Statements, each run on its own (PostgreSQL's client takes one statement per query with parameters). */
  statements: readonly string[];
  /** Work plain SQL cannot say on both engines (e.g. adding a column only where it is missing on SQLite),
   *  run after the statements in the same transaction. */
  upgrade?: (db: SqlDatabase) => Promise<void>;
}

/** Applies the migrations not yet recorded in `table`, in order, in one transaction: all of them or none. */
export async function migrate(db: SqlDatabase, table: string, migrations: readonly Migration[]): Promise<void> {
  await db.transaction(async (tx) => {
    // Several instances may start together: one migrates, the others wait and then find nothing to do. A
    // transaction-scoped lock: PostgreSQL drops it at COMMIT or ROLLBACK, so a failed migration (or a
    // connection lost half-way) can never leave it held and every later start waiting.
    if (tx.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(hashtext(?))', [table]);
    await tx.run(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`);
    const done = new Set((await tx.all(`SELECT version FROM ${table}`)).map((row) => Number(row.version)));
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      for (const sql of migration.statements) await tx.run(sql);
      await migration.upgrade?.(tx);
      await tx.run(`INSERT INTO ${table} (version, applied_at) VALUES (?, ?)`, [migration.version, Date.now()]);
    }
  });
}

