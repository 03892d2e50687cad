/**
 * Who decides a document's section locks, as the room and the routes see it. One implementation today
 * (RoomLocks: arbitrated by this instance over awareness); the scale-out issue puts an authority shared by
 * every instance behind the same interface.
 */
import type * as Y from 'yjs';
import type { LockEntry } from '../../shared/locks/lockProtocol.js';
import type { RoomPeer } from '../peers/peer.js';
import type { LockViolation } from './roomLocks.js';

export interface LockAuthority {
  /** The current lock of a section, if any. */
  holderOf(sectionId: string): LockEntry | undefined;
  /** The headings of locked sections (repairs keep their ids). */
  lockedHeadings(): Set<Y.XmlElement>;
  /** Applies a peer's update through `apply` and reverts its changes inside sections held by others. */
  applyPeerUpdate(peer: RoomPeer, apply: () => void): LockViolation[];
  /** Subscribes to refused changes; returns the unsubscribe function. */
  onViolation(listener: (violation: LockViolation) => void): () => void;
  /** Re-reads every lock request against the roles as they are now (a role changed while connected). */
  reviewRoles(): void;
  destroy(): void;
}
