/** SQLite storage (the embedded default): one file in DATA_DIR, WAL mode, synchronous commits. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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
  CREATE TABLE IF NOT EXISTS documents (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS updates (
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    user_id TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (doc, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS checkpoints (
    doc TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    user_id TEXT,
    user_name TEXT,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS snapshots_doc_seq ON snapshots (doc, seq);
  CREATE TABLE IF NOT EXISTS authors (
    doc TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    color TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (doc, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS client_bindings (
    doc TEXT NOT NULL,
    client_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (doc, client_id)
  ) WITHOUT ROWID;
`;

/** Timeline columns added to `updates` after the first release; added in place on older files. */
const UPDATE_META_COLUMNS: ReadonlyArray<[string, string]> = [
  ['meta', 'TEXT'],
];

interface SnapshotRow {
  id: number;
  seq: number;
  kind: string;
  name: string | null;
  user_id: string | null;
  user_name: string | null;
  created_at: number;
  bytes: number;
}

function toSnapshotInfo(row: SnapshotRow): SnapshotInfo {
  return {
    id: row.id,
    seq: row.seq,
    kind: row.kind as SnapshotKind,
    name: row.name,
    userId: row.user_id,
    userName: row.user_name,
    createdAt: row.created_at,
    bytes: row.bytes,
  };
}

