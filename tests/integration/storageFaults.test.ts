/** Rule S7: when storage fails, the room fails closed — nothing unstored reaches a peer, clients are told
 *  to come back later (4503), and once storage recovers their edits arrive through the normal handshake. */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import type { DocumentStore } from '../../server/storage/types.js';
import { connectClient, editorToken, type TestClient, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { nextEvent } from '../helpers/wait.js';
import { bodyText, documentText } from '../helpers/yBlocks.js';
import { applyStoredDocument } from '../../server/storage/storedDocument.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function faultyStore(store: DocumentStore, fault: { append: boolean; ping: boolean }): DocumentStore {
  return {
    ...store,
    async append(docName, rows, bindings) {
      if (fault.append) throw new Error('injected: disk full');
      return store.append(docName, rows, bindings);
    },
    async appendMany(batches) {
      if (fault.append) throw new Error('injected: disk full');
      return store.appendMany(batches);
    },
    async ping() {
      if (fault.ping) throw new Error('injected: storage unreachable');
      return store.ping();
    },
  };
}

describe('S7 storage faults', () => {
  it('fails closed on a failed append and delivers the edit once storage recovers', async () => {
    const fault = { append: false, ping: false };
    const srv = await startTestServer({}, { wrapStore: (store) => faultyStore(store, fault) });
    cleanups.push(() => srv.close());
    const token = await editorToken();
    const clients: TestClient[] = [connectClient(srv.url, 'faulty', token), connectClient(srv.url, 'faulty', token)];
    cleanups.push(() => clients.forEach((c) => c.destroy()));
    const [writer, reader] = clients as [TestClient, TestClient];
    await Promise.all(clients.map((c) => waitSynced(c)));

    fault.append = true;
    const closes = clients.map((c) => nextEvent<[CloseEvent | null]>(c.provider, 'connection-close'));
    // One transaction, so one update: the paragraph and its text are refused (and later delivered) together.
    writer.doc.transact(() => bodyText(writer.doc).insert(0, 'written during an outage'));
    const [[writerClose], [readerClose]] = (await Promise.all(closes)) as [[CloseEvent | null], [CloseEvent | null]];
    // Heal before the providers' backoff reconnects them.
    fault.append = false;
    expect(writerClose?.code).toBe(CloseCode.unavailable);
    expect(readerClose?.code).toBe(CloseCode.unavailable);
    expect(documentText(reader.doc)).toBe('');
    expect(reader.doc.getXmlFragment('default').length).toBe(0);

    // The stock clients reconnect by themselves; the writer's sync reply carries the edit to a fresh room.
    await waitForDocumentText(reader.doc, (t) => t === 'written during an outage', 'edit delivered after recovery');
    const stored = await srv.store.load('faulty');
    const rebuilt = new Y.Doc();
    applyStoredDocument(rebuilt, stored);
    expect(documentText(rebuilt)).toBe('written during an outage');
  });

  it('reports unhealthy storage on /healthz', async () => {
    const fault = { append: false, ping: false };
    const srv = await startTestServer({}, { wrapStore: (store) => faultyStore(store, fault) });
    cleanups.push(() => srv.close());
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    fault.ping = true;
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(503);
  });
});
