/**
 * Hooks Tandem's opt-in messages into the stock WebsocketProvider without forking it: the provider
 * dispatches inbound frames through its own `messageHandlers` array, one slot per message type.
 */
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import type { WebsocketProvider } from 'y-websocket';
import { MessageType, decodeTandemBody, type TandemMessage } from '../../shared/protocol/messages.js';

export interface TandemChannelHandlers {
  /** A decoded Tandem message from the server (flushed, notice). */
  onMessage(message: TandemMessage): void;
  /**
   * We just answered the server's sync step 1 on the live socket. Runs in a microtask, i.e. after
   * the stock provider has sent our step 2 — which carries every update the server lacks, including
   * edits made offline. Only from then on does a flushRequest cover those edits.
   */
  onServerStateAnswered(): void;
  /**
   * The server's state vector, from its sync step 1 on the live socket (once per connection): what it has,
   * so the session can tell whether this replica holds changes the server never accepted.
   */
  onServerStateVector(stateVector: Uint8Array): void;
  /** The server's sync step 2 on the live socket (its answer to ours): its delete set is whole in it. */
  onServerStateUpdate(update: Uint8Array): void;
}

export function installTandemChannel(provider: WebsocketProvider, handlers: TandemChannelHandlers): void {
  provider.messageHandlers[MessageType.tandem] = (_encoder, decoder) => {
    const result = decodeTandemBody(decoder);
    if (result.ok) handlers.onMessage(result.value);
    else console.warn(`Ignoring a Tandem message: ${result.error}`);
  };

  const stockSync = provider.messageHandlers[MessageType.sync];
  if (!stockSync) throw new Error('y-websocket has no sync handler');
  provider.messageHandlers[MessageType.sync] = (encoder, decoder, target, emitSynced, messageType) => {
    // Peek before the stock handler consumes it. `emitSynced` is false for BroadcastChannel frames
    // from other tabs, which say nothing about what the server has.
    const syncType = decoding.peekVarUint(decoder);
    const peeked = syncType === syncProtocol.messageYjsSyncStep1 ? handlers.onServerStateVector : syncType === syncProtocol.messageYjsSyncStep2 ? handlers.onServerStateUpdate : null;
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
      queueMicrotask(() => handlers.onServerStateAnswered());
    }
  };
}
