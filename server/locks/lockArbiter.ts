/**
 * The lock table as a pure state machine over client requests and time (no awareness, no timers), so
 * arbitration is unit-testable with a fake clock.
 *
 * Rules (spec "Sections and locks"):
 *   L1  a free section goes to the earliest request the server saw; requests first seen at the same
 *       instant are ordered by user id, then client id, so the outcome never depends on call order;
 *   L2  a request is not granted while an enclosing or enclosed section is held by another user;
 *   L3  a holder's client that still requests the section renews the lease (expiresAt = now + lease);
 *   L4  a holder's client that drops the id releases the lock once none of the holder's clients asks;
 *   L5  a lost connection does not release: the lock stays until its lease lapses, so a reconnect of the
 *       same user within the lease keeps it (the new client's request renews it, by L3);
 *   L5' a client that leaves cleanly (it removed its own state, or closed its socket as a closing tab or
 *       a finished session does) lets go of what it held, as by L4: nobody waits a lease for someone who
 *       is not coming back;
 *   L6  a lease that lapses frees the section; the next waiting request may then get it.
 */
import type { LockEntry, LockTable } from '../../shared/locks/lockProtocol.js';

/** A renewal only moves the expiry forward in steps of this size: every caret move updates awareness
 *  (up to 30/s), and republishing the table on each would broadcast it to every peer just as often. */
export const RENEW_STEP_MS = 10_000;

/** How a client went away: `left` on purpose (its tab closed, its session ended), or `lost` (a network
 *  blip, a crash, a timeout) and maybe coming back. */
export type Departure = 'left' | 'lost';

export interface ClientLockState {
  userId: string;
  name: string;
  color: string;
  requests: readonly string[];
}

interface ClientRecord {
  userId: string;
  name: string;
  color: string;
  /** Section id → when this client's request was first seen. */
  requests: Map<string, number>;
}

interface HeldLock extends LockEntry {
  /** Connected clients of the holder that currently request this section. */
  requesters: Set<number>;
}

/** Which sections conflict with `sectionId` (itself, its ancestors, its descendants), and which exist. */
export interface SectionStructure {
  exists(sectionId: string): boolean;
  overlaps(a: string, b: string): boolean;
}

export class LockArbiter {
  private readonly clients = new Map<number, ClientRecord>();
  private readonly locks = new Map<string, HeldLock>();

  constructor(private readonly leaseMs: number) {}

  /** The published table (without server-private bookkeeping). */
  table(): LockTable {
    const table: Record<string, LockEntry> = {};
    for (const [sectionId, { userId, name, color, since, expiresAt }] of this.locks) {
      table[sectionId] = { userId, name, color, since, expiresAt };
    }
    return table;
  }

  holderOf(sectionId: string): LockEntry | undefined {
    return this.locks.get(sectionId);
  }

  /** The earliest lease expiry, for the caller's timer. */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const lock of this.locks.values()) if (next === null || lock.expiresAt < next) next = lock.expiresAt;
    return next;
  }

  /** Some client requests a section it does not hold (arbitration has work to do). */
  hasWaitingRequests(): boolean {
    for (const client of this.clients.values()) {
      for (const sectionId of client.requests.keys()) if (this.locks.get(sectionId)?.userId !== client.userId) return true;
    }
    return false;
  }

  /**
   * A client's current state (`null` once it is gone: `departure` says whether it left cleanly or its
   * connection was lost). Returns whether the published table changed (a release or a renewal); grants
   * happen in `settle`.
   */
  setClient(clientId: number, state: ClientLockState | null, now: number, departure: Departure = 'lost'): boolean {
    let changed = false;
    const previous = this.clients.get(clientId);
    if (state === null) {
      this.clients.delete(clientId);
      for (const [sectionId, lock] of this.locks) {
        // L5: a lost client leaves the requesters, the lock stays until its lease lapses. L5': a client
        // that left cleanly releases, once no other client of the holder still asks.
        if (lock.requesters.delete(clientId) && departure === 'left' && lock.requesters.size === 0) {
          this.locks.delete(sectionId);
          changed = true;
        }
      }
      return changed;
    }
    const requests = new Map<string, number>();
    for (const sectionId of state.requests) requests.set(sectionId, previous?.requests.get(sectionId) ?? now);
    this.clients.set(clientId, { userId: state.userId, name: state.name, color: state.color, requests });

    for (const [sectionId, lock] of this.locks) {
      if (lock.userId !== state.userId) continue;
      if (requests.has(sectionId)) {
        // L3 (and L5: a reconnected client of the holder picks its lock up again).
        lock.requesters.add(clientId);
        if (now + this.leaseMs - lock.expiresAt >= RENEW_STEP_MS) {
          lock.expiresAt = now + this.leaseMs;
          changed = true;
        }
      } else if (lock.requesters.delete(clientId) && lock.requesters.size === 0) {
        // L4: this client let go and no other client of the holder still asks for it.
        this.locks.delete(sectionId);
        changed = true;
      }
    }
    return changed;
  }

  /** L6: frees every lock whose lease has lapsed. Returns whether any was freed. */
  expire(now: number): boolean {
    let changed = false;
    for (const [sectionId, lock] of this.locks) {
      if (lock.expiresAt <= now) {
        this.locks.delete(sectionId);
        changed = true;
      }
    }
    return changed;
  }

  /** L1, L2: grants free sections to waiting requests. Returns the newly granted section ids. */
  settle(now: number, structure: SectionStructure): string[] {
    const candidates: Array<{ sectionId: string; clientId: number; client: ClientRecord; at: number }> = [];
    for (const [clientId, client] of this.clients) {
      for (const [sectionId, at] of client.requests) {
        if (!this.locks.has(sectionId)) candidates.push({ sectionId, clientId, client, at });
      }
    }
    candidates.sort(
      (a, b) => a.at - b.at || compareStrings(a.client.userId, b.client.userId) || a.clientId - b.clientId || compareStrings(a.sectionId, b.sectionId),
    );
    const granted: string[] = [];
    for (const { sectionId, clientId, client } of candidates) {
      if (!structure.exists(sectionId)) continue;
      const existing = this.locks.get(sectionId);
      if (existing) {
        // Granted earlier in this pass: a later client of the same user joins as a requester.
        if (existing.userId === client.userId) existing.requesters.add(clientId);
        continue;
      }
      const blocked = [...this.locks].some(([heldId, held]) => held.userId !== client.userId && structure.overlaps(heldId, sectionId));
      if (blocked) continue;
      this.locks.set(sectionId, {
        userId: client.userId,
        name: client.name,
        color: client.color,
        since: now,
        expiresAt: now + this.leaseMs,
        requesters: new Set([clientId]),
      });
      granted.push(sectionId);
    }
    return granted;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
