/**
 * The people in this document, in the top bar: one avatar per person (initials in their colour, a
 * status dot), a card on hover or focus with name, status, section and tabs, a "+N" overflow, and the
 * number of people here. Clicking an avatar follows that person; clicking it again stops.
 */
import type { CSSProperties } from 'react';
import { readableTextColor } from '../../shared/presence/display.js';
import { statusLabel, type Person } from '../../shared/presence/roster.js';
import type { Section } from '../../shared/sections/sectionModel.js';
import { FOLLOW_CONTROL_ATTRIBUTE } from './followMode.js';
import type { PresenceRuntime } from './PresenceRuntime.js';
import { usePresenceSnapshot } from './usePresence.js';
import './presence.css';

/** Avatars shown before the rest fold into "+N": the top bar also holds the title and status. */
const MAX_AVATARS = 4;

export function sectionTitle(sections: readonly Section[], sectionId: string | null): string | null {
  if (sectionId === null) return null;
  const section = sections.find((candidate) => candidate.id === sectionId);
  if (!section) return null;
  return section.level === 0 ? 'Opening' : section.title || 'Untitled section';
}

/** `connected`: whether this tab is connected. Without a connection it cannot see anyone else, so it does
 *  not claim to be alone ("Only you" while others may well be editing). */
export function PresenceBar({ presence, connected = true }: { presence: PresenceRuntime; connected?: boolean }) {
  const snapshot = usePresenceSnapshot(presence);
  const others = snapshot.people.filter((person) => !person.isMe);
  const shown = others.slice(0, MAX_AVATARS);
  const hidden = others.slice(MAX_AVATARS);
  const names = ['You', ...others.map((person) => person.name)].join(', ');
  const control = { [FOLLOW_CONTROL_ATTRIBUTE]: '' };
  return (
    <div className="presence" aria-label="People in this document" {...control}>
      <ul className="presence__avatars">
        {shown.map((person) => (
          <li key={person.userId}>
            <Avatar
              person={person}
              section={sectionTitle(snapshot.sections, person.sectionId)}
              following={snapshot.following?.userId === person.userId}
              onClick={() => (snapshot.following?.userId === person.userId ? presence.stopFollowing() : presence.follow(person.userId))}
            />
          </li>
        ))}
      </ul>
      {hidden.length > 0 && (
        <span className="presence__overflow" data-testid="presence-overflow" title={hidden.map((person) => person.name).join(', ')}>
          +{hidden.length}
        </span>
      )}
      <span
        className="presence__count"
        data-testid="presence-count"
        data-count={snapshot.count}
        title={connected ? `${snapshot.count} ${snapshot.count === 1 ? 'person' : 'people'} here: ${names}` : 'Not connected: others may be editing, and you will see them once you are back.'}
      >
        {connected ? (snapshot.count === 1 ? 'Only you' : `${snapshot.count} here`) : 'Others not visible'}
      </span>
    </div>
  );
}

function Avatar({ person, section, following, onClick }: { person: Person; section: string | null; following: boolean; onClick: () => void }) {
  const style = { '--user-color': person.color, '--user-text': readableTextColor(person.color) } as CSSProperties;
  const tabs = person.tabs.length;
  const status = statusLabel[person.status];
  const label = `${person.name}, ${status.toLowerCase()}${section ? `, in ${section}` : ''}. ${following ? 'Stop following' : 'Follow'}`;
  return (
    <span className="presence__person" style={style}>
      <button
        type="button"
        className={`presence__avatar presence__avatar--${person.status}${following ? ' is-following' : ''}`}
        data-testid="presence-avatar"
        data-user-id={person.userId}
        data-name={person.name}
        data-status={person.status}
        data-typing={person.typing}
        data-section-id={person.sectionId ?? ''}
        aria-label={label}
        aria-pressed={following}
        onClick={onClick}
      >
        {person.initials}
        <span className={`presence__dot presence__dot--${person.status}`} aria-hidden="true" />
        {person.typing && <span className="presence__typing" aria-hidden="true" />}
      </button>
      <span className="presence__card" role="tooltip" data-testid="presence-card">
        <strong className="presence__name">{person.name}</strong>
        <span className="presence__meta">
          <span className={`presence__dot presence__dot--${person.status} presence__dot--inline`} aria-hidden="true" />
          {status}
          {person.typing && ' · typing…'}
          {tabs > 1 && ` · ${tabs} tabs`}
        </span>
        {section && <span className="presence__meta">In {section}</span>}
        <span className="presence__hint">{following ? 'Click to stop following' : 'Click to follow'}</span>
      </span>
    </span>
  );
}
