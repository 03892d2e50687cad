/**
 * The document store: one implementation over the SQL seam (sql/database.ts), on SQLite (one file in
 * DATA_DIR, WAL mode, synchronous commits) or PostgreSQL (DATABASE_URL; several instances may share it,
 * even for one document, since the database allocates seqs). The engines' differences live in
 * documentSchema.ts and the seam.
 */
import path from 'node:path';
import { dialectOf, type StoreTables } from './documentSchema.js';
import { openPostgresDatabase, openSqliteDatabase, type SqlDatabase } from './sql/database.js';
import { migrate } from './sql/migrations.js';
import { sqlTimeline } from './sqlTimeline.js';
import { sqlWriteLog } from './sqlWriteLog.js';
import { storageUsage, type DocumentStore } from './types.js';

export async function openSqliteStore(dataDir: string, fileName = 'tandem.sqlite'): Promise<DocumentStore> {
  return openSqlDocumentStore(await openSqliteDatabase(path.join(dataDir, fileName)));
}

export async function openPostgresStore(connectionString: string): Promise<DocumentStore> {
  return openSqlDocumentStore(await openPostgresDatabase(connectionString, { maxConnections: 10 }));
}

/** Migrates the database's document schema, then serves it. Closes the database if it cannot be migrated. */
export async function openSqlDocumentStore(db: SqlDatabase): Promise<DocumentStore> {
  const dialect = dialectOf(db);
  try {
    await migrate(db, dialect.migrationsTable, dialect.migrations);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return { kind: db.dialect, ...sqlWriteLog(db, dialect.tables), ...sqlTimeline(db, dialect.tables), ...upkeep(db, dialect.tables) };
}

function upkeep(db: SqlDatabase, t: StoreTables): Pick<DocumentStore, 'usage' | 'dropHistory' | 'purge' | 'listDocuments' | 'ping' | 'close'> {
  const bytesOf = (table: string, where = ''): string => `(SELECT coalesce(sum(octet_length(data)), 0) FROM ${table} WHERE doc = ?${where})`;
  return {
    async usage(docName) {
      const row = await db.get(
        `SELECT ${bytesOf(t.checkpoints)} AS checkpoint, ${bytesOf(t.updates)} AS log,
                ${bytesOf(t.snapshots, " AND kind = 'auto'")} AS auto, ${bytesOf(t.snapshots, " AND kind = 'named'")} AS named`,
        [docName, docName, docName, docName],
      );
      return storageUsage({
        checkpointBytes: Number(row?.checkpoint ?? 0),
        logBytes: Number(row?.log ?? 0),
        snapshotBytes: Number(row?.auto ?? 0),
        versionBytes: Number(row?.named ?? 0),
      });
    },
    async dropHistory(docName) {
      await db.transaction(async (tx) => {
        // Without a checkpoint the subquery is NULL and no row matches: nothing is folded, nothing is dropped.
        await tx.run(`DELETE FROM ${t.updates} WHERE doc = ? AND seq <= (SELECT seq FROM ${t.checkpoints} WHERE doc = ?)`, [docName, docName]);
        await tx.run(`DELETE FROM ${t.snapshots} WHERE doc = ? AND kind = 'auto'`, [docName]);
      });
    },
    async purge(docName) {
      // The counter goes too: the document is gone for good, nothing can refer to its old seqs.
      await db.transaction(async (tx) => {
        for (const table of [t.updates, t.checkpoints, t.snapshots, t.authors, t.bindings, t.logHeads]) {
          await tx.run(`DELETE FROM ${table} WHERE doc = ?`, [docName]);
        }
        await tx.run(`DELETE FROM ${t.documents} WHERE name = ?`, [docName]);
      });
    },
    async listDocuments(limit) {
      const rows = await db.all(`SELECT name, updated_at FROM ${t.documents} ORDER BY updated_at DESC LIMIT ?`, [limit]);
      return rows.map((row) => ({ name: row.name as string, updatedAt: Number(row.updated_at) }));
    },
    async ping() {
      await db.get('SELECT 1');
    },
    close: () => db.close(),
  };
}
