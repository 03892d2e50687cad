/**
 * The write path over the SQL seam: load, append (seqs allocated by the database), compact. Every append
 * is one transaction per call, sent as one batch (one round trip to SQLite's worker): the rows of a batch go
 * in one statement per table, not one per row, and each row's seq is a parameter filled in from the answer
 * of the batch's own allocation, so nothing waits in between for the database to answer.
 */
import { authorsOf, encodeEventMeta } from './eventMetaCodec.js';
import type { StoreTables } from './documentSchema.js';
import { insertStatements, type SqlDatabase, type SqlEarlierAnswer, type SqlRow, type SqlStatement } from './sql/database.js';
import type { AppendBatch, AppendedRange, Checkpoint, ClientBinding, NewLogRow, StoredDocument, WriteLog } from './types.js';

export function sqlWriteLog(db: SqlDatabase, t: StoreTables): WriteLog {
  const readHead = `SELECT last_seq FROM ${t.logHeads} WHERE doc = ?`;

  /**
   * Takes the document's next `count` seqs; its answer (the statement's one row) holds the new `last_seq`.
   * The upsert locks the document's counter row until commit, so concurrent appenders of one document
   * (several instances on PostgreSQL) queue here and get disjoint, consecutive ranges. With no rows it reads
   * the latest seq (no row: a document never written).
   */
  function allocate(docName: string, count: number): SqlStatement {
    if (count === 0) return { sql: readHead, params: [docName] };
    return {
      sql: `INSERT INTO ${t.logHeads} (doc, last_seq) VALUES (?, ?)
       ON CONFLICT (doc) DO UPDATE SET last_seq = ${t.logHeads}.last_seq + excluded.last_seq RETURNING last_seq`,
      params: [docName, count],
    };
  }

  /** The range `count` rows took, from the allocation's row (none: a document never written, at 0). */
  function rangeOf(head: SqlRow | undefined, count: number): AppendedRange {
    const lastSeq = Number(head?.last_seq ?? 0);
    return { firstSeq: lastSeq - count + 1, lastSeq };
  }

  /** One document's statements, the allocation first, at index `head` of the whole batch. Only rows touch
   *  the documents table: a presence-only binding is no write that reorders listDocuments. */
  function batchStatements({ docName, rows, bindings = [] }: AppendBatch, head: number): SqlStatement[] {
    return [allocate(docName, rows.length), ...rowStatements(docName, rows, head), ...bindingStatements(docName, bindings)];
  }

  function rowStatements(docName: string, rows: readonly NewLogRow[], head: number): SqlStatement[] {
    if (rows.length === 0) return [];
    // Row i of n takes last_seq - (n - 1 - i), last_seq being what the allocation at `head` returned.
    const seq = (i: number): SqlEarlierAnswer => ({ earlier: head, column: 'last_seq', plus: -(rows.length - 1 - i) });
    const statements = insertStatements(
      t.updates,
      ['doc', 'seq', 'data', 'user_id', 'created_at', 'meta'],
      rows.map((row, i) => [docName, seq(i), row.update, row.userId, row.createdAt, encodeEventMeta(row.meta)]),
    );
    const authors = authorsOf(rows);
    if (authors.length > 0) {
      // The WHERE keeps an unchanged author's row untouched (no write per keystroke for the same name).
      statements.push(
        ...insertStatements(
          t.authors,
          ['doc', 'user_id', 'name', 'color', 'updated_at'],
          authors.map((author) => [docName, author.userId, author.name, author.color, author.at]),
          `ON CONFLICT (doc, user_id) DO UPDATE SET name = excluded.name, color = excluded.color, updated_at = excluded.updated_at
         WHERE ${t.authors}.name IS DISTINCT FROM excluded.name OR ${t.authors}.color IS DISTINCT FROM excluded.color`,
        ),
      );
    }
    const at = rows[rows.length - 1]?.createdAt ?? Date.now();
    statements.push({
      sql: `INSERT INTO ${t.documents} (name, created_at, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at`,
      params: [docName, at, at],
    });
    return statements;
  }

  /** DO NOTHING: a clientID keeps the user it was first bound to. Within one batch the first listed wins,
   *  decided here rather than left to the order an engine processes one statement's rows in. */
  function bindingStatements(docName: string, bindings: readonly ClientBinding[]): SqlStatement[] {
    if (bindings.length === 0) return [];
    const firstPerClient = new Map<number, string>();
    for (const binding of bindings) if (!firstPerClient.has(binding.clientId)) firstPerClient.set(binding.clientId, binding.userId);
    const now = Date.now();
    return insertStatements(
      t.bindings,
      ['doc', 'client_id', 'user_id', 'created_at'],
      [...firstPerClient].map(([clientId, userId]) => [docName, clientId, userId, now]),
      'ON CONFLICT (doc, client_id) DO NOTHING',
    );
  }

  /** Every batch's statements in one transaction (one commit, one fsync), each batch's allocation before its
   *  rows; answers each batch's range from its allocation's result. A document listed twice gets two
   *  consecutive ranges, as two appends in a row would. */
  async function appendBatches(batches: readonly AppendBatch[]): Promise<AppendedRange[]> {
    const statements: SqlStatement[] = [];
    const heads: number[] = [];
    for (const batch of batches) {
      heads.push(statements.length);
      statements.push(...batchStatements(batch, statements.length));
    }
    const results = await db.batch(statements);
    return batches.map((batch, i) => rangeOf(results[heads[i] as number]?.rows[0], batch.rows.length));
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
      if (rows.length === 0 && bindings.length === 0) {
        return rangeOf(await db.get(readHead, [docName]), 0);
      }
      const [range] = await appendBatches([{ docName, rows, bindings }]);
      return range as AppendedRange;
    },
    appendMany: appendBatches,
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
