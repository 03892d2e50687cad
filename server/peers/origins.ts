/**
 * Every transaction origin a room's document sees, as one closed union. The room's update handler
 * switches on `kind` and never meets a bare string or null: it turns Yjs's own null-origin follow-ups into
 * `housekeeping` (see room/transactionChains.ts), and the shared repairs run under a `repair` origin the
 * room hands them. Origins that belong to a peer's change (`repair`, `housekeeping`) name that peer as
 * their `cause`, so attribution reads it from the origin instead of a side channel.
 */
import type { RoomPeer } from './peer.js';

/** A connection's own update. One stable object per connection, so handlers can tell its echoes apart. */
export interface PeerOrigin {
  readonly kind: 'peer';
  readonly peer: RoomPeer;
}

/** Loading from the store: already durable, so never queued again. */
export interface StorageOrigin {
  readonly kind: 'storage';
}

/** A change the server makes on its own: a timeline restore, a stored-shape repair, a lock revert. */
export interface ServerChangeOrigin {
  readonly kind: 'server';
}

/** A repair of a state no single replica made (shared/editor/documentRepairs.ts), run right after `cause`'s
 *  update (null: after a server change); stored and relayed as part of that change. */
export interface RepairOrigin {
  readonly kind: 'repair';
  readonly cause: PeerOrigin | null;
}

/** A change Yjs makes by itself while integrating a remote update (e.g. removing formatting markers left
 *  redundant); it belongs to the change whose integration caused it (null: none of a peer's). */
export interface HousekeepingOrigin {
  readonly kind: 'housekeeping';
  readonly cause: PeerOrigin | null;
}

/** An update another instance accepted and stored, relayed to this one (the scale-out issue's). */
export interface RemoteOrigin {
  readonly kind: 'remote';
  readonly instance: string;
}

export type UpdateOrigin = PeerOrigin | StorageOrigin | ServerChangeOrigin | RepairOrigin | HousekeepingOrigin | RemoteOrigin;

export const STORAGE_ORIGIN: StorageOrigin = Object.freeze({ kind: 'storage' });
export const SERVER_ORIGIN: ServerChangeOrigin = Object.freeze({ kind: 'server' });

export function repairOrigin(cause: PeerOrigin | null): RepairOrigin {
  return Object.freeze({ kind: 'repair', cause });
}

export function housekeepingOrigin(cause: PeerOrigin | null): HousekeepingOrigin {
  return Object.freeze({ kind: 'housekeeping', cause });
}

const KINDS: ReadonlySet<string> = new Set<UpdateOrigin['kind']>(['peer', 'storage', 'server', 'repair', 'housekeeping', 'remote']);

export function isUpdateOrigin(value: unknown): value is UpdateOrigin {
  return typeof value === 'object' && value !== null && KINDS.has((value as { kind?: unknown }).kind as string);
}

/** The peer a change belongs to: its own update, or a repair or housekeeping its update caused. */
export function causingPeer(origin: UpdateOrigin): RoomPeer | null {
  switch (origin.kind) {
    case 'peer':
      return origin.peer;
    case 'repair':
    case 'housekeeping':
      return origin.cause?.peer ?? null;
    default:
      return null;
  }
}
