/** The document storage quota's bookkeeping, its refusal of growth (and only of growth), and automatic
 *  snapshots skipped when the quota has no room for them. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import type { Identity } from '../../shared/auth.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { decodeTandemBody } from '../../shared/protocol/messages.js';
import * as decoding from 'lib0/decoding';
import { AutoSnapshots } from '../../server/history/autoSnapshots.js';
import { createLogger } from '../../server/log.js';
import { Metrics } from '../../server/metrics.js';
import { addsToDocument, DocumentQuota } from '../../server/room/documentQuota.js';
import { QUOTA_EXCEEDED_REASON } from '../../shared/protocol/closeCodes.js';
import type { RoomPeer } from '../../server/peers/peer.js';
import { storageUsage, type DocumentStore, type NewSnapshot, type StorageUsage } from '../../server/storage/types.js';
import { yParagraph } from '../helpers/yBlocks.js';

const ada: Identity = { userId: 'u-ada', name: 'Ada', color: '#e5484d', role: 'editor', doc: '*' };

function usage(parts: Partial<Omit<StorageUsage, 'totalBytes'>>): StorageUsage {
  return storageUsage({ checkpointBytes: 0, logBytes: 0, snapshotBytes: 0, versionBytes: 0, ...parts });
}

function fakePeer(optedIn: boolean): RoomPeer & { sent: Uint8Array[]; closedWith: Array<[number, string]> } {
  const peer = {
    id: 1,
    identity: ada,
    optedIn,
    tandemVersion: optedIn ? 1 : null,
    sent: [] as Uint8Array[],
    closedWith: [] as Array<[number, string]>,
    send(frame: Uint8Array) {
      peer.sent.push(frame);
    },
    close(code: number, reason: string) {
      peer.closedWith.push([code, reason]);
    },
  } as RoomPeer & { sent: Uint8Array[]; closedWith: Array<[number, string]> };
  (peer as { origin: unknown }).origin = { kind: 'peer', peer };
  return peer;
}

function quotaOver(stored: () => Promise<StorageUsage>, quotaBytes: number, doc = new Y.Doc()) {
  const metrics = new Metrics();
  const store = { usage: async () => stored() } as unknown as DocumentStore;
  const quota = new DocumentQuota({ docName: 'd', store, quotaBytes, doc, logger: createLogger('silent'), metrics });
  return { quota, metrics, doc };
}

/** The update of one transaction on `doc`. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  let update: Uint8Array | null = null;
  const capture = (u: Uint8Array): void => {
    update = u;
  };
  doc.on('update', capture);
  doc.transact(change);
  doc.off('update', capture);
  if (!update) throw new Error('the change changed nothing');
  return update;
}

describe('DocumentQuota bookkeeping', () => {
  it('starts from the stored usage and counts what is queued, appended and snapshotted', async () => {
    const { quota } = quotaOver(async () => usage({ checkpointBytes: 100, logBytes: 50, versionBytes: 10 }), 1_000);
    await quota.load();
    expect(quota.totalBytes).toBe(160);
    quota.noteQueued(300);
    // Queued but not yet durable still counts: a burst in one turn cannot overshoot.
    expect(quota.allows(540)).toBe(true);
    expect(quota.allows(541)).toBe(false);
    quota.noteAppended(300);
    expect(quota.usage).toEqual(usage({ checkpointBytes: 100, logBytes: 350, versionBytes: 10 }));
    quota.noteSnapshot(200);
    quota.noteSnapshot(40, 'named');
    expect(quota.usage).toEqual(usage({ checkpointBytes: 100, logBytes: 350, snapshotBytes: 200, versionBytes: 50 }));
    expect(quota.isOver()).toBe(false);
    quota.noteQueued(300);
    expect(quota.isOver()).toBe(true);
  });

  it('re-reads on refresh, counting appends that completed during the read, and keeps the estimate on a storage error', async () => {
    let next: () => Promise<StorageUsage> = async () => usage({ logBytes: 10 });
    const { quota } = quotaOver(() => next(), 1_000);
    await quota.load();
    let release: () => void = () => undefined;
    next = () => new Promise((resolve) => (release = () => resolve(usage({ checkpointBytes: 70 }))));
    const refreshing = quota.refresh();
    quota.noteQueued(5);
    quota.noteAppended(5);
    release();
    await refreshing;
    expect(quota.usage).toEqual(usage({ checkpointBytes: 70, logBytes: 5 }));
    next = async () => {
      throw new Error('disk on fire');
    };
    await expect(quota.refresh()).resolves.toBeUndefined();
    expect(quota.usage).toEqual(usage({ checkpointBytes: 70, logBytes: 5 }));
  });
});

describe('DocumentQuota refusals', () => {
  it('refuses an update that would pass the quota: notice to an opted-in peer, close 4413 with the reason', async () => {
    const writer = new Y.Doc();
    const update = updateOf(writer, () => writer.getXmlFragment('default').insert(0, [yParagraph('too much')]));
    const { quota, metrics } = quotaOver(async () => usage({ logBytes: 1_000 }), 1_000 + update.length - 1);
    await quota.load();
    const optedIn = fakePeer(true);
    expect(quota.refuses(optedIn, update)).toBe(true);
    expect(optedIn.closedWith).toEqual([[CloseCode.tooLarge, QUOTA_EXCEEDED_REASON]]);
    const decoder = decoding.createDecoder(optedIn.sent[0] as Uint8Array);
    decoding.readVarUint(decoder);
    expect(decodeTandemBody(decoder)).toEqual({ ok: true, value: { kind: 'notice', notice: { type: 'updateRefused', reason: QUOTA_EXCEEDED_REASON } } });
    const stock = fakePeer(false);
    expect(quota.refuses(stock, update)).toBe(true);
    expect(stock.sent).toEqual([]);
    expect(stock.closedWith).toEqual([[CloseCode.tooLarge, QUOTA_EXCEEDED_REASON]]);
    expect(await metrics.value('tandem_updates_refused_total', { reason: 'quota_exceeded' })).toBe(2);
  });

  it('lets the same update through while it fits', async () => {
    const writer = new Y.Doc();
    const update = updateOf(writer, () => writer.getXmlFragment('default').insert(0, [yParagraph('fits')]));
    const { quota } = quotaOver(async () => usage({ logBytes: 1_000 }), 1_000 + update.length);
    await quota.load();
    const peer = fakePeer(true);
    expect(quota.refuses(peer, update)).toBe(false);
    expect(peer.closedWith).toEqual([]);
  });

  it('lets through, even far over the quota, updates that add nothing: a sync step 2 of known state, a repeated delete', async () => {
    const live = new Y.Doc();
    const writer = new Y.Doc();
    const insert = updateOf(writer, () => writer.getXmlFragment('default').insert(0, [yParagraph('hello'), yParagraph('world')]));
    Y.applyUpdate(live, insert);
    const remove = updateOf(writer, () => writer.getXmlFragment('default').delete(0, 1));
    const { quota } = quotaOver(async () => usage({ logBytes: 10_000 }), 100, live);
    await quota.load();
    const peer = fakePeer(false);
    // What a fresh client and an up-to-date one answer to the server's sync step 1.
    expect(quota.refuses(peer, Y.encodeStateAsUpdate(new Y.Doc(), Y.encodeStateVector(live)))).toBe(false);
    expect(quota.refuses(peer, insert)).toBe(false);
    // A delete of something live is growth; once applied, the same delete (and a whole known state) is not.
    expect(quota.refuses(peer, remove)).toBe(true);
    Y.applyUpdate(live, remove);
    expect(quota.refuses(peer, remove)).toBe(false);
    expect(quota.refuses(peer, Y.encodeStateAsUpdate(writer, Y.encodeStateVector(live)))).toBe(false);
    expect(quota.refuses(peer, Y.encodeStateAsUpdate(writer))).toBe(false);
    expect(peer.closedWith).toEqual([[CloseCode.tooLarge, QUOTA_EXCEEDED_REASON]]);
  });
});

describe('addsToDocument', () => {
  it('sees new structs, structs past what the document has, and deletes of live items; not garbage', () => {
    const live = new Y.Doc();
    const writer = new Y.Doc();
    const first = updateOf(writer, () => writer.getXmlFragment('default').insert(0, [yParagraph('a')]));
    expect(addsToDocument(live, first)).toBe(true);
    Y.applyUpdate(live, first);
    expect(addsToDocument(live, first)).toBe(false);
    const second = updateOf(writer, () => writer.getXmlFragment('default').insert(1, [yParagraph('b')]));
    // The whole state carries the first part (known) and the second (new).
    expect(addsToDocument(live, Y.encodeStateAsUpdate(writer))).toBe(true);
    Y.applyUpdate(live, second);
    expect(addsToDocument(live, Y.encodeStateAsUpdate(writer))).toBe(false);
    expect(addsToDocument(live, new Uint8Array([255, 255, 255]))).toBe(false);
  });
});

describe('automatic snapshots under a quota', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('are skipped while the quota has no room for them, without capturing again and again, and report what they stored', async () => {
    const saved: NewSnapshot[] = [];
    const store = {
      saveSnapshot: async (_doc: string, snapshot: NewSnapshot) => {
        saved.push(snapshot);
        return { id: saved.length, seq: snapshot.seq, kind: snapshot.kind, name: null, userId: null, userName: null, createdAt: 0, bytes: snapshot.state.length };
      },
    } as unknown as DocumentStore;
    let room = 1_000;
    let size = 100;
    let captures = 0;
    let seq = 0;
    const stored: number[] = [];
    const snapshots = new AutoSnapshots({
      docName: 'd',
      store,
      logger: createLogger('silent'),
      settings: { retentionMs: null, snapshotEveryRows: 1, snapshotEveryMs: 60_000, quietMs: 60_000, snapshotBytesRatio: 0 },
      capture: () => {
        captures++;
        return { seq, state: new Uint8Array(size) };
      },
      mayStore: (bytes) => bytes <= room,
      onStored: (bytes) => {
        stored.push(bytes);
        room -= bytes;
      },
    });
    const append = async (): Promise<void> => {
      seq++;
      snapshots.noteAppended(1, 10);
      await vi.advanceTimersByTimeAsync(0);
    };
    await append();
    expect(saved).toHaveLength(1);
    expect(stored).toEqual([100]);
    // The document grew past what is left (900): the capture shows it does not fit, and later appends do
    // not capture (encode the whole document) again just to find that out.
    size = 950;
    await append();
    expect(captures).toBe(2);
    await append();
    await append();
    expect(captures).toBe(2);
    expect(saved).toHaveLength(1);
    // Space freed: snapshots resume.
    room = 2_000;
    await append();
    expect(saved.map((s) => s.state.length)).toEqual([100, 950]);
    expect(stored).toEqual([100, 950]);
    snapshots.dispose();
  });
});
