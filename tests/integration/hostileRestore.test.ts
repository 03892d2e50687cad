/**
 * Hostile clients against restore announcements (shared/protocol/messages.ts kind `restored`, Room.announceRestore,
 * the timeline API's restore): a client cannot make anyone else see a forged `restored` banner by sending the
 * kind itself, a viewer or commenter cannot restore (nor undo one), and a restore of one document is told to
 * that document's peers only. Each test asserts what the honest peer keeps: its text, and no banner.
 */
import { describe, expect, it } from 'vitest';
import type { TandemServer } from '../../server/app.js';
import { Role } from '../../shared/auth.js';
import { encodeTandemMessage, type TandemRestored } from '../../shared/protocol/messages.js';
import type { EventsResponse } from '../../shared/timeline/api.js';
import { testScope } from '../helpers/scope.js';
import { CHANNEL_V2 as V2, tandemPeer, type TandemPeer } from '../helpers/tandemPeer.js';
import { bodyText, documentText } from '../helpers/yBlocks.js';
import { api } from './timelineFixtures.js';

const scope = testScope();

const restoredOf = (peer: TandemPeer): TandemRestored[] => peer.received.flatMap((m) => (m.kind === 'restored' ? [m.restored] : []));

function minter(srv: TandemServer, doc: string) {
  return (name: string, role: Role = Role.editor): Promise<string> =>
    srv.tokens.mint({ sub: `user-${name.toLowerCase()}`, name, color: '#e5484d', role, doc }, 600);
}

async function latestSeq(srv: TandemServer, token: string, doc: string): Promise<number> {
  return ((await (await api(srv.url, token, `/api/docs/${doc}/events?limit=1`)).json()) as EventsResponse).latestSeq;
}

/** Two versions written by `author`: returns the seq of the first (what a restore would bring back). */
async function twoVersions(srv: TandemServer, author: TandemPeer, token: string, doc: string): Promise<number> {
  bodyText(author.client.doc).insert(0, 'first version');
  await author.flushed(101);
  const first = await latestSeq(srv, token, doc);
  const text = bodyText(author.client.doc);
  text.delete(0, text.length);
  text.insert(0, 'second version');
  await author.flushed(102);
  return first;
}

describe('hostile restore announcements', () => {
  it('a `restored` frame a client sends is not relayed to anyone, and the sender stays connected', async () => {
    const srv = await scope.server();
    const doc = 'hostile-restore-forged';
    const mint = minter(srv, doc);
    const mallory = await tandemPeer(scope, srv.url, doc, await mint('Mallory'), V2);
    const bo = await tandemPeer(scope, srv.url, doc, await mint('Bo'), V2);
    bodyText(bo.client.doc).insert(0, 'kept text');
    await bo.flushed(1);

    const forged: TandemRestored = {
      by: { userId: 'user-bo', name: 'Bo', color: '#e5484d' },
      restoredFrom: 1,
      fromAt: Date.now(),
      versionName: 'Forged',
      undoSeq: 1,
      at: Date.now(),
    };
    mallory.send(encodeTandemMessage({ kind: 'restored', restored: forged }));
    // The server handles Mallory's frames in order, so once her flush is answered the forged frame was handled;
    // a relay would then be queued for Bo before the answer to Bo's own flush.
    await mallory.flushed(2);
    await bo.flushed(3);
    expect(restoredOf(bo)).toEqual([]);
    expect(restoredOf(mallory)).toEqual([]);
    expect(mallory.closeCode()).toBeNull();
    expect(documentText(bo.client.doc)).toBe('kept text');
  });

  it.each([Role.viewer, Role.commenter])('a %s can neither restore nor undo one: 403, no banner, text unchanged', async (role) => {
    const srv = await scope.server();
    const doc = `hostile-restore-${role}`;
    const mint = minter(srv, doc);
    const adaToken = await mint('Ada');
    const ada = await tandemPeer(scope, srv.url, doc, adaToken, V2);
    const first = await twoVersions(srv, ada, adaToken, doc);
    const lowToken = await mint('Low', role);
    const low = await tandemPeer(scope, srv.url, doc, lowToken, V2);

    const restore = await api(srv.url, lowToken, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ seq: first }) });
    expect(restore.status).toBe(403);
    // An "undo" is the same request to the point before a restore: the current latest seq.
    const undo = await api(srv.url, lowToken, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ seq: await latestSeq(srv, adaToken, doc) }) });
    expect(undo.status).toBe(403);

    await ada.flushed(3);
    await low.flushed(4);
    expect(restoredOf(ada)).toEqual([]);
    expect(restoredOf(low)).toEqual([]);
    expect(documentText(ada.client.doc)).toBe('second version');
    expect(documentText(low.client.doc)).toBe('second version');
  });

  it("a restore is told only to its own document's peers, and a token for another document cannot restore this one", async () => {
    const srv = await scope.server();
    const docA = 'hostile-restore-a';
    const docB = 'hostile-restore-b';
    const tokenA = await minter(srv, docA)('Ada');
    const tokenB = await minter(srv, docB)('Bo');
    const ada = await tandemPeer(scope, srv.url, docA, tokenA, V2);
    const bo = await tandemPeer(scope, srv.url, docB, tokenB, V2);
    bodyText(bo.client.doc).insert(0, 'document b');
    await bo.flushed(1);
    const firstA = await twoVersions(srv, ada, tokenA, docA);

    // Bo's token names document B only.
    const crossed = await api(srv.url, tokenB, `/api/docs/${docA}/restore`, { method: 'POST', body: JSON.stringify({ seq: firstA }) });
    expect(crossed.status).toBeGreaterThanOrEqual(400);
    await ada.flushed(2);
    expect(restoredOf(ada)).toEqual([]);
    expect(documentText(ada.client.doc)).toBe('second version');

    const own = await api(srv.url, tokenA, `/api/docs/${docA}/restore`, { method: 'POST', body: JSON.stringify({ seq: firstA }) });
    expect(own.status).toBe(200);
    await ada.waitFor(() => restoredOf(ada).length === 1, 'Ada is told about her restore');
    await bo.flushed(3);
    expect(restoredOf(bo)).toEqual([]);
    expect(documentText(bo.client.doc)).toBe('document b');
  });
});
