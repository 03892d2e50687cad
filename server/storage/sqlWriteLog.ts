/**
 * The write path over the SQL seam: load, append (seqs allocated by the database), compact. Every append
 * is one transaction per call; the rows of a batch go in one statement per table, not one round trip per row.
 */
import { authorsOf, encodeEventMeta } from './eventMetaCodec.js';
import type { StoreTables } from './documentSchema.js';
import { insertRows, type SqlDatabase } from './sql/database.js';
import type { AppendBatch, AppendedRange, Checkpoint, ClientBinding, NewLogRow, StoredDocument, WriteLog } from './types.js';

export function sqlWriteLog(db: SqlDatabase, t: StoreTables): WriteLog {
  /**
   * Takes the document's next `count` seqs. The upsert locks the document's counter row until commit, so
   * concurrent appenders of one document (several instances on PostgreSQL) queue here and get disjoint,
   * consecutive ranges. With no rows it reads the latest seq (0 for a document never written).
   */
  async function allocate(tx: SqlDatabase, docName: string, count: number): Promise<AppendedRange> {
    if (count === 0) {
      const head = await tx.get(`SELECT last_seq FROM ${t.logHeads} WHERE doc = ?`, [docName]);
      const lastSeq = Number(head?.last_seq ?? 0);
      return { firstSeq: lastSeq + 1, lastSeq };
    }
    const head = await tx.get(
      `INSERT INTO ${t.logHeads} (doc, last_seq) VALUES (?, ?)
       ON CONFLICT (doc) DO UPDATE SET last_seq = ${t.logHeads}.last_seq + excluded.last_seq RETURNING last_seq`,
      [docName, count],
    );
    const lastSeq = Number(head?.last_seq);
    return { firstSeq: lastSeq - count + 1, lastSeq };
  }

  /** One document's rows and bindings inside the caller's transaction. Only rows touch the documents table:
   *  a presence-only binding is no write that reorders listDocuments. */
  async function appendBatch(tx: SqlDatabase, { docName, rows, bindings = [] }: AppendBatch): Promise<AppendedRange> {
    const range = await allocate(tx, docName, rows.length);
    if (rows.length > 0) await appendRows(tx, docName, rows, range.firstSeq);
    if (bindings.length > 0) await insertBindings(tx, docName, bindings);
    return range;
  }

  async function appendRows(tx: SqlDatabase, docName: string, rows: readonly NewLogRow[], firstSeq: number): Promise<void> {
    await insertRows(
      tx,
      t.updates,
      ['doc', 'seq', 'data', 'user_id', 'created_at', 'meta'],
      rows.map((row, i) => [docName, firstSeq + i, row.update, row.userId, row.createdAt, encodeEventMeta(row.meta)]),
    );
    const authors = authorsOf(rows);
    if (authors.length > 0) {
      // The WHERE keeps an unchanged author's row untouched (no write per keystroke for the same name).
      await insertRows(
        tx,
        t.authors,
        ['doc', 'user_id', 'name', 'color', 'updated_at'],
        authors.map((author) => [docName, author.userId, author.name, author.color, author.at]),
        `ON CONFLICT (doc, user_id) DO UPDATE SET name = excluded.name, color = excluded.color, updated_at = excluded.updated_at
         WHERE ${t.authors}.name IS DISTINCT FROM excluded.name OR ${t.authors}.color IS DISTINCT FROM excluded.color`,
      );
    }
    const at = rows[rows.length - 1]?.createdAt ?? Date.now();
    await tx.run(
      `INSERT INTO ${t.documents} (name, created_at, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at`,
      [docName, at, at],
    );
  }

  /** DO NOTHING: a clientID keeps the user it was first bound to. Within one batch the first listed wins,
   *  decided here rather than left to the order an engine processes one statement's rows in. */
  async function insertBindings(tx: SqlDatabase, docName: string, bindings: readonly ClientBinding[]): Promise<void> {
    const firstPerClient = new Map<number, string>();
    for (const binding of bindings) if (!firstPerClient.has(binding.clientId)) firstPerClient.set(binding.clientId, binding.userId);
    const now = Date.now();
    await insertRows(
      tx,
      t.bindings,
      ['doc', 'client_id', 'user_id', 'created_at'],
      [...firstPerClient].map(([clientId, userId]) => [docName, clientId, userId, now]),
      'ON CONFLICT (doc, client_id) DO NOTHING',
    );
  }

  return {
    async load(docName): Promise<StoredDocument> {
      const checkpointRow = await db.get(`SELECT seq, data FROM ${t.checkpoints} WHERE doc = ?`, [docName]);
      const checkpoint = checkpointRow ? { seq: Number(checkpointRow.seq), state: new Uint8Array(checkpointRow.data as Uint8Array) } : null;
      const rows = await db.all(`SELECT seq, data, user_id, created_at FROM ${t.updates} WHERE doc = ? AND seq > ? ORDER BY seq`, [
        docName,
        checkpoint?.seq ?? 0,
      ]);
      // Read after the rows: bindings commit with their rows, so every row read has its bindings.
      const bindings = await db.all(`SELECT client_id, user_id FROM ${t.bindings} WHERE doc = ?`, [docName]);
      return {
        checkpoint,
        rows: rows.map((row) => ({
          seq: Number(row.seq),
          update: new Uint8Array(row.data as Uint8Array),
          userId: row.user_id as string | null,
          createdAt: Number(row.created_at),
        })),
        bindings: bindings.map((row) => ({ clientId: Number(row.client_id), userId: row.user_id as string })),
      };
    },
    async append(docName, rows, bindings = []) {
      // Nothing to write: no transaction, just where the log stands.
      if (rows.length === 0 && bindings.length === 0) return allocate(db, docName, 0);
      return db.transaction((tx) => appendBatch(tx, { docName, rows, bindings }));
    },
    async appendMany(batches) {
      // One transaction for every batch: one commit, one fsync.
      return db.transaction(async (tx) => {
        const ranges: AppendedRange[] = [];
        for (const batch of batches) ranges.push(await appendBatch(tx, batch));
        return ranges;
      });
    },
    async compact(docName, checkpoint: Checkpoint, options = {}) {
      await db.transaction(async (tx) => {
        // The refusal is part of the upsert (no row changes when it would move back), so two compactions
        // racing on PostgreSQL cannot both pass a check made before either wrote.
        const stored = await tx.run(
          `INSERT INTO ${t.checkpoints} (doc, seq, data, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (doc) DO UPDATE SET seq = excluded.seq, data = excluded.data, created_at = excluded.created_at
           WHERE ${t.checkpoints}.seq <= excluded.seq`,
          [docName, checkpoint.seq, checkpoint.state, Date.now()],
        );
        if (stored === 0) {
          const current = await tx.get(`SELECT seq FROM ${t.checkpoints} WHERE doc = ?`, [docName]);
          throw new Error(`refusing to move checkpoint of "${docName}" back from ${Number(current?.seq)} to ${checkpoint.seq}`);
        }
        // The counter never falls behind the checkpoint: a row appended later must load after it.
        await tx.run(
          `INSERT INTO ${t.logHeads} (doc, last_seq) VALUES (?, ?)
           ON CONFLICT (doc) DO UPDATE SET last_seq = excluded.last_seq WHERE excluded.last_seq > ${t.logHeads}.last_seq`,
          [docName, checkpoint.seq],
        );
        if (options.pruneBefore !== undefined) {
          await tx.run(`DELETE FROM ${t.updates} WHERE doc = ? AND seq <= ? AND created_at < ?`, [docName, checkpoint.seq, options.pruneBefore]);
          await tx.run(`DELETE FROM ${t.snapshots} WHERE doc = ? AND kind = 'auto' AND created_at < ?`, [docName, options.pruneBefore]);
        }
      });
    },
  };
}
