/**
 * The write path with a store whose appends take a while, on both backends: an update that arrives while
 * the room's previous append is still in flight must be stored and relayed on its own, without waiting
 * for someone to edit the document again (found on PostgreSQL: one person's edit was still missing for
 * the other after 10 s). The store here holds an append until the test releases it, so the race is
 * produced deterministically instead of hoped for.
 */
import { ObservableV2 } from 'lib0/observable';
import { describe, expect, it } from 'vitest';
import { Role } from '../../shared/auth.js';
import type { TandemServer } from '../../server/app.js';
import type { DocumentStore } from '../../server/storage/types.js';
import { connectClient, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { testScope } from '../helpers/scope.js';
import { postgresAvailable, TEST_DATABASE_URL, uniqueDocName } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';
import { sharedBodyTexts } from '../helpers/clients.js';
import { documentText, yParagraph } from '../helpers/yBlocks.js';

const scope = testScope();
const hasPostgres = await postgresAvailable();

/** A store whose row-carrying commits wait, while `hold` is set, until `release()`. */
function holdingStore(): { wrap(store: DocumentStore): DocumentStore; hold(): void; release(): void; held(): number; events: ObservableV2<{ held: () => void }> } {
  let holding = false;
  let waiting: Array<() => void> = [];
  const events = new ObservableV2<{ held: () => void }>();
  return {
    events,
    wrap: (store) => ({
      ...store,
      async appendMany(batches) {
        if (holding && batches.some((batch) => batch.rows.length > 0)) {
          const released = new Promise<void>((resolve) => waiting.push(resolve));
          events.emit('held', []);
          await released;
        }
        return store.appendMany(batches);
      },
    }),
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      const released = waiting;
      waiting = [];
      for (const resolve of released) resolve();
    },
    held: () => waiting.length,
  };
}

const turns = async (count: number): Promise<void> => {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

const backends: Array<[string, boolean, Record<string, string>]> = [
  ['SQLite', true, {}],
  ['PostgreSQL', hasPostgres, { databaseUrl: TEST_DATABASE_URL }],
];

for (const [backend, available, config] of backends) {
  describe.skipIf(!available)(`write path on ${backend} with slow appends`, () => {
    it('stores and relays an update that arrived while the previous append was in flight', async () => {
      const store = holdingStore();
      const srv: TandemServer = await scope.server(config, { wrapStore: store.wrap });
      const docName = uniqueDocName('inflight');
      const token = await srv.tokens.mint({ sub: 'ada', name: 'Ada', role: Role.editor, doc: docName }, 600);
      const a = connectClient(srv.url, docName, token);
      const b = connectClient(srv.url, docName, token);
      scope.defer(() => a.destroy());
      scope.defer(() => b.destroy());
      await Promise.all([waitSynced(a), waitSynced(b)]);
      const [text] = await sharedBodyTexts([a, b]);
      await waitForDocumentText(b.doc, (t) => t === '', 'the shared paragraph arrives');

      const room = srv.rooms.get(docName);
      if (!room) throw new Error('room not loaded');
      store.hold();
      text?.insert(0, 'x');
      await waitUntil(() => store.held() === 1, [[store.events, 'held']], 'the first append is in flight', 5_000);
      text?.insert(1, 'y');
      await waitUntil(() => documentText(room.doc) === 'xy', [[room.doc, 'update']], 'the second update reached the server', 5_000);
      // Let the server's flush for the second update run while the first append is still held.
      await turns(3);
      store.release();
      await waitForDocumentText(b.doc, (t) => t === 'xy', 'both edits reach the other client without another edit', 5_000);
      await room.whenDurable();
      expect((await srv.store.load(docName)).rows.length).toBeGreaterThanOrEqual(2);
    });

    it('answers a sync step 1 only with stored state (rule 4): a replica joining during a held append waits for it', async () => {
      const store = holdingStore();
      const srv: TandemServer = await scope.server(config, { wrapStore: store.wrap });
      const docName = uniqueDocName('reply');
      const token = await srv.tokens.mint({ sub: 'ada', name: 'Ada', role: Role.editor, doc: docName }, 600);
      const a = connectClient(srv.url, docName, token);
      scope.defer(() => a.destroy());
      await waitSynced(a);
      const room = srv.rooms.get(docName);
      if (!room) throw new Error('room not loaded');
      store.hold();
      a.doc.getXmlFragment('default').insert(0, [yParagraph('unstored')]);
      await waitUntil(() => store.held() === 1, [[store.events, 'held']], 'the append is in flight', 5_000);
      const c = connectClient(srv.url, docName, token, { connect: false });
      scope.defer(() => c.destroy());
      // A state past y-protocols' initial clock 0, which peers ignore, so the room shows it.
      c.provider.awareness.setLocalStateField('user', { name: 'C' });
      c.provider.connect();
      // A stock provider sends its sync step 1 before its awareness state: once the room has C's awareness,
      // it has C's request too, and is holding the reply.
      scope.defer(() => store.release());
      await waitUntil(() => room.awareness.getStates().has(c.doc.clientID), [[room.awareness, 'update']], "the room has C's request", 5_000);
      await turns(3);
      expect(c.provider.synced).toBe(false);
      expect(documentText(c.doc)).toBe('');
      store.release();
      await waitSynced(c);
      expect(documentText(c.doc)).toBe('unstored');
    });
  });
}
