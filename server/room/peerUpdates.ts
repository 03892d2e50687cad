/**
 * What happens to a peer's update before it touches the document (the write path's first rule): the
 * sender's role and the document's size and quota are checked, the update is judged
 * (integrity/updateCheck.ts: complete, under the sender's own clientIDs, inside the schema) and applied only
 * if accepted, with the lock guard around it; then the shared repairs run under a repair origin naming the
 * update as their cause. A refused update never touches the document, and its sender is told.
 */
import * as Y from 'yjs';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { encodeSyncStep1 } from '../../shared/protocol/frames.js';
import { encodeTandemMessage } from '../../shared/protocol/messages.js';
import { COSTLY_UPDATE_MS, MAX_DOCUMENT_BYTES } from '../../shared/limits.js';
import { DocumentRepairs } from '../../shared/editor/documentRepairs.js';
import { errorFields, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { LockAuthority } from '../locks/lockAuthority.js';
import { isUpdateOrigin, repairOrigin } from '../peers/origins.js';
import type { RoomPeer } from '../peers/peer.js';
import { checkUpdate, type UpdateRefusal } from '../integrity/updateCheck.js';
import { dropPending } from '../integrity/yjsInternals.js';
import type { ClientBindings } from './clientBindings.js';
import type { DocumentQuota } from './documentQuota.js';
import { closeRefused, refusalReason, respondToRefusal } from './updateRefusals.js';

export interface PeerUpdatesDeps {
  doc: Y.Doc;
  logger: Logger;
  metrics: Metrics;
  locks: LockAuthority;
  quota: DocumentQuota;
  bindings: ClientBindings;
  /** Bytes the document occupies in the log (checkpoint and rows after it). */
  storedBytes(): number;
}

export class PeerUpdates {
  /** States no single replica made but merges can (shared sectionIds, forbidden mark pairs), repaired here
   *  where every change meets. */
  private readonly repairs: DocumentRepairs;
  /** Per connection: resyncs offered for updates that could not be integrated, since its last accepted one. */
  private readonly resyncs = new WeakMap<RoomPeer, number>();
  /** Updates of this document that were costly to integrate (see meterUpdateCost). */
  private costlyUpdates = 0;

  constructor(private readonly deps: PeerUpdatesDeps) {
    this.repairs = new DocumentRepairs(deps.doc, {
      isRepair: (origin) => isUpdateOrigin(origin) && origin.kind === 'repair',
      skipMarkChecks: (origin) => isUpdateOrigin(origin) && origin.kind === 'storage',
    });
  }

  /** A peer's update: refused (and the peer told), or judged sound and applied with its repairs. */
  receive(peer: RoomPeer, update: Uint8Array): void {
    if (peer.identity.role !== 'editor') {
      if (peer.optedIn) peer.send(encodeTandemMessage({ kind: 'notice', notice: { type: 'readOnly', reason: 'You can view this document but not edit it.' } }));
      this.deps.metrics.inc('tandem_updates_refused_total', 1, { reason: 'read_only' });
      return;
    }
    if (this.deps.storedBytes() + update.length > MAX_DOCUMENT_BYTES) {
      this.deps.metrics.inc('tandem_updates_refused_total', 1, { reason: 'document_too_large' });
      peer.close(CloseCode.tooLarge, 'document too large');
      return;
    }
    const started = performance.now();
    try {
      this.judgeAndApply(peer, update);
    } finally {
      this.meterUpdateCost(peer, update, performance.now() - started);
    }
  }

  /** Judges the update (integrity/updateCheck.ts) and applies it only if accepted. */
  private judgeAndApply(peer: RoomPeer, update: Uint8Array): void {
    // Past the document's storage quota, growth is refused (4413); an update adding nothing still passes.
    if (this.deps.quota.refuses(peer, update)) return;
    const userId = peer.identity.userId;
    const verdict = checkUpdate(update, { doc: this.deps.doc, foreignClient: (clients) => this.deps.bindings.foreignClient(clients, userId) });
    if (!verdict.ok) {
      this.refuseUpdate(peer, verdict.refusal);
      return;
    }
    this.resyncs.delete(peer);
    for (const clientId of verdict.writers) this.deps.bindings.claim(clientId, userId, { quiet: true });
    try {
      this.deps.locks.applyPeerUpdate(peer, () => Y.applyUpdate(this.deps.doc, update, peer.origin));
    } catch (error) {
      // The check admits only what Yjs integrates; reaching this is a bug of ours (what integrated is kept).
      this.deps.metrics.inc('tandem_updates_refused_total', 1, { reason: 'malformed' });
      this.deps.logger.error('accepted update failed to apply', { peer: peer.id, ...errorFields(error) });
      peer.close(CloseCode.badRequest, 'malformed update');
      return;
    } finally {
      if (dropPending(this.deps.doc)) {
        // Also a bug of ours if it happens: the check exists so that nothing is ever pending.
        this.deps.metrics.inc('tandem_pending_dropped_total');
        this.deps.logger.error('an accepted update left pending structs; dropped them', { peer: peer.id });
      }
    }
    try {
      // The repair's origin names this peer's update as its cause: stored and relayed as part of their change.
      // Between copies, the heading of a locked section keeps the id, so the lock stays where it was.
      let locked: Set<Y.XmlElement> | null = null;
      const repaired = this.repairs.run((heading) => (locked ??= this.deps.locks.lockedHeadings()).has(heading), repairOrigin(peer.origin));
      if (repaired.sectionIds > 0) this.deps.metrics.inc('tandem_section_id_repairs_total', repaired.sectionIds);
      if (repaired.marks > 0) this.deps.metrics.inc('tandem_mark_repairs_total', repaired.marks);
    } catch (error) {
      // A bug of ours, not the peer's: keep the update (it is valid and already applied) and say so.
      this.deps.logger.error('document repair failed', errorFields(error));
    }
  }

  /**
   * An update whose check and integration took longer than COSTLY_UPDATE_MS held the event loop for every
   * document: counted, and logged with its document so an operator can find who sends them.
   */
  private meterUpdateCost(peer: RoomPeer, update: Uint8Array, ms: number): void {
    if (ms < COSTLY_UPDATE_MS) return;
    this.costlyUpdates++;
    this.deps.metrics.inc('tandem_costly_updates_total');
    this.deps.logger.warn('costly update', { peer: peer.id, user: peer.identity.userId, bytes: update.length, ms: Math.round(ms), inThisDocument: this.costlyUpdates });
  }

  /** The update never touched the document; the sender is told (see updateRefusals.ts). */
  private refuseUpdate(peer: RoomPeer, refusal: UpdateRefusal): void {
    const resyncsSoFar = this.resyncs.get(peer) ?? 0;
    const response = respondToRefusal(refusal, resyncsSoFar);
    this.deps.metrics.inc('tandem_updates_refused_total', 1, { reason: refusalReason(refusal) });
    this.deps.logger.info('refused update', { peer: peer.id, user: peer.identity.userId, refusal });
    if (response.kind === 'resync') {
      this.resyncs.set(peer, resyncsSoFar + 1);
      // A stock client answers a sync step 1 with everything the server lacks, the refused update included.
      peer.send(encodeSyncStep1(this.deps.doc));
      return;
    }
    closeRefused(peer, response.code, response.reason);
  }

  destroy(): void {
    this.repairs.destroy();
  }
}
