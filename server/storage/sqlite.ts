/** SQLite storage (the embedded default): one file in DATA_DIR, WAL mode, synchronous commits. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Checkpoint, DocumentStore, LogRow, StoredDocument } from './types.js';

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
`;

export function openSqliteStore(dataDir: string, fileName = 'tandem.sqlite'): DocumentStore {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, fileName));
  db.pragma('journal_mode = WAL');
  // FULL: a commit is fsynced before append() resolves, so an acknowledged update survives power loss,
  // not only a process crash (NORMAL would only survive the latter in WAL mode).
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const selectCheckpoint = db.prepare<[string], { seq: number; data: Buffer }>(
    'SELECT seq, data FROM checkpoints WHERE doc = ?',
  );
  const selectRows = db.prepare<[string, number], { seq: number; data: Buffer; user_id: string | null; created_at: number }>(
    'SELECT seq, data, user_id, created_at FROM updates WHERE doc = ? AND seq > ? ORDER BY seq',
  );
  const insertRow = db.prepare('INSERT INTO updates (doc, seq, data, user_id, created_at) VALUES (?, ?, ?, ?, ?)');
  const touchDocument = db.prepare(
    `INSERT INTO documents (name, created_at, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET updated_at = excluded.updated_at`,
  );
  const upsertCheckpoint = db.prepare(
    `INSERT INTO checkpoints (doc, seq, data, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(doc) DO UPDATE SET seq = excluded.seq, data = excluded.data, created_at = excluded.created_at`,
  );
  const deleteFolded = db.prepare('DELETE FROM updates WHERE doc = ? AND seq <= ?');
  const listDocs = db.prepare<[number], { name: string; updated_at: number }>(
    'SELECT name, updated_at FROM documents ORDER BY updated_at DESC LIMIT ?',
  );

  const appendTx = db.transaction((docName: string, rows: readonly LogRow[]) => {
    for (const row of rows) insertRow.run(docName, row.seq, row.update, row.userId, row.createdAt);
    const last = rows[rows.length - 1];
    if (last) touchDocument.run(docName, last.createdAt, last.createdAt);
  });

  const compactTx = db.transaction((docName: string, checkpoint: Checkpoint) => {
    const current = selectCheckpoint.get(docName);
    if (current && current.seq > checkpoint.seq) {
      throw new Error(`refusing to move checkpoint of "${docName}" back from ${current.seq} to ${checkpoint.seq}`);
    }
    upsertCheckpoint.run(docName, checkpoint.seq, checkpoint.state, Date.now());
    deleteFolded.run(docName, checkpoint.seq);
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
      return { checkpoint, rows };
    },
    async append(docName, rows) {
      if (rows.length > 0) appendTx(docName, rows);
    },
    async compact(docName, checkpoint) {
      compactTx(docName, checkpoint);
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
