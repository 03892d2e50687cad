/**
 * Whether this replica holds changes the server does not have: the question a person whose role was
 * lowered needs answered, since the server drops a viewer's updates and they stay only here.
 *
 * Insertions show in the state vector (we have clocks the server lacks). Deletions do not: deleting text
 * adds no clock, so the server's sync step 2, which always carries its whole delete set, is compared with
 * ours: a deletion of an item the server has, which the server has not deleted, never reached it.
 */
import * as Y from 'yjs';

type DeleteSet = ReturnType<typeof Y.createDeleteSetFromStructStore>;

export interface ServerState {
  /** From its sync step 1. */
  stateVector: Map<number, number>;
  /** From its sync step 2, once it arrived on this connection. */
  deleteSet: DeleteSet | null;
}

export function holdsChangesServerLacks(doc: Y.Doc, server: ServerState): boolean {
  const ours = Y.decodeStateVector(Y.encodeStateVector(doc));
  for (const [client, clock] of ours) if (clock > (server.stateVector.get(client) ?? 0)) return true;
  return server.deleteSet !== null && deletesServerLacks(Y.createDeleteSetFromStructStore(doc.store), server.stateVector, server.deleteSet);
}

function deletesServerLacks(ours: DeleteSet, serverStateVector: Map<number, number>, serverDeleteSet: DeleteSet): boolean {
  for (const [client, ranges] of ours.clients) {
    // Items the server never had are covered by the state-vector check (or are someone else's to send).
    const known = serverStateVector.get(client) ?? 0;
    const theirs = [...(serverDeleteSet.clients.get(client) ?? [])].sort((a, b) => a.clock - b.clock);
    for (const { clock, len } of ranges) {
      const end = Math.min(clock + len, known);
      if (clock < end && !covered(theirs, clock, end)) return true;
    }
  }
  return false;
}

/** Whether `[from, to)` lies inside the union of `ranges` (sorted by clock). */
function covered(ranges: ReadonlyArray<{ clock: number; len: number }>, from: number, to: number): boolean {
  let next = from;
  for (const { clock, len } of ranges) {
    if (clock > next) break;
    next = Math.max(next, clock + len);
    if (next >= to) return true;
  }
  return next >= to;
}

/** The delete set of an update (a server's sync step 2), or null when it cannot be read. */
export function deleteSetOf(update: Uint8Array): DeleteSet | null {
  try {
    return Y.decodeUpdate(update).ds as DeleteSet;
  } catch {
    return null;
  }
}
