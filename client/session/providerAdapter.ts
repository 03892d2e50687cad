/**
 * The session's one window onto the stock y-websocket `WebsocketProvider`: every read of its internals, the
 * patch of its message handlers for the Tandem channel, and its reconnect backoff live here, so that an
 * upgrade of y-websocket is checked against this file alone and CollabSession can be tested against a fake.
 *
 * The Tandem channel hooks in without forking the provider: it dispatches inbound frames through its own
 * `messageHandlers` array, one slot per message type.
 */
import * as decoding from 'lib0/decoding';
import type { Awareness } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import { closeReaction } from '../../shared/protocol/closeCodes.js';
import { MessageType, TANDEM_CHANNEL_VERSION, TANDEM_OPT_IN_PARAM, TANDEM_VERSION_PARAM, decodeTandemBody, encodeTandemMessage, type TandemMessage } from '../../shared/protocol/messages.js';

/** Upper bound of the reconnect backoff: quick after a blip, gentle on a server that is down. */
export const MAX_BACKOFF_MS = 5_000;

/**
 * How long the provider waits before its next attempt after `failedAttempts` closes in a row (counted from
 * 1; the count restarts once a connection syncs): 200, 400, 800 ms… up to MAX_BACKOFF_MS. It is y-websocket
 * 3.1's own formula, written once so that "Reconnecting in N s" says when the provider really retries.
 */
export function reconnectDelayMs(failedAttempts: number): number {
  return Math.min(2 ** failedAttempts * 100, MAX_BACKOFF_MS);
}

export interface ProviderEvents {
  /** A socket is being opened. */
  onConnecting(): void;
  /** The socket is open; the sync handshake starts. */
  onOpen(): void;
  /** The first sync on this socket completed. */
  onSynced(): void;
  /** The socket closed (or failed to open) and the provider retries by itself after `retryInMs`. */
  onRetrying(retryInMs: number): void;
  /** The socket closed for any reason, our own disconnect included: requests sent on it go unanswered. */
  onConnectionLost(): void;
  /** The server refused us with a final code (4400–4499): the provider does not retry by itself. */
  onRefused(close: { code: number; reason: string }): void;
  /** A decoded Tandem message from the server, kinds this build does not know included (as `unknown`). */
  onTandemMessage(message: TandemMessage): void;
  /**
   * We just answered the server's sync step 1 on the live socket. Runs after our sync step 2 is on the
   * wire, which carries every update the server lacks, edits made offline included: only from then on
   * does a flushRequest cover those edits.
   */
  onServerStateAnswered(): void;
  /** The server's state vector, from its sync step 1 on the live socket (once per connection). */
  onServerStateVector(stateVector: Uint8Array): void;
  /** The server's sync step 2 on the live socket (its answer to ours): its delete set is whole in it. */
  onServerStateUpdate(update: Uint8Array): void;
}

/** What the session (and the editor, presence and locks beside it) may do with the connection. */
export interface ProviderAdapter {
  readonly awareness: Awareness;
  /** The URL parameters of the next (re)connect; `token` is the one the socket presents. */
  readonly params: Record<string, string>;
  /** The socket is open and the first sync on it has completed. */
  readonly synced: boolean;
  /** The socket is open (the sync may still be running). */
  readonly connected: boolean;
  connect(): void;
  /** Leaves: the provider first announces this replica's awareness state as gone (the server then frees
   *  its section locks at once) and stays disconnected until `connect()`. */
  disconnect(): void;
  /** Drops the socket as a network blip would and redials at once, without announcing a departure: a new
   *  token's name reaches the server, or a new role, while this person's locks wait for them (their lease). */
  reconnect(): void;
  /** Stay in step with this browser's other tabs (BroadcastChannel) while the socket is down. */
  connectTabs(): void;
  /** Sends on the live socket; false when there is none to send on. */
  sendTandem(message: TandemMessage): boolean;
  /** Whether a Y.Doc update with this origin came in through the provider (from the server or another tab). */
  delivered(origin: unknown): boolean;
  /**
   * The provider's own `synced` event, for editor extensions that wait for the first sync: Tiptap's UniqueID
   * finds this adapter as the caret extension's `provider` and assigns ids only once the document is in.
   */
  on(event: 'synced', listener: SyncedListener): void;
  off(event: 'synced', listener: SyncedListener): void;
  destroy(): void;
}

export type SyncedListener = (synced: boolean) => void;

