/** What a room needs from one connection: identity, a way to send, a way to refuse. Transport-agnostic
 *  so room logic can be driven by an in-memory socket pair in tests. */
import type { Identity } from '../../shared/auth.js';
import type { TandemCloseCode } from '../../shared/protocol/closeCodes.js';

export interface RoomPeer {
  /** Unique per connection within this process. */
  readonly id: number;
  readonly identity: Identity;
  /** Opted into Tandem's extra message types (`tandem=1`). Stock clients never are. */
  readonly optedIn: boolean;
  /** The transaction origin of this peer's updates: one stable object, so handlers can skip echoes. */
  readonly origin: PeerOrigin;
  send(frame: Uint8Array): void;
  close(code: TandemCloseCode, reason: string): void;
}

/**
 * The transaction origins the server gives its own changes. Two others reach the room's update handler and
 * are attributed there (Room.onDocUpdate): Yjs's own follow-up transactions (origin null, e.g. formatting
 * cleanup) and the shared repairs' origin; both belong to the peer whose update caused them.
 */
export type UpdateOrigin = PeerOrigin | { readonly kind: 'storage' } | { readonly kind: 'server' };
export interface PeerOrigin {
  readonly kind: 'peer';
  readonly peer: RoomPeer;
}

export const STORAGE_ORIGIN: UpdateOrigin = Object.freeze({ kind: 'storage' });
export const SERVER_ORIGIN: UpdateOrigin = Object.freeze({ kind: 'server' });

export function isUpdateOrigin(value: unknown): value is UpdateOrigin {
  return typeof value === 'object' && value !== null && 'kind' in value;
}
