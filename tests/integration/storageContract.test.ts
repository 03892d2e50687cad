/** One contract suite, run against every DocumentStore implementation (SQLite always, PostgreSQL when available). */
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openPostgresStore } from '../../server/storage/postgres.js';
import { openSqliteStore } from '../../server/storage/sqlite.js';
import type { DocumentStore, LogRow } from '../../server/storage/types.js';
import { startTestServer, tempDataDir } from '../helpers/server.js';
import { connectClient, guestToken, waitForText, waitSynced } from '../helpers/clients.js';
import { postgresAvailable, TEST_DATABASE_URL, uniqueDocName } from '../helpers/services.js';

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
  if (stored.checkpoint) Y.applyUpdate(doc, stored.checkpoint.state);
  for (const row of stored.rows) Y.applyUpdate(doc, row.update);
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

    it('C4 compaction keeps the document and drops folded rows', async () => {
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
