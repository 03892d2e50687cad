/**
 * The timeline against the real server with stock clients: the API's authorisation, event metadata,
 * reconstruction at random points of random editing histories (seeded property test), and restore as a
 * forward change that every connected client converges on.
 *
 * Replay a property-test failure with: TIMELINE_SEED=<seed> npx vitest run --project integration tests/integration/timeline.test.ts
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Role } from '../../shared/auth.js';
import type { EventsResponse, RestoreResponse, TimelineVersion, VersionsResponse } from '../../shared/timeline/api.js';
import type { TandemServer } from '../../server/app.js';
import { stateAt } from '../../server/history/reconstruct.js';
import type { HistorySettings } from '../../server/history/settings.js';
import { connectClient, editorToken, type TestClient, waitSynced } from '../helpers/clients.js';
import { createPrng } from '../helpers/prng.js';
import { startTestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { api, blockText, editorJson, eventually, fetchState, heading, paragraph, randomEdit } from './timelineFixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Small cadences so short tests exercise snapshots as reconstruction bases. */
const TEST_HISTORY: HistorySettings = { retentionMs: null, snapshotEveryRows: 7, snapshotEveryMs: 60_000, quietMs: 60_000, snapshotBytesRatio: 0 };

async function server(history: HistorySettings = TEST_HISTORY): Promise<TandemServer> {
  const started = await startTestServer({}, { history });
  cleanups.push(() => started.close());
  return started;
}

function client(base: string, docName: string, token: string): TestClient {
  const created = connectClient(base, docName, token);
  cleanups.push(() => created.destroy());
  return created;
}

const fragmentString = (c: TestClient): string => c.doc.getXmlFragment('default').toString();

/** Resolves once every client holds the same document (so the server has stored everything). */
function waitConverged(clients: TestClient[], description = 'clients converge', timeoutMs = 10_000): Promise<void> {
  const same = (): boolean => clients.every((c) => fragmentString(c) === fragmentString(clients[0] as TestClient));
  return waitUntil(same, clients.map((c) => [c.doc, 'update'] as const), description, timeoutMs, () => clients.map(fragmentString));
}

async function mint(srv: TandemServer, doc: string, role: Role = Role.editor, name = 'Ada'): Promise<string> {
  return srv.tokens.mint({ sub: `user-${name.toLowerCase()}`, name, color: '#e5484d', role, doc }, 600);
}

describe('T1 timeline API authorisation', () => {
  it('refuses a missing or forged token (401), a token for another document (403), and writes by viewers (403)', async () => {
    const srv = await server();
    const doc = 'auth-doc';
    const other = await mint(srv, 'other-doc');
    const viewer = await mint(srv, doc, Role.viewer, 'Vera');
    const editor = await mint(srv, doc);
    expect((await api(srv.url, null, `/api/docs/${doc}/events`)).status).toBe(401);
    expect((await api(srv.url, 'not.a.token', `/api/docs/${doc}/versions`)).status).toBe(401);
    for (const path of ['events', 'versions', 'state?at=0', 'attribution?from=0&to=1']) {
      expect((await api(srv.url, other, `/api/docs/${doc}/${path}`)).status).toBe(403);
    }
    expect((await api(srv.url, other, `/api/docs/${doc}/restore`, { method: 'POST', body: '{"seq":0}' })).status).toBe(403);
    expect((await api(srv.url, viewer, `/api/docs/${doc}/events`)).status).toBe(200);
    expect((await api(srv.url, viewer, `/api/docs/${doc}/restore`, { method: 'POST', body: '{"seq":0}' })).status).toBe(403);
    expect((await api(srv.url, viewer, `/api/docs/${doc}/versions`, { method: 'POST', body: '{"name":"x"}' })).status).toBe(403);
    expect((await api(srv.url, editor, `/api/docs/${doc}/restore`, { method: 'POST', body: '{"seq":-1}' })).status).toBe(400);
    expect((await api(srv.url, editor, `/api/docs/.hidden/events`)).status).toBe(400);
    expect((await api(srv.url, editor, `/api/docs/${doc}/state?at=abc`)).status).toBe(400);
    expect((await api(srv.url, editor, `/api/docs/${doc}/state?version=999`)).status).toBe(404);
  });
});

