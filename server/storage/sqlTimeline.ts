/** The timeline's reads and writes over the SQL seam: log rows and events, snapshots and named versions. */
import { decodeEventMeta, withAuthor } from './eventMetaCodec.js';
import type { StoreTables } from './documentSchema.js';
import type { SqlDatabase, SqlRow } from './sql/database.js';
import type { Checkpoint, EventMeta, SnapshotInfo, SnapshotKind, TimelineStore } from './types.js';

const SNAPSHOT_COLUMNS = 'id, seq, kind, name, user_id, user_name, created_at, octet_length(data) AS bytes';

function toSnapshotInfo(row: SqlRow): SnapshotInfo {
  return {
    id: Number(row.id),
    seq: Number(row.seq),
    kind: row.kind as SnapshotKind,
    name: row.name as string | null,
    userId: row.user_id as string | null,
    userName: row.user_name as string | null,
    createdAt: Number(row.created_at),
    bytes: Number(row.bytes),
  };
}

/** A row's metadata with its author's current name and colour (the joined `name`, `color` columns). */
function metaOf(row: SqlRow): EventMeta {
  return withAuthor(decodeEventMeta(row.meta as string | null), { name: row.name as string | null, color: row.color as string | null });
}

function toCheckpoint(row: SqlRow): Checkpoint {
  return { seq: Number(row.seq), state: new Uint8Array(row.data as Uint8Array) };
}

export function sqlTimeline(db: SqlDatabase, t: StoreTables): TimelineStore {
  const withAuthors = `FROM ${t.updates} u LEFT JOIN ${t.authors} a ON a.doc = u.doc AND a.user_id = u.user_id`;
  return {
    async readUpdates(docName, afterSeq, uptoSeq) {
      const rows = await db.all(`SELECT seq, data FROM ${t.updates} WHERE doc = ? AND seq > ? AND seq <= ? ORDER BY seq`, [docName, afterSeq, uptoSeq]);
      // Both drivers return a Buffer, which is a Uint8Array: handed over without copying.
      return rows.map((row) => ({ seq: Number(row.seq), update: row.data as Uint8Array }));
    },
    async readRows(docName, afterSeq, uptoSeq) {
      const rows = await db.all(
        `SELECT u.seq, u.data, u.user_id, u.created_at, u.meta, a.name, a.color ${withAuthors}
         WHERE u.doc = ? AND u.seq > ? AND u.seq <= ? ORDER BY u.seq`,
        [docName, afterSeq, uptoSeq],
      );
      return rows.map((row) => ({
        seq: Number(row.seq),
        update: new Uint8Array(row.data as Uint8Array),
        userId: row.user_id as string | null,
        createdAt: Number(row.created_at),
        meta: metaOf(row),
      }));
    },
    async listEvents(docName, beforeSeq, limit) {
      const rows = await db.all(
        `SELECT u.seq, u.user_id, u.created_at, octet_length(u.data) AS bytes, u.meta, a.name, a.color ${withAuthors}
         WHERE u.doc = ? AND u.seq < ? ORDER BY u.seq DESC LIMIT ?`,
        [docName, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit],
      );
      return rows.map((row) => ({
        seq: Number(row.seq),
        userId: row.user_id as string | null,
        createdAt: Number(row.created_at),
        bytes: Number(row.bytes),
        meta: metaOf(row),
      }));
    },
    async logBounds(docName) {
      // The counter is the highest seq ever handed out (or folded into a checkpoint), whatever was pruned since.
      const row = await db.get(
        `SELECT (SELECT last_seq FROM ${t.logHeads} WHERE doc = ?) AS latest, (SELECT min(seq) FROM ${t.updates} WHERE doc = ?) AS oldest`,
        [docName, docName],
      );
      return { latestSeq: Number(row?.latest ?? 0), oldestRetainedSeq: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
    },
    async saveSnapshot(docName, snapshot) {
      const row = await db.get(
        `INSERT INTO ${t.snapshots} (doc, seq, kind, name, user_id, user_name, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [docName, snapshot.seq, snapshot.kind, snapshot.name, snapshot.userId, snapshot.userName, snapshot.state, snapshot.createdAt],
      );
      const { state, ...info } = snapshot;
      return { ...info, id: Number(row?.id), bytes: state.length };
    },
    async listSnapshots(docName, limit) {
      const rows = await db.all(`SELECT ${SNAPSHOT_COLUMNS} FROM ${t.snapshots} WHERE doc = ? ORDER BY seq DESC, id DESC LIMIT ?`, [docName, limit]);
      return rows.map(toSnapshotInfo);
    },
    async getSnapshot(docName, id) {
      const row = await db.get(`SELECT ${SNAPSHOT_COLUMNS}, data FROM ${t.snapshots} WHERE doc = ? AND id = ?`, [docName, id]);
      return row ? { ...toSnapshotInfo(row), state: new Uint8Array(row.data as Uint8Array) } : null;
    },
    async deleteSnapshot(docName, id) {
      return (await db.run(`DELETE FROM ${t.snapshots} WHERE doc = ? AND id = ?`, [docName, id])) > 0;
    },
    async baseAtOrBefore(docName, seq) {
      const snapshot = await db.get(`SELECT seq, data FROM ${t.snapshots} WHERE doc = ? AND seq <= ? ORDER BY seq DESC, id DESC LIMIT 1`, [docName, seq]);
      const checkpoint = await db.get(`SELECT seq, data FROM ${t.checkpoints} WHERE doc = ? AND seq <= ?`, [docName, seq]);
      const candidates = [snapshot, checkpoint].filter((row): row is SqlRow => row !== undefined).map(toCheckpoint);
      return candidates.sort((a, b) => b.seq - a.seq)[0] ?? null;
    },
  };
}
