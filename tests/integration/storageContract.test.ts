/** One contract suite, run against every DocumentStore implementation (SQLite always, PostgreSQL when available). */
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openPostgresStore, openSqliteStore } from '../../server/storage/sqlDocumentStore.js';
import type { ClientBinding, DocumentStore, NewLogRow, StoredDocument } from '../../server/storage/types.js';
import { withGroupCommit } from '../../server/storage/groupCommit.js';
import { stateAt } from '../../server/history/reconstruct.js';
import { startTestServer, tempDataDir } from '../helpers/server.js';
import { connectClient, editorToken, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { bodyText, documentText } from '../helpers/yBlocks.js';
import { postgresAvailable, TEST_DATABASE_URL, uniqueDocName } from '../helpers/services.js';
import { applyStoredDocument } from '../../server/storage/storedDocument.js';

const hasPostgres = await postgresAvailable();

const implementations: Array<[string, boolean, () => Promise<DocumentStore>]> = [
  ['sqlite', true, () => openSqliteStore(tempDataDir('contract'))],
  ['postgres', hasPostgres, () => openPostgresStore(TEST_DATABASE_URL)],
];

function textUpdate(doc: Y.Doc, insert: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('t').insert(doc.getText('t').length, insert);
  return Y.encodeStateAsUpdate(doc, before);
}

function rebuild(stored: StoredDocument): string {
  const doc = new Y.Doc();
  applyStoredDocument(doc, stored);
  return doc.getText('t').toString();
}

/** The full state a loaded document rebuilds to, for comparing two loads byte for byte. */
function rebuiltState(stored: StoredDocument): number[] {
  const doc = new Y.Doc();
  applyStoredDocument(doc, stored);
  return Array.from(Y.encodeStateAsUpdate(doc));
}

/** Bindings in a fixed order: stores return them in any order. */
function sortedBindings(bindings: readonly ClientBinding[]): Array<[number, string]> {
  return bindings.map((b): [number, string] => [b.clientId, b.userId]).sort((a, b) => a[0] - b[0]);
}

/** `count` rows (seq 1…count in a new document), each inserting its number, written `createdAt` = number. */
function numberedRows(source: Y.Doc, count: number): NewLogRow[] {
  return Array.from({ length: count }, (_, i) => ({ update: textUpdate(source, String(i + 1)), userId: null, createdAt: i + 1 }));
}

/** The state after row `seq`, built from the store's own rows (as the server's snapshotter does). */
async function stateAfterRow(s: DocumentStore, docName: string, seq: number): Promise<Uint8Array> {
  const doc = new Y.Doc();
  for (const row of await s.readRows(docName, 0, seq)) Y.applyUpdate(doc, row.update);
  return Y.encodeStateAsUpdate(doc);
}

/** A row the database refuses (its update is NOT NULL), to make the append it is part of fail. */
function unstorableRow(): NewLogRow {
  return { update: null as unknown as Uint8Array, userId: null, createdAt: 0 };
}

/** A binding the database refuses (its user is NOT NULL); bindings are written after their batch's rows. */
function unstorableBinding(): ClientBinding {
  return { clientId: 99, userId: null as unknown as string };
}

function byteSum(rows: readonly NewLogRow[]): number {
  return rows.reduce((sum, row) => sum + row.update.length, 0);
}

for (const [kind, available, open] of implementations) {
  describe.skipIf(!available)(`storage contract: ${kind}`, () => {
    const stores: DocumentStore[] = [];
    afterAll(async () => {
      for (const store of stores) await store.close();
    });
    async function store(): Promise<DocumentStore> {
      const opened = await open();
      stores.push(opened);
      return opened;
    }

    it('C1 loads an unknown document as empty', async () => {
      expect(await (await store()).load(uniqueDocName('empty'))).toEqual({ checkpoint: null, rows: [], bindings: [] });
    });

    it('C2 returns appended rows in order with their metadata', async () => {
      const s = await store();
      const name = uniqueDocName('append');
      const source = new Y.Doc();
      const rows: NewLogRow[] = ['a', 'b', 'c'].map((insert, i) => ({ update: textUpdate(source, insert), userId: i === 1 ? null : 'u1', createdAt: 1000 + i }));
      expect(await s.append(name, rows.slice(0, 2))).toEqual({ firstSeq: 1, lastSeq: 2 });
      expect(await s.append(name, rows.slice(2))).toEqual({ firstSeq: 3, lastSeq: 3 });
      const loaded = await s.load(name);
      expect(loaded.rows.map((r) => [r.seq, r.userId, r.createdAt])).toEqual([[1, 'u1', 1000], [2, null, 1001], [3, 'u1', 1002]]);
      expect(rebuild(loaded)).toBe('abc');
    });

    it('C3 appends atomically: a batch the database refuses half-way stores none of its rows and uses no seq', async () => {
      const s = await store();
      const name = uniqueDocName('atomic');
      const source = new Y.Doc();
      await s.append(name, [{ update: textUpdate(source, 'a'), userId: null, createdAt: 1 }]);
      const batch = [
        { update: textUpdate(source, 'b'), userId: null, createdAt: 2 },
        { update: textUpdate(source, 'c'), userId: null, createdAt: 3 },
      ];
      // The rows are written before the binding fails: the rollback takes them, and their seqs, back.
      await expect(s.append(name, batch, [unstorableBinding()])).rejects.toThrow();
      expect(rebuild(await s.load(name))).toBe('a');
      expect(await s.append(name, [{ update: textUpdate(new Y.Doc(), 'd'), userId: null, createdAt: 4 }])).toEqual({ firstSeq: 2, lastSeq: 2 });
    });

    it('C3b appendMany commits several documents at once, all or none, answering one range per batch', async () => {
      const s = await store();
      const [first, second] = [uniqueDocName('many-a'), uniqueDocName('many-b')];
      const source = new Y.Doc();
      const ranges = await s.appendMany([
        { docName: first, rows: numberedRows(source, 2) },
        { docName: second, rows: numberedRows(source, 1) },
        { docName: first, rows: numberedRows(source, 1) },
        { docName: second, rows: [] },
      ]);
      // Two batches of one document in one commit follow each other; an empty batch reports where the log stands.
      expect(ranges).toEqual([
        { firstSeq: 1, lastSeq: 2 },
        { firstSeq: 1, lastSeq: 1 },
        { firstSeq: 3, lastSeq: 3 },
        { firstSeq: 2, lastSeq: 1 },
      ]);
      expect((await s.load(first)).rows.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect((await s.load(second)).rows.map((r) => r.seq)).toEqual([1]);
      // The second document's batch is refused: neither document gets anything from this commit.
      await expect(
        s.appendMany([
          { docName: first, rows: [{ update: textUpdate(source, 'c'), userId: null, createdAt: 2 }] },
          { docName: second, rows: [unstorableRow()] },
        ]),
      ).rejects.toThrow();
      expect((await s.load(first)).rows.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(await s.appendMany([{ docName: first, rows: numberedRows(source, 1) }])).toEqual([{ firstSeq: 4, lastSeq: 4 }]);
    });

    it('C4 compaction keeps the document; loading replays only rows after the checkpoint; history stays', async () => {
      const s = await store();
      const name = uniqueDocName('compact');
      const source = new Y.Doc();
      await s.append(name, [1, 2, 3].map((seq) => ({ update: textUpdate(source, String(seq)), userId: null, createdAt: seq })));
      const folded = new Y.Doc();
      for (const row of (await s.load(name)).rows) Y.applyUpdate(folded, row.update);
      await s.compact(name, { seq: 3, state: Y.encodeStateAsUpdate(folded) });
      await s.append(name, [{ update: textUpdate(source, '4'), userId: null, createdAt: 4 }]);
      const loaded = await s.load(name);
      expect(loaded.checkpoint?.seq).toBe(3);
      expect(loaded.rows.map((r) => r.seq)).toEqual([4]);
      expect(rebuild(loaded)).toBe('1234');
      // Without a retention cut-off, compaction destroys no history.
      expect((await s.readRows(name, 0, 4)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      expect(await s.logBounds(name)).toEqual({ latestSeq: 4, oldestRetainedSeq: 1 });
    });

    it('C4b compaction prunes only folded rows and automatic snapshots older than the retention cut-off', async () => {
      const s = await store();
      const name = uniqueDocName('prune');
      const source = new Y.Doc();
      await s.append(name, [1, 2, 3, 4].map((seq) => ({ update: textUpdate(source, String(seq)), userId: null, createdAt: seq * 100 })));
      const at2 = new Y.Doc();
      for (const row of await s.readRows(name, 0, 2)) Y.applyUpdate(at2, row.update);
      await s.saveSnapshot(name, { seq: 2, state: Y.encodeStateAsUpdate(at2), kind: 'auto', name: null, userId: null, userName: null, createdAt: 150 });
      await s.saveSnapshot(name, { seq: 2, state: Y.encodeStateAsUpdate(at2), kind: 'named', name: 'kept', userId: 'u1', userName: 'Ada', createdAt: 150 });
      const at3 = new Y.Doc();
      for (const row of await s.readRows(name, 0, 3)) Y.applyUpdate(at3, row.update);
      // Rows 1–2 are older than 250 and folded; row 3 is folded but recent; row 4 is not folded.
      await s.compact(name, { seq: 3, state: Y.encodeStateAsUpdate(at3) }, { pruneBefore: 250 });
      expect((await s.readRows(name, 0, 10)).map((r) => r.seq)).toEqual([3, 4]);
      expect(await s.logBounds(name)).toEqual({ latestSeq: 4, oldestRetainedSeq: 3 });
      expect((await s.listSnapshots(name, 10)).map((v) => [v.kind, v.name])).toEqual([['named', 'kept']]);
      expect(rebuild(await s.load(name))).toBe('1234');
    });

    it('C5 refuses to move a checkpoint backwards', async () => {
      const s = await store();
      const name = uniqueDocName('backwards');
      const state = Y.encodeStateAsUpdate(new Y.Doc());
      await s.compact(name, { seq: 10, state });
      await expect(s.compact(name, { seq: 5, state })).rejects.toThrow(/back/);
    });

    it('C6 lists documents, most recently written first', async () => {
      const s = await store();
      const older = uniqueDocName('older');
      const newer = uniqueDocName('newer');
      const source = new Y.Doc();
      await s.append(older, [{ update: textUpdate(source, 'x'), userId: null, createdAt: Date.now() + 1_000_000 }]);
      await s.append(newer, [{ update: textUpdate(source, 'y'), userId: null, createdAt: Date.now() + 2_000_000 }]);
      const names = (await s.listDocuments(50)).map((d) => d.name);
      expect(names.indexOf(newer)).toBeLessThan(names.indexOf(older));
      expect(names.indexOf(older)).toBeGreaterThanOrEqual(0);
    });

    it('C7 stores event metadata with each row and lists events newest first, paged by seq', async () => {
      const s = await store();
      const name = uniqueDocName('events');
      const source = new Y.Doc();
      const rows: NewLogRow[] = [1, 2, 3, 4, 5].map((seq) => ({
        update: textUpdate(source, 'x'.repeat(seq)),
        userId: seq === 5 ? null : 'u1',
        createdAt: 1000 + seq,
        meta:
          seq === 5
            ? { kind: 'restore', userName: 'Ada', userColor: '#e5484d', inserted: 3, deleted: 1, sections: [], restoredFrom: 2 }
            : { kind: 'edit', userName: 'Ada', userColor: '#e5484d', inserted: seq, deleted: 0, sections: ['leading', 'h-1'] },
      }));
      rows.push({ update: textUpdate(source, 'y'), userId: 'u2', createdAt: 1006 });
      await s.append(name, rows);
      const page1 = await s.listEvents(name, null, 3);
      expect(page1.map((e) => e.seq)).toEqual([6, 5, 4]);
      // A row written without metadata reads as a plain edit.
      expect(page1[0]?.meta).toMatchObject({ kind: 'edit', userName: null, inserted: 0, deleted: 0, sections: [] });
      expect(page1[1]?.meta).toMatchObject({ kind: 'restore', restoredFrom: 2, inserted: 3, deleted: 1 });
      expect(page1[2]).toMatchObject({ seq: 4, userId: 'u1', createdAt: 1004, meta: { userName: 'Ada', userColor: '#e5484d', inserted: 4, sections: ['leading', 'h-1'] } });
      expect(page1[2]?.bytes).toBeGreaterThan(0);
      expect((await s.listEvents(name, 4, 10)).map((e) => e.seq)).toEqual([3, 2, 1]);
      expect((await s.readRows(name, 1, 3)).map((r) => [r.seq, r.meta?.inserted, r.meta?.userName])).toEqual([[2, 2, 'Ada'], [3, 3, 'Ada']]);
      const updates = await s.readUpdates(name, 1, 3);
      expect(updates.map((u) => u.seq)).toEqual([2, 3]);
      expect(updates.map((u) => Array.from(u.update))).toEqual(rows.slice(1, 3).map((r) => Array.from(r.update)));
      // Names are kept once per user: a rename shows on that user's earlier events too.
      await s.append(name, [{ update: textUpdate(source, 'z'), userId: 'u1', createdAt: 1007, meta: { kind: 'edit', userName: 'Ada L.', userColor: '#0090ff', inserted: 1, deleted: 0, sections: [] } }]);
      expect((await s.listEvents(name, 2, 1))[0]?.meta).toMatchObject({ userName: 'Ada L.', userColor: '#0090ff' });
    });

    it('C8 saves snapshots and finds the latest exact base at or before a point', async () => {
      const s = await store();
      const name = uniqueDocName('snapshots');
      const source = new Y.Doc();
      await s.append(name, [1, 2, 3, 4, 5, 6].map((seq) => ({ update: textUpdate(source, String(seq)), userId: null, createdAt: seq })));
      const stateAfter = async (seq: number): Promise<Uint8Array> => {
        const doc = new Y.Doc();
        for (const row of await s.readRows(name, 0, seq)) Y.applyUpdate(doc, row.update);
        return Y.encodeStateAsUpdate(doc);
      };
      expect(await s.baseAtOrBefore(name, 6)).toBeNull();
      const auto = await s.saveSnapshot(name, { seq: 2, state: await stateAfter(2), kind: 'auto', name: null, userId: null, userName: null, createdAt: 10 });
      const named = await s.saveSnapshot(name, { seq: 4, state: await stateAfter(4), kind: 'named', name: 'Draft 2', userId: 'u1', userName: 'Ada', createdAt: 20 });
      expect(named).toMatchObject({ seq: 4, kind: 'named', name: 'Draft 2', userId: 'u1', userName: 'Ada', createdAt: 20 });
      expect(named.id).not.toBe(auto.id);
      expect((await s.listSnapshots(name, 10)).map((v) => v.id)).toEqual([named.id, auto.id]);
      const fetched = await s.getSnapshot(name, named.id);
      expect(fetched?.name).toBe('Draft 2');
      expect(fetched && rebuild({ checkpoint: { seq: 4, state: fetched.state }, rows: [], bindings: [] })).toBe('1234');
      expect(await s.getSnapshot(uniqueDocName('other'), named.id)).toBeNull();
      expect((await s.baseAtOrBefore(name, 3))?.seq).toBe(2);
      expect((await s.baseAtOrBefore(name, 5))?.seq).toBe(4);
      expect(await s.baseAtOrBefore(name, 1)).toBeNull();
      // The checkpoint is a base too, when it is the latest at or before the point.
      await s.compact(name, { seq: 5, state: await stateAfter(5) });
      expect((await s.baseAtOrBefore(name, 6))?.seq).toBe(5);
      expect((await s.baseAtOrBefore(name, 4))?.seq).toBe(4);
      expect(await s.logBounds(uniqueDocName('unknown'))).toEqual({ latestSeq: 0, oldestRetainedSeq: null });
    });

    it('C9 stores client bindings with rows; the first binding of a clientID wins; bindings are per document', async () => {
      const s = await store();
      const [name, other] = [uniqueDocName('bindings'), uniqueDocName('bindings-other')];
      const source = new Y.Doc();
      const [row1, row2] = numberedRows(source, 2) as [NewLogRow, NewLogRow];
      // The largest Yjs clientID (unsigned 32-bit) must round-trip on both backends.
      await s.append(name, [row1], [{ clientId: 1, userId: 'u1' }, { clientId: 4_294_967_295, userId: 'u2' }]);
      await s.append(name, [row2], [{ clientId: 1, userId: 'intruder' }, { clientId: 7, userId: 'u3' }]);
      const loaded = await s.load(name);
      expect(sortedBindings(loaded.bindings)).toEqual([[1, 'u1'], [7, 'u3'], [4_294_967_295, 'u2']]);
      expect(rebuild(loaded)).toBe('12');
      // Within one batch the first listed wins too.
      await s.append(other, [], [{ clientId: 1, userId: 'u9' }, { clientId: 1, userId: 'u8' }]);
      expect(sortedBindings((await s.load(other)).bindings)).toEqual([[1, 'u9']]);
      expect(sortedBindings((await s.load(name)).bindings)).toEqual([[1, 'u1'], [7, 'u3'], [4_294_967_295, 'u2']]);
    });

    it('C9b a batch with bindings and no rows stores just the bindings; one with neither is a no-op', async () => {
      const s = await store();
      const name = uniqueDocName('bindings-only');
      await s.append(name, [], []);
      await s.append(name, []);
      await s.appendMany([{ docName: name, rows: [] }]);
      expect(await s.load(name)).toEqual({ checkpoint: null, rows: [], bindings: [] });
      await s.append(name, [], [{ clientId: 5, userId: 'u1' }]);
      await s.appendMany([{ docName: name, rows: [], bindings: [{ clientId: 6, userId: 'u2' }] }]);
      const loaded = await s.load(name);
      expect(loaded.rows).toEqual([]);
      expect(sortedBindings(loaded.bindings)).toEqual([[5, 'u1'], [6, 'u2']]);
      expect(await s.logBounds(name)).toEqual({ latestSeq: 0, oldestRetainedSeq: null });
    });

    it('C9c bindings of a failed append are not stored, in append and across appendMany batches', async () => {
      const s = await store();
      const [name, other] = [uniqueDocName('bindings-atomic'), uniqueDocName('bindings-atomic-b')];
      const source = new Y.Doc();
      const [row1, row2] = numberedRows(source, 2) as [NewLogRow, NewLogRow];
      await s.append(name, [row1], [{ clientId: 1, userId: 'u1' }]);
      await expect(s.append(name, [row2], [{ clientId: 2, userId: 'u2' }, unstorableBinding()])).rejects.toThrow();
      // The first batch is written before the second fails, and rolled back with it.
      await expect(
        s.appendMany([
          { docName: other, rows: [], bindings: [{ clientId: 3, userId: 'u3' }] },
          { docName: name, rows: [unstorableRow()], bindings: [{ clientId: 4, userId: 'u4' }] },
        ]),
      ).rejects.toThrow();
      expect(sortedBindings((await s.load(name)).bindings)).toEqual([[1, 'u1']]);
      expect((await s.load(name)).rows.map((r) => r.seq)).toEqual([1]);
      expect((await s.load(other)).bindings).toEqual([]);
    });

    it('C9d group commit passes bindings through, including a batch without rows', async () => {
      const s = await store();
      const grouped = withGroupCommit(s);
      const [name, other] = [uniqueDocName('grouped-bindings'), uniqueDocName('grouped-bindings-b')];
      const source = new Y.Doc();
      await Promise.all([
        grouped.append(name, numberedRows(source, 1), [{ clientId: 10, userId: 'u1' }]),
        grouped.append(other, [], [{ clientId: 11, userId: 'u2' }]),
      ]);
      expect(sortedBindings((await s.load(name)).bindings)).toEqual([[10, 'u1']]);
      expect((await s.load(name)).rows.map((r) => r.seq)).toEqual([1]);
      expect(sortedBindings((await s.load(other)).bindings)).toEqual([[11, 'u2']]);
    });

    it('C10 counts the bytes of each kind of stored data; an unknown document uses nothing', async () => {
      const s = await store();
      const name = uniqueDocName('usage');
      const zero = { checkpointBytes: 0, logBytes: 0, snapshotBytes: 0, versionBytes: 0, totalBytes: 0 };
      expect(await s.usage(uniqueDocName('usage-unknown'))).toEqual(zero);
      const source = new Y.Doc();
      const rows = numberedRows(source, 4);
      await s.append(name, rows);
      expect(await s.usage(name)).toEqual({ ...zero, logBytes: byteSum(rows), totalBytes: byteSum(rows) });
      const checkpoint = await stateAfterRow(s, name, 3);
      await s.compact(name, { seq: 3, state: checkpoint });
      const auto = await stateAfterRow(s, name, 2);
      await s.saveSnapshot(name, { seq: 2, state: auto, kind: 'auto', name: null, userId: null, userName: null, createdAt: 10 });
      await s.saveSnapshot(name, { seq: 2, state: auto, kind: 'auto', name: null, userId: null, userName: null, createdAt: 11 });
      const named = await stateAfterRow(s, name, 4);
      await s.saveSnapshot(name, { seq: 4, state: named, kind: 'named', name: 'v1', userId: 'u1', userName: 'Ada', createdAt: 12 });
      // Another document's data is not counted.
      await s.append(uniqueDocName('usage-neighbour'), numberedRows(new Y.Doc(), 2));
      expect(await s.usage(name)).toEqual({
        checkpointBytes: checkpoint.length,
        logBytes: byteSum(rows),
        snapshotBytes: 2 * auto.length,
        versionBytes: named.length,
        totalBytes: checkpoint.length + byteSum(rows) + 2 * auto.length + named.length,
      });
    });

    it('C11 dropHistory frees folded rows and automatic snapshots; the document and named versions stay', async () => {
      const s = await store();
      const name = uniqueDocName('drop-history');
      const source = new Y.Doc();
      const rows = numberedRows(source, 5);
      await s.append(name, rows);
      await s.saveSnapshot(name, { seq: 2, state: await stateAfterRow(s, name, 2), kind: 'auto', name: null, userId: null, userName: null, createdAt: 10 });
      const version = await s.saveSnapshot(name, { seq: 3, state: await stateAfterRow(s, name, 3), kind: 'named', name: 'kept', userId: 'u1', userName: 'Ada', createdAt: 11 });
      const checkpoint = await stateAfterRow(s, name, 4);
      await s.compact(name, { seq: 4, state: checkpoint });
      const before = await s.load(name);
      const usageBefore = await s.usage(name);

      await s.dropHistory(name);
      const after = await s.load(name);
      expect(rebuiltState(after)).toEqual(rebuiltState(before));
      expect(rebuild(after)).toBe('12345');
      expect(after.checkpoint?.seq).toBe(4);
      expect(after.rows.map((r) => r.seq)).toEqual([5]);
      expect((await s.readRows(name, 0, 10)).map((r) => r.seq)).toEqual([5]);
      expect((await s.listSnapshots(name, 10)).map((v) => [v.id, v.kind])).toEqual([[version.id, 'named']]);
      expect(await s.usage(name)).toEqual({
        checkpointBytes: checkpoint.length,
        logBytes: rows[4]?.update.length,
        snapshotBytes: 0,
        versionBytes: usageBefore.versionBytes,
        totalBytes: checkpoint.length + (rows[4]?.update.length ?? 0) + usageBefore.versionBytes,
      });
      expect((await s.usage(name)).totalBytes).toBeLessThan(usageBefore.totalBytes);

      // The timeline keeps working, over less history: the named version and the checkpoint are bases.
      expect(await s.logBounds(name)).toEqual({ latestSeq: 5, oldestRetainedSeq: 5 });
      expect((await s.listEvents(name, null, 10)).map((e) => e.seq)).toEqual([5]);
      expect((await s.baseAtOrBefore(name, 5))?.seq).toBe(4);
      expect((await s.baseAtOrBefore(name, 3))?.seq).toBe(3);
      expect(await s.baseAtOrBefore(name, 2)).toBeNull();
      const at3 = await stateAt(s, name, 3);
      expect(at3.ok && at3.doc.getText('t').toString()).toBe('123');
      expect(await stateAt(s, name, 2)).toEqual({ ok: false, reason: 'gone' });

      // With every row folded the log is empty, yet its position holds and the next row follows on.
      // Rows 1–4 are gone, so the new checkpoint is folded from the loaded document, as the server does.
      await s.compact(name, { seq: 5, state: Uint8Array.from(rebuiltState(after)) });
      await s.dropHistory(name);
      expect(await s.logBounds(name)).toEqual({ latestSeq: 5, oldestRetainedSeq: null });
      await s.append(name, [{ update: textUpdate(source, '6'), userId: null, createdAt: 6 }]);
      expect(rebuild(await s.load(name))).toBe('123456');
    });

    it('C11b dropHistory without a checkpoint keeps every row (none is folded) but drops automatic snapshots', async () => {
      const s = await store();
      const name = uniqueDocName('drop-uncompacted');
      await s.append(name, numberedRows(new Y.Doc(), 3));
      await s.saveSnapshot(name, { seq: 2, state: await stateAfterRow(s, name, 2), kind: 'auto', name: null, userId: null, userName: null, createdAt: 10 });
      await s.dropHistory(name);
      expect((await s.readRows(name, 0, 10)).map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(await s.listSnapshots(name, 10)).toEqual([]);
      expect(rebuild(await s.load(name))).toBe('123');
    });

    it('C12 deletes one snapshot or named version, reporting whether it existed', async () => {
      const s = await store();
      const name = uniqueDocName('delete-snapshot');
      await s.append(name, numberedRows(new Y.Doc(), 2));
      const state = await stateAfterRow(s, name, 2);
      const auto = await s.saveSnapshot(name, { seq: 2, state, kind: 'auto', name: null, userId: null, userName: null, createdAt: 10 });
      const named = await s.saveSnapshot(name, { seq: 2, state, kind: 'named', name: 'v1', userId: 'u1', userName: 'Ada', createdAt: 11 });
      // Another document cannot delete it by id.
      expect(await s.deleteSnapshot(uniqueDocName('delete-other'), named.id)).toBe(false);
      expect(await s.deleteSnapshot(name, named.id)).toBe(true);
      expect((await s.listSnapshots(name, 10)).map((v) => v.id)).toEqual([auto.id]);
      expect(await s.getSnapshot(name, named.id)).toBeNull();
      expect(await s.deleteSnapshot(name, named.id)).toBe(false);
      expect(await s.deleteSnapshot(name, auto.id)).toBe(true);
      expect(await s.listSnapshots(name, 10)).toEqual([]);
    });

    it('C13 never hands out a seq again once rows were pruned, dropped or folded away', async () => {
      const s = await store();
      const name = uniqueDocName('no-reuse');
      const source = new Y.Doc();
      await s.append(name, numberedRows(source, 3));
      await s.compact(name, { seq: 3, state: await stateAfterRow(s, name, 3) }, { pruneBefore: Number.MAX_SAFE_INTEGER });
      expect((await s.readRows(name, 0, 10)).map((r) => r.seq)).toEqual([]);
      expect(await s.append(name, numberedRows(source, 2))).toEqual({ firstSeq: 4, lastSeq: 5 });
      await s.compact(name, { seq: 5, state: Uint8Array.from(rebuiltState(await s.load(name))) });
      await s.dropHistory(name);
      expect((await s.readRows(name, 0, 10)).map((r) => r.seq)).toEqual([]);
      expect(await s.append(name, numberedRows(source, 1))).toEqual({ firstSeq: 6, lastSeq: 6 });
      expect(await s.append(name, [])).toEqual({ firstSeq: 7, lastSeq: 6 });
      // A checkpoint ahead of the log (another instance folded further) moves the counter up to it.
      await s.compact(name, { seq: 10, state: Uint8Array.from(rebuiltState(await s.load(name))) });
      expect(await s.append(name, numberedRows(source, 1))).toEqual({ firstSeq: 11, lastSeq: 11 });
      expect((await s.load(name)).rows.map((r) => r.seq)).toEqual([11]);
      // Purged for good, the name starts a new log.
      await s.purge(name);
      expect(await s.append(name, numberedRows(source, 1))).toEqual({ firstSeq: 1, lastSeq: 1 });
    });
  });
}

describe.skipIf(!hasPostgres)('server on PostgreSQL', () => {
  it('syncs and restores a document through DATABASE_URL', async () => {
    const name = uniqueDocName('pg-server');
    const first = await startTestServer({ databaseUrl: TEST_DATABASE_URL });
    const token = await editorToken();
    const writer = connectClient(first.url, name, token);
    const witness = connectClient(first.url, name, token);
    await Promise.all([waitSynced(writer), waitSynced(witness)]);
    bodyText(writer.doc).insert(0, 'stored in postgres');
    await waitForDocumentText(witness.doc, (t) => t === 'stored in postgres', 'witness receives');
    writer.destroy();
    witness.destroy();
    await first.close();
    const second = await startTestServer({ databaseUrl: TEST_DATABASE_URL });
    const reader = connectClient(second.url, name, token);
    await waitSynced(reader);
    expect(documentText(reader.doc)).toBe('stored in postgres');
    reader.destroy();
    await second.close();
  });
});

describe.skipIf(!hasPostgres)('storage on PostgreSQL: several instances', () => {
  it('two stores appending to one document concurrently get disjoint consecutive seqs, and every row loads back', async () => {
    const [a, b] = await Promise.all([openPostgresStore(TEST_DATABASE_URL), openPostgresStore(TEST_DATABASE_URL)]);
    try {
      const name = uniqueDocName('two-instances');
      const appends = 20;
      const rowsPerAppend = 3;
      /** Each row's bytes name its writer and position, to check every row landed at the seq it was told. */
      const rowsOf = (writer: string, i: number): NewLogRow[] =>
        Array.from({ length: rowsPerAppend }, (_, j) => ({ update: new TextEncoder().encode(`${writer}-${i}-${j}`), userId: writer, createdAt: i }));
      const sent = new Map<number, string>();
      const appendAll = async (store: DocumentStore, writer: string): Promise<Array<{ firstSeq: number; lastSeq: number }>> =>
        Promise.all(
          Array.from({ length: appends }, async (_, i) => {
            const range = await store.append(name, rowsOf(writer, i));
            rowsOf(writer, i).forEach((row, j) => sent.set(range.firstSeq + j, new TextDecoder().decode(row.update)));
            return range;
          }),
        );
      const ranges = (await Promise.all([appendAll(a, 'a'), appendAll(b, 'b')])).flat();
      for (const range of ranges) expect(range.lastSeq - range.firstSeq + 1).toBe(rowsPerAppend);
      const covered = ranges.flatMap((range) => Array.from({ length: rowsPerAppend }, (_, j) => range.firstSeq + j)).sort((x, y) => x - y);
      const total = 2 * appends * rowsPerAppend;
      expect(covered).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const loaded = await b.load(name);
      expect(loaded.rows.map((row) => [row.seq, new TextDecoder().decode(row.update)])).toEqual(covered.map((seq) => [seq, sent.get(seq)]));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
