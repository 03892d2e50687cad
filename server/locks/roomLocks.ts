/**
 * One room's section locks: reads lock requests from client awareness states, arbitrates them
 * (LockArbiter), publishes the table in the server's own awareness entry, expires leases, and guards
 * peer updates against sections held by others (SectionGuard).
 *
 * Protocol in short: a client adds a section id to `lockRequests` in its awareness state; the server
 * grants it to the first request it saw and publishes `{ v: 1, locks }` under its own clientID, which
 * no connection may write (awarenessPolicy) and which no client state can imitate (the room strips
 * `locks` from client states). The holder's awareness renewals extend the lease; dropping the id
 * releases; leaving cleanly (removing its own state, or a closing tab's socket close) releases; a lost
 * connection keeps the lock until the lease lapses, so a network blip does not cost it.
 *
 * Which requests count (the arbiter only ever sees these):
 *   - only those of a connection with the editor role: a viewer cannot edit, so it may not hold (or queue
 *     for) a section and have everyone else's edits there reverted;
 *   - only for sections that exist in the document right now. A request for an unknown id is dropped, not
 *     kept waiting: kept, it would be granted by its early first-seen time the moment a heading with that
 *     id appeared (squatting), and every waiting request makes arbitration read the section tree. A client
 *     asks again with its next awareness update (at the latest its 15 s renewal). The holder's own renewal
 *     of a section she holds counts even while the heading is briefly gone (she cut and pasted it), so
 *     a lock is not lost to a moment's restructuring.
 */
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { Role } from '../../shared/auth.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { documentSchema } from '../../shared/editor/schema.js';
import { LOCK_LEASE_MS, LOCK_TABLE_VERSION, type LockEntry, parseLockRequests, withoutServerLockFields } from '../../shared/locks/lockProtocol.js';
import { blocksFromYFragment } from '../../shared/sections/blockSummaries.js';
import { sectionsOf } from '../../shared/sections/sectionModel.js';
import { encodeTandemMessage } from '../../shared/protocol/messages.js';
import { errorFields, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { RoomPeer } from '../peers/peer.js';
import type { AwarenessChange } from '../../shared/protocol/awarenessWire.js';
import type { LockAuthority } from './lockAuthority.js';
import { type ClientLockState, type Departure, LockArbiter, type SectionStructure } from './lockArbiter.js';
import { type RevertedSection, SectionGuard } from './sectionGuard.js';

/** A change the server refused because it touched a section someone else holds (for the timeline). */
export interface LockViolation {
  docName: string;
  sectionId: string;
  sectionTitle: string;
  /** Who sent the refused change. */
  userId: string;
  holder: LockEntry;
  at: number;
  blocksRemoved: number;
  blocksRestored: number;
  blocksRewritten: number;
}

export interface RoomLocksDeps {
  docName: string;
  doc: Y.Doc;
  awareness: Awareness;
  /** Transaction origin of compensating transactions: persisted and broadcast like any accepted change. */
  revertOrigin: unknown;
  metrics?: Pick<Metrics, 'inc'>;
  logger?: Pick<Logger, 'warn'>;
  now?: () => number;
  leaseMs?: number;
  /** The token role of the connection that owns an awareness clientID right now (undefined: none). Only
   *  editors' lock requests count. */
  roleOf: (clientId: number) => Role | undefined;
}


export class RoomLocks implements LockAuthority {
  private readonly arbiter: LockArbiter;
  private readonly guard: SectionGuard;
  private readonly now: () => number;
  private readonly fragment: Y.XmlFragment;
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly violationListeners = new Set<(violation: LockViolation) => void>();
  /** The table last published (`{}`: none, and the server has no awareness entry). */
  private published = '{}';
  private destroyed = false;
  /** The section tree, read at most once per document change (null: the document changed since). */
  private sections: SectionStructure | null = null;
  private readonly onDocUpdate = (): void => {
    this.sections = null;
  };
  private readonly onAwarenessUpdate = (change: AwarenessChange, origin: unknown): void => {
    if (origin === 'local') return;
    this.applyAwareness(change, departureOf(origin));
  };

  constructor(private readonly deps: RoomLocksDeps) {
    this.now = deps.now ?? Date.now;
    this.arbiter = new LockArbiter(deps.leaseMs ?? LOCK_LEASE_MS);
    this.fragment = deps.doc.getXmlFragment(DOCUMENT_FRAGMENT);
    this.guard = new SectionGuard(deps.doc, this.fragment, documentSchema(), deps.revertOrigin, (error, sectionId) =>
      deps.logger?.warn('lock revert failed', { doc: deps.docName, sectionId, ...errorFields(error) }),
    );
    deps.doc.on('update', this.onDocUpdate);
    deps.awareness.on('update', this.onAwarenessUpdate);
  }

  /** The current lock of a section, if any. */
  holderOf(sectionId: string): LockEntry | undefined {
    return this.arbiter.holderOf(sectionId);
  }

  /** Subscribes to refused changes (the timeline records them). Returns the unsubscribe function. */
  onViolation(listener: (violation: LockViolation) => void): () => void {
    this.violationListeners.add(listener);
    return () => this.violationListeners.delete(listener);
  }

  /**
   * Applies a peer's update through `apply` and reverts its changes inside sections held by others.
   * Returns the violations (empty when the update was accepted whole).
   */
  applyPeerUpdate(peer: RoomPeer, apply: () => void): LockViolation[] {
    const userId = peer.identity.userId;
    const reverted = this.guard.guard(userId, peer.origin, apply);
    const violations = reverted.flatMap((section) => this.violation(section, userId));
    for (const violation of violations) {
      this.deps.metrics?.inc('tandem_lock_reverts_total');
      for (const listener of this.violationListeners) listener(violation);
    }
    const first = violations[0];
    if (first && peer.optedIn) {
      const where = first.sectionTitle ? `“${first.sectionTitle}”` : 'this section';
      const reason = `${first.holder.name} is editing ${where} — it's locked until they release it, so your change there was undone.`;
      peer.send(encodeTandemMessage({ kind: 'notice', notice: { type: 'updateRefused', reason } }));
    }
    return violations;
  }

  /** Re-reads every client's lock requests against the roles as they are now: someone lowered below
   *  editor while connected loses the locks they held (liveAccess.ts). */
  reviewRoles(): void {
    this.applyAwareness({ added: [], updated: [...this.deps.awareness.getStates().keys()], removed: [] });
  }

  /** The headings of locked sections (see SectionGuard.sectionHeadings). */
  lockedHeadings(): Set<Y.XmlElement> {
    return this.guard.sectionHeadings();
  }

  destroy(): void {
    this.destroyed = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.deps.awareness.off('update', this.onAwarenessUpdate);
    this.deps.doc.off('update', this.onDocUpdate);
    this.guard.destroy();
    this.violationListeners.clear();
  }

  private violation(section: RevertedSection, userId: string): LockViolation[] {
    const holder = this.arbiter.holderOf(section.sectionId);
    if (!holder) return [];
    const { sectionId, title, blocksRemoved, blocksRestored, blocksRewritten } = section;
    return [{ docName: this.deps.docName, sectionId, sectionTitle: title, userId, holder, at: this.now(), blocksRemoved, blocksRestored, blocksRewritten }];
  }

  private applyAwareness({ added, updated, removed }: AwarenessChange, departure: Departure = 'lost'): void {
    const now = this.now();
    const states = this.deps.awareness.getStates();
    let changed = false;
    for (const clientId of added.concat(updated, removed)) {
      // The server's own entry (the table) is under the awareness clientID, which may differ from the doc's.
      if (clientId === this.deps.awareness.clientID) continue;
      changed = this.arbiter.setClient(clientId, this.countedLockState(clientId, states.get(clientId)), now, departure) || changed;
    }
    this.settle(changed);
  }

  /** A client's state with only the requests that count (see the header): an editor's, for sections that
   *  exist, or that this user holds already. */
  private countedLockState(clientId: number, state: Record<string, unknown> | undefined): ClientLockState | null {
    const client = clientLockState(state);
    if (!client || client.requests.length === 0) return client;
    if (this.deps.roleOf(clientId) !== Role.editor) return { ...client, requests: [] };
    const requests = client.requests.filter((id) => this.arbiter.holderOf(id)?.userId === client.userId || this.structure().exists(id));
    return requests.length === client.requests.length ? client : { ...client, requests };
  }

  private settle(changed: boolean): void {
    const now = this.now();
    changed = this.arbiter.expire(now) || changed;
    if (this.arbiter.hasWaitingRequests()) changed = this.arbiter.settle(now, this.structure()).length > 0 || changed;
    if (changed) this.publish();
    this.scheduleExpiry();
  }

  private publish(): void {
    if (this.destroyed) return;
    const locks = this.arbiter.table();
    const serialized = JSON.stringify(locks);
    if (serialized === this.published) return;
    this.published = serialized;
    this.guard.setLocks(new Map(Object.entries(locks).map(([sectionId, lock]) => [sectionId, lock.userId])));
    // No locks, no entry: clients that list awareness states (presence) never see an empty server entry.
    this.deps.awareness.setLocalState(serialized === '{}' ? null : { v: LOCK_TABLE_VERSION, locks });
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const next = this.arbiter.nextExpiry();
    if (next === null || this.destroyed) return;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.settle(false);
    }, Math.max(0, next - this.now()));
    // A pending expiry must not keep a shutting-down process alive.
    this.expiryTimer.unref?.();
  }

  /** The section tree right now (read only when a request for a section its user does not hold comes or
   *  waits, and cached until the document changes). */
  private structure(): SectionStructure {
    this.sections ??= this.readStructure();
    return this.sections;
  }

  private readStructure(): SectionStructure {
    const sections = sectionsOf(blocksFromYFragment(this.fragment));
    const byId = new Map(sections.map((section) => [section.id, section]));
    const ancestors = (id: string): Set<string> => {
      const chain = new Set<string>();
      for (let current = byId.get(id); current; current = current.parentId ? byId.get(current.parentId) : undefined) chain.add(current.id);
      return chain;
    };
    return {
      exists: (id) => byId.has(id),
      overlaps: (a, b) => a === b || ancestors(a).has(b) || ancestors(b).has(a),
    };
  }
}