export interface ProviderOptions {
  /** e.g. `wss://host/collab`; the document name is appended as the last path segment. */
  serverUrl: string;
  docName: string;
  doc: Y.Doc;
}

export type ProviderFactory = (options: ProviderOptions, events: ProviderEvents) => ProviderAdapter;

/** The real adapter, over y-websocket's WebsocketProvider. Created disconnected: call `connect()`. */
export const createWebsocketAdapter: ProviderFactory = ({ serverUrl, docName, doc }, events) => {
  const provider = new WebsocketProvider(serverUrl, docName, doc, {
    connect: false,
    params: { [TANDEM_OPT_IN_PARAM]: '1', [TANDEM_VERSION_PARAM]: String(TANDEM_CHANNEL_VERSION) },
    maxBackoffTime: MAX_BACKOFF_MS,
  });
  installTandemChannel(provider, events);
  provider.on('status', ({ status }) => {
    if (status === 'connecting') events.onConnecting();
    else if (status === 'connected') events.onOpen();
    // 'disconnected' carries nothing: connection-close below says why.
  });
  provider.on('sync', (synced) => {
    if (synced) events.onSynced();
  });
  provider.on('connection-close', (event) => {
    events.onConnectionLost();
    // Final codes are reported by `closed`, which the provider emits right after this.
    if (event && closeReaction(event.code) !== 'retry') return;
    // The provider counts this close as a failed attempt right after this event, then waits.
    if (provider.shouldConnect) events.onRetrying(reconnectDelayMs(provider.wsUnsuccessfulReconnects + 1));
  });
  provider.on('closed', (close) => events.onRefused(close));

  return {
    awareness: provider.awareness,
    params: provider.params,
    get synced() {
      return provider.wsconnected && provider.synced;
    },
    get connected() {
      return provider.wsconnected;
    },
    connect: () => provider.connect(),
    disconnect: () => provider.disconnect(),
    reconnect() {
      const ws = provider.ws;
      // Closed by hand (not provider.disconnect(), which broadcasts our awareness as removed first): the
      // provider sees an ordinary close and redials through its own backoff, which restarts at its shortest.
      if (ws && provider.wsconnected) ws.close();
      else provider.connect();
    },
    connectTabs: () => provider.connectBc(),
    sendTandem(message) {
      const ws = provider.ws;
      if (!provider.wsconnected || !ws || ws.readyState !== ws.OPEN) return false;
      ws.send(encodeTandemMessage(message));
      return true;
    },
    delivered: (origin) => origin === provider,
    // `sync` is emitted with `synced`, with the same argument; only `sync` is in y-websocket's typings.
    on: (_event, listener) => provider.on('sync', listener),
    off: (_event, listener) => provider.off('sync', listener),
    destroy: () => provider.destroy(),
  };
};

function installTandemChannel(provider: WebsocketProvider, events: ProviderEvents): void {
  provider.messageHandlers[MessageType.tandem] = (_encoder, decoder) => {
    const result = decodeTandemBody(decoder);
    if (result.ok) events.onTandemMessage(result.value);
    else console.warn(`Ignoring a Tandem message: ${result.error}`);
  };

  const stockSync = provider.messageHandlers[MessageType.sync];
  if (!stockSync) throw new Error('y-websocket has no sync handler');
  provider.messageHandlers[MessageType.sync] = (encoder, decoder, target, emitSynced, messageType) => {
    // Peek before the stock handler consumes it. `emitSynced` is false for BroadcastChannel frames
    // from other tabs, which say nothing about what the server has.
    const syncType = decoding.peekVarUint(decoder);
    const peeked = syncType === syncProtocol.messageYjsSyncStep1 ? events.onServerStateVector : syncType === syncProtocol.messageYjsSyncStep2 ? events.onServerStateUpdate : null;
    if (emitSynced && peeked) {
      // Read from a second decoder over the same bytes, so the stock handler still sees the whole message.
      const peek = decoding.createDecoder(decoder.arr);
      peek.pos = decoder.pos;
      try {
        decoding.readVarUint(peek);
        peeked(decoding.readVarUint8Array(peek));
      } catch {
        // malformed: the stock handler below meets the same bytes and the provider deals with them
      }
    }
    stockSync(encoder, decoder, target, emitSynced, messageType);
    if (emitSynced && syncType === syncProtocol.messageYjsSyncStep1) {
      // The provider sends our reply right after this handler returns (same task), so a microtask
      // is guaranteed to run after it is on the wire.
      queueMicrotask(() => events.onServerStateAnswered());
    }
  };
}