describe('T2 event log', () => {
  it('records who, when, which sections, and +/− characters for every accepted update; names versions', async () => {
    const srv = await server();
    const doc = 'events-doc';
    const token = await mint(srv, doc);
    const ada = client(srv.url, doc, token);
    const witness = client(srv.url, doc, await editorToken('Witness'));
    await Promise.all([waitSynced(ada), waitSynced(witness)]);
    const fragment = ada.doc.getXmlFragment('default');
    fragment.insert(0, [heading('Intro', 'intro'), paragraph('hello')]);
    await waitConverged([ada, witness]);
    blockText(fragment, 1).insert(5, ' world');
    await waitConverged([ada, witness]);
    blockText(fragment, 1).delete(0, 6);
    await waitConverged([ada, witness]);

    const events = (await (await api(srv.url, token, `/api/docs/${doc}/events?limit=2`)).json()) as EventsResponse;
    expect(events.latestSeq).toBe(3);
    expect(events.events.map((e) => [e.seq, e.kind, e.userName, e.inserted, e.deleted, e.sections])).toEqual([
      [3, 'edit', 'Ada', 0, 6, ['intro']],
      [2, 'edit', 'Ada', 6, 0, ['intro']],
    ]);
    expect(events.events[0]?.userId).toBe('user-ada');
    expect(events.events[0]?.userColor).toBe('#e5484d');
    expect(Math.abs((events.events[0]?.at ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(events.nextBefore).toBe(2);
    const older = (await (await api(srv.url, token, `/api/docs/${doc}/events?before=2`)).json()) as EventsResponse;
    expect(older.events.map((e) => [e.seq, e.inserted, e.sections])).toEqual([[1, 'Intro'.length + 'hello'.length, ['intro']]]);
    expect(older.nextBefore).toBeNull();

    const named = await api(srv.url, token, `/api/docs/${doc}/versions`, { method: 'POST', body: JSON.stringify({ name: '  Draft   2 ' }) });
    expect(named.status).toBe(201);
    const version = (await named.json()) as TimelineVersion;
    expect(version).toMatchObject({ seq: 3, kind: 'named', name: 'Draft 2', userName: 'Ada' });
    const versions = (await (await api(srv.url, token, `/api/docs/${doc}/versions`)).json()) as VersionsResponse;
    expect(versions.versions.find((v) => v.kind === 'named')?.id).toBe(version.id);
    const atVersion = await fetchState(srv.url, token, doc, `version=${version.id}`);
    expect(editorJson(atVersion.doc)).toEqual(editorJson(ada.doc));
    expect(atVersion.seq).toBe(3);
  });
});

const SEEDS = process.env.TIMELINE_SEED ? [Number(process.env.TIMELINE_SEED)] : [20261122, 7];
const OPS = Number(process.env.TIMELINE_OPS ?? 70);

describe('T3 reconstruction (property)', () => {
  for (const seed of SEEDS) {
    it(`the document at random points equals what the clients had then (seed ${seed}, ${OPS} edits)`, async () => {
      try {
        const prng = createPrng(seed);
        const srv = await server();
        const doc = `prop-${seed}`;
        const tokens = [await mint(srv, doc, Role.editor, 'Ada'), await mint(srv, doc, Role.editor, 'Bob')];
        const clients = [client(srv.url, doc, tokens[0] as string), client(srv.url, doc, tokens[1] as string)];
        await Promise.all(clients.map((c) => waitSynced(c)));
        const moments: Array<{ seq: number; json: unknown }> = [{ seq: 0, json: editorJson(new Y.Doc()) }];
        for (let op = 0; op < OPS; op++) {
          // Both clients may edit before they hear from each other: concurrent histories, not only turns.
          randomEdit(prng, (prng.pick(clients) as TestClient).doc, `${op}`);
          if (prng.chance(0.3) || op === OPS - 1) {
            await waitConverged(clients);
            const { latestSeq } = await srv.store.logBounds(doc);
            moments.push({ seq: latestSeq, json: editorJson((clients[0] as TestClient).doc) });
            // Fold into a checkpoint now and then, so bases come from snapshots and checkpoints alike.
            if (prng.chance(0.2)) await srv.rooms.get(doc)?.compact(true);
          }
        }
        for (const moment of moments) {
          const state = await stateAt(srv.store, doc, moment.seq);
          if (!state.ok) throw new Error(`seq ${moment.seq} not reconstructable`);
          expect(editorJson(state.doc), `document at seq ${moment.seq}`).toEqual(moment.json);
        }
        // And through the HTTP API, at a few of those points.
        for (const moment of [moments[1], moments.at(-1)].filter((m) => m !== undefined)) {
          const fetched = await fetchState(srv.url, tokens[0] as string, doc, `at=${moment.seq}`);
          expect(fetched.seq).toBe(moment.seq);
          expect(editorJson(fetched.doc)).toEqual(moment.json);
        }
        expect((await srv.store.listSnapshots(doc, 100)).length).toBeGreaterThan(0);
      } catch (error) {
        console.error(`timeline property test failed for seed ${seed}; replay: TIMELINE_SEED=${seed} npx vitest run --project integration tests/integration/timeline.test.ts`);
        throw error;
      }
    });
  }
});

describe('T4 restore', () => {
  it('every connected client converges on exactly the restored content, and a later restore undoes it', async () => {
    const srv = await server();
    const doc = 'restore-doc';
    const token = await mint(srv, doc);
    const clients = [client(srv.url, doc, token), client(srv.url, doc, await editorToken('Bob')), client(srv.url, doc, await editorToken('Cy'))];
    await Promise.all(clients.map((c) => waitSynced(c)));
    const [ada, bob] = clients as [TestClient, TestClient, TestClient];
    ada.doc.getXmlFragment('default').insert(0, [heading('Intro', 'intro'), paragraph('The original text.'), heading('Risks', 'risks'), paragraph('None yet.')]);
    await waitConverged(clients);
    const good = { seq: (await srv.store.logBounds(doc)).latestSeq, json: editorJson(ada.doc) };
    // A bad afternoon: a paragraph deleted, text mangled, a block added.
    const bobFragment = bob.doc.getXmlFragment('default');
    bobFragment.delete(1, 1);
    blockText(bobFragment, 2).insert(0, 'Many! ');
    bobFragment.insert(3, [paragraph('Scribbles')]);
    await waitConverged(clients);
    const bad = { seq: (await srv.store.logBounds(doc)).latestSeq, json: editorJson(bob.doc) };

    const response = await api(srv.url, token, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ seq: good.seq }) });
    expect(response.status).toBe(200);
    const restored = (await response.json()) as RestoreResponse;
    expect(restored).toEqual({ seq: bad.seq + 1, restoredFrom: good.seq });
    await Promise.all(clients.map((c) => waitUntil(() => JSON.stringify(editorJson(c.doc)) === JSON.stringify(good.json), [[c.doc, 'update']], 'restored content')));
    for (const c of clients) expect(editorJson(c.doc)).toEqual(good.json);

    const events = (await (await api(srv.url, token, `/api/docs/${doc}/events`)).json()) as EventsResponse;
    expect(events.events[0]).toMatchObject({ seq: restored.seq, kind: 'restore', userName: 'Ada', restoredFrom: good.seq });
    expect(events.events[0]?.inserted).toBeGreaterThan(0);

    // Undo the restore by restoring the point just before it.
    const undo = await api(srv.url, token, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ seq: bad.seq }) });
    expect(undo.status).toBe(200);
    await Promise.all(clients.map((c) => waitUntil(() => JSON.stringify(editorJson(c.doc)) === JSON.stringify(bad.json), [[c.doc, 'update']], 'undone restore')));
    for (const c of clients) expect(editorJson(c.doc)).toEqual(bad.json);
    // Edits keep working after restores.
    blockText(ada.doc.getXmlFragment('default'), 0).insert(5, ' again');
    await waitConverged(clients);
  });

  it('restores a named version of a document nobody has open; the next visitor sees it', async () => {
    const srv = await server();
    const doc = 'restore-closed';
    const token = await mint(srv, doc);
    const writer = client(srv.url, doc, token);
    const witness = client(srv.url, doc, token);
    await Promise.all([waitSynced(writer), waitSynced(witness)]);
    writer.doc.getXmlFragment('default').insert(0, [paragraph('version one')]);
    await waitConverged([writer, witness]);
    const named = (await (await api(srv.url, token, `/api/docs/${doc}/versions`, { method: 'POST', body: '{"name":"One"}' })).json()) as TimelineVersion;
    blockText(writer.doc.getXmlFragment('default'), 0).delete(0, 'version '.length);
    await waitConverged([writer, witness]);
    writer.destroy();
    witness.destroy();
    await eventually(() => srv.rooms.get(doc) === undefined, 'room evicted');

    const response = await api(srv.url, token, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ versionId: named.id }) });
    expect(response.status).toBe(200);
    const reader = client(srv.url, doc, token);
    await waitSynced(reader);
    expect(reader.doc.getXmlFragment('default').toString()).toBe('<paragraph>version one</paragraph>');
  });
});

