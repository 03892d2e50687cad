/**
 * Yjs's own follow-up transactions (origin null, run while a change is cleaned up) are named after the
 * change that caused them, so the room attributes and stores them without a side channel.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { housekeepingOrigin, repairOrigin, type PeerOrigin, type UpdateOrigin } from '../../server/peers/origins.js';
import type { RoomPeer } from '../../server/peers/peer.js';
import { TransactionChains } from '../../server/room/transactionChains.js';

function peerOrigin(): PeerOrigin {
  const peer = { id: 1 } as unknown as RoomPeer;
  return { kind: 'peer', peer };
}

/** Records the room origin of every update of `doc`; a transaction of `trigger` origin is followed by a null-origin one. */
function recordWithFollowUp(doc: Y.Doc, chains: TransactionChains, trigger: unknown): UpdateOrigin[] {
  const seen: UpdateOrigin[] = [];
  doc.on('update', (_update: Uint8Array, origin: unknown) => seen.push(chains.originOf(origin)));
  doc.on('afterTransaction', (transaction: Y.Transaction) => {
    // What Yjs does after integrating remote formatting: a nested cleanup transaction with origin null.
    if (transaction.origin === trigger) doc.transact(() => doc.getText('t').insert(0, 'x'));
  });
  return seen;
}

describe('TransactionChains', () => {
  it("names a null-origin follow-up of a peer's change as housekeeping caused by that peer", () => {
    const doc = new Y.Doc();
    const chains = new TransactionChains(doc);
    const origin = peerOrigin();
    const seen = recordWithFollowUp(doc, chains, origin);
    doc.transact(() => doc.getText('t').insert(0, 'a'), origin);
    expect(seen).toEqual([origin, housekeepingOrigin(origin)]);
  });

  it("names a follow-up of a repair after the repair's cause", () => {
    const doc = new Y.Doc();
    const chains = new TransactionChains(doc);
    const cause = peerOrigin();
    const repair = repairOrigin(cause);
    const seen = recordWithFollowUp(doc, chains, repair);
    doc.transact(() => doc.getText('t').insert(0, 'a'), repair);
    expect(seen).toEqual([repair, housekeepingOrigin(cause)]);
  });

  it('names a null-origin change outside any chain of ours as housekeeping of nobody, and forgets a finished chain', () => {
    const doc = new Y.Doc();
    const chains = new TransactionChains(doc);
    const origin = peerOrigin();
    const seen: UpdateOrigin[] = [];
    doc.on('update', (_update: Uint8Array, raw: unknown) => seen.push(chains.originOf(raw)));
    doc.transact(() => doc.getText('t').insert(0, 'a'), origin);
    doc.transact(() => doc.getText('t').insert(0, 'b'));
    expect(seen).toEqual([origin, housekeepingOrigin(null)]);
  });

  it('leaves the document alone once destroyed', () => {
    const doc = new Y.Doc();
    const chains = new TransactionChains(doc);
    chains.destroy();
    const origin = peerOrigin();
    const seen = recordWithFollowUp(doc, chains, origin);
    doc.transact(() => doc.getText('t').insert(0, 'a'), origin);
    expect(seen[1]).toEqual(housekeepingOrigin(null));
  });
});
