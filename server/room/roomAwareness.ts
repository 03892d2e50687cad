/**
 * A room's awareness gatekeeping: which connection owns which clientID, which user each clientID is bound
 * to for good (the room's ClientBindings), each peer's awareness budget, and applying what the ownership
 * policy (awarenessPolicy.ts) admits. The room delegates here so that the Y.Doc write path and awareness
 * stay in separate modules.
 */
import { type Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { Identity } from '../../shared/auth.js';
import { AWARENESS_RATE_BURST, AWARENESS_RATE_PER_SECOND } from '../../shared/limits.js';
import { decodeAwarenessUpdate, encodeAwarenessUpdate as encodeEntries } from '../../shared/protocol/awarenessWire.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import { withoutLockTable } from '../locks/roomLocks.js';
import type { Metrics } from '../metrics.js';
import { RateLimiter } from '../rateLimiter.js';
import { admitAwarenessEntries } from './awarenessPolicy.js';
import type { ClientBindings } from './clientBindings.js';
import type { RoomPeer } from '../peers/peer.js';

export class RoomAwareness {
  private readonly owners = new Map<number, RoomPeer>();
  /** Each peer's awareness rate budget, charged only for changes to its own state. */
  private readonly budgets = new WeakMap<RoomPeer, RateLimiter>();

  constructor(
    private readonly awareness: Awareness,
    private readonly metrics: Metrics,
    /** Durable clientID → user bindings, shared with the document write path (saved with its next write). */
    private readonly bindings: Pick<ClientBindings, 'userOf' | 'claim'>,
  ) {}

  /** The identity of the connection that owns `clientId` right now (undefined: none does). */
  identityOf(clientId: number): Identity | undefined {
    return this.owners.get(clientId)?.identity;
  }

  /** Applies the entries of one awareness update that `peer` may write; closes the peer on abuse. */
  receive(peer: RoomPeer, update: Uint8Array): void {
    const decoded = decodeAwarenessUpdate(update);
    if (!decoded.ok) {
      peer.close(CloseCode.badRequest, 'malformed awareness');
      return;
    }
    const ownedCount = [...this.owners.values()].filter((owner) => owner === peer).length;
    const admission = admitAwarenessEntries(
      decoded.value,
      { id: peer.id, identity: peer.identity, ownedCount },
      (clientId) => this.owners.get(clientId)?.id,
      (clientId) => this.awareness.meta.get(clientId)?.clock,
      (clientId) => this.awareness.getStates().has(clientId),
      this.awareness.clientID,
      (clientId) => this.bindings.userOf(clientId),
    );
    if (admission.refused > 0) {
      this.metrics.inc('tandem_awareness_refused_total', admission.refused);
    }
    // Stock clients relay every state they receive back to the server; the policy drops those relays, so
    // only a change to the peer's own state costs awareness budget (otherwise a few people typing at once
    // would get everyone else in the room rate-limited). Relays still count against the message rate.
    if (admission.accepted.length > 0 && !this.budget(peer).take()) {
      peer.close(CloseCode.rateLimited, 'too many awareness updates');
      return;
    }
    // The policy admitted only ids that are free or this user's, so each claim succeeds; an id that is not
    // (bound in between, which a synchronous path cannot do) is dropped rather than published.
    const refusedClaims = new Set(admission.claimed.filter((clientId) => !this.bindings.claim(clientId, peer.identity.userId)));
    for (const clientId of admission.claimed) if (!refusedClaims.has(clientId)) this.owners.set(clientId, peer);
    const accepted = admission.accepted.filter((entry) => !refusedClaims.has(entry.clientId));
    if (accepted.length > 0) applyAwarenessUpdate(this.awareness, encodeEntries(accepted.map(withoutLockTable)), peer.origin);
  }

  /** The peer left: its states go with it, for everyone. */
  release(peer: RoomPeer): void {
    const owned = [...this.owners].filter(([, owner]) => owner === peer).map(([clientId]) => clientId);
    for (const clientId of owned) this.owners.delete(clientId);
    if (owned.length > 0) removeAwarenessStates(this.awareness, owned, 'peer left');
  }

  private budget(peer: RoomPeer): RateLimiter {
    let budget = this.budgets.get(peer);
    if (!budget) {
      budget = new RateLimiter(AWARENESS_RATE_PER_SECOND, AWARENESS_RATE_BURST);
      this.budgets.set(peer, budget);
    }
    return budget;
  }
}
