/**
 * The timeline drawer: name the current version, a scrubber over every stored change, and the history
 * as one list, newest first: named versions (starred) and sessions (one person's consecutive edits)
 * with avatar, time, sections and +/− counts. Selecting anything opens the read-only preview.
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { formatRelativeTime, useNow } from '../app/useNow.js';
import { MAX_VERSION_NAME_LENGTH } from '../../shared/timeline/api.js';
import { blocksFromYFragment } from '../../shared/sections/blockSummaries.js';
import { LEADING_SECTION_ID, sectionsOf } from '../../shared/sections/sectionModel.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import type { CollabSession } from '../session/CollabSession.js';
import { dayHeading, formatPointTime, initials } from './format.js';
import { describeSession, entrySelection } from './entries.js';
import type { TimelineController } from './useTimeline.js';

/** Scrubbing asks the server for a state; wait until the thumb rests this long. */
const SCRUB_DEBOUNCE_MS = 150;

export function TimelinePanel({ timeline, session }: { timeline: TimelineController; session: CollabSession }) {
  const now = useNow(30_000, timeline.open);
  const { entries } = timeline;
  const sectionTitles = useSectionTitles(session, timeline.open, timeline.events.length);
  if (!timeline.open) return null;
  const selected = timeline.selection?.point;
  let lastDay = '';
  return (
    <aside className="timeline-panel" data-testid="timeline-panel" aria-label="Timeline">
      <header className="timeline-panel__header">
        <h2>Timeline</h2>
        <button type="button" className="button button--small" onClick={timeline.toggle} aria-label="Close timeline">
          ✕
        </button>
      </header>
      {timeline.canEdit ? <NameVersionForm timeline={timeline} /> : null}
      <Scrubber timeline={timeline} />
      {timeline.error ? (
        <p className="timeline-panel__error" role="alert">
          {timeline.error}
        </p>
      ) : null}
      <ol className="timeline-list">
        {entries.length === 0 ? <li className="timeline-list__empty">No changes yet. Edits appear here as people write.</li> : null}
        {entries.map((entry) => {
          const day = dayHeading(entry.at, now);
          const heading = day !== lastDay ? <li className="timeline-list__day">{day}</li> : null;
          lastDay = day;
          if (entry.kind === 'version') {
            const v = entry.version;
            const active = selected?.kind === 'version' && selected.versionId === v.id;
            return [
              heading,
              <li key={`v${v.id}`}>
                <button
                  type="button"
                  className="timeline-item timeline-item--version"
                  data-testid="timeline-version"
                  data-seq={v.seq}
                  aria-current={active}
                  onClick={() => timeline.select(entrySelection(entry))}
                >
                  <span className="timeline-item__star" aria-label="Named version">
                    ★
                  </span>
                  <span className="timeline-item__body">
                    <span className="timeline-item__title">{v.name}</span>
                    <span className="timeline-item__meta">
                      {v.userName ? `${v.userName} · ` : ''}
                      <time dateTime={new Date(v.at).toISOString()} title={formatPointTime(v.at, now)}>
                        {formatRelativeTime(v.at, now)}
                      </time>
                    </span>
                  </span>
                </button>
              </li>,
            ];
          }
          const s = entry.session;
          const active = selected?.kind === 'seq' && selected.seq === s.lastSeq;
          return [
            heading,
            <li key={`s${s.key}`}>
              <button
                type="button"
                className={`timeline-item timeline-item--${s.kind}`}
                data-testid="timeline-session"
                data-seq={s.lastSeq}
                aria-current={active}
                onClick={() => timeline.select(entrySelection(entry))}
              >
                <span className="timeline-avatar" style={{ borderColor: s.userColor ?? 'var(--border)', color: s.userColor ?? 'var(--text-muted)' }} aria-hidden="true">
                  {s.kind === 'edit' ? initials(s.userName) : '⟲'}
                </span>
                <span className="timeline-item__body">
                  <span className="timeline-item__title">{describeSession(s)}</span>
                  <span className="timeline-item__meta">
                    <time dateTime={new Date(s.endedAt).toISOString()} title={formatPointTime(s.endedAt, now)}>
                      {formatRelativeTime(s.endedAt, now)}
                    </time>
                    {s.sections.length > 0 ? ` · ${s.sections.map((id) => sectionTitles(id)).join(', ')}` : ''}
                  </span>
                </span>
                <span className="timeline-item__counts">
                  {s.inserted > 0 ? <span className="timeline-plus">+{s.inserted}</span> : null}
                  {s.deleted > 0 ? <span className="timeline-minus">−{s.deleted}</span> : null}
                </span>
              </button>
            </li>,
          ];
        })}
      </ol>
      {timeline.hasMore ? (
        <button type="button" className="button button--small timeline-panel__more" onClick={timeline.loadMore}>
          Show older changes
        </button>
      ) : null}
    </aside>
  );
}

