/** PostgreSQL storage (DATABASE_URL): the shared store when several instances serve the same documents. */
import pg from 'pg';
import type { Checkpoint, DocumentStore, LogRow, StoredDocument } from './types.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS tandem_documents (
    name TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS tandem_updates (
    doc TEXT NOT NULL,
    seq BIGINT NOT NULL,
    data BYTEA NOT NULL,
    user_id TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (doc, seq)
  );
  CREATE TABLE IF NOT EXISTS tandem_checkpoints (
    doc TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
  );
`;

export async function openPostgresStore(connectionString: string): Promise<DocumentStore> {
  const pool = new pg.Pool({ connectionString, max: 10 });
  // Concurrent first starts of several instances race on CREATE TABLE IF NOT EXISTS; an advisory lock
  // serialises them.
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7474)');
    await client.query(SCHEMA);
    await client.query('SELECT pg_advisory_unlock(7474)');
  } finally {
    client.release();
  }

  async function inTransaction<T>(work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      tx.release();
    }
  }

  return {
    kind: 'postgres',
    async load(docName): Promise<StoredDocument> {
      const cp = await pool.query<{ seq: string; data: Buffer }>(
        'SELECT seq, data FROM tandem_checkpoints WHERE doc = $1',
        [docName],
      );
      const cpRow = cp.rows[0];
      const checkpoint = cpRow ? { seq: Number(cpRow.seq), state: new Uint8Array(cpRow.data) } : null;
      const rows = await pool.query<{ seq: string; data: Buffer; user_id: string | null; created_at: string }>(
        'SELECT seq, data, user_id, created_at FROM tandem_updates WHERE doc = $1 AND seq > $2 ORDER BY seq',
        [docName, checkpoint?.seq ?? 0],
      );
      return {
        checkpoint,
        rows: rows.rows.map((row) => ({
          seq: Number(row.seq),
          update: new Uint8Array(row.data),
          userId: row.user_id,
          createdAt: Number(row.created_at),
        })),
      };
    },
    async append(docName, rows: readonly LogRow[]) {
      if (rows.length === 0) return;
      await inTransaction(async (tx) => {
        for (const row of rows) {
          await tx.query('INSERT INTO tandem_updates (doc, seq, data, user_id, created_at) VALUES ($1, $2, $3, $4, $5)', [
            docName,
            row.seq,
            Buffer.from(row.update),
            row.userId,
            row.createdAt,
          ]);
        }
        const at = rows[rows.length - 1]?.createdAt ?? Date.now();
        await tx.query(
          `INSERT INTO tandem_documents (name, created_at, updated_at) VALUES ($1, $2, $2)
           ON CONFLICT (name) DO UPDATE SET updated_at = EXCLUDED.updated_at`,
          [docName, at],
        );
      });
    },
    async compact(docName, checkpoint: Checkpoint) {
      await inTransaction(async (tx) => {
        const current = await tx.query<{ seq: string }>(
          'SELECT seq FROM tandem_checkpoints WHERE doc = $1 FOR UPDATE',
          [docName],
        );
        const currentSeq = current.rows[0] ? Number(current.rows[0].seq) : -1;
        if (currentSeq > checkpoint.seq) {
          throw new Error(`refusing to move checkpoint of "${docName}" back from ${currentSeq} to ${checkpoint.seq}`);
        }
        await tx.query(
          `INSERT INTO tandem_checkpoints (doc, seq, data, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (doc) DO UPDATE SET seq = EXCLUDED.seq, data = EXCLUDED.data, created_at = EXCLUDED.created_at`,
          [docName, checkpoint.seq, Buffer.from(checkpoint.state), Date.now()],
        );
        await tx.query('DELETE FROM tandem_updates WHERE doc = $1 AND seq <= $2', [docName, checkpoint.seq]);
      });
    },
    async listDocuments(limit) {
      const result = await pool.query<{ name: string; updated_at: string }>(
        'SELECT name, updated_at FROM tandem_documents ORDER BY updated_at DESC LIMIT $1',
        [limit],
      );
      return result.rows.map((row) => ({ name: row.name, updatedAt: Number(row.updated_at) }));
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
