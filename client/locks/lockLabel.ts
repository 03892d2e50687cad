/**
 * What a lock badge says (issue #14: "the badge says something true"). A lease is renewed while its holder
 * is here, so "n min left" was always "1 min left"; what is true is who holds it and since when, and, once
 * the holder has gone (no awareness state of theirs: their link dropped, the lease is waiting out a
 * possible reconnect), that it is running out.
 */
import type { LockEntry } from '../../shared/locks/lockProtocol.js';
import type { LockOwnership } from './lockClient.js';

/** The badge's words: "Locked by you", "Locked by Ada · since 10:02", or "Ada is away — lock ends in 40 s". */
export function lockLabel(ownership: Exclude<LockOwnership, { kind: 'free' }>, holderPresent: boolean, now: number): string {
  if (ownership.kind === 'mine') return 'Locked by you';
  const { lock } = ownership;
  if (holderPresent) return `Locked by ${lock.name} · since ${clockTime(lock.since)}`;
  return `${lock.name} is away — lock ends in ${timeLeft(lock, now)}`;
}

function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** "40 s" in steps of 5 under a minute and a half, else whole minutes ("3 min"); never less than "5 s". */
function timeLeft(lock: LockEntry, now: number): string {
  const seconds = Math.max(0, (lock.expiresAt - now) / 1000);
  if (seconds > 90) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.max(5, Math.ceil(seconds / 5) * 5)} s`;
}
