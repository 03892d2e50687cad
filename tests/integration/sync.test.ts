/** Rules S1–S9: stock WebsocketProvider clients against the real server over real sockets. */
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Role } from '../../shared/auth.js';
import { decodeTandemBody, encodeTandemMessage, MessageType } from '../../shared/protocol/messages.js';
import type { TandemServer } from '../../server/app.js';
import { connectClient, editorToken, sharedBodyTexts, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { startTestServer, tempDataDir } from '../helpers/server.js';
import { nextEvent, type Subscribable, waitUntil } from '../helpers/wait.js';
import { testScope } from '../helpers/scope.js';
import { bodyText, documentText, headingIds, plainText, yHeading, yParagraph } from '../helpers/yBlocks.js';
import { applyStoredDocument } from '../../server/storage/storedDocument.js';

const scope = testScope();

const server = (dataDir = tempDataDir()): Promise<TandemServer> => scope.server({ dataDir });

const client = scope.client;

describe('S1 sync', () => {
  it('three clients editing concurrently converge to the same document', async () => {
    const srv = await server();
    const token = await editorToken();
    const clients = [client(srv.url, 'conv', token), client(srv.url, 'conv', token), client(srv.url, 'conv', token)];
    await Promise.all(clients.map((c) => waitSynced(c)));
    // One paragraph, created by the first client and received by the others before anyone types.
    const bodies = await sharedBodyTexts(clients);
    // Each client types 50 words at the start, middle and end of the shared text, interleaved.
    for (let round = 0; round < 50; round++) {
      bodies.forEach((text, i) => {
        // Insert only at word boundaries so every word stays intact whatever the interleaving.
        const middle = plainText(text).indexOf(' ', Math.floor(text.length / 2)) + 1;
        const position = [0, middle, text.length][i] ?? 0;
        text.insert(position, `c${i}r${round} `);
      });
    }
    const expectedLength = clients.reduce((sum, _c, i) => sum + Array.from({ length: 50 }, (_, r) => `c${i}r${r} `.length).reduce((a, b) => a + b, 0), 0);
    await Promise.all(clients.map((c) => waitForDocumentText(c.doc, (t) => t.length === expectedLength, 'all edits')));
    const texts = clients.map((c) => documentText(c.doc));
    expect(new Set(texts).size).toBe(1);
    // Still the one paragraph everybody typed into.
    for (const c of clients) expect(c.doc.getXmlFragment('default').length).toBe(1);
    for (let i = 0; i < 3; i++) for (let r = 0; r < 50; r++) expect(texts[0]).toContain(`c${i}r${r} `);
    // The server's copy is the same document.
    const serverDoc = srv.rooms.get('conv')?.doc;
    expect(serverDoc && documentText(serverDoc)).toBe(texts[0]);
  });

  it('rich-text structure (the editor fragment) syncs exactly', async () => {
    const srv = await server();
    const token = await editorToken();
    const a = client(srv.url, 'rich', token);
    const b = client(srv.url, 'rich', token);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.doc.getXmlFragment('default').insert(0, [yHeading('intro', 'Title')]);
    await waitUntil(() => b.doc.getXmlFragment('default').length === 1, [[b.doc, 'update']], 'fragment sync');
    expect(b.doc.getXmlFragment('default').toString()).toBe(a.doc.getXmlFragment('default').toString());
  });
});

describe('S2 persistence', () => {
  it('a restarted server restores the document from SQLite', async () => {
    const dataDir = tempDataDir();
    const first = await startTestServer({ dataDir });
    const token = await editorToken();
    const writer = connectClient(first.url, 'persist', token);
    await waitSynced(writer);
    bodyText(writer.doc).insert(0, 'survives a restart');
    // Wait until another peer received it: by the durability rule it is then on disk.
    const witness = connectClient(first.url, 'persist', token);
    await waitForDocumentText(witness.doc, (t) => t === 'survives a restart', 'witness receives edit');
    writer.destroy();
    witness.destroy();
    await first.close();

    const second = await server(dataDir);
    const reader = client(second.url, 'persist', await editorToken());
    await waitSynced(reader);
    expect(documentText(reader.doc)).toBe('survives a restart');
  });

  it('compaction folds the log into a checkpoint without changing the document', async () => {
    const dataDir = tempDataDir();
    const first = await startTestServer({ dataDir });
    const token = await editorToken();
    const writer = connectClient(first.url, 'compact', token);
    await waitSynced(writer);
    const body = bodyText(writer.doc);
    for (let i = 0; i < 1200; i++) body.insert(i, String(i % 10));
    const expected = documentText(writer.doc);
    expect(expected).toHaveLength(1200);
    const witness = connectClient(first.url, 'compact', token);
    await waitForDocumentText(witness.doc, (t) => t === expected, 'all edits reach witness');
    writer.destroy();
    witness.destroy();
    await first.close();
    expect(await first.metrics.value('tandem_compactions_total')).toBeGreaterThan(0);

    const second = await server(dataDir);
    const stored = await second.store.load('compact');
    expect(stored.checkpoint).not.toBeNull();
    const reader = client(second.url, 'compact', token);
    await waitSynced(reader);
    expect(documentText(reader.doc)).toBe(expected);
  });
});

describe('S3 durability acknowledgements (opt-in)', () => {
  it('answers a flush request only after the updates sent before it are stored', async () => {
    const srv = await server();
    const token = await editorToken();
    const c = client(srv.url, 'acks', token, { params: { tandem: '1' } });
    await waitSynced(c);
    const acks: number[] = [];
    c.provider.messageHandlers[MessageType.tandem] = (_encoder, decoder: decoding.Decoder) => {
      const message = decodeTandemBody(decoder);
      if (message.ok && message.value.kind === 'flushed') acks.push(message.value.nonce);
    };
    bodyText(c.doc).insert(0, 'acknowledged');
    c.provider.ws?.send(encodeTandemMessage({ kind: 'flushRequest', nonce: 7 }));
    // The provider's own onmessage handler runs before this listener, so `acks` is current here.
    await waitUntil(() => acks.includes(7), [[c.provider.ws as unknown as Subscribable, 'message']], 'flushed 7');
    const stored = await srv.store.load('acks');
    const restored = new Y.Doc();
    applyStoredDocument(restored, stored);
    expect(documentText(restored)).toBe('acknowledged');
  });

  it('never sends Tandem messages to a stock client that did not opt in', async () => {
    const srv = await server();
    const token = await editorToken();
    const stock = client(srv.url, 'stock', token);
    await waitSynced(stock);
    const seenTypes = new Set<number>();
    stock.provider.ws?.addEventListener('message', (event) => {
      seenTypes.add(decoding.readVarUint(decoding.createDecoder(new Uint8Array(event.data as ArrayBuffer))));
    });
    stock.provider.ws?.send(encodeTandemMessage({ kind: 'flushRequest', nonce: 1 }));
    // A second peer's edit is a message the stock client must receive after the (unanswered) request.
    const other = client(srv.url, 'stock', token);
    await waitSynced(other);
    bodyText(other.doc).insert(0, 'x');
    await waitForDocumentText(stock.doc, (t) => t === 'x', 'edit after flush request');
    expect([...seenTypes].filter((type) => type === MessageType.tandem)).toEqual([]);
  });
});

describe('S4 roles', () => {
  it('a viewer receives edits but its own updates are not applied', async () => {
    const srv = await server();
    const editor = client(srv.url, 'roles', await editorToken());
    const viewerToken = await srv.tokens.mint({ sub: 'viewer-1', name: 'Vic', role: Role.viewer, doc: 'roles' }, 600);
    const viewer = client(srv.url, 'roles', viewerToken);
    await Promise.all([waitSynced(editor), waitSynced(viewer)]);
    // Each creates its own paragraph (neither has one yet); the viewer's never reaches anybody.
    bodyText(viewer.doc).insert(0, 'viewer edit ');
    bodyText(editor.doc).insert(0, 'editor edit');
    await waitForDocumentText(viewer.doc, (t) => t.includes('editor edit'), 'viewer receives');
    // The editor's update was broadcast after the viewer's was dropped, so the editor never sees it.
    const late = client(srv.url, 'roles', await editorToken());
    await waitSynced(late);
    expect(documentText(late.doc)).toBe('editor edit');
    expect(await srv.metrics.value('tandem_updates_refused_total', { reason: 'read_only' })).toBeGreaterThan(0);
  });
});

describe('S5 graceful shutdown', () => {
  it('closes clients with 4503 and keeps every acknowledged edit', async () => {
    const dataDir = tempDataDir();
    const srv = await startTestServer({ dataDir });
    const token = await editorToken();
    const c = connectClient(srv.url, 'shutdown', token);
    await waitSynced(c);
    const closed = nextEvent<[CloseEvent | null]>(c.provider, 'connection-close');
    bodyText(c.doc).insert(0, 'kept');
    // Shut down the moment the server has applied the edit: before its flush turn, so close() must flush.
    const serverDoc = srv.rooms.get('shutdown')?.doc;
    if (!serverDoc) throw new Error('room not loaded');
    await waitUntil(() => documentText(serverDoc) === 'kept', [[serverDoc, 'update']], 'server applied');
    await srv.close();
    const [event] = await closed;
    expect(event?.code).toBe(4503);
    c.destroy();
    const again = await server(dataDir);
    const reader = client(again.url, 'shutdown', token);
    await waitSynced(reader);
    expect(documentText(reader.doc)).toBe('kept');
  });
});

describe('S8 changes Yjs makes by itself are durable too', () => {
  it('stores and broadcasts a document change whose origin is not one of ours (Yjs housekeeping uses null)', async () => {
    // Yjs deletes redundant formatting markers in a nested transaction with origin null after some remote
    // updates (convergence suite). Whatever makes such a change, it must be on disk before a peer sees it.
    const srv = await server();
    const reader = client(srv.url, 'housekeeping', await editorToken());
    await waitSynced(reader);
    const room = srv.rooms.get('housekeeping');
    if (!room) throw new Error('room not loaded');
    room.doc.transact(() => bodyText(room.doc).insert(0, 'made by Yjs itself'), null);
    await waitForDocumentText(reader.doc, (t) => t === 'made by Yjs itself', 'reader receives it');
    await room.whenDurable();
    const stored = await srv.store.load('housekeeping');
    const rebuilt = new Y.Doc();
    applyStoredDocument(rebuilt, stored);
    expect(documentText(rebuilt)).toBe('made by Yjs itself');
  });
});

describe('S9 merged states the editor forbids are repaired by the server', () => {
  it('renames a heading that arrives with another heading’s sectionId, stores the repair, and every peer gets it', async () => {
    // Concurrent restructuring can leave two copies of one heading (see shared/sections/sectionIdRepair.ts);
    // a stock client that ignores sectionIds entirely produces the same shape directly.
    const srv = await server();
    const token = await editorToken();
    const a = client(srv.url, 'section-ids', token);
    const b = client(srv.url, 'section-ids', token);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.doc.getXmlFragment('default').insert(0, [yHeading('clause-1', 'Original')]);
    await waitUntil(() => b.doc.getXmlFragment('default').length === 1, [[b.doc, 'update']], 'the heading reaches b');
    b.doc.getXmlFragment('default').insert(1, [yHeading('clause-1', 'Copy')]);

    const idsOf = (doc: Y.Doc): string[] => headingIds(doc.getXmlFragment('default'));
    const repaired = (doc: Y.Doc): boolean => idsOf(doc).length === 2 && new Set(idsOf(doc)).size === 2;
    await waitUntil(() => repaired(a.doc), [[a.doc, 'update']], 'a sees unique ids', 10_000, () => idsOf(a.doc).join(','));
    await waitUntil(() => repaired(b.doc), [[b.doc, 'update']], 'b sees unique ids', 10_000, () => idsOf(b.doc).join(','));
    // One of the two keeps the id (which one is decided by their Yjs item ids); the other gets a derived one.
    expect(idsOf(a.doc)).toContain('clause-1');
    expect(idsOf(b.doc)).toEqual(idsOf(a.doc));
    expect(await srv.metrics.value('tandem_section_id_repairs_total')).toBe(1);

    const room = srv.rooms.get('section-ids');
    await room?.whenDurable();
    const rebuilt = new Y.Doc();
    applyStoredDocument(rebuilt, await srv.store.load('section-ids'));
    expect(idsOf(rebuilt)).toEqual(idsOf(a.doc));
  });

  it('clears a mark that `code` excludes (Yjs cannot express the exclusion), for every peer and on disk', async () => {
    const srv = await server();
    const token = await editorToken();
    const a = client(srv.url, 'mark-exclusion', token);
    const b = client(srv.url, 'mark-exclusion', token);
    await Promise.all([waitSynced(a), waitSynced(b)]);
    a.doc.getXmlFragment('default').insert(0, [yParagraph('make this code')]);
    const textOf = (doc: Y.Doc): Y.XmlText | undefined => (doc.getXmlFragment('default').get(0) as Y.XmlElement | undefined)?.get(0) as Y.XmlText | undefined;
    await waitUntil(() => textOf(b.doc) !== undefined, [[b.doc, 'update']], 'the paragraph reaches b');
    textOf(a.doc)?.format(10, 4, { code: {} });
    textOf(b.doc)?.format(5, 9, { bold: {} });

    const expected = [{ insert: 'make ' }, { insert: 'this ', attributes: { bold: {} } }, { insert: 'code', attributes: { code: {} } }];
    const repaired = (doc: Y.Doc): boolean => JSON.stringify(textOf(doc)?.toDelta()) === JSON.stringify(expected);
    await waitUntil(() => repaired(a.doc), [[a.doc, 'update']], 'a converges on the repair', 10_000, () => textOf(a.doc)?.toDelta());
    await waitUntil(() => repaired(b.doc), [[b.doc, 'update']], 'b converges on the repair', 10_000, () => textOf(b.doc)?.toDelta());
    expect(await srv.metrics.value('tandem_mark_repairs_total')).toBe(1);
    await srv.rooms.get('mark-exclusion')?.whenDurable();
    const rebuilt = new Y.Doc();
    applyStoredDocument(rebuilt, await srv.store.load('mark-exclusion'));
    expect(textOf(rebuilt)?.toDelta()).toEqual(expected);
  });
});
