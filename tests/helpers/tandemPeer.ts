/** A stock provider that opts into the Tandem channel and records the Tandem messages the server sends it. */
import { EventEmitter } from 'node:events';
import {
  decodeTandemBody,
  encodeTandemMessage,
  MessageType,
  TANDEM_CHANNEL_VERSION,
  TANDEM_OPT_IN_PARAM,
  TANDEM_VERSION_PARAM,
  type TandemMessage,
} from '../../shared/protocol/messages.js';
import { type TestClient, waitSynced } from './clients.js';
import type { TestScope } from './scope.js';
import { type Subscribable, waitUntil } from './wait.js';

/** What this build's client sends: the opt-in every server accepts, and the version it speaks. */
export const CHANNEL_V2 = { [TANDEM_OPT_IN_PARAM]: '1', [TANDEM_VERSION_PARAM]: String(TANDEM_CHANNEL_VERSION) };
/** A client from before channel versioning. */
export const CHANNEL_V1 = { [TANDEM_OPT_IN_PARAM]: '1' };

export interface TandemPeer {
  client: TestClient;
  /** Tandem messages the server sent this peer, in order. */
  received: TandemMessage[];
  /** Set when the server closed the socket. */
  closeCode: () => number | null;
  send(frame: Uint8Array): void;
  waitFor(check: () => boolean, description: string): Promise<void>;
  /** Asks the server to confirm what this peer sent and resolves on its answer (or a close): every frame the
   *  server queued for this peer before answering has arrived too (one socket, in order). */
  flushed(nonce: number): Promise<void>;
}

/** A synced peer on `docName` whose URL carries `params` (the opt-in and version). */
export async function tandemPeer(scope: TestScope, url: string, docName: string, token: string, params: Record<string, string>): Promise<TandemPeer> {
  const client = scope.client(url, docName, token, { params });
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
  const waitFor = (check: () => boolean, description: string): Promise<void> =>
    waitUntil(check, [[changes as unknown as Subscribable, 'change']], description, 10_000, () => ({ received, closeCode }));
  const send = (frame: Uint8Array): void => {
    const ws = client.provider.ws;
    if (!ws) throw new Error('no socket to send on');
    ws.send(frame);
  };
  return {
    client,
    received,
    closeCode: () => closeCode,
    send,
    waitFor,
    async flushed(nonce) {
      send(encodeTandemMessage({ kind: 'flushRequest', nonce }));
      await waitFor(() => received.some((m) => m.kind === 'flushed' && m.nonce === nonce) || closeCode !== null, `the server acknowledges flush ${nonce}`);
    },
  };
}
