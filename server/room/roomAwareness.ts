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
import { PEER_LEFT, PEER_LOST, withoutLockTable } from '../locks/roomLocks.js';
import type { Departure } from '../locks/lockArbiter.js';
import type { Metrics } from '../metrics.js';
import { RateLimiter } from '../rateLimiter.js';
import { admitAwarenessEntries } from './awarenessPolicy.js';
import { fitsEchoedFrame } from './awarenessFrames.js';
import type { ClientBindings } from './clientBindings.js';
import type { RoomPeer } from '../peers/peer.js';

export class RoomAwareness {
  private readonly owners = new Map<number, RoomPeer>();
  /** The inverse of `owners`, per peer: receive and release cost what the peer owns, not the room's size. */
  private readonly ownedBy = new Map<RoomPeer, Set<number>>();
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
    const ownedCount = this.ownedBy.get(peer)?.size ?? 0;
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
    // Judged as stamped (the identity adds up to a few hundred bytes): what is published must fit a frame whose
    // echo every stock client sends back (awarenessFrames.ts), or one peer's state gets everyone else closed.
    if (admission.accepted.some((entry) => !fitsEchoedFrame(withoutLockTable(entry).state))) {
      peer.close(CloseCode.tooLarge, 'awareness state too large');
      return;
    }
    // The policy admitted only ids that are free or this user's, so each claim succeeds; an id that is not
    // (bound in between, which a synchronous path cannot do) is dropped rather than published.
    const refusedClaims = new Set(admission.claimed.filter((clientId) => !this.bindings.claim(clientId, peer.identity.userId)));
    for (const clientId of admission.claimed) if (!refusedClaims.has(clientId)) this.own(peer, clientId);
    const accepted = admission.accepted.filter((entry) => !refusedClaims.has(entry.clientId));
    if (accepted.length > 0) applyAwarenessUpdate(this.awareness, encodeEntries(accepted.map(withoutLockTable)), peer.origin);
  }

  /** The peer left (`left`: on purpose) or its connection was lost: its states go with it, for everyone;
   *  the removal's origin tells the locks which (roomLocks.ts). */
  release(peer: RoomPeer, departure: Departure): void {
    const owned = [...(this.ownedBy.get(peer) ?? [])];
    this.ownedBy.delete(peer);
    for (const clientId of owned) this.owners.delete(clientId);
    if (owned.length > 0) removeAwarenessStates(this.awareness, owned, departure === 'left' ? PEER_LEFT : PEER_LOST);
  }

  private own(peer: RoomPeer, clientId: number): void {
    this.owners.set(clientId, peer);
    let owned = this.ownedBy.get(peer);
    if (!owned) {
      owned = new Set();
      this.ownedBy.set(peer, owned);
    }
    owned.add(clientId);
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

/**
 * How long the room collects awareness changes before publishing them as one frame. A moving caret sends
 * about every 35 ms (28/s in the load), so 40 ms gathers roughly one change per moving peer into
 * each frame: n moving carets cost each recipient about one frame per interval instead of n. 40 ms stays
 * well under what a reader notices of a remote caret (and far under the 15 s renewal / 30 s timeout).
 */
export const AWARENESS_BATCH_MS = 40;

/**
 * Collects the clientIDs awareness reports as changed and publishes them together once per interval, each
 * with its latest state (or its removal): the first change of an interval starts the timer, so any change
 * reaches the peers within one interval.
 */
export class AwarenessBatch {
  private readonly changed = new Set<number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    private readonly publish: (clientIds: number[]) => void,
    private readonly intervalMs = AWARENESS_BATCH_MS,
  ) {}

  add(clientIds: Iterable<number>): void {
    if (this.disposed) return;
    for (const clientId of clientIds) this.changed.add(clientId);
    if (this.timer === null && this.changed.size > 0) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Publishes what is collected now (nothing if nothing is). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.changed.size === 0) return;
    const clientIds = [...this.changed];
    this.changed.clear();
    this.publish(clientIds);
  }

  /** Drops what is collected and stops the timer for good (the room is going away; destroying its
   *  awareness still reports the local state's removal, which nobody must be sent). */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.changed.clear();
  }
}
