/** Turns one untrusted inbound frame into a typed message, or an error. Never throws; every frame must be
 *  consumed exactly. Server-to-client-only types (auth) are refused. */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { decodeTandemBody, type DecodeResult, MessageType, type TandemMessage } from '../../shared/protocol/messages.js';

/** y-protocols/sync message kinds. */
const SyncKind = { step1: 0, step2: 1, update: 2 } as const;

export type InboundMessage =
  | { type: 'syncStep1'; stateVector: Uint8Array }
  | { type: 'syncUpdate'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'queryAwareness' }
  | { type: 'tandem'; message: TandemMessage };

export function decodeFrame(frame: Uint8Array): DecodeResult<InboundMessage> {
  try {
    const decoder = decoding.createDecoder(frame);
    const messageType = decoding.readVarUint(decoder);
    const result = decodeBody(messageType, decoder);
    if (result.ok && result.value.type !== 'tandem' && decoding.hasContent(decoder)) {
      return { ok: false, error: 'trailing bytes' };
    }
    return result;
  } catch {
    return { ok: false, error: 'truncated frame' };
  }
}

function decodeBody(messageType: number, decoder: decoding.Decoder): DecodeResult<InboundMessage> {
  switch (messageType) {
    case MessageType.sync: {
      const kind = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (kind === SyncKind.step1) {
        // Validate now: encodeStateAsUpdate would throw on a malformed vector later, mid-reply.
        Y.decodeStateVector(payload);
        return { ok: true, value: { type: 'syncStep1', stateVector: payload } };
      }
      if (kind === SyncKind.step2 || kind === SyncKind.update) {
        return { ok: true, value: { type: 'syncUpdate', update: payload } };
      }
      return { ok: false, error: `unknown sync message ${kind}` };
    }
    case MessageType.awareness:
      return { ok: true, value: { type: 'awareness', update: decoding.readVarUint8Array(decoder) } };
    case MessageType.queryAwareness:
      return { ok: true, value: { type: 'queryAwareness' } };
    case MessageType.tandem: {
      const body = decodeTandemBody(decoder);
      return body.ok ? { ok: true, value: { type: 'tandem', message: body.value } } : body;
    }
    default:
      return { ok: false, error: `unknown message type ${messageType}` };
  }
}
