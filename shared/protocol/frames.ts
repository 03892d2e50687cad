/**
 * Encoders for the stock y-websocket frames (grammar in messages.ts). Server, tests and tools build every
 * sync and awareness frame here, so the framing is written once.
 */
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';
import { MessageType } from './messages.js';

function frame(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** sync step 1: "here is my state vector". */
export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  return frame(MessageType.sync, (encoder) => syncProtocol.writeSyncStep1(encoder, doc));
}

/** sync step 2: everything in `doc` that a peer with `stateVector` lacks. */
export function encodeSyncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  return frame(MessageType.sync, (encoder) => syncProtocol.writeSyncStep2(encoder, doc, stateVector));
}

/** sync step 2 carrying `update` (v1) as is: a full state built without a Y.Doc, e.g. merged from storage. */
export function encodeSyncStep2Update(update: Uint8Array): Uint8Array {
  return frame(MessageType.sync, (encoder) => {
    encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
    encoding.writeVarUint8Array(encoder, update);
  });
}

/** sync update: one Yjs update (v1). */
export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  return frame(MessageType.sync, (encoder) => syncProtocol.writeUpdate(encoder, update));
}

/** awareness: one encoded y-protocols awareness update. */
export function encodeAwarenessFrame(update: Uint8Array): Uint8Array {
  return frame(MessageType.awareness, (encoder) => encoding.writeVarUint8Array(encoder, update));
}
