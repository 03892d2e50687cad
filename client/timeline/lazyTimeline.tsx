/**
 * The timeline drawer and the version preview/compare view, loaded on demand: neither is needed to
 * type, and together they are a large part of the first download. Each chunk is requested only when
 * its view is first shown (drawer open, a version selected); until it arrives a placeholder with the
 * view's own outer box and class is shown, so nothing around it moves when the content replaces it.
 */
import { lazy, Suspense } from 'react';
import type { CollabSession } from '../session/CollabSession.js';
import type { TimelineController } from './useTimeline.js';
// The drawer's styles stay in the first download: the toggle and the loading placeholder use them.
import './timeline.css';

const loadPreview = () => import('./TimelinePreview.js');
const TimelinePanelChunk = lazy(async () => {
  // A preview is only ever opened from the drawer: fetch its chunk alongside, so picking a version shows
  // the version at once instead of a second placeholder.
  void loadPreview();
  return { default: (await import('./TimelinePanel.js')).TimelinePanel };
});
const TimelinePreviewChunk = lazy(async () => ({ default: (await loadPreview()).TimelinePreview }));

export function LazyTimelinePanel({ timeline, session }: { timeline: TimelineController; session: CollabSession }) {
  if (!timeline.open) return null;
  return (
    <Suspense
      fallback={
        <aside className="timeline-panel timeline-panel--loading" data-testid="timeline-panel-loading" aria-label="Timeline" aria-busy="true">
          <header className="timeline-panel__header">
            <h2>Timeline</h2>
            <button type="button" className="button button--small" onClick={timeline.toggle} aria-label="Close timeline">
              ✕
            </button>
          </header>
          <p className="timeline-list__empty">Loading the timeline…</p>
        </aside>
      }
    >
      <TimelinePanelChunk timeline={timeline} session={session} />
    </Suspense>
  );
}

export function LazyTimelinePreview({ timeline }: { timeline: TimelineController }) {
  if (!timeline.selection) return null;
  return (
    <Suspense
      fallback={
        <section className="timeline-preview" data-testid="timeline-preview-loading" aria-label="Earlier version" aria-busy="true">
          <p className="timeline-list__empty">Loading the earlier version…</p>
        </section>
      }
    >
      <TimelinePreviewChunk timeline={timeline} />
    </Suspense>
  );
}
