/** One contract suite, run against every DocumentStore implementation (SQLite always, PostgreSQL when available). */
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openPostgresStore } from '../../server/storage/postgres.js';
import { openSqliteStore } from '../../server/storage/sqlite.js';
import type { DocumentStore, LogRow } from '../../server/storage/types.js';
import { startTestServer, tempDataDir } from '../helpers/server.js';
import { connectClient, guestToken, waitForText, waitSynced } from '../helpers/clients.js';
import { postgresAvailable, TEST_DATABASE_URL, uniqueDocName } from '../helpers/services.js';
import { applyStoredDocument } from '../../server/storage/storedDocument.js';

const hasPostgres = await postgresAvailable();

const implementations: Array<[string, boolean, () => Promise<DocumentStore>]> = [
  ['sqlite', true, async () => openSqliteStore(tempDataDir('contract'))],
  ['postgres', hasPostgres, () => openPostgresStore(TEST_DATABASE_URL)],
];

function textUpdate(doc: Y.Doc, insert: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('t').insert(doc.getText('t').length, insert);
  return Y.encodeStateAsUpdate(doc, before);
}

function rebuild(stored: Awaited<ReturnType<DocumentStore['load']>>): string {
  const doc = new Y.Doc();
  applyStoredDocument(doc, stored);
  return doc.getText('t').toString();
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
      expect(await (await store()).load(uniqueDocName('empty'))).toEqual({ checkpoint: null, rows: [] });
    });

    it('C2 returns appended rows in order with their metadata', async () => {
      const s = await store();
      const name = uniqueDocName('append');
      const source = new Y.Doc();
      const rows: LogRow[] = ['a', 'b', 'c'].map((insert, i) => ({ seq: i + 1, update: textUpdate(source, insert), userId: i === 1 ? null : 'u1', createdAt: 1000 + i }));
      await s.append(name, rows.slice(0, 2));
      await s.append(name, rows.slice(2));
      const loaded = await s.load(name);
      expect(loaded.rows.map((r) => [r.seq, r.userId, r.createdAt])).toEqual([[1, 'u1', 1000], [2, null, 1001], [3, 'u1', 1002]]);
      expect(rebuild(loaded)).toBe('abc');
    });

    it('C3 appends atomically: a batch with a duplicate seq stores none of its rows', async () => {
      const s = await store();
      const name = uniqueDocName('atomic');
      const source = new Y.Doc();
      await s.append(name, [{ seq: 1, update: textUpdate(source, 'a'), userId: null, createdAt: 1 }]);
      const batch = [
        { seq: 2, update: textUpdate(source, 'b'), userId: null, createdAt: 2 },
        { seq: 1, update: textUpdate(source, 'c'), userId: null, createdAt: 3 },
      ];
      await expect(s.append(name, batch)).rejects.toThrow();
      expect(rebuild(await s.load(name))).toBe('a');
    });

    it('C3b appendMany commits several documents at once, all or none', async () => {
      const s = await store();
      const [first, second] = [uniqueDocName('many-a'), uniqueDocName('many-b')];
      const source = new Y.Doc();
      await s.appendMany([
        { docName: first, rows: [{ seq: 1, update: textUpdate(source, 'a'), userId: null, createdAt: 1 }] },
        { docName: second, rows: [{ seq: 1, update: textUpdate(source, 'b'), userId: null, createdAt: 1 }] },
      ]);
      expect((await s.load(first)).rows.map((r) => r.seq)).toEqual([1]);
      expect((await s.load(second)).rows.map((r) => r.seq)).toEqual([1]);
      // The second document's row collides: neither document gets anything from this batch.
      await expect(
        s.appendMany([
          { docName: first, rows: [{ seq: 2, update: textUpdate(source, 'c'), userId: null, createdAt: 2 }] },
          { docName: second, rows: [{ seq: 1, update: textUpdate(source, 'd'), userId: null, createdAt: 2 }] },
        ]),
      ).rejects.toThrow();
      expect((await s.load(first)).rows.map((r) => r.seq)).toEqual([1]);
    });

    it('C4 compaction keeps the document; loading replays only rows after the checkpoint; history stays', async () => {
      const s = await store();
      const name = uniqueDocName('compact');
      const source = new Y.Doc();
      await s.append(name, [1, 2, 3].map((seq) => ({ seq, update: textUpdate(source, String(seq)), userId: null, createdAt: seq })));
      const folded = new Y.Doc();
      for (const row of (await s.load(name)).rows) Y.applyUpdate(folded, row.update);
      await s.compact(name, { seq: 3, state: Y.encodeStateAsUpdate(folded) });
      await s.append(name, [{ seq: 4, update: textUpdate(source, '4'), userId: null, createdAt: 4 }]);
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
      await s.append(name, [1, 2, 3, 4].map((seq) => ({ seq, update: textUpdate(source, String(seq)), userId: null, createdAt: seq * 100 })));
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
      await s.append(older, [{ seq: 1, update: textUpdate(source, 'x'), userId: null, createdAt: Date.now() + 1_000_000 }]);
      await s.append(newer, [{ seq: 1, update: textUpdate(source, 'y'), userId: null, createdAt: Date.now() + 2_000_000 }]);
      const names = (await s.listDocuments(50)).map((d) => d.name);
      expect(names.indexOf(newer)).toBeLessThan(names.indexOf(older));
      expect(names.indexOf(older)).toBeGreaterThanOrEqual(0);
    });

    it('C7 stores event metadata with each row and lists events newest first, paged by seq', async () => {
      const s = await store();
      const name = uniqueDocName('events');
      const source = new Y.Doc();
      const rows: LogRow[] = [1, 2, 3, 4, 5].map((seq) => ({
        seq,
        update: textUpdate(source, 'x'.repeat(seq)),
        userId: seq === 5 ? null : 'u1',
        createdAt: 1000 + seq,
        meta:
          seq === 5
            ? { kind: 'restore', userName: 'Ada', userColor: '#e5484d', inserted: 3, deleted: 1, sections: [], restoredFrom: 2 }
            : { kind: 'edit', userName: 'Ada', userColor: '#e5484d', inserted: seq, deleted: 0, sections: ['leading', 'h-1'] },
      }));
      rows.push({ seq: 6, update: textUpdate(source, 'y'), userId: 'u2', createdAt: 1006 });
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
      await s.append(name, [{ seq: 7, update: textUpdate(source, 'z'), userId: 'u1', createdAt: 1007, meta: { kind: 'edit', userName: 'Ada L.', userColor: '#0090ff', inserted: 1, deleted: 0, sections: [] } }]);
      expect((await s.listEvents(name, 2, 1))[0]?.meta).toMatchObject({ userName: 'Ada L.', userColor: '#0090ff' });
    });

    it('C8 saves snapshots and finds the latest exact base at or before a point', async () => {
      const s = await store();
      const name = uniqueDocName('snapshots');
      const source = new Y.Doc();
      await s.append(name, [1, 2, 3, 4, 5, 6].map((seq) => ({ seq, update: textUpdate(source, String(seq)), userId: null, createdAt: seq })));
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
      expect(fetched && rebuild({ checkpoint: { seq: 4, state: fetched.state }, rows: [] })).toBe('1234');
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
  });
}

describe.skipIf(!hasPostgres)('server on PostgreSQL', () => {
  it('syncs and restores a document through DATABASE_URL', async () => {
    const name = uniqueDocName('pg-server');
    const first = await startTestServer({ databaseUrl: TEST_DATABASE_URL });
    const token = await guestToken(first.url);
    const writer = connectClient(first.url, name, token);
    const witness = connectClient(first.url, name, token);
    await Promise.all([waitSynced(writer), waitSynced(witness)]);
    writer.doc.getText('t').insert(0, 'stored in postgres');
    await waitForText(witness.doc, 't', (t) => t === 'stored in postgres', 'witness receives');
    writer.destroy();
    witness.destroy();
    await first.close();
    const second = await startTestServer({ databaseUrl: TEST_DATABASE_URL });
    const reader = connectClient(second.url, name, token);
    await waitSynced(reader);
    expect(reader.doc.getText('t').toString()).toBe('stored in postgres');
    reader.destroy();
    await second.close();
  });
});
