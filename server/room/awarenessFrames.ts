/**
 * Awareness frames a stock client can echo back. A stock WebsocketProvider re-sends every awareness update it
 * applies, remote states included, as one frame; the server closes a peer whose awareness frame passes
 * MAX_AWARENESS_BYTES (4413) or whose update holds more entries than the decoder takes. So what the room sends
 * (a batch of changes, or every state for a newcomer) is cut into frames of at most half that size and half
 * that many entries: the echo of any one of them is always accepted, however large the room.
 */
import { type Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { MAX_AWARENESS_BYTES } from '../../shared/limits.js';
import { MAX_AWARENESS_ENTRIES } from '../../shared/protocol/awarenessWire.js';
import { encodeAwarenessFrame } from '../../shared/protocol/frames.js';

const FRAME_TARGET_BYTES = MAX_AWARENESS_BYTES / 2;
const FRAME_MAX_ENTRIES = MAX_AWARENESS_ENTRIES / 2;
/** clientID and clock varints and the string length prefix, at most. */
const ENTRY_OVERHEAD_BYTES = 15;

/** Encoded bytes of one entry holding `state` (null: a removal), at most. */
function entryBytes(state: unknown): number {
  return Buffer.byteLength(JSON.stringify(state ?? null)) + ENTRY_OVERHEAD_BYTES;
}

/** Whether a state, as the room will publish it, fits one frame whose echo is accepted. A state that does not
 *  is refused where it comes in (RoomAwareness), so every state the room holds does. */
export function fitsEchoedFrame(state: unknown): boolean {
  return entryBytes(state) <= FRAME_TARGET_BYTES;
}

export function encodeAwarenessFrames(awareness: Awareness, clientIds: readonly number[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const states = awareness.getStates();
  let group: number[] = [];
  let groupBytes = 0;
  const flush = (): void => {
    if (group.length > 0) frames.push(encodeAwarenessFrame(encodeAwarenessUpdate(awareness, group)));
    group = [];
    groupBytes = 0;
  };
  for (const clientId of clientIds) {
    // A removed state is encoded as "null". Every state fits the target (fitsEchoedFrame); one that somehow
    // did not would still go, alone.
    const bytes = entryBytes(states.get(clientId));
    if (group.length > 0 && (groupBytes + bytes > FRAME_TARGET_BYTES || group.length >= FRAME_MAX_ENTRIES)) flush();
    group.push(clientId);
    groupBytes += bytes;
  }
  flush();
  return frames;
}
