/** A section's lock state in the outline: who holds it (nothing when it is free). */
import type { CSSProperties } from 'react';
import type { LockClient } from './lockClient.js';
import { useLockTable } from './useLockClient.js';

export function OutlineLockBadge({ locks, sectionId }: { locks: LockClient; sectionId: string }) {
  useLockTable(locks);
  const ownership = locks.ownership(sectionId);
  if (ownership.kind === 'free') return null;
  const label = ownership.kind === 'mine' ? 'Locked by you' : `Locked by ${ownership.lock.name}`;
  return (
    <span
      className="outline-lock"
      title={label}
      aria-label={label}
      data-testid="outline-lock"
      style={{ '--lock-color': ownership.lock.color } as CSSProperties}
    >
      <span className="lock-glyph" aria-hidden="true" />
      {ownership.kind === 'mine' ? 'You' : initials(ownership.lock.name)}
    </span>
  );
}

function initials(name: string): string {
  return (
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => part[0]?.toUpperCase() ?? '')
      .join('') || '?'
  );
}
