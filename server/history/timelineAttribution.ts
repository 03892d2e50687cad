/**
 * Who the timeline names for each stored row, decided when the row is queued (never by re-reading the
 * document later). A peer's change, and the repairs and Yjs housekeeping its update caused, are that
 * person's edit; a server change is the event it was made for (a restore, a stored-shape repair), or a
 * compensating revert when it came without one (a lock violation undone); the rest is an unattributed edit.
 */
import { causingPeer, type UpdateOrigin } from '../peers/origins.js';
import { EventKind, type EventMeta } from '../storage/types.js';
import type { TransactionStats } from './eventStats.js';
import type { ServerChangeEvent } from './serverChange.js';

export interface Attribution {
  userId: string | null;
  meta: EventMeta;
}

const REVERT: ServerChangeEvent = { userId: null, kind: EventKind.revert, userName: null, userColor: null };
const UNATTRIBUTED: ServerChangeEvent = { userId: null, kind: EventKind.edit, userName: null, userColor: null };

/** `serverChange`: the event of the server change being applied right now, if any. */
export function attribute(origin: UpdateOrigin, stats: TransactionStats, serverChange: ServerChangeEvent | null): Attribution {
  const identity = causingPeer(origin)?.identity;
  if (identity) return { userId: identity.userId, meta: { kind: EventKind.edit, userName: identity.name, userColor: identity.color, ...stats } };
  const event = origin.kind === 'server' ? (serverChange ?? REVERT) : UNATTRIBUTED;
  return {
    userId: event.userId,
    meta: {
      kind: event.kind,
      userName: event.userName,
      userColor: event.userColor,
      ...stats,
      ...(event.restoredFrom != null ? { restoredFrom: event.restoredFrom } : {}),
    },
  };
}

/**
 * A lock revert is queued as a server change without a user; name the person whose edit it undid (their
 * own row, queued just before it in the same turn, carries their display name) and the section. `queued`:
 * rows not yet stored, oldest first; the revert's row is amended in place.
 */
export function attributeRevert(queued: readonly Attribution[], userId: string, sectionId: string): void {
  const recent = [...queued].reverse();
  const revert = recent.find((item) => item.meta.kind === EventKind.revert && (item.userId === null || item.userId === userId));
  if (!revert) return;
  const edit = recent.find((item) => item.userId === userId && item.meta.kind === EventKind.edit);
  revert.userId = userId;
  revert.meta.userName = edit?.meta.userName ?? revert.meta.userName;
  revert.meta.userColor = edit?.meta.userColor ?? revert.meta.userColor;
  if (!revert.meta.sections.includes(sectionId)) revert.meta.sections.push(sectionId);
}
