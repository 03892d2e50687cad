import type { ReactNode } from 'react';

/**
 * Keeps the live editor mounted (its binding, carets and locks stay current) while a preview is shown in
 * its place: `display: contents` leaves the layout exactly as if the wrapper were not there.
 */
export function LiveSlot({ hidden, children }: { hidden: boolean; children: ReactNode }) {
  return (
    <div style={{ display: hidden ? 'none' : 'contents' }} data-testid="timeline-live" aria-hidden={hidden}>
      {children}
    </div>
  );
}