export function openSqliteStore(dataDir: string, fileName = 'tandem.sqlite'): DocumentStore {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, fileName));
  db.pragma('journal_mode = WAL');
  // FULL: a commit is fsynced before append() resolves, so an acknowledged update survives power loss,
  // not only a process crash (NORMAL would only survive the latter in WAL mode).
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const existing = new Set(db.prepare<[], { name: string }>('PRAGMA table_info(updates)').all().map((c) => c.name));
  for (const [column, type] of UPDATE_META_COLUMNS) {
    if (!existing.has(column)) db.exec(`ALTER TABLE updates ADD COLUMN ${column} ${type}`);
  }

  const selectCheckpoint = db.prepare<[string], { seq: number; data: Buffer }>(
    'SELECT seq, data FROM checkpoints WHERE doc = ?',
  );
  const selectRows = db.prepare<[string, number], { seq: number; data: Buffer; user_id: string | null; created_at: number }>(
    'SELECT seq, data, user_id, created_at FROM updates WHERE doc = ? AND seq > ? ORDER BY seq',
  );
  const selectUpdates = db.prepare<[string, number, number], { seq: number; data: Buffer }>(
    'SELECT seq, data FROM updates WHERE doc = ? AND seq > ? AND seq <= ? ORDER BY seq',
  );
  type AuthorColumns = { name: string | null; color: string | null };
  const selectRange = db.prepare<[string, number, number], { seq: number; data: Buffer; user_id: string | null; created_at: number; meta: string | null } & AuthorColumns>(
    `SELECT u.seq, u.data, u.user_id, u.created_at, u.meta, a.name, a.color FROM updates u
     LEFT JOIN authors a ON a.doc = u.doc AND a.user_id = u.user_id
     WHERE u.doc = ? AND u.seq > ? AND u.seq <= ? ORDER BY u.seq`,
  );
  type EventDbRow = { seq: number; user_id: string | null; created_at: number; bytes: number; meta: string | null } & AuthorColumns;
  const selectEvents = db.prepare<[string, number, number], EventDbRow>(
    `SELECT u.seq, u.user_id, u.created_at, length(u.data) AS bytes, u.meta, a.name, a.color FROM updates u
     LEFT JOIN authors a ON a.doc = u.doc AND a.user_id = u.user_id
     WHERE u.doc = ? AND u.seq < ? ORDER BY u.seq DESC LIMIT ?`,
  );
  const upsertAuthor = db.prepare(
    `INSERT INTO authors (doc, user_id, name, color, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(doc, user_id) DO UPDATE SET name = excluded.name, color = excluded.color, updated_at = excluded.updated_at
     WHERE authors.name IS NOT excluded.name OR authors.color IS NOT excluded.color`,
  );
  const selectBounds = db.prepare<[string], { latest: number | null; oldest: number | null }>(
    'SELECT max(seq) AS latest, min(seq) AS oldest FROM updates WHERE doc = ?',
  );
  const insertRow = db.prepare('INSERT INTO updates (doc, seq, data, user_id, created_at, meta) VALUES (?, ?, ?, ?, ?, ?)');
  const touchDocument = db.prepare(
    `INSERT INTO documents (name, created_at, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET updated_at = excluded.updated_at`,
  );
  const upsertCheckpoint = db.prepare(
    `INSERT INTO checkpoints (doc, seq, data, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(doc) DO UPDATE SET seq = excluded.seq, data = excluded.data, created_at = excluded.created_at`,
  );
  const pruneRows = db.prepare('DELETE FROM updates WHERE doc = ? AND seq <= ? AND created_at < ?');
  const pruneSnapshots = db.prepare("DELETE FROM snapshots WHERE doc = ? AND kind = 'auto' AND created_at < ?");
  const insertSnapshot = db.prepare(
    'INSERT INTO snapshots (doc, seq, kind, name, user_id, user_name, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const snapshotColumns = 'id, seq, kind, name, user_id, user_name, created_at, length(data) AS bytes';
  const listSnapshotRows = db.prepare<[string, number], SnapshotRow>(
    `SELECT ${snapshotColumns} FROM snapshots WHERE doc = ? ORDER BY seq DESC, id DESC LIMIT ?`,
  );
  const selectSnapshot = db.prepare<[string, number], SnapshotRow & { data: Buffer }>(
    `SELECT ${snapshotColumns}, data FROM snapshots WHERE doc = ? AND id = ?`,
  );
  const selectBaseSnapshot = db.prepare<[string, number], { seq: number; data: Buffer }>(
    'SELECT seq, data FROM snapshots WHERE doc = ? AND seq <= ? ORDER BY seq DESC, id DESC LIMIT 1',
  );
  const deleteSnapshotRow = db.prepare('DELETE FROM snapshots WHERE doc = ? AND id = ?');
  // DO NOTHING: a clientID keeps the user it was first bound to, whatever a later batch claims.
  const insertBinding = db.prepare(
    'INSERT INTO client_bindings (doc, client_id, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (doc, client_id) DO NOTHING',
  );
  const selectBindings = db.prepare<[string], { client_id: number; user_id: string }>(
    'SELECT client_id, user_id FROM client_bindings WHERE doc = ?',
  );
  const selectUsage = db.prepare<{ doc: string }, { checkpoint: number; log: number; auto: number; named: number }>(
    `SELECT (SELECT coalesce(sum(length(data)), 0) FROM checkpoints WHERE doc = @doc) AS checkpoint,
            (SELECT coalesce(sum(length(data)), 0) FROM updates WHERE doc = @doc) AS log,
            (SELECT coalesce(sum(length(data)), 0) FROM snapshots WHERE doc = @doc AND kind = 'auto') AS auto,
            (SELECT coalesce(sum(length(data)), 0) FROM snapshots WHERE doc = @doc AND kind = 'named') AS named`,
  );
  // Without a checkpoint the subquery is NULL and no row matches: nothing is folded, nothing is dropped.
  const dropFoldedRows = db.prepare('DELETE FROM updates WHERE doc = @doc AND seq <= (SELECT seq FROM checkpoints WHERE doc = @doc)');
  const dropAutoSnapshots = db.prepare("DELETE FROM snapshots WHERE doc = ? AND kind = 'auto'");
  const listDocs = db.prepare<[number], { name: string; updated_at: number }>(
    'SELECT name, updated_at FROM documents ORDER BY updated_at DESC LIMIT ?',
  );

  const appendTx = db.transaction((docName: string, rows: readonly LogRow[], bindings: readonly ClientBinding[]) => {
    for (const row of rows) insertRow.run(docName, row.seq, row.update, row.userId, row.createdAt, encodeEventMeta(row.meta));
    for (const author of authorsOf(rows)) upsertAuthor.run(docName, author.userId, author.name, author.color, author.at);
    const now = Date.now();
    for (const binding of bindings) insertBinding.run(docName, binding.clientId, binding.userId, now);
    // Only rows count as a write for listDocuments: a presence-only binding does not reorder documents.
    const last = rows[rows.length - 1];
    if (last) touchDocument.run(docName, last.createdAt, last.createdAt);
  });

  // Nested appendTx calls run as savepoints inside this one transaction: one commit, one fsync.
  const appendManyTx = db.transaction((batches: ReadonlyArray<AppendBatch>) => {
    for (const batch of batches) appendBatch(batch);
  });

  function appendBatch({ docName, rows, bindings = [] }: AppendBatch): void {
    if (rows.length > 0 || bindings.length > 0) appendTx(docName, rows, bindings);
  }

  const dropHistoryTx = db.transaction((docName: string) => {
    dropFoldedRows.run({ doc: docName });
    dropAutoSnapshots.run(docName);
  });

  const purgeStatements = ['updates', 'checkpoints', 'snapshots', 'authors', 'client_bindings'].map((table) => db.prepare(`DELETE FROM ${table} WHERE doc = ?`));
  const purgeDocument = db.prepare('DELETE FROM documents WHERE name = ?');
  const purgeTx = db.transaction((docName: string) => {
    for (const statement of purgeStatements) statement.run(docName);
    purgeDocument.run(docName);
  });

  const compactTx = db.transaction((docName: string, checkpoint: Checkpoint, pruneBefore: number | undefined) => {
    const current = selectCheckpoint.get(docName);
    if (current && current.seq > checkpoint.seq) {
      throw new Error(`refusing to move checkpoint of "${docName}" back from ${current.seq} to ${checkpoint.seq}`);
    }
    upsertCheckpoint.run(docName, checkpoint.seq, checkpoint.state, Date.now());
    if (pruneBefore !== undefined) {
      pruneRows.run(docName, checkpoint.seq, pruneBefore);
      pruneSnapshots.run(docName, pruneBefore);
    }
  });

  return {
    kind: 'sqlite',
    async load(docName): Promise<StoredDocument> {
      const checkpointRow = selectCheckpoint.get(docName);
      const checkpoint = checkpointRow ? { seq: checkpointRow.seq, state: new Uint8Array(checkpointRow.data) } : null;
      const rows = selectRows.all(docName, checkpoint?.seq ?? 0).map((row) => ({
        seq: row.seq,
        update: new Uint8Array(row.data),
        userId: row.user_id,
        createdAt: row.created_at,
      }));
      const bindings = selectBindings.all(docName).map((row) => ({ clientId: row.client_id, userId: row.user_id }));
      return { checkpoint, rows, bindings };
    },
    async append(docName, rows, bindings) {
      appendBatch({ docName, rows, bindings });
    },
    async appendMany(batches) {
      appendManyTx(batches);
    },
    async compact(docName, checkpoint, options = {}) {
      compactTx(docName, checkpoint, options.pruneBefore);
    },
    async readUpdates(docName, afterSeq, uptoSeq) {
      // A Buffer is a Uint8Array: handed over without copying.
      return selectUpdates.all(docName, afterSeq, uptoSeq).map((row) => ({ seq: row.seq, update: row.data }));
    },
    async readRows(docName, afterSeq, uptoSeq) {
      return selectRange.all(docName, afterSeq, uptoSeq).map((row) => ({
        seq: row.seq,
        update: new Uint8Array(row.data),
        userId: row.user_id,
        createdAt: row.created_at,
        meta: withAuthor(decodeEventMeta(row.meta), row),
      }));
    },
    async listEvents(docName, beforeSeq, limit): Promise<EventRow[]> {
      return selectEvents.all(docName, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit).map((row) => ({
        seq: row.seq,
        userId: row.user_id,
        createdAt: row.created_at,
        bytes: row.bytes,
        meta: withAuthor(decodeEventMeta(row.meta), row),
      }));
    },
    async logBounds(docName) {
      const bounds = selectBounds.get(docName);
      const checkpointSeq = selectCheckpoint.get(docName)?.seq ?? 0;
      return { latestSeq: Math.max(bounds?.latest ?? 0, checkpointSeq), oldestRetainedSeq: bounds?.oldest ?? null };
    },
    async saveSnapshot(docName, snapshot: NewSnapshot) {
      const result = insertSnapshot.run(
        docName,
        snapshot.seq,
        snapshot.kind,
        snapshot.name,
        snapshot.userId,
        snapshot.userName,
        snapshot.state,
        snapshot.createdAt,
      );
      const { state, ...info } = snapshot;
      return { ...info, id: Number(result.lastInsertRowid), bytes: state.length };
    },
    async listSnapshots(docName, limit) {
      return listSnapshotRows.all(docName, limit).map(toSnapshotInfo);
    },
    async getSnapshot(docName, id) {
      const row = selectSnapshot.get(docName, id);
      return row ? { ...toSnapshotInfo(row), state: new Uint8Array(row.data) } : null;
    },
    async deleteSnapshot(docName, id) {
      return deleteSnapshotRow.run(docName, id).changes > 0;
    },
    async usage(docName) {
      const row = selectUsage.get({ doc: docName });
      return storageUsage({
        checkpointBytes: row?.checkpoint ?? 0,
        logBytes: row?.log ?? 0,
        snapshotBytes: row?.auto ?? 0,
        versionBytes: row?.named ?? 0,
      });
    },
    async dropHistory(docName) {
      dropHistoryTx(docName);
    },
    async purge(docName) {
      purgeTx(docName);
    },
    async baseAtOrBefore(docName, seq) {
      const snapshot = selectBaseSnapshot.get(docName, seq);
      const checkpoint = selectCheckpoint.get(docName);
      const candidates = [snapshot, checkpoint && checkpoint.seq <= seq ? checkpoint : undefined].filter(
        (c): c is { seq: number; data: Buffer } => c !== undefined,
      );
      const best = candidates.sort((a, b) => b.seq - a.seq)[0];
      return best ? { seq: best.seq, state: new Uint8Array(best.data) } : null;
    },
    async listDocuments(limit) {
      return listDocs.all(limit).map((row) => ({ name: row.name, updatedAt: row.updated_at }));
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
