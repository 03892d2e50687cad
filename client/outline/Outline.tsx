/**
 * The document's sections in a collapsible sidebar, each with markers for the people in it; click a
 * section to jump there. Other features add per-section badges (e.g. lock state) through
 * `renderSectionExtras`, without reaching into this component.
 */
import { memo, useState, type CSSProperties, type ReactNode } from 'react';
import { readableTextColor } from '../../shared/presence/display.js';
import { statusLabel, type Person } from '../../shared/presence/roster.js';
import type { Section } from '../../shared/sections/sectionModel.js';
import { readJson, writeJson } from '../app/storage.js';
import type { PresenceRuntime } from '../presence/PresenceRuntime.js';
import { usePresenceSnapshot } from '../presence/usePresence.js';
import './outline.css';

interface Props {
  presence: PresenceRuntime;
  /** Extra content after a section's title, e.g. a lock badge. */
  renderSectionExtras?: (sectionId: string) => ReactNode;
}

const OPEN_KEY = 'tandem.outline.open';
/** Below this width the sidebar starts folded, leaving the page to the text. */
const AUTO_OPEN_MIN_WIDTH = 1000;

function initiallyOpen(): boolean {
  const saved = readJson(OPEN_KEY);
  if (typeof saved === 'boolean') return saved;
  return typeof window === 'undefined' || window.innerWidth >= AUTO_OPEN_MIN_WIDTH;
}

/** Memoized: the page re-renders on every save-status change while someone types; the outline need not. */
export const Outline = memo(function Outline({ presence, renderSectionExtras }: Props) {
  const snapshot = usePresenceSnapshot(presence);
  const [open, setOpen] = useState(initiallyOpen);
  const toggle = (): void => {
    setOpen(!open);
    writeJson(OPEN_KEY, !open);
  };
  const bySection = new Map<string, Person[]>();
  for (const person of snapshot.people) {
    if (person.isMe || person.sectionId === null) continue;
    bySection.set(person.sectionId, [...(bySection.get(person.sectionId) ?? []), person]);
  }
  return (
    <nav className={`outline${open ? '' : ' outline--closed'}`} data-testid="outline" aria-label="Outline">
      <button
        type="button"
        className="outline__toggle"
        data-testid="outline-toggle"
        aria-expanded={open}
        title={open ? 'Hide outline' : 'Show outline'}
        onClick={toggle}
      >
        <span aria-hidden="true">{open ? '‹' : '☰'}</span>
        {open && <span className="outline__heading">Outline</span>}
      </button>
      {open && (
        <ol className="outline__list">
          {snapshot.sections.length === 0 && <li className="outline__empty">Headings you add appear here.</li>}
          {snapshot.sections.map((section) => (
            <OutlineItem
              key={section.id}
              section={section}
              people={bySection.get(section.id) ?? []}
              current={section.id === snapshot.mySectionId}
              extras={renderSectionExtras?.(section.id)}
              onJump={() => presence.jumpToSection(section.id)}
            />
          ))}
        </ol>
      )}
    </nav>
  );
});

function OutlineItem(props: { section: Section; people: Person[]; current: boolean; extras: ReactNode; onJump: () => void }) {
  const { section, people, current, extras, onJump } = props;
  const title = section.level === 0 ? 'Opening' : section.title || 'Untitled section';
  return (
    <li
      className={`outline__section${current ? ' is-current' : ''}`}
      data-testid="outline-section"
      data-section-id={section.id}
      style={{ '--depth': Math.max(0, section.level - 1) } as CSSProperties}
    >
      <button
        type="button"
        className={`outline__jump${section.level === 0 || !section.title ? ' outline__jump--muted' : ''}`}
        aria-current={current ? 'location' : undefined}
        onClick={onJump}
        title={title}
      >
        {title}
      </button>
      {extras}
      {people.length > 0 && (
        <span className="outline__people">
          {people.map((person) => (
            <span
              key={person.userId}
              className={`section-marker section-marker--${person.status}`}
              data-testid="section-marker"
              data-user-id={person.userId}
              title={`${person.name} (${statusLabel[person.status].toLowerCase()}) is here`}
              style={{ '--user-color': person.color, '--user-text': readableTextColor(person.color) } as CSSProperties}
            >
              {person.initials}
            </span>
          ))}
        </span>
      )}
    </li>
  );
}