describe('T5 timeline and section locks', () => {
  it('refuses a restore that would change a section someone else holds, allows one that does not, and records reverts', async () => {
    const srv = await server();
    const doc = 'locks-doc';
    const adaToken = await mint(srv, doc, Role.editor, 'Ada');
    const bobToken = await mint(srv, doc, Role.editor, 'Bob');
    const ada = client(srv.url, doc, adaToken);
    const bob = client(srv.url, doc, bobToken);
    await Promise.all([waitSynced(ada), waitSynced(bob)]);
    const fragment = ada.doc.getXmlFragment('default');
    fragment.insert(0, [heading('Intro', 'intro'), paragraph('intro text'), heading('Risks', 'risks'), paragraph('risk text')]);
    await waitConverged([ada, bob]);
    const start = (await srv.store.logBounds(doc)).latestSeq;
    blockText(fragment, 3).insert(0, 'more ');
    await waitConverged([ada, bob]);
    const afterRisks = (await srv.store.logBounds(doc)).latestSeq;
    blockText(fragment, 1).insert(0, 'more ');
    await waitConverged([ada, bob]);

    bob.provider.awareness.setLocalStateField('lockRequests', ['risks']);
    await eventually(() => srv.rooms.get(doc)?.locks.holderOf('risks')?.userId === 'user-bob', 'Bob holds Risks');
    const refused = await api(srv.url, adaToken, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ seq: start }) });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ sections: ['risks'] });
    const allowed = await api(srv.url, adaToken, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ seq: afterRisks }) });
    expect(allowed.status).toBe(200);
    await waitConverged([ada, bob]);
    expect(blockText(bob.doc.getXmlFragment('default'), 1).toString()).toBe('intro text');

    // Ada types inside Bob's section: the server reverts it, and the timeline says whose edit it undid.
    blockText(fragment, 3).insert(0, 'sneaky ');
    await eventually(() => !blockText(fragment, 3).toString().includes('sneaky'), 'revert reaches Ada');
    const events = (await (await api(srv.url, adaToken, `/api/docs/${doc}/events?limit=2`)).json()) as EventsResponse;
    expect(events.events.map((e) => [e.kind, e.userName, e.sections])).toEqual([
      ['revert', 'Ada', ['risks']],
      ['edit', 'Ada', ['risks']],
    ]);
  });
});
