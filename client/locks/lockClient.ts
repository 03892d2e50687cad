/**
 * This tab's view of section locks: the server's lock table (read from the server's own awareness
 * entry, the only one trusted) and this tab's requests (written to its own awareness state as
 * `lockRequests`). Requesting is asking: the server decides, and the table says who got it.
 */
import type { Awareness } from 'y-protocols/awareness';
import { findServerLockTable, type LockEntry, type LockTable, parseLockRequests } from '../../shared/locks/lockProtocol.js';

export interface RefusedEdit {
  sectionId: string;
  holder: LockEntry;
}

export type LockOwnership = { kind: 'free' } | { kind: 'mine'; lock: LockEntry } | { kind: 'theirs'; lock: LockEntry };

/** The user id in a token's payload, read without verifying it (the server verified it on connect). */
export function userIdFromToken(token: string | undefined): string | null {
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const { sub } = JSON.parse(json) as Record<string, unknown>;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}

export class LockClient {
  private table: LockTable = {};
  /** Holders of a lock in `table` who have an awareness state (isPresent). */
  private presentHolders = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly refusedListeners = new Set<(refused: RefusedEdit) => void>();
  private readonly onChange = (): void => this.read();

  constructor(
    private readonly awareness: Awareness,
    /** Who this tab is (the token's user id); null before the first token. */
    private readonly myUserId: () => string | null,
  ) {}

  /** Starts following the lock table (idempotent; React may start and stop an instance twice). */
  start(): void {
    this.awareness.off('change', this.onChange);
    this.awareness.on('change', this.onChange);
    this.read();
  }

  stop(): void {
    this.awareness.off('change', this.onChange);
  }

  /** Subscribes to lock table changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to edits the editor refused because someone else holds the section. */
  onRefused(listener: (refused: RefusedEdit) => void): () => void {
    this.refusedListeners.add(listener);
    return () => this.refusedListeners.delete(listener);
  }

  reportRefused(refused: RefusedEdit): void {
    for (const listener of this.refusedListeners) listener(refused);
  }

  locks(): LockTable {
    return this.table;
  }

  /** Whether `userId` has a presence (an awareness state) in the document right now: a holder without one
   *  has gone, and their lock only waits out its lease. */
  isPresent(userId: string): boolean {
    return this.presentHolders.has(userId);
  }

  ownership(sectionId: string): LockOwnership {
    const lock = this.table[sectionId];
    if (!lock) return { kind: 'free' };
    return lock.userId === this.myUserId() ? { kind: 'mine', lock } : { kind: 'theirs', lock };
  }

  /** Locks held by other people, by section id. */
  heldByOthers(): Map<string, LockEntry> {
    const me = this.myUserId();
    return new Map(Object.entries(this.table).filter(([, lock]) => lock.userId !== me));
  }

  isRequested(sectionId: string): boolean {
    return this.requests().includes(sectionId);
  }

  request(sectionId: string): void {
    const requests = this.requests();
    if (!requests.includes(sectionId)) this.setRequests([...requests, sectionId]);
  }

  release(sectionId: string): void {
    const requests = this.requests();
    if (requests.includes(sectionId)) this.setRequests(requests.filter((id) => id !== sectionId));
  }

  private requests(): string[] {
    return parseLockRequests(this.awareness.getLocalState());
  }

  private setRequests(requests: string[]): void {
    if (this.awareness.getLocalState() === null) return;
    this.awareness.setLocalStateField('lockRequests', requests);
    this.notify();
  }

  private read(): void {
    const states = this.awareness.getStates() as Map<number, Record<string, unknown>>;
    const table = findServerLockTable(states);
    const present = presentHolders(table, states);
    const same = JSON.stringify(table) === JSON.stringify(this.table) && sameSet(present, this.presentHolders);
    this.table = table;
    this.presentHolders = present;
    // A request someone else won is withdrawn, so it is not granted to us later by surprise.
    const me = this.myUserId();
    const requests = this.requests();
    const lost = requests.filter((id) => table[id] !== undefined && table[id].userId !== me);
    if (lost.length > 0) this.setRequests(requests.filter((id) => !lost.includes(id)));
    if (!same) this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The holders in `table` with an awareness state of their own (a stamped `user.id`). */
function presentHolders(table: LockTable, states: ReadonlyMap<number, Readonly<Record<string, unknown>>>): Set<string> {
  const holders = new Set(Object.values(table).map((lock) => lock.userId));
  const present = new Set<string>();
  if (holders.size === 0) return present;
  for (const state of states.values()) {
    const user = state.user as { id?: unknown } | undefined;
    if (typeof user?.id === 'string' && holders.has(user.id)) present.add(user.id);
  }
  return present;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}
