/** What a room needs from one connection: identity, a way to send, a way to refuse. Transport-agnostic
 *  so room logic can be driven by an in-memory socket pair in tests. */
import type { Identity } from '../../shared/auth.js';
import type { TandemCloseCode } from '../../shared/protocol/closeCodes.js';
import type { PeerOrigin } from './origins.js';

export interface RoomPeer {
  /** Unique per connection within this process. */
  readonly id: number;
  readonly identity: Identity;
  /** Opted into Tandem's extra message types (`tandem=1`). Stock clients never are. */
  readonly optedIn: boolean;
  /** The Tandem channel version it speaks (shared/protocol/messages.ts tandemVersionOf); null when not opted in.
   *  Kinds added after version 1 go only to peers of a version that promises to ignore kinds it does not know. */
  readonly tandemVersion: number | null;
  /** The transaction origin of this peer's updates: one stable object, so handlers can skip echoes. */
  readonly origin: PeerOrigin;
  send(frame: Uint8Array): void;
  close(code: TandemCloseCode, reason: string): void;
}