/** Section id → its current title (from the live document), recomputed when the list changes. */
function useSectionTitles(session: CollabSession, open: boolean, version: number): (id: string) => string {
  return useMemo(() => {
    if (!open) return (id: string) => id;
    void version; // recompute when new events arrive: titles may have changed with them
    const blocks = blocksFromYFragment(session.doc.getXmlFragment(DOCUMENT_FRAGMENT));
    const titles = new Map(sectionsOf(blocks).map((s) => [s.id, s.title || 'Untitled section']));
    return (id: string) => (id === LEADING_SECTION_ID ? 'Opening' : (titles.get(id) ?? 'a removed section'));
  }, [session, open, version]);
}

function NameVersionForm({ timeline }: { timeline: TimelineController }) {
  const [name, setName] = useState('');
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'saving' } | { kind: 'error'; message: string } | { kind: 'saved' }>({ kind: 'idle' });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    setState({ kind: 'saving' });
    timeline.nameVersion(trimmed).then(
      () => {
        setName('');
        setState({ kind: 'saved' });
      },
      (caught: unknown) => setState({ kind: 'error', message: caught instanceof Error ? caught.message : String(caught) }),
    );
  };
  return (
    <form className="timeline-name" onSubmit={submit}>
      <input
        type="text"
        data-testid="timeline-name-version"
        placeholder="Name the current version…"
        aria-label="Name the current version"
        maxLength={MAX_VERSION_NAME_LENGTH}
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      <button type="submit" className="button button--small" data-testid="timeline-name-version-save" disabled={state.kind === 'saving' || name.trim() === ''}>
        Save
      </button>
      {state.kind === 'error' ? (
        <span className="timeline-panel__error" role="alert">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}

function Scrubber({ timeline }: { timeline: TimelineController }) {
  const { latestSeq, events, selection } = timeline;
  const selectedSeq = selection?.point.seq ?? latestSeq;
  const [value, setValue] = useState(selectedSeq);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => setValue(selectedSeq), [selectedSeq]);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  if (latestSeq === 0) return null;
  const onChange = (seq: number): void => {
    setValue(seq);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      if (seq >= latestSeq) return timeline.select(null);
      const event = events.find((e) => e.seq === seq);
      timeline.select({ point: { kind: 'seq', seq }, at: event?.at ?? null, label: event ? `${event.userName ?? 'Someone'}’s change` : `change ${seq}` });
    }, SCRUB_DEBOUNCE_MS);
  };
  return (
    <label className="timeline-scrubber">
      <span className="timeline-scrubber__label">{value >= latestSeq ? 'Now' : `Change ${value} of ${latestSeq}`}</span>
      <input
        type="range"
        data-testid="timeline-scrubber"
        min={Math.max(0, (timeline.events.at(-1)?.seq ?? 1) - 1)}
        max={latestSeq}
        step={1}
        value={value}
        onChange={(event) => onChange(Number(event.target.value))}
        aria-label="Scrub through the document's history"
      />
    </label>
  );
}
