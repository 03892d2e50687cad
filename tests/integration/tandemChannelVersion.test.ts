/**
 * The Tandem channel's version against a real server and real sockets: `tandem=1&tandemVersion=2` (what
 * this build sends; servers from before versioning read only `tandem=1`) and `tandem=2` opt in as version 2,
 * `tandem` and `tandem=1` stay version 1, and a Tandem kind the server does not know (a newer client's)
 * leaves the connection open and syncing.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { TandemServer } from '../../server/app.js';
import {
  decodeTandemBody,
  encodeTandemMessage,
  MessageType,
  TANDEM_CHANNEL_VERSION,
  TANDEM_OPT_IN_PARAM,
  TANDEM_VERSION_PARAM,
  type TandemMessage,
} from '../../shared/protocol/messages.js';
import { editorToken, type TestClient, waitForDocumentText, waitSynced } from '../helpers/clients.js';
import { testScope } from '../helpers/scope.js';
import { type Subscribable, waitUntil } from '../helpers/wait.js';
import { bodyText } from '../helpers/yBlocks.js';

const scope = testScope();

interface TandemPeer {
  client: TestClient;
  /** Tandem messages the server sent this peer, in order. */
  received: TandemMessage[];
  /** Set when the server closed the socket. */
  closeCode: () => number | null;
  send(frame: Uint8Array): void;
  waitFor(check: () => boolean, description: string): Promise<void>;
}

/** A stock provider whose URL carries `params` (the opt-in and version), recording the Tandem frames it receives. */
async function tandemPeer(srv: TandemServer, docName: string, params: Record<string, string>): Promise<TandemPeer> {
  const client = scope.client(srv.url, docName, await editorToken(), { params });
  const received: TandemMessage[] = [];
  const changes = new EventEmitter();
  let closeCode: number | null = null;
  client.provider.messageHandlers[MessageType.tandem] = (_encoder, decoder) => {
    const decoded = decodeTandemBody(decoder);
    if (decoded.ok) received.push(decoded.value);
    changes.emit('change');
  };
  client.provider.on('connection-close', (event) => {
    closeCode = event?.code ?? -1;
    changes.emit('change');
  });
  await waitSynced(client);
  return {
    client,
    received,
    closeCode: () => closeCode,
    send(frame) {
      const ws = client.provider.ws;
      if (!ws) throw new Error('no socket to send on');
      ws.send(frame);
    },
    waitFor: (check, description) => waitUntil(check, [[changes as unknown as Subscribable, 'change']], description, 10_000, () => ({ received, closeCode })),
  };
}

/** What this build's client sends: the opt-in every server accepts, and the version it speaks. */
const V2 = { [TANDEM_OPT_IN_PARAM]: '1', [TANDEM_VERSION_PARAM]: String(TANDEM_CHANNEL_VERSION) };

/** A tandem frame of `kind` with a body this server cannot read. */
function unknownKindFrame(kind: number): Uint8Array {
  return Uint8Array.of(MessageType.tandem, kind, 1, 2, 3);
}

function acknowledged(peer: TandemPeer, nonce: number): boolean {
  return peer.received.some((message) => message.kind === 'flushed' && message.nonce === nonce);
}

/** Asks the server to confirm what `peer` sent, and waits for its answer (or a close). */
async function flushAcknowledged(peer: TandemPeer, nonce: number): Promise<void> {
  peer.send(encodeTandemMessage({ kind: 'flushRequest', nonce }));
  await peer.waitFor(() => acknowledged(peer, nonce) || peer.closeCode() !== null, `the server acknowledges flush ${nonce}`);
  expect(peer.closeCode()).toBeNull();
  expect(acknowledged(peer, nonce)).toBe(true);
}

describe('Tandem channel version', () => {
  const optIns: Array<Record<string, string>> = [V2, { [TANDEM_OPT_IN_PARAM]: '2' }, { [TANDEM_OPT_IN_PARAM]: '1' }, { [TANDEM_OPT_IN_PARAM]: '' }];
  for (const params of optIns) {
    const query = new URLSearchParams(params).toString();
    it(`opts in with \`${query}\`: the server answers flush requests`, async () => {
      const srv = await scope.server();
      const peer = await tandemPeer(srv, `opt-in-${query.replace(/[^a-z0-9]/gi, '-')}`, params);
      await flushAcknowledged(peer, 1);
    });
  }

  it('keeps a version 2 client that sends an unknown kind connected, acknowledged and syncing', async () => {
    const srv = await scope.server();
    const newer = await tandemPeer(srv, 'newer-kind', V2);
    const other = await tandemPeer(srv, 'newer-kind', V2);
    newer.send(unknownKindFrame(77));
    newer.send(unknownKindFrame(200));
    // The flush is answered after the frames before it, so the connection outlived both unknown kinds.
    await flushAcknowledged(newer, 1);
    bodyText(newer.client.doc).insert(0, 'from the newer client');
    await waitForDocumentText(other.client.doc, (text) => text === 'from the newer client', 'the other client sees the edit');
    bodyText(other.client.doc).insert(0, 'and back: ');
    await waitForDocumentText(newer.client.doc, (text) => text === 'and back: from the newer client', 'the newer client still receives edits');
    expect(newer.closeCode()).toBeNull();
    expect(newer.client.provider.wsconnected).toBe(true);
  });

  it('still closes a truncated known kind for good (4400): only unknown kinds are skipped', async () => {
    const srv = await scope.server();
    const peer = await tandemPeer(srv, 'truncated-kind', V2);
    peer.send(Uint8Array.of(MessageType.tandem, 0));
    await peer.waitFor(() => peer.closeCode() !== null, 'the server closes the socket');
    expect(peer.closeCode()).toBe(4400);
  });
});
