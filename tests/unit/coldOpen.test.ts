/**
 * A cold open: a room loaded from a checkpoint with no log after it answers its first far-behind readers
 * with the stored bytes themselves (Room.load → SharedSyncReplies.adoptCurrentState) instead of encoding the
 * document again, and what the room changes after loading still reaches them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryStore, roomHarness, waitFor, type RoomHarness } from '../helpers/roomHarness.js';
import { documentText } from '../helpers/yBlocks.js';

const DOC = 'cold-doc';
let harness: RoomHarness | null = null;

afterEach(() => harness?.destroy());

/** Editor-shaped text typed by two writers, stored as a merge of their updates: bytes that differ from what
 *  encoding the loaded document would give (a merge keeps its own struct order), so the test can tell which
 *  one a reader received. */
function mergedCheckpoint(extra?: (fragment: Y.XmlFragment) => void): { state: Uint8Array; text: string } {
  const ada = new Y.Doc();
  const bob = new Y.Doc();
  const updates: Uint8Array[] = [];
  ada.on('update', (update: Uint8Array) => updates.push(update));
  bob.on('update', (update: Uint8Array) => updates.push(update));
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [new Y.XmlText('stored by ada')]);
  ada.getXmlFragment('default').insert(0, [paragraph]);
  Y.applyUpdate(bob, Y.encodeStateAsUpdate(ada));
  ((bob.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'and bob, ');
  // Concurrent with bob's insert: a delete by ada, which a merge stores apart from the structs.
  ((ada.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText).delete(0, 1);
  extra?.(bob.getXmlFragment('default'));
  const state = Y.mergeUpdates(updates);
  const reencoded = new Y.Doc();
  Y.applyUpdate(reencoded, state);
  expect(Y.encodeStateAsUpdate(reencoded)).not.toEqual(state);
  return { state, text: documentText(reencoded) };
}

async function reopen(state: Uint8Array): Promise<RoomHarness> {
  const store = new MemoryStore();
  await store.compact(DOC, { seq: 0, state });
  harness = await roomHarness(DOC, store);
  return harness;
}

describe('cold open from a checkpoint', () => {
  it('answers a new reader with the stored bytes, not a re-encoding, and the reader has the document', async () => {
    const { state, text } = mergedCheckpoint();
    const room = await reopen(state);
    const reader = await room.connectedPeer('reader');
    expect(reader.text()).toBe(text);
    expect(reader.framesOf('syncStep2').at(-1)?.update).toEqual(state);
    expect(room.unstoredDeliveries).toEqual([]);
  });

  it('a change the room makes while loading (a stored-shape repair) still reaches readers served from those bytes', async () => {
    // A block the editor schema forbids: the room removes it on load, as a server change stored in the log.
    const { state } = mergedCheckpoint((fragment) => fragment.insert(fragment.length, [new Y.XmlElement('bogus')]));
    const room = await reopen(state);
    const reader = await room.connectedPeer('reader');
    await waitFor(() => reader.doc.getXmlFragment('default').toString() === room.room.doc.getXmlFragment('default').toString(), [[reader, 'frame']], 'reader has the repaired document');
    expect(reader.doc.getXmlFragment('default').toString()).not.toContain('bogus');
    expect(room.unstoredDeliveries).toEqual([]);
  });
});
