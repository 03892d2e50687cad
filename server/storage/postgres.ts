/**
 * PostgreSQL storage (DATABASE_URL). Several instances may share it for different documents; one document
 * is served by one instance at a time (sequence numbers are allocated by the room, in process).
 */
import pg from 'pg';
import { authorsOf, decodeEventMeta, encodeEventMeta, withAuthor } from './eventMetaCodec.js';
import {
  storageUsage,
  type AppendBatch,
  type Checkpoint,
  type ClientBinding,
  type DocumentStore,
  type EventRow,
  type LogRow,
  type NewSnapshot,
  type SnapshotInfo,
  type SnapshotKind,
  type StoredDocument,
} from './types.js';

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
  -- Timeline metadata (see eventMetaCodec.ts), added in place on databases from before the timeline.
  ALTER TABLE tandem_updates ADD COLUMN IF NOT EXISTS meta TEXT;
  CREATE TABLE IF NOT EXISTS tandem_snapshots (
    id BIGSERIAL PRIMARY KEY,
    doc TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    user_id TEXT,
    user_name TEXT,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS tandem_snapshots_doc_seq ON tandem_snapshots (doc, seq);
  CREATE TABLE IF NOT EXISTS tandem_authors (
    doc TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    color TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (doc, user_id)
  );
  -- Yjs clientIDs are unsigned 32-bit: BIGINT, since INTEGER is signed 32-bit.
  CREATE TABLE IF NOT EXISTS tandem_client_bindings (
    doc TEXT NOT NULL,
    client_id BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (doc, client_id)
  );
`;

interface SnapshotRow {
  id: string;
  seq: string;
  kind: string;
  name: string | null;
  user_id: string | null;
  user_name: string | null;
  created_at: string;
  bytes: number;
}

const SNAPSHOT_COLUMNS = 'id, seq, kind, name, user_id, user_name, created_at, octet_length(data) AS bytes';

function toSnapshotInfo(row: SnapshotRow): SnapshotInfo {
  return {
    id: Number(row.id),
    seq: Number(row.seq),
    kind: row.kind as SnapshotKind,
    name: row.name,
    userId: row.user_id,
    userName: row.user_name,
    createdAt: Number(row.created_at),
    bytes: Number(row.bytes),
  };
}

export async function openPostgresStore(connectionString: string): Promise<DocumentStore> {
  const pool = new pg.Pool({ connectionString, max: 10 });
  // Concurrent first starts of several instances race on CREATE TABLE IF NOT EXISTS; an advisory lock
  // serialises them.
  try {
    const client = await pool.connect();
    let failed = false;
    try {
      await client.query('SELECT pg_advisory_lock(7474)');
      try {
        await client.query(SCHEMA);
      } finally {
        // Unlocked whatever the schema did: a pooled connection that kept the session lock would make
        // every other instance's start wait for it.
        await client.query('SELECT pg_advisory_unlock(7474)');
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // A connection that failed mid-way is discarded, not reused (and with it any session lock it held).
      client.release(failed);
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
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

  /** One document's rows and bindings inside the caller's transaction; a batch with neither writes nothing.
   *  Only rows touch tandem_documents: a presence-only binding is no write that reorders listDocuments. */
  async function appendBatch(tx: pg.PoolClient, { docName, rows, bindings = [] }: AppendBatch): Promise<void> {
    if (rows.length > 0) await appendRows(tx, docName, rows);
    if (bindings.length > 0) await insertBindings(tx, docName, bindings);
  }

  /** DO NOTHING: a clientID keeps the user it was first bound to (also within one batch: the first listed). */
  async function insertBindings(tx: pg.PoolClient, docName: string, bindings: readonly ClientBinding[]): Promise<void> {
    await tx.query(
      `INSERT INTO tandem_client_bindings (doc, client_id, user_id, created_at)
       SELECT $1, b.client_id, b.user_id, $4 FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS b (client_id, user_id, n)
       ORDER BY b.n
       ON CONFLICT (doc, client_id) DO NOTHING`,
      [docName, bindings.map((b) => b.clientId), bindings.map((b) => b.userId), Date.now()],
    );
  }

  /** One document's rows, plus its authors and last-written time, inside the caller's transaction. */
  async function appendRows(tx: pg.PoolClient, docName: string, rows: readonly LogRow[]): Promise<void> {
    if (rows.length > 0) {
      // One statement for the whole batch (a group commit carries many rows): one round trip, not one per row.
      await tx.query(
        `INSERT INTO tandem_updates (doc, seq, data, user_id, created_at, meta)
         SELECT $1, r.seq, r.data, r.user_id, r.created_at, r.meta
         FROM unnest($2::bigint[], $3::bytea[], $4::text[], $5::bigint[], $6::text[]) AS r (seq, data, user_id, created_at, meta)`,
        [
          docName,
          rows.map((row) => row.seq),
          rows.map((row) => Buffer.from(row.update)),
          rows.map((row) => row.userId),
          rows.map((row) => row.createdAt),
          rows.map((row) => encodeEventMeta(row.meta)),
        ],
      );
    }
    for (const author of authorsOf(rows)) {
      await tx.query(
        `INSERT INTO tandem_authors (doc, user_id, name, color, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (doc, user_id) DO UPDATE SET name = EXCLUDED.name, color = EXCLUDED.color, updated_at = EXCLUDED.updated_at
         WHERE tandem_authors.name IS DISTINCT FROM EXCLUDED.name OR tandem_authors.color IS DISTINCT FROM EXCLUDED.color`,
        [docName, author.userId, author.name, author.color, author.at],
      );
    }
    const at = rows[rows.length - 1]?.createdAt ?? Date.now();
    await tx.query(
      `INSERT INTO tandem_documents (name, created_at, updated_at) VALUES ($1, $2, $2)
       ON CONFLICT (name) DO UPDATE SET updated_at = EXCLUDED.updated_at`,
      [docName, at],
    );
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
      // Read after the rows: bindings commit with their rows, so every row read has its bindings.
      const bindings = await pool.query<{ client_id: string; user_id: string }>(
        'SELECT client_id, user_id FROM tandem_client_bindings WHERE doc = $1',
        [docName],
      );
      return {
        checkpoint,
        rows: rows.rows.map((row) => ({
          seq: Number(row.seq),
          update: new Uint8Array(row.data),
          userId: row.user_id,
          createdAt: Number(row.created_at),
        })),
        bindings: bindings.rows.map((row) => ({ clientId: Number(row.client_id), userId: row.user_id })),
      };
    },
    async append(docName, rows: readonly LogRow[], bindings?: readonly ClientBinding[]) {
      if (rows.length === 0 && !bindings?.length) return;
      await inTransaction((tx) => appendBatch(tx, { docName, rows, bindings }));
    },
    async appendMany(batches) {
      await inTransaction(async (tx) => {
        for (const batch of batches) await appendBatch(tx, batch);
      });
    },
    async compact(docName, checkpoint: Checkpoint, options = {}) {
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
        if (options.pruneBefore !== undefined) {
          await tx.query('DELETE FROM tandem_updates WHERE doc = $1 AND seq <= $2 AND created_at < $3', [
            docName,
            checkpoint.seq,
            options.pruneBefore,
          ]);
          await tx.query("DELETE FROM tandem_snapshots WHERE doc = $1 AND kind = 'auto' AND created_at < $2", [docName, options.pruneBefore]);
        }
      });
    },
    async readUpdates(docName, afterSeq, uptoSeq) {
      const result = await pool.query<{ seq: string; data: Buffer }>(
        'SELECT seq, data FROM tandem_updates WHERE doc = $1 AND seq > $2 AND seq <= $3 ORDER BY seq',
        [docName, afterSeq, uptoSeq],
      );
      return result.rows.map((row) => ({ seq: Number(row.seq), update: row.data }));
    },
    async readRows(docName, afterSeq, uptoSeq): Promise<LogRow[]> {
      const result = await pool.query<{ seq: string; data: Buffer; user_id: string | null; created_at: string; meta: string | null; name: string | null; color: string | null }>(
        `SELECT u.seq, u.data, u.user_id, u.created_at, u.meta, a.name, a.color FROM tandem_updates u
         LEFT JOIN tandem_authors a ON a.doc = u.doc AND a.user_id = u.user_id
         WHERE u.doc = $1 AND u.seq > $2 AND u.seq <= $3 ORDER BY u.seq`,
        [docName, afterSeq, uptoSeq],
      );
      return result.rows.map((row) => ({
        seq: Number(row.seq),
        update: new Uint8Array(row.data),
        userId: row.user_id,
        createdAt: Number(row.created_at),
        meta: withAuthor(decodeEventMeta(row.meta), row),
      }));
    },
    async listEvents(docName, beforeSeq, limit): Promise<EventRow[]> {
      const result = await pool.query<{ seq: string; user_id: string | null; created_at: string; bytes: number; meta: string | null; name: string | null; color: string | null }>(
        `SELECT u.seq, u.user_id, u.created_at, octet_length(u.data) AS bytes, u.meta, a.name, a.color FROM tandem_updates u
         LEFT JOIN tandem_authors a ON a.doc = u.doc AND a.user_id = u.user_id
         WHERE u.doc = $1 AND u.seq < $2 ORDER BY u.seq DESC LIMIT $3`,
        [docName, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit],
      );
      return result.rows.map((row) => ({
        seq: Number(row.seq),
        userId: row.user_id,
        createdAt: Number(row.created_at),
        bytes: Number(row.bytes),
        meta: withAuthor(decodeEventMeta(row.meta), row),
      }));
    },
    async logBounds(docName) {
      const result = await pool.query<{ latest: string | null; oldest: string | null; checkpoint: string | null }>(
        `SELECT (SELECT max(seq) FROM tandem_updates WHERE doc = $1) AS latest,
                (SELECT min(seq) FROM tandem_updates WHERE doc = $1) AS oldest,
                (SELECT seq FROM tandem_checkpoints WHERE doc = $1) AS checkpoint`,
        [docName],
      );
      const row = result.rows[0];
      const latest = Math.max(Number(row?.latest ?? 0), Number(row?.checkpoint ?? 0));
      return { latestSeq: latest, oldestRetainedSeq: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
    },
    async saveSnapshot(docName, snapshot: NewSnapshot) {
      const result = await pool.query<{ id: string }>(
        `INSERT INTO tandem_snapshots (doc, seq, kind, name, user_id, user_name, data, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [docName, snapshot.seq, snapshot.kind, snapshot.name, snapshot.userId, snapshot.userName, Buffer.from(snapshot.state), snapshot.createdAt],
      );
      const { state, ...info } = snapshot;
      return { ...info, id: Number(result.rows[0]?.id), bytes: state.length };
    },
    async listSnapshots(docName, limit) {
      const result = await pool.query<SnapshotRow>(
        `SELECT ${SNAPSHOT_COLUMNS} FROM tandem_snapshots WHERE doc = $1 ORDER BY seq DESC, id DESC LIMIT $2`,
        [docName, limit],
      );
      return result.rows.map(toSnapshotInfo);
    },
    async getSnapshot(docName, id) {
      const result = await pool.query<SnapshotRow & { data: Buffer }>(
        `SELECT ${SNAPSHOT_COLUMNS}, data FROM tandem_snapshots WHERE doc = $1 AND id = $2`,
        [docName, id],
      );
      const row = result.rows[0];
      return row ? { ...toSnapshotInfo(row), state: new Uint8Array(row.data) } : null;
    },
    async deleteSnapshot(docName, id) {
      const result = await pool.query('DELETE FROM tandem_snapshots WHERE doc = $1 AND id = $2', [docName, id]);
      return (result.rowCount ?? 0) > 0;
    },
    async usage(docName) {
      // sum() of integers is numeric/bigint: pg returns it as a string.
      const result = await pool.query<{ checkpoint: string; log: string; auto: string; named: string }>(
        `SELECT (SELECT coalesce(sum(octet_length(data)), 0) FROM tandem_checkpoints WHERE doc = $1) AS checkpoint,
                (SELECT coalesce(sum(octet_length(data)), 0) FROM tandem_updates WHERE doc = $1) AS log,
                (SELECT coalesce(sum(octet_length(data)), 0) FROM tandem_snapshots WHERE doc = $1 AND kind = 'auto') AS auto,
                (SELECT coalesce(sum(octet_length(data)), 0) FROM tandem_snapshots WHERE doc = $1 AND kind = 'named') AS named`,
        [docName],
      );
      const row = result.rows[0];
      return storageUsage({
        checkpointBytes: Number(row?.checkpoint ?? 0),
        logBytes: Number(row?.log ?? 0),
        snapshotBytes: Number(row?.auto ?? 0),
        versionBytes: Number(row?.named ?? 0),
      });
    },
    async dropHistory(docName) {
      await inTransaction(async (tx) => {
        // Without a checkpoint the subquery is NULL and no row matches: nothing is folded, nothing is dropped.
        await tx.query('DELETE FROM tandem_updates WHERE doc = $1 AND seq <= (SELECT seq FROM tandem_checkpoints WHERE doc = $1)', [docName]);
        await tx.query("DELETE FROM tandem_snapshots WHERE doc = $1 AND kind = 'auto'", [docName]);
      });
    },
    async purge(docName) {
      await inTransaction(async (tx) => {
        for (const table of ['tandem_updates', 'tandem_checkpoints', 'tandem_snapshots', 'tandem_authors', 'tandem_client_bindings']) {
          await tx.query(`DELETE FROM ${table} WHERE doc = $1`, [docName]);
        }
        await tx.query('DELETE FROM tandem_documents WHERE name = $1', [docName]);
      });
    },
    async baseAtOrBefore(docName, seq) {
      const result = await pool.query<{ seq: string; data: Buffer }>(
        `(SELECT seq, data FROM tandem_snapshots WHERE doc = $1 AND seq <= $2 ORDER BY seq DESC, id DESC LIMIT 1)
         UNION ALL
         (SELECT seq, data FROM tandem_checkpoints WHERE doc = $1 AND seq <= $2)
         ORDER BY seq DESC LIMIT 1`,
        [docName, seq],
      );
      const row = result.rows[0];
      return row ? { seq: Number(row.seq), state: new Uint8Array(row.data) } : null;
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
