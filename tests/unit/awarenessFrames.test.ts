/**
 * What the room sends in awareness frames must be echoable: a stock client re-sends each awareness update it
 * applies as one frame, and the server closes a peer whose awareness frame passes MAX_AWARENESS_BYTES or whose
 * update has too many entries. Large rooms (many or large states) therefore get several frames.
 */
import { describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { MAX_AWARENESS_BYTES } from '../../shared/limits.js';
import { decodeAwarenessUpdate, MAX_AWARENESS_ENTRIES } from '../../shared/protocol/awarenessWire.js';
import { encodeAwarenessFrames } from '../../server/room/awarenessFrames.js';
import { MessageType } from '../../shared/protocol/messages.js';

/** The server's awareness holding `count` peers' states of about `bytes` each (non-ASCII, to count bytes, not chars). */
function roomWith(count: number, bytes: number): Awareness {
  const room = new Awareness(new Y.Doc());
  room.setLocalState(null);
  for (let i = 0; i < count; i++) {
    const peer = new Awareness(new Y.Doc());
    peer.setLocalState({ user: { name: `peer ${i}`, color: '#336699' }, note: 'é'.repeat(Math.floor(bytes / 2)) });
    applyAwarenessUpdate(room, encodeAwarenessUpdate(peer, [peer.clientID]), 'peer');
    peer.destroy();
  }
  return room;
}

/** The awareness updates inside awareness frames (type byte, then a var-length update). */
function encodeAwarenessFramesPayload(frames: readonly Uint8Array[]): Uint8Array[] {
  return frames.map((frame) => {
    const decoder = decoding.createDecoder(frame);
    expect(decoding.readVarUint(decoder)).toBe(MessageType.awareness);
    return decoding.readVarUint8Array(decoder);
  });
}

describe('awareness frames', () => {
  it.each([
    ['many ordinary states', 300, 120],
    ['fewer large states', 40, 2_000],
    ['more tiny states than one update may hold', MAX_AWARENESS_ENTRIES + 200, 0],
  ])('cuts %s into frames a client may echo, and loses none', (_label, count, bytes) => {
    const room = roomWith(count, bytes);
    const ids = [...room.getStates().keys()];
    const frames = encodeAwarenessFrames(room, ids);
    const updates = encodeAwarenessFramesPayload(frames);
    const received = new Awareness(new Y.Doc());
    for (const [i, update] of updates.entries()) {
      expect(frames[i]!.length).toBeLessThanOrEqual(MAX_AWARENESS_BYTES);
      const decoded = decodeAwarenessUpdate(update);
      expect(decoded.ok).toBe(true);
      applyAwarenessUpdate(received, update, 'server');
    }
    for (const id of ids) expect(received.getStates().get(id)).toEqual(room.getStates().get(id));
  });

  it('sends a single state larger than half the limit on its own', () => {
    const room = roomWith(3, 20_000);
    const frames = encodeAwarenessFrames(room, [...room.getStates().keys()]);
    expect(frames).toHaveLength(3);
  });
});
