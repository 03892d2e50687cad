/** SharedSyncReplies: far-behind replicas share one encoded full state plus the broadcast tail; nearly-current
 *  replicas get a small diff of their own; every answer brings the replica exactly to the document's state. */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { decodeFrame } from '../../server/room/decodeFrame.js';
import { SharedSyncReplies, SNAPSHOT_IDLE_MS, TAIL_MIN_BYTES, type SyncReplyLimits } from '../../server/room/syncReplies.js';
import { encodeSyncStep1, encodeSyncUpdate } from '../../shared/protocol/frames.js';
import { MessageType } from '../../shared/protocol/messages.js';
import { createPrng } from '../helpers/prng.js';

/** A server doc whose every update is "broadcast" (as the room does once durable) and noted. */
function server(limits: Partial<SyncReplyLimits> = {}): { doc: Y.Doc; replies: SharedSyncReplies; broadcasts: Uint8Array[] } {
  const doc = new Y.Doc();
  const replies = new SharedSyncReplies(doc, limits);
  const broadcasts: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => {
    const frame = encodeSyncUpdate(update);
    broadcasts.push(frame);
    replies.noteBroadcast(frame);
  });
  return { doc, replies, broadcasts };
}

/** The state vector a replica sends in its sync step 1, as the server's frame decoder hands it over. */
function stepOneVector(replica: Y.Doc): Uint8Array {
  const decoded = decodeFrame(encodeSyncStep1(replica));
  if (!decoded.ok || decoded.value.type !== 'syncStep1') throw new Error('not a sync step 1');
  return decoded.value.stateVector;
}

/** The attack's 4-byte frame: sync step 1 with an empty state vector. */
const emptyVector = (): Uint8Array => stepOneVector(new Y.Doc());

/** Applies frames as the stock client does (y-protocols readSyncMessage). */
function receive(replica: Y.Doc, frames: readonly Uint8Array[]): void {
  for (const frame of frames) {
    const decoder = decoding.createDecoder(frame);
    expect(decoding.readVarUint(decoder)).toBe(MessageType.sync);
    syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), replica, 'server');
  }
}

function expectSameState(replica: Y.Doc, doc: Y.Doc): void {
  expect(Y.encodeStateVector(replica)).toEqual(Y.encodeStateVector(doc));
  expect(Y.equalSnapshots(Y.snapshot(replica), Y.snapshot(doc))).toBe(true);
  expect(replica.getText('t').toString()).toBe(doc.getText('t').toString());
  expect(replica.getMap('m').toJSON()).toEqual(doc.getMap('m').toJSON());
  expect(replica.getXmlFragment('x').toString()).toBe(doc.getXmlFragment('x').toString());
  // Nothing left waiting for missing structs.
  expect(replica.store.pendingStructs).toBeNull();
  expect(replica.store.pendingDs).toBeNull();
}

/** A replica with its own client id, synced from `doc`. */
function syncedReplica(doc: Y.Doc): Y.Doc {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
  return replica;
}

