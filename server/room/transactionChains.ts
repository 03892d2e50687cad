/**
 * Names the origin of Yjs's own follow-up transactions. While integrating a remote update, Yjs removes
 * formatting markers the update left redundant in a nested transaction with origin null, run
 * synchronously in the cleanup of the update's transaction. Yjs cleans up every transaction started in
 * one synchronous chain together and emits `afterAllTransactions` at its end, so the chain's first
 * transaction is the change the follow-up belongs to: a follow-up's origin is housekeeping caused by it.
 */
import type * as Y from 'yjs';
import { housekeepingOrigin, isUpdateOrigin, type PeerOrigin, type UpdateOrigin } from '../peers/origins.js';

export class TransactionChains {
  /** Origin of the first transaction of the chain being cleaned up (undefined between chains). */
  private root: unknown = undefined;
  private readonly onBeforeTransaction = (transaction: Y.Transaction): void => {
    if (this.root === undefined) this.root = transaction.origin;
  };
  private readonly onAfterAll = (): void => {
    this.root = undefined;
  };

  constructor(private readonly doc: Y.Doc) {
    doc.on('beforeTransaction', this.onBeforeTransaction);
    doc.on('afterAllTransactions', this.onAfterAll);
  }

  /** The room's origin for a transaction: its own when it is one of ours, else housekeeping caused by the
   *  chain's first change (a peer's, directly or through its repair; anything else is nobody's). */
  originOf(raw: unknown): UpdateOrigin {
    if (isUpdateOrigin(raw)) return raw;
    return housekeepingOrigin(this.rootPeer());
  }

  destroy(): void {
    this.doc.off('beforeTransaction', this.onBeforeTransaction);
    this.doc.off('afterAllTransactions', this.onAfterAll);
  }

  private rootPeer(): PeerOrigin | null {
    const root = this.root;
    if (!isUpdateOrigin(root)) return null;
    if (root.kind === 'peer') return root;
    return root.kind === 'repair' || root.kind === 'housekeeping' ? root.cause : null;
  }
}

