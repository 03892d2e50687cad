/**
 * The Tandem channel's version against a real server and real sockets: `tandem=1&tandemVersion=2` (what
 * this build sends; servers from before versioning read only `tandem=1`) and `tandem=2` opt in as version 2,
 * `tandem` and `tandem=1` stay version 1, and a Tandem kind the server does not know (a newer client's)
 * leaves the connection open and syncing.
 */
import { describe, expect, it } from 'vitest';
import { MessageType, TANDEM_OPT_IN_PARAM } from '../../shared/protocol/messages.js';
import { editorToken, waitForDocumentText } from '../helpers/clients.js';
import { testScope } from '../helpers/scope.js';
import { CHANNEL_V2 as V2, tandemPeer } from '../helpers/tandemPeer.js';
import { bodyText } from '../helpers/yBlocks.js';

const scope = testScope();

/** A tandem frame of `kind` with a body this server cannot read. */
function unknownKindFrame(kind: number): Uint8Array {
  return Uint8Array.of(MessageType.tandem, kind, 1, 2, 3);
}


describe('Tandem channel version', () => {
  const optIns: Array<Record<string, string>> = [V2, { [TANDEM_OPT_IN_PARAM]: '2' }, { [TANDEM_OPT_IN_PARAM]: '1' }, { [TANDEM_OPT_IN_PARAM]: '' }];
  for (const params of optIns) {
    const query = new URLSearchParams(params).toString();
    it(`opts in with \`${query}\`: the server answers flush requests`, async () => {
      const srv = await scope.server();
      const peer = await tandemPeer(scope, srv.url, `opt-in-${query.replace(/[^a-z0-9]/gi, '-')}`, await editorToken(), params);
      await peer.flushed(1);
    });
  }

  it('keeps a version 2 client that sends an unknown kind connected, acknowledged and syncing', async () => {
    const srv = await scope.server();
    const newer = await tandemPeer(scope, srv.url, 'newer-kind', await editorToken(), V2);
    const other = await tandemPeer(scope, srv.url, 'newer-kind', await editorToken(), V2);
    newer.send(unknownKindFrame(77));
    newer.send(unknownKindFrame(200));
    // The flush is answered after the frames before it, so the connection outlived both unknown kinds.
    await newer.flushed(1);
    bodyText(newer.client.doc).insert(0, 'from the newer client');
    await waitForDocumentText(other.client.doc, (text) => text === 'from the newer client', 'the other client sees the edit');
    bodyText(other.client.doc).insert(0, 'and back: ');
    await waitForDocumentText(newer.client.doc, (text) => text === 'and back: from the newer client', 'the newer client still receives edits');
    expect(newer.closeCode()).toBeNull();
    expect(newer.client.provider.wsconnected).toBe(true);
  });

  it('still closes a truncated known kind for good (4400): only unknown kinds are skipped', async () => {
    const srv = await scope.server();
    const peer = await tandemPeer(scope, srv.url, 'truncated-kind', await editorToken(), V2);
    peer.send(Uint8Array.of(MessageType.tandem, 0));
    await peer.waitFor(() => peer.closeCode() !== null, 'the server closes the socket');
    expect(peer.closeCode()).toBe(4400);
  });
});