function edit(doc: Y.Doc, text: string): void {
  doc.getText('t').insert(doc.getText('t').length, text);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SharedSyncReplies', () => {
  it('a replica that reads the document the moment its sync step 2 arrives already has the tail', () => {
    const { doc, replies } = server();
    edit(doc, 'snapshot');
    replies.reply(emptyVector());
    for (let i = 0; i < 5; i++) edit(doc, ` tail${i}`);
    const answer = replies.reply(emptyVector());
    expect(answer.length).toBeGreaterThan(1);
    // As a stock WebsocketProvider: `synced` fires when the step 2 is applied, and the app may read then.
    const replica = new Y.Doc();
    let textAtSynced: string | null = null;
    for (const frame of answer) {
      const decoder = decoding.createDecoder(frame);
      decoding.readVarUint(decoder);
      const kind = syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), replica, 'server');
      if (kind === syncProtocol.messageYjsSyncStep2) textAtSynced = replica.getText('t').toString();
    }
    expect(textAtSynced).toBe(doc.getText('t').toString());
    expectSameState(replica, doc);
  });

  it('answers every far-behind caller with the same full-state frame object', () => {
    const { doc, replies } = server();
    edit(doc, 'hello world');
    doc.getMap('m').set('k', 1);
    const first = replies.reply(emptyVector());
    const second = replies.reply(emptyVector());
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(second[0]).toBe(first[0]);
    const replica = new Y.Doc();
    receive(replica, second);
    expectSameState(replica, doc);
  });

  it('sends the shared frame plus the broadcast tail, which brings an empty replica exactly to the doc', () => {
    const { doc, replies, broadcasts } = server();
    edit(doc, 'one two three');
    const [state] = replies.reply(emptyVector());
    const before = broadcasts.length;
    // A mix: inserts from another replica, deletions, formatting, a map value, an XML element.
    const peer = syncedReplica(doc);
    peer.getText('t').insert(0, 'zero ');
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(doc)));
    doc.getText('t').delete(5, 4);
    doc.getText('t').format(0, 4, { bold: true });
    doc.getMap('m').set('title', 'Notes');
    doc.getXmlFragment('x').insert(0, [new Y.XmlElement('paragraph')]);
    const tail = broadcasts.slice(before);
    expect(tail.length).toBeGreaterThanOrEqual(5);

    const answer = replies.reply(emptyVector());
    expect(answer.at(-1)).toBe(state);
    expect(answer).toHaveLength(1 + tail.length);
    answer.slice(0, -1).forEach((frame, i) => expect(frame).toBe(tail[i]));
    const replica = new Y.Doc();
    receive(replica, answer);
    expectSameState(replica, doc);
  });

  it('treats a replica missing at least half of the document as far behind', () => {
    const { doc, replies } = server();
    edit(doc, 'early');
    const stale = syncedReplica(doc);
    const [state] = replies.reply(emptyVector());
    edit(doc, ' and a great deal of later text');
    const answer = replies.reply(stepOneVector(stale));
    expect(answer.at(-1)).toBe(state);
    receive(stale, answer);
    expectSameState(stale, doc);
  });

  it('treats a replica missing more than farBehindMissingClocks as far behind, even under half', () => {
    const { doc, replies } = server({ farBehindMissingClocks: 100 });
    edit(doc, 'x'.repeat(1000));
    const stale = syncedReplica(doc);
    const [state] = replies.reply(emptyVector());
    edit(doc, 'y'.repeat(101)); // ~9% missing, but over the bound
    const answer = replies.reply(stepOneVector(stale));
    expect(answer.at(-1)).toBe(state);
    receive(stale, answer);
    expectSameState(stale, doc);

    const near = syncedReplica(doc);
    edit(doc, 'z'.repeat(100)); // exactly the bound: not over it
    const small = replies.reply(stepOneVector(near));
    expect(small).toHaveLength(1);
    expect(small.at(-1)).not.toBe(state);
  });

  it('gives a nearly-current replica a small diff of its own, without encoding the full state', () => {
    const { doc, replies } = server();
    edit(doc, 'a'.repeat(10_000));
    const replica = syncedReplica(doc);
    edit(doc, ' more');
    const answer = replies.reply(stepOneVector(replica));
    expect(answer).toHaveLength(1);
    expect(answer[0]!.length).toBeLessThan(100);
    expect(replies.retainedBytes).toBe(0); // no snapshot was made for it
    const [state] = replies.reply(emptyVector());
    const again = replies.reply(stepOneVector(replica));
    expect(again.at(-1)).not.toBe(state);
    receive(replica, answer);
    expectSameState(replica, doc);

    // A replica already current gets a diff too (just the delete set), not the document.
    const current = replies.reply(stepOneVector(replica));
    expect(current).toHaveLength(1);
    expect(current.at(-1)).not.toBe(state);
    expect(current[0]!.length).toBeLessThan(20);
  });

  it('sends the shared frames when a few missing clocks turn out to be many bytes', () => {
    const { doc, replies } = server({ maxPerCallerReplyBytes: 1024 });
    edit(doc, 'x'.repeat(10_000));
    const replica = syncedReplica(doc);
    const [state] = replies.reply(emptyVector());
    doc.getMap('m').set('image', 'data:'.padEnd(5000, 'A')); // one clock, 5 kB
    const answer = replies.reply(stepOneVector(replica));
    expect(answer.at(-1)).toBe(state);
    expect(answer).toHaveLength(2);
    receive(replica, answer);
    expectSameState(replica, doc);
  });

  it('drops the snapshot once the tail passes max(1 MiB, snapshot / 4), and encodes a new one on next need', () => {
    const { doc, replies } = server();
    edit(doc, 'start');
    const [state] = replies.reply(emptyVector());
    edit(doc, 'x'.repeat(TAIL_MIN_BYTES / 2));
    const under = replies.reply(emptyVector());
    expect(under.at(-1)).toBe(state);
    expect(under).toHaveLength(2);
    expect(replies.retainedBytes).toBeGreaterThan(TAIL_MIN_BYTES / 2);

    edit(doc, 'y'.repeat(TAIL_MIN_BYTES / 2 + 100));
    expect(replies.retainedBytes).toBe(0); // dropped at the broadcast, not at the next reply
    const over = replies.reply(emptyVector());
    expect(over).toHaveLength(1);
    expect(over.at(-1)).not.toBe(state);
    const replica = new Y.Doc();
    receive(replica, over);
    expectSameState(replica, doc);
  });

  it('lets the tail of a big snapshot grow to a quarter of it', () => {
    const { doc, replies } = server({ tailMinBytes: 1000 });
    edit(doc, 'x'.repeat(20_000));
    const [state] = replies.reply(emptyVector());
    edit(doc, 'y'.repeat(4000)); // over tailMinBytes, under a quarter of the ~20 kB snapshot
    expect(replies.reply(emptyVector()).at(-1)).toBe(state);
    edit(doc, 'z'.repeat(1100)); // now over a quarter
    expect(replies.reply(emptyVector()).at(-1)).not.toBe(state);
  });

  it('merges every tailBatchFrames broadcasts into one frame, and drops the snapshot after maxTailBatches', () => {
    const { doc, replies, broadcasts } = server({ tailBatchFrames: 4, maxTailBatches: 2 });
    edit(doc, 'start');
    const [state] = replies.reply(emptyVector());
    const before = broadcasts.length;
    for (let i = 0; i < 4; i++) edit(doc, `a${i}`);
    let answer = replies.reply(emptyVector());
    expect(answer).toHaveLength(2);
    expect(answer.at(-1)).toBe(state);
    expect(broadcasts.slice(before)).not.toContain(answer[0]);
    let replica = new Y.Doc();
    receive(replica, answer);
    expectSameState(replica, doc);

    for (let i = 0; i < 4 + 3; i++) edit(doc, `b${i}`);
    answer = replies.reply(emptyVector());
    expect(answer.at(-1)).toBe(state);
    expect(answer).toHaveLength(2 + 3 + 1); // two merged batches, the three recent frames in order, the snapshot
    expect(answer.slice(2, 5)).toEqual(broadcasts.slice(-3));
    answer.slice(2, 5).forEach((frame, i) => expect(frame).toBe(broadcasts[broadcasts.length - 3 + i]));
    replica = new Y.Doc();
    receive(replica, answer);
    expectSameState(replica, doc);

    edit(doc, 'c'); // completes a third batch: over maxTailBatches
    expect(replies.retainedBytes).toBe(0);
    answer = replies.reply(emptyVector());
    expect(answer).toHaveLength(1);
    expect(answer.at(-1)).not.toBe(state);
    replica = new Y.Doc();
    receive(replica, answer);
    expectSameState(replica, doc);
  });

  it('tracks nothing while there is no snapshot, and invalidate() forgets it', () => {
    const { doc, replies } = server();
    edit(doc, 'before any reply');
    expect(replies.retainedBytes).toBe(0);
    const [state] = replies.reply(emptyVector());
    expect(replies.retainedBytes).toBe(state!.length);
    replies.invalidate();
    expect(replies.retainedBytes).toBe(0);
    edit(doc, ' after invalidate');
    expect(replies.retainedBytes).toBe(0);
    const answer = replies.reply(emptyVector());
    expect(answer).toHaveLength(1);
    expect(answer.at(-1)).not.toBe(state);
    const replica = new Y.Doc();
    receive(replica, answer);
    expectSameState(replica, doc);
  });

  it('ignores clients the document does not know', () => {
    const { doc, replies } = server();
    edit(doc, 'content');
    const [state] = replies.reply(emptyVector());

    // Only unknown clients: nothing of the doc, so far behind.
    const strangerOnly = new Y.Doc();
    strangerOnly.clientID = 424242;
    edit(strangerOnly, 'unknown to the server');
    const answer = replies.reply(stepOneVector(strangerOnly));
    expect(answer.at(-1)).toBe(state);
    receive(strangerOnly, answer);
    expect(strangerOnly.getText('t').toString()).toContain('content');

    // Current on every known client, plus an unknown one far ahead of the doc's size: a tiny diff.
    const replica = syncedReplica(doc);
    edit(replica, ' unsent local edit'.repeat(10));
    const near = replies.reply(stepOneVector(replica));
    expect(near).toHaveLength(1);
    expect(near.at(-1)).not.toBe(state);
    expect(near[0]!.length).toBeLessThan(20);
    receive(replica, near);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(replica, Y.encodeStateVector(doc)));
    expectSameState(replica, doc);
  });

  it('releases the snapshot after SNAPSHOT_IDLE_MS, but reuses its memory while a socket still holds it', () => {
    vi.useFakeTimers();
    const { doc, replies } = server();
    edit(doc, 'x'.repeat(5000));
    const [state] = replies.reply(emptyVector()); // `state` stands for a socket's queue holding the frame
    vi.advanceTimersByTime(SNAPSHOT_IDLE_MS - 1);
    expect(replies.retainedBytes).toBe(state!.length);
    edit(doc, 'tail');
    const tailBytes = replies.retainedBytes - state!.length;
    vi.advanceTimersByTime(1);
    expect(replies.retainedBytes).toBe(tailBytes); // only the tail is held strongly now

    const answer = replies.reply(emptyVector());
    expect(answer.at(-1)!.buffer).toBe(state!.buffer); // same memory, not a second encoding
    expect(answer).toHaveLength(2);
    expect(replies.retainedBytes).toBe(state!.length + tailBytes);
    const replica = new Y.Doc();
    receive(replica, answer);
    expectSameState(replica, doc);
  });

  it('keeps nothing after destroy()', () => {
    const { doc, replies } = server();
    edit(doc, 'content');
    const [state] = replies.reply(emptyVector());
    replies.destroy();
    expect(replies.retainedBytes).toBe(0);
    const answer = replies.reply(emptyVector());
    expect(answer.at(-1)).not.toBe(state);
    edit(doc, ' more');
    expect(replies.retainedBytes).toBe(0);
  });

  it('brings every replica to the document state under concurrent editing (randomized)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const prng = createPrng(seed);
      const { doc, replies } = server({ tailBatchFrames: 3, maxTailBatches: 4, tailMinBytes: 600, farBehindMissingClocks: 40 });
      const writers = [0, 1, 2].map((i) => {
        const writer = new Y.Doc();
        writer.clientID = 1000 * seed + i;
        return writer;
      });
      const stale: Y.Doc[] = [];
      for (let step = 0; step < 300; step++) {
        const writer = prng.pick(writers);
        const text = writer.getText('t');
        const action = prng.int(0, 9);
        if (action < 5) text.insert(prng.int(0, text.length), 'abcdefgh'.slice(0, prng.int(1, 8)));
        else if (action < 7 && text.length > 0) {
          const at = prng.int(0, text.length - 1);
          text.delete(at, prng.int(1, Math.min(5, text.length - at)));
        } else if (action < 8 && text.length > 1) text.format(0, prng.int(1, text.length), { bold: prng.chance(0.5) ? true : null });
        else if (action < 9) writer.getMap('m').set(`k${prng.int(0, 3)}`, prng.int(0, 100));
        else {
          // The writer syncs with the server: sends what it has, receives what it lacks.
          Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer, Y.encodeStateVector(doc)));
          Y.applyUpdate(writer, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(writer)));
        }
        if (prng.chance(0.1)) stale.push(syncedReplica(doc));
        if (prng.chance(0.15)) {
          // A replica joins or returns: empty, or one synced at some earlier point.
          const replica = stale.length > 0 && prng.chance(0.7) ? stale.splice(prng.int(0, stale.length - 1), 1)[0]! : new Y.Doc();
          receive(replica, replies.reply(stepOneVector(replica)));
          expectSameState(replica, doc);
        }
      }
    }
  });
});