/** Origin of the removal of a connection's states when it closed its socket as a leaving client does
 *  (server/room/roomAwareness.ts); `PEER_LOST` when its connection was lost. */
export const PEER_LEFT = 'peer left';
export const PEER_LOST = 'peer lost';

/** A state removed by its own client (a peer origin: it set itself to null) or by a clean close was left on
 *  purpose; one removed because the connection was lost or timed out (y-protocols' 'timeout') was not. */
function departureOf(origin: unknown): Departure {
  if (origin === PEER_LEFT) return 'left';
  return typeof origin === 'object' && origin !== null && (origin as { kind?: unknown }).kind === 'peer' ? 'left' : 'lost';
}

/** What the arbiter needs from a client's (server-stamped) awareness state; null when it left. */
function clientLockState(state: Record<string, unknown> | undefined): ClientLockState | null {
  if (!state) return null;
  const user = typeof state.user === 'object' && state.user !== null ? (state.user as Record<string, unknown>) : null;
  if (!user || typeof user.id !== 'string') return null;
  return {
    userId: user.id,
    name: typeof user.name === 'string' ? user.name : 'Someone',
    color: typeof user.color === 'string' ? user.color : '#888888',
    requests: parseLockRequests(state),
  };
}

/** A client's awareness entry as the room admits it: a client state may not carry a lock table. */
export function withoutLockTable<T extends { state: Record<string, unknown> | null }>(entry: T): T {
  return entry.state === null ? entry : { ...entry, state: withoutServerLockFields(entry.state) };
}
