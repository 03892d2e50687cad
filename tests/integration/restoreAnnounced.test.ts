/**
 * A restore through the HTTP API tells the room (issue #14, "no silent loss"): every connected client that
 * speaks Tandem channel version 2 receives `restored` naming who restored which point and the point just
 * before the restore; a version 1 client (which may close on a kind it does not know) is sent nothing and
 * stays connected; restoring to that point brings the text from before the restore back for everyone.
 */
import { describe, expect, it } from 'vitest';
import { Role } from '../../shared/auth.js';
import type { TandemRestored } from '../../shared/protocol/messages.js';
import type { EventsResponse, RestoreResponse } from '../../shared/timeline/api.js';
import { waitForDocumentText } from '../helpers/clients.js';
import { testScope } from '../helpers/scope.js';
import { CHANNEL_V1 as V1, CHANNEL_V2 as V2, tandemPeer, type TandemPeer } from '../helpers/tandemPeer.js';
import { bodyText } from '../helpers/yBlocks.js';
import { api } from './timelineFixtures.js';

const scope = testScope();

const restoredOf = (peer: TandemPeer): TandemRestored[] => peer.received.flatMap((m) => (m.kind === 'restored' ? [m.restored] : []));


describe('a restore tells the room', () => {
  it('sends version 2 clients who restored which point and the point that undoes it; restoring to that point undoes it', async () => {
    const srv = await scope.server();
    const doc = 'restore-told';
    const mint = (name: string): Promise<string> => srv.tokens.mint({ sub: `user-${name.toLowerCase()}`, name, color: '#e5484d', role: Role.editor, doc }, 600);
    const ada = await mint('Ada');
    const bo = await tandemPeer(scope, srv.url, doc, await mint('Bo'), V2);
    const cy = await tandemPeer(scope, srv.url, doc, await mint('Cy'), V1);
    const latestSeq = async (): Promise<number> => ((await (await api(srv.url, ada, `/api/docs/${doc}/events?limit=1`)).json()) as EventsResponse).latestSeq;

    bodyText(bo.client.doc).insert(0, 'the original text');
    await bo.flushed(1);
    const original = await latestSeq();
    const text = bodyText(bo.client.doc);
    text.delete(0, text.length);
    text.insert(0, 'twenty thousand characters');
    await bo.flushed(2);
    const beforeRestore = await latestSeq();
    expect(beforeRestore).toBeGreaterThan(original);

    const response = await api(srv.url, ada, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ seq: original }) });
    expect(response.status).toBe(200);
    const restore = (await response.json()) as RestoreResponse;
    await bo.waitFor(() => restoredOf(bo).length === 1, 'Bo is told about the restore');
    const [told] = restoredOf(bo);
    expect(told).toMatchObject({ by: { userId: 'user-ada', name: 'Ada', color: '#e5484d' }, restoredFrom: original, versionName: null, undoSeq: beforeRestore });
    expect(told?.fromAt).toEqual(expect.any(Number));
    expect(restore.seq).toBeGreaterThan(beforeRestore);
    await waitForDocumentText(bo.client.doc, (t) => t === 'the original text', 'Bo sees the restored text');

    // Cy speaks version 1: nothing new is sent to it (its flush answer comes after anything queued before it),
    // and it stays connected and in step.
    await cy.flushed(1);
    expect(restoredOf(cy)).toEqual([]);
    expect(cy.closeCode()).toBeNull();
    await waitForDocumentText(cy.client.doc, (t) => t === 'the original text', 'Cy sees the restored text');

    // Undo: a restore to the point the message named brings back the text from before, and is told in turn.
    const undo = await api(srv.url, ada, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ seq: told?.undoSeq }) });
    expect(undo.status).toBe(200);
    await waitForDocumentText(bo.client.doc, (t) => t === 'twenty thousand characters', 'Bo sees the undone restore');
    await waitForDocumentText(cy.client.doc, (t) => t === 'twenty thousand characters', 'Cy sees the undone restore');
    await bo.waitFor(() => restoredOf(bo).length === 2, 'Bo is told about the undo');
    expect(restoredOf(bo)[1]).toMatchObject({ restoredFrom: beforeRestore, undoSeq: restore.seq });
  });

  it('tells nobody about a restore that changed nothing', async () => {
    const srv = await scope.server();
    const doc = 'restore-noop';
    const token = await srv.tokens.mint({ sub: 'user-ada', name: 'Ada', color: '#e5484d', role: Role.editor, doc }, 600);
    const bo = await tandemPeer(scope, srv.url, doc, token, V2);
    bodyText(bo.client.doc).insert(0, 'as it is');
    await bo.flushed(1);
    const { latestSeq } = (await (await api(srv.url, token, `/api/docs/${doc}/events?limit=1`)).json()) as EventsResponse;
    expect((await api(srv.url, token, `/api/docs/${doc}/restore`, { method: 'POST', body: JSON.stringify({ seq: latestSeq }) })).status).toBe(200);
    await bo.flushed(2);
    expect(restoredOf(bo)).toEqual([]);
  });
});
