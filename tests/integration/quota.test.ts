/**
 * The per-document storage quota (DOCUMENT_QUOTA_BYTES) against the real server with stock clients, on both
 * backends: past the quota growth is refused (4413 for the writer, 413 for a named version, no automatic
 * snapshots) while the document stays readable (sync, awareness, the timeline API), restorable, and
 * exportable; dropping history and deleting versions free space, after which edits are accepted again.
 */
import type * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Role } from '../../shared/auth.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { decodeTandemBody, MessageType } from '../../shared/protocol/messages.js';
import type { RestoreResponse, TimelineError, TimelineVersion, UsageResponse } from '../../shared/timeline/api.js';
import type { TandemServer } from '../../server/app.js';
import type { HistorySettings } from '../../server/history/settings.js';
import { connectClient, type TestClient, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { testScope } from '../helpers/scope.js';
import { postgresAvailable, TEST_DATABASE_URL, uniqueDocName } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';
import { documentText, yParagraph } from '../helpers/yBlocks.js';
import { api, eventually, fetchState } from './timelineFixtures.js';

const scope = testScope();
const hasPostgres = await postgresAvailable();

const QUOTA = 64 * 1024;
/** A snapshot after every stored row, whatever its size: without the quota, every append would take one. */
const EVERY_ROW: HistorySettings = { retentionMs: null, snapshotEveryRows: 1, snapshotEveryMs: 60_000, quietMs: 60_000, snapshotBytesRatio: 0 };

const marker = (i: number): string => `chunk-${i}:`;
/** ~2 KB of text per paragraph: the quota is reached after a dozen or so. */
const chunk = (i: number): string => `${marker(i)} ${'lorem ipsum '.repeat(170)}`;

async function mint(srv: TandemServer, doc: string, role: Role, name: string): Promise<string> {
  return srv.tokens.mint({ sub: `user-${name.toLowerCase()}`, name, color: '#e5484d', role, doc }, 600);
}

async function usageOf(srv: TandemServer, token: string, doc: string): Promise<UsageResponse> {
  const response = await api(srv.url, token, `/api/docs/${doc}/usage`);
  expect(response.status).toBe(200);
  return (await response.json()) as UsageResponse;
}

/** The document as storage holds it, rebuilt from the log alone (no checkpoint yet in this scenario). */
async function storedRows(srv: TandemServer, doc: string): Promise<{ seqs: number[]; text: string }> {
  const { latestSeq } = await srv.store.logBounds(doc);
  const rows = await srv.store.readRows(doc, 0, latestSeq);
  const rebuilt = new Y.Doc();
  for (const row of rows) Y.applyUpdate(rebuilt, row.update);
  const text = documentText(rebuilt);
  rebuilt.destroy();
  return { seqs: rows.map((row) => row.seq), text };
}

/** The `updateRefused` notices an opted-in stock provider receives (the stock client ignores type 100). */
function collectNotices(client: TestClient): string[] {
  const notices: string[] = [];
  client.provider.messageHandlers[MessageType.tandem] = (_encoder, decoder: decoding.Decoder) => {
    const message = decodeTandemBody(decoder);
    if (message.ok && message.value.kind === 'notice' && message.value.notice.type === 'updateRefused') notices.push(message.value.notice.reason);
  };
  return notices;
}

const backends: Array<[string, boolean, { databaseUrl?: string }]> = [
  ['SQLite', true, {}],
  ['PostgreSQL', hasPostgres, { databaseUrl: TEST_DATABASE_URL }],
];

for (const [backend, available, config] of backends) {
  describe.skipIf(!available)(`document storage quota on ${backend}`, () => {
    it('refuses growth past the quota, keeps the document readable, restorable and exportable, and frees space on request', async () => {
      const srv = await scope.server({ ...config, documentQuotaBytes: QUOTA }, { history: EVERY_ROW });
      const doc = uniqueDocName('quota');
      const editorToken = await mint(srv, doc, Role.editor, 'Ada');
      const viewerToken = await mint(srv, doc, Role.viewer, 'Vera');
      const writer = scope.client(srv.url, doc, editorToken, { params: { tandem: '1' } });
      const witness = scope.client(srv.url, doc, viewerToken);
      const notices = collectNotices(writer);
      let closed: { code: number; reason: string } | null = null;
      writer.provider.on('closed', (event) => {
        closed = event;
      });
      await Promise.all([waitSynced(writer), waitSynced(witness)]);

      // Write one ~2 KB paragraph at a time until the server refuses one; a named version early on.
      const fragment = writer.doc.getXmlFragment('default');
      let accepted = 0;
      let early: { version: TimelineVersion; text: string } | null = null;
      for (let i = 0; i < 200 && closed === null; i++) {
        fragment.insert(fragment.length, [yParagraph(chunk(i))]);
        await waitUntil(
          () => documentText(witness.doc).includes(marker(i)) || closed !== null,
          [
            [witness.doc, 'update'],
            [writer.provider, 'closed'],
          ],
          `paragraph ${i} is relayed or refused`,
        );
        if (documentText(witness.doc).includes(marker(i))) accepted = i + 1;
        if (accepted === 2 && early === null) {
          const named = await api(srv.url, editorToken, `/api/docs/${doc}/versions`, { method: 'POST', body: '{"name":"Early"}' });
          expect(named.status).toBe(201);
          early = { version: (await named.json()) as TimelineVersion, text: documentText(witness.doc) };
        }
      }
      expect(closed).toEqual({ code: CloseCode.tooLarge, reason: 'document storage quota exceeded' });
      expect(notices).toEqual(['document storage quota exceeded']);
      expect(accepted).toBeGreaterThan(3);
      if (!early) throw new Error('no early version was named');
      // The refused paragraph stays in the writer's own replica (IndexedDB in a browser)...
      expect(documentText(writer.doc)).toContain(marker(accepted));
      // ...and storage holds exactly what was accepted: every row, none missing, nothing refused.
      const stored = await storedRows(srv, doc);
      expect(stored.seqs).toEqual(Array.from({ length: stored.seqs.length }, (_, k) => k + 1));
      expect(stored.text).toBe(documentText(witness.doc));
      for (let i = 0; i < accepted; i++) expect(stored.text).toContain(marker(i));
      expect(stored.text).not.toContain(marker(accepted));

      // Usage: within the quota, but the refused paragraph would not have fitted; snapshots were taken before.
      const atQuota = await usageOf(srv, viewerToken, doc);
      expect(atQuota.quotaBytes).toBe(QUOTA);
      expect(atQuota.usage.totalBytes).toBeLessThanOrEqual(QUOTA);
      expect(atQuota.usage.totalBytes + chunk(accepted).length).toBeGreaterThan(QUOTA);
      expect(atQuota.usage.snapshotBytes).toBeGreaterThan(0);
      expect(atQuota.usage.versionBytes).toBeGreaterThan(0);
      expect(atQuota.usage.totalBytes).toBe(atQuota.usage.checkpointBytes + atQuota.usage.logBytes + atQuota.usage.snapshotBytes + atQuota.usage.versionBytes);

      // A named version is growth: 413 with a JSON error.
      const late = await api(srv.url, editorToken, `/api/docs/${doc}/versions`, { method: 'POST', body: '{"name":"Late"}' });
      expect(late.status).toBe(413);
      expect((await late.json()) as TimelineError).toMatchObject({ error: expect.stringContaining('quota') as string, quotaBytes: QUOTA });

      // A restore still works over the quota, and no automatic snapshot is taken for it (each stored row would
      // take one with these settings); compaction flushes the snapshot schedule, so this waits for any attempt.
      const autosBefore = (await srv.store.listSnapshots(doc, 1000)).filter((s) => s.kind === 'auto');
      expect(autosBefore.length).toBeGreaterThan(0);
      const restore = await api(srv.url, editorToken, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ versionId: early.version.id }) });
      expect(restore.status).toBe(200);
      const restored = (await restore.json()) as RestoreResponse;
      await waitForDocumentText(witness.doc, (text) => text === early.text, 'the witness sees the restored version');
      const room = srv.rooms.get(doc);
      if (!room) throw new Error('the room is not loaded');
      await room.compact(true);
      const autosAfter = (await srv.store.listSnapshots(doc, 1000)).filter((s) => s.kind === 'auto');
      expect(autosAfter.map((s) => s.id)).toEqual(autosBefore.map((s) => s.id));
      // The new checkpoint took the document past its quota: every read below happens over it.
      const over = await usageOf(srv, editorToken, doc);
      expect(over.usage.totalBytes).toBeGreaterThan(QUOTA);
      expect(over.usage.checkpointBytes).toBeGreaterThan(0);

      // Readable over the quota: an editor connecting now syncs the whole document (its sync step 2, which
      // adds nothing, is not refused) and its awareness reaches the others.
      const reader = scope.client(srv.url, doc, editorToken);
      let readerClosed = false;
      reader.provider.on('closed', () => {
        readerClosed = true;
      });
      await waitSynced(reader);
      expect(documentText(reader.doc)).toBe(early.text);
      reader.provider.awareness.setLocalStateField('marker', 'after-quota');
      await waitUntil(
        () => witness.provider.awareness.getStates().get(reader.doc.clientID)?.marker === 'after-quota',
        [[witness.provider.awareness, 'change']],
        "the reader's awareness reaches the witness",
      );
      expect(readerClosed).toBe(false);
      expect(reader.provider.wsconnected).toBe(true);
      // Exportable: the timeline API serves the current state.
      const exported = await fetchState(srv.url, viewerToken, doc, `at=${restored.seq}`);
      expect(documentText(exported.doc)).toBe(early.text);

      // Freeing space: viewers may not; deleting the named version frees its bytes.
      expect((await api(srv.url, viewerToken, `/api/docs/${doc}/versions/${early.version.id}`, { method: 'DELETE' })).status).toBe(403);
      expect((await api(srv.url, viewerToken, `/api/docs/${doc}/history/drop`, { method: 'POST' })).status).toBe(403);
      const deleted = await api(srv.url, editorToken, `/api/docs/${doc}/versions/${early.version.id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      const afterDelete = (await deleted.json()) as UsageResponse;
      expect(afterDelete.usage.versionBytes).toBe(0);
      expect(afterDelete.usage.totalBytes).toBe(over.usage.totalBytes - over.usage.versionBytes);
      expect((await api(srv.url, editorToken, `/api/docs/${doc}/versions/${early.version.id}`, { method: 'DELETE' })).status).toBe(404);
      expect((await srv.store.listSnapshots(doc, 1000)).some((s) => s.id === early.version.id)).toBe(false);

      // Dropping history: the log is folded into the checkpoint and the folded rows and automatic snapshots go.
      const dropped = await api(srv.url, editorToken, `/api/docs/${doc}/history/drop`, { method: 'POST' });
      expect(dropped.status).toBe(200);
      const afterDrop = (await dropped.json()) as UsageResponse;
      expect(afterDrop.usage).toMatchObject({ logBytes: 0, snapshotBytes: 0, versionBytes: 0 });
      expect(afterDrop.usage.totalBytes).toBe(afterDrop.usage.checkpointBytes);
      expect(afterDrop.usage.totalBytes).toBeLessThan(afterDelete.usage.totalBytes);
      expect(afterDrop.usage.totalBytes).toBeLessThan(QUOTA);
      expect((await usageOf(srv, viewerToken, doc)).usage).toEqual(afterDrop.usage);
      expect(room.quota.usage).toEqual(afterDrop.usage);

      // Growth is accepted again: a new edit, and the writer's refused paragraph once it reconnects.
      reader.doc.getXmlFragment('default').insert(0, [yParagraph('after the drop')]);
      await waitForDocumentText(witness.doc, (text) => text.startsWith('after the drop'), 'the new edit reaches the witness');
      writer.provider.connect();
      await waitForDocumentText(witness.doc, (text) => text.includes(marker(accepted)), "the writer's kept paragraph arrives");
      expect(readerClosed).toBe(false);
      const final = await fetchState(srv.url, viewerToken, doc, `at=${(await srv.store.logBounds(doc)).latestSeq}`);
      expect(documentText(final.doc)).toBe(documentText(witness.doc));
    });

    it('answers usage, drop and delete for a document nobody has open, and refuses bad requests', async () => {
      const srv = await scope.server({ ...config, documentQuotaBytes: QUOTA }, { history: EVERY_ROW });
      const doc = uniqueDocName('quota-closed');
      const editorToken = await mint(srv, doc, Role.editor, 'Ada');
      const viewerToken = await mint(srv, doc, Role.viewer, 'Vera');
      const writer = connectClient(srv.url, doc, editorToken);
      const witness = connectClient(srv.url, doc, viewerToken);
      await Promise.all([waitSynced(writer), waitSynced(witness)]);
      writer.doc.getXmlFragment('default').insert(0, [yParagraph('one'), yParagraph('two')]);
      await waitForDocumentText(witness.doc, (text) => text === 'one\ntwo', 'the edit reaches the witness');
      writer.destroy();
      witness.destroy();
      // Eviction compacts the log into a checkpoint; the folded rows and snapshots stay as history.
      await eventually(() => srv.rooms.get(doc) === undefined, 'the room is evicted');

      const unknown = uniqueDocName('quota-unknown');
      expect((await usageOf(srv, await mint(srv, unknown, Role.viewer, 'Vera'), unknown)).usage.totalBytes).toBe(0);
      const before = await usageOf(srv, viewerToken, doc);
      expect(before.usage.logBytes).toBeGreaterThan(0);
      expect(before.usage.snapshotBytes).toBeGreaterThan(0);
      const dropped = await api(srv.url, editorToken, `/api/docs/${doc}/history/drop`, { method: 'POST' });
      expect(dropped.status).toBe(200);
      const after = (await dropped.json()) as UsageResponse;
      expect(after.usage).toMatchObject({ logBytes: 0, snapshotBytes: 0 });
      expect(after.usage.totalBytes).toBeLessThan(before.usage.totalBytes);

      const reader = scope.client(srv.url, doc, viewerToken);
      await waitSynced(reader);
      expect(documentText(reader.doc)).toBe('one\ntwo');

      expect((await api(srv.url, editorToken, `/api/docs/${doc}/versions/999999`, { method: 'DELETE' })).status).toBe(404);
      expect((await api(srv.url, editorToken, `/api/docs/${doc}/versions/abc`, { method: 'DELETE' })).status).toBe(400);
      expect((await api(srv.url, editorToken, `/api/docs/${doc}/versions/1`, { method: 'GET' })).status).toBe(405);
      expect((await api(srv.url, editorToken, `/api/docs/${doc}/history/drop`, { method: 'GET' })).status).toBe(405);
      expect((await api(srv.url, editorToken, `/api/docs/${doc}/usage`, { method: 'POST' })).status).toBe(405);
      expect((await api(srv.url, null, `/api/docs/${doc}/usage`)).status).toBe(401);
      const other = await mint(srv, 'another-doc', Role.editor, 'Ada');
      expect((await api(srv.url, other, `/api/docs/${doc}/usage`)).status).toBe(403);
    });
  });
}
