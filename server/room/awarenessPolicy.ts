/**
 * Who may write which awareness entry. Awareness is last-writer-wins and carries no authentication, so
 * the server binds each clientID to the first connection that uses it; other connections can neither
 * overwrite nor remove it, nobody can write the server's own entry, and every state's `user` is stamped
 * with the identity from the connection's token so nobody can pose as someone else.
 *
 * Beyond the connection, a clientID belongs to a user for good (the room's durable ClientBindings: the
 * user who first wrote or announced presence under it). Once its connection is gone, only that user may
 * claim it again: otherwise anyone could take a departed user's clientID and speak as her presence, or
 * leave her invisible when she comes back.
 */
import type { Identity } from '../../shared/auth.js';
import { isAdmissibleAwarenessState } from '../../shared/presence/schema.js';
import type { AwarenessEntry } from '../../shared/protocol/awarenessWire.js';

/**
 * One: a y-websocket connection carries one Y.Doc, so one clientID, and a stock provider sends its own
 * state first when its socket opens. Allowing more let a tab claim a sibling tab's clientID: tabs of one
 * browser relay each other's states over BroadcastChannel, and such a relay can reach the server before the
 * sibling's own socket is open. The relaying connection then owned the sibling's state, the sibling's own
 * updates were refused, and when the sibling closed its state stayed (until the 30 s awareness timeout).
 */
export const MAX_CLIENT_IDS_PER_CONNECTION = 1;

export interface AwarenessAdmission {
  accepted: AwarenessEntry[];
  /** clientIDs this connection now owns for the first time (the caller binds them to its user). */
  claimed: number[];
  refused: number;
}

export function admitAwarenessEntries(
  entries: readonly AwarenessEntry[],
  connection: { id: number; identity: Identity; ownedCount: number },
  ownerOf: (clientId: number) => number | undefined,
  knownClock: (clientId: number) => number | undefined,
  hasState: (clientId: number) => boolean,
  serverClientId: number,
  /** The user a clientID is durably bound to (undefined: free). */
  boundUserOf: (clientId: number) => string | undefined,
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
    const owner = ownerOf(entry.clientId);
    const boundUser = boundUserOf(entry.clientId);
    const othersId = boundUser !== undefined && boundUser !== connection.identity.userId;
    let publishedClock = entry.clock;
    // The same rule y-protocols applies: newer clock, or a removal at the same clock.
    if (clock !== undefined && !(entry.clock > clock || (entry.clock === clock && entry.state === null))) {
      // One exception: a client back after a disconnect re-sends its unchanged state at a clock every replica
      // has already seen (and dropped with its departure), so each would ignore it until the next 15 s
      // renewal. When a connection that owns no clientID yet claims an id that has no state, it is that
      // client returning (a stock provider announces its own state first on open; a relay can only come
      // after), so its state is republished one clock later, which every replica accepts. Only its own user
      // can be that client: anyone else re-sending a departed user's state is a relay (or an impostor).
      const returning = entry.state !== null && owner === undefined && owned === 0 && !hasState(entry.clientId) && !othersId;
      if (!returning) continue;
      publishedClock = clock + 1;
    }
    const mine = owner === connection.id;
    if (entry.clientId === serverClientId || (owner !== undefined && !mine) || othersId) {
      refused++;
      continue;
    }
    const state = entry.state === null ? null : stampIdentity(entry.state, connection.identity);
    // A state that declares the presence schema must decode as one, so every tab can trust what it reads.
    if (state !== null && !isAdmissibleAwarenessState(state)) {
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
    accepted.push({ ...entry, clock: publishedClock, state });
  }
  return { accepted, claimed, refused };
}

function stampIdentity(state: Record<string, unknown>, identity: Identity): Record<string, unknown> {
  const claimedUser = typeof state.user === 'object' && state.user !== null ? (state.user as Record<string, unknown>) : {};
  return { ...state, user: { ...claimedUser, id: identity.userId, name: identity.name, color: identity.color } };
}
