/**
 * Section locks over awareness (spec: architecture.md, "Sections and locks").
 *
 *   client state   = { …presence, lockRequests?: sectionId[] }      ; ≤ MAX_LOCK_REQUESTS ids
 *   server state   = { v: 1, locks: { [sectionId]: LockEntry } }     ; the room's own awareness entry
 *
 * A client asks for a section by adding its id to `lockRequests` and releases it by removing it. The
 * server arbitrates and publishes the authoritative table in its own entry (clientID = the room doc's
 * clientID), which no connection may write; the server also strips `locks` from every client state, so
 * the only state carrying a `locks` table and no stamped `user` is the server's. Holders are the
 * server-stamped `user.id`, never a claimed field.
 */
// The bounds on `lockRequests` (count, id shape) are the presence schema's, which admits the field.
import { isSectionIdString, MAX_LOCK_REQUESTS } from '../presence/schema.js';
import { LEADING_SECTION_ID } from '../sections/sectionModel.js';

/** Version of the server's lock entry; a client ignores a table of a version it does not know. */
export const LOCK_TABLE_VERSION = 1;

/** A lease lasts this long past its last renewal. Stock clients renew awareness every 15 s, so a
 *  connected holder renews ~4 times per lease; a holder whose tab crashed frees the section within a
 *  minute, while a holder on a flaky network (a reconnect takes a few seconds) keeps it. */
export const LOCK_LEASE_MS = 60_000;

export interface LockEntry {
  /** Server-stamped user id of the holder. */
  userId: string;
  name: string;
  color: string;
  /** When the lock was granted (ms since epoch, server clock). */
  since: number;
  /** When the lease lapses unless renewed (ms since epoch, server clock). */
  expiresAt: number;
}

export type LockTable = Readonly<Record<string, LockEntry>>;

export interface ServerLockState {
  v: typeof LOCK_TABLE_VERSION;
  locks: LockTable;
}

/** Only headings with a stamped id can be locked: the leading section and unstamped headings have no
 *  stable identity to hold on to. */
export function isLockableSectionId(id: string): boolean {
  return isSectionIdString(id) && id !== LEADING_SECTION_ID && !id.startsWith('unstamped:');
}

/** The lock requests in one (untrusted) client awareness state; malformed entries are dropped. */
export function parseLockRequests(state: Readonly<Record<string, unknown>> | null | undefined): string[] {
  const raw = state?.lockRequests;
  if (!Array.isArray(raw)) return [];
  const ids: string[] = [];
  for (const item of raw.slice(0, MAX_LOCK_REQUESTS)) {
    if (typeof item === 'string' && isLockableSectionId(item) && !ids.includes(item)) ids.push(item);
  }
  return ids;
}

/** The lock table in an awareness state, or null if the state is not a (well-formed) server entry. */
export function parseServerLockState(state: Readonly<Record<string, unknown>> | null | undefined): LockTable | null {
  if (!state || state.v !== LOCK_TABLE_VERSION || 'user' in state) return null;
  const raw = state.locks;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const table: Record<string, LockEntry> = {};
  for (const [sectionId, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null) continue;
    const { userId, name, color, since, expiresAt } = value as Record<string, unknown>;
    if (typeof userId !== 'string' || typeof name !== 'string' || typeof color !== 'string') continue;
    if (typeof since !== 'number' || typeof expiresAt !== 'number') continue;
    table[sectionId] = { userId, name, color, since, expiresAt };
  }
  return table;
}

/**
 * The server's lock table among all awareness states. Clients trust only the entry that parses as a
 * server entry; the server strips lock tables from client states, and a client state always carries a
 * stamped `user`, which a server entry never has.
 */
export function findServerLockTable(states: ReadonlyMap<number, Readonly<Record<string, unknown>>>): LockTable {
  for (const state of states.values()) {
    const table = parseServerLockState(state);
    if (table) return table;
  }
  return {};
}

/** A client state as the server admits it: without anything that could pass for the server's entry. */
export function withoutServerLockFields(state: Record<string, unknown>): Record<string, unknown> {
  if (!('locks' in state)) return state;
  const copy = { ...state };
  delete copy.locks;
  return copy;
}
