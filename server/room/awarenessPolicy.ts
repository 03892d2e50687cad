/**
 * Who may write which awareness entry. Awareness is last-writer-wins and carries no authentication, so
 * the server binds each clientID to the first connection that uses it; other connections can neither
 * overwrite nor remove it, nobody can write the server's own entry, and every state's `user` is stamped
 * with the identity from the connection's token so nobody can pose as someone else.
 */
import type { Identity } from '../../shared/auth.js';
import type { AwarenessEntry } from '../../shared/protocol/awarenessWire.js';

/** A tab has one Y.Doc (one clientID); a few more cover reloads within one socket's life. */
export const MAX_CLIENT_IDS_PER_CONNECTION = 4;

export interface AwarenessAdmission {
  accepted: AwarenessEntry[];
  /** clientIDs this connection now owns for the first time. */
  claimed: number[];
  refused: number;
}

export function admitAwarenessEntries(
  entries: readonly AwarenessEntry[],
  connection: { id: number; identity: Identity; ownedCount: number },
  ownerOf: (clientId: number) => number | undefined,
  knownClock: (clientId: number) => number | undefined,
  serverClientId: number,
): AwarenessAdmission {
  const accepted: AwarenessEntry[] = [];
  const claimed: number[] = [];
  let refused = 0;
  let owned = connection.ownedCount;
  for (const entry of entries) {
    // Stock clients relay every state they receive back to the server. A relay carries a clock the room
    // already has (y-protocols would ignore it); dropping it here also keeps a relay of a departed user's
    // state from claiming that user's clientID.
    const clock = knownClock(entry.clientId);
    // The same rule y-protocols applies: newer clock, or a removal at the same clock.
    if (clock !== undefined && !(entry.clock > clock || (entry.clock === clock && entry.state === null))) continue;
    const owner = ownerOf(entry.clientId);
    const mine = owner === connection.id;
    if (entry.clientId === serverClientId || (owner !== undefined && !mine)) {
      refused++;
      continue;
    }
    if (!mine) {
      // Removing a state nobody owns is meaningless; claiming more IDs than a tab needs is abuse.
      if (entry.state === null || owned >= MAX_CLIENT_IDS_PER_CONNECTION) {
        refused++;
        continue;
      }
      owned++;
      claimed.push(entry.clientId);
    }
    accepted.push({ ...entry, state: entry.state === null ? null : stampIdentity(entry.state, connection.identity) });
  }
  return { accepted, claimed, refused };
}

function stampIdentity(state: Record<string, unknown>, identity: Identity): Record<string, unknown> {
  const claimedUser = typeof state.user === 'object' && state.user !== null ? (state.user as Record<string, unknown>) : {};
  return { ...state, user: { ...claimedUser, id: identity.userId, name: identity.name, color: identity.color } };
}
