/**
 * The top-bar button that opens the timeline drawer. Its own module so the page can show it without
 * loading the drawer's chunk (client/timeline/lazyTimeline.tsx), which loads on the first open.
 */
import type { TimelineController } from './useTimeline.js';

export function TimelineToggle({ timeline }: { timeline: TimelineController }) {
  return (
    <button
      type="button"
      className="button timeline-toggle"
      data-testid="timeline-toggle"
      aria-pressed={timeline.open}
      aria-label="Timeline"
      title="Timeline: see, compare and restore earlier versions"
      onClick={timeline.toggle}
    >
      ⟲
    </button>
  );
}
