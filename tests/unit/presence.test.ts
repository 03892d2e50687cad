/** Presence: the awareness schema, status transitions over (fake) time, and grouping states into people. */
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { initialsOf, readableTextColor } from '../../shared/presence/display.js';
import { followedTab, rosterOf } from '../../shared/presence/roster.js';
import {
  isAdmissibleAwarenessState,
  MAX_LOCK_REQUESTS,
  MAX_PRESENCE_NAME_LENGTH,
  MAX_SECTION_ID_LENGTH,
  parsePresenceState,
  SECTION_ID_PATTERN,
} from '../../shared/presence/schema.js';
import { ActivityTracker, IDLE_AFTER_MS, nextStatus } from '../../shared/presence/status.js';

/** A relative position exactly as y-tiptap puts it into awareness and JSON carries it. */
const RELATIVE_POSITION: unknown = (() => {
  const doc = new Y.Doc();
  const text = doc.getText('t');
  text.insert(0, 'hello');
  return JSON.parse(JSON.stringify(Y.createRelativePositionFromTypeIndex(text, 2)));
})();

function relativePosition(): unknown {
  return structuredClone(RELATIVE_POSITION);
}

function validState(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    user: { id: 'u-ada', name: 'Ada Lovelace', color: '#3e63dd' },
    status: 'active',
    sectionId: 'sec-1',
    typing: false,
    cursor: { anchor: relativePosition(), head: relativePosition() },
    ...overrides,
  };
}

describe('parsePresenceState', () => {
  it('accepts a valid state, keeps the caret fields and drops unknown ones', () => {
    const parsed = parsePresenceState({ ...validState({ lockRequests: ['sec-1'] }), extra: 'ignored' });
    expect(parsed).not.toBeNull();
    expect(parsed?.user).toEqual({ id: 'u-ada', name: 'Ada Lovelace', color: '#3e63dd' });
    expect(parsed?.cursor?.head).toEqual(relativePosition());
    expect(parsed?.lockRequests).toEqual(['sec-1']);
    expect(parsed).not.toHaveProperty('extra');
  });

  it('accepts a state without a caret (editor not focused) and a null section', () => {
    expect(parsePresenceState(validState({ cursor: null, sectionId: null }))?.cursor).toBeNull();
    const { cursor: _cursor, ...withoutCursor } = validState();
    expect(parsePresenceState(withoutCursor)?.cursor).toBeNull();
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'hello'],
    ['no version', validState({ v: undefined })],
    ['another version', validState({ v: 2 })],
    ['no user (the server entry with the lock table)', { v: 1, locks: {}, status: 'active', sectionId: null, typing: false }],
    ['a user without id', validState({ user: { name: 'Ada', color: '#3e63dd' } })],
    ['an empty user id', validState({ user: { id: '', name: 'Ada', color: '#3e63dd' } })],
    ['a bad colour', validState({ user: { id: 'u', name: 'Ada', color: 'red' } })],
    ['an oversized name', validState({ user: { id: 'u', name: 'x'.repeat(MAX_PRESENCE_NAME_LENGTH + 1), color: '#3e63dd' } })],
    ['an unknown status', validState({ status: 'dancing' })],
    ['typing as a string', validState({ typing: 'yes' })],
    ['a numeric section', validState({ sectionId: 7 })],
    ['an oversized section id', validState({ sectionId: 's'.repeat(MAX_SECTION_ID_LENGTH + 1) })],
    ['an empty section id', validState({ sectionId: '' })],
    ['a section id outside [A-Za-z0-9_.:-]', validState({ sectionId: 'sec 1' })],
    ['a section id with markup', validState({ sectionId: '<img src=x>' })],
    ['a cursor that is not an object', validState({ cursor: 'here' })],
    ['a cursor without head', validState({ cursor: { anchor: relativePosition() } })],
    ['a cursor with a bad item id', validState({ cursor: { anchor: { item: { client: -1, clock: 0 } }, head: relativePosition() } })],
    ['too many lock requests', validState({ lockRequests: Array.from({ length: MAX_LOCK_REQUESTS + 1 }, (_, i) => `s${i}`) })],
    ['lock requests that are not strings', validState({ lockRequests: [1, 2] })],
    ['lock requests that are not an array', validState({ lockRequests: 'sec-1' })],
    ['an oversized lock request', validState({ lockRequests: ['s'.repeat(MAX_SECTION_ID_LENGTH + 1)] })],
    ['an empty lock request', validState({ lockRequests: [''] })],
    ['a lock request outside [A-Za-z0-9_.:-]', validState({ lockRequests: ['sec-1', 'sec\n2'] })],
  ])('rejects %s', (_label, raw) => {
    expect(parsePresenceState(raw)).toBeNull();
  });

  it('bounds section ids (presence and lock requests) as the document schema does: 64 of [A-Za-z0-9_.:-]', () => {
    expect(MAX_SECTION_ID_LENGTH).toBe(64);
    const longest = 'a'.repeat(MAX_SECTION_ID_LENGTH);
    const ids = [longest, 'leading', 'unstamped:12', '3f2b1c9e-8d7a-4b6c-a5d4-e3f2a1b0c9d8', 'h-1x2y-3z', 'A.b_c:d-e'];
    for (const id of ids) {
      expect(SECTION_ID_PATTERN.test(id), id).toBe(true);
      expect(parsePresenceState(validState({ sectionId: id, lockRequests: [id] }))?.sectionId, id).toBe(id);
    }
  });

  it('lets the server admit stock states (no `v`) but only well-formed Tandem states', () => {
    expect(isAdmissibleAwarenessState({ user: { name: 'Stock client' } })).toBe(true);
    expect(isAdmissibleAwarenessState(validState())).toBe(true);
    expect(isAdmissibleAwarenessState(validState({ status: 'dancing' }))).toBe(false);
    expect(isAdmissibleAwarenessState(validState({ v: 99 }))).toBe(false);
  });
});

describe('nextStatus', () => {
  it('is away while hidden, idle after a minute without input, active otherwise', () => {
    expect(nextStatus({ hidden: true, lastInputAt: 0, now: 1 })).toBe('away');
    expect(nextStatus({ hidden: false, lastInputAt: 0, now: IDLE_AFTER_MS - 1 })).toBe('active');
    expect(nextStatus({ hidden: false, lastInputAt: 0, now: IDLE_AFTER_MS })).toBe('idle');
    expect(nextStatus({ hidden: true, lastInputAt: 0, now: 0 })).toBe('away');
  });
});

describe('ActivityTracker (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes idle a minute after the last input, and active again on input', () => {
    const changes: string[] = [];
    const tracker = new ActivityTracker((status) => changes.push(status));
    expect(tracker.status).toBe('active');
    vi.advanceTimersByTime(IDLE_AFTER_MS - 1);
    expect(tracker.status).toBe('active');
    vi.advanceTimersByTime(1);
    expect(tracker.status).toBe('idle');
    tracker.input();
    expect(tracker.status).toBe('active');
    expect(changes).toEqual(['idle', 'active']);
    tracker.dispose();
  });

  it('moves the idle deadline with each input, without a burst of timers', () => {
    const changes: string[] = [];
    const tracker = new ActivityTracker((status) => changes.push(status));
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(IDLE_AFTER_MS / 2);
      tracker.input();
    }
    expect(changes).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(IDLE_AFTER_MS);
    expect(changes).toEqual(['idle']);
    // Idle waits for input: no timer left spinning.
    expect(vi.getTimerCount()).toBe(0);
    tracker.dispose();
  });

  it('is away while hidden and active on return, even after a long absence', () => {
    const changes: string[] = [];
    const tracker = new ActivityTracker((status) => changes.push(status));
    tracker.setHidden(true);
    expect(tracker.status).toBe('away');
    vi.advanceTimersByTime(10 * IDLE_AFTER_MS);
    expect(tracker.status).toBe('away');
    tracker.input(); // e.g. a stray event while hidden does not make a hidden tab present
    expect(tracker.status).toBe('away');
    tracker.setHidden(false);
    expect(tracker.status).toBe('active');
    vi.advanceTimersByTime(IDLE_AFTER_MS);
    expect(changes).toEqual(['away', 'active', 'idle']);
    tracker.dispose();
  });

  it('starts away in a hidden tab and stops after dispose', () => {
    const changes: string[] = [];
    const tracker = new ActivityTracker((status) => changes.push(status), true);
    expect(tracker.status).toBe('away');
    tracker.setHidden(false);
    tracker.dispose();
    vi.advanceTimersByTime(2 * IDLE_AFTER_MS);
    expect(changes).toEqual(['active']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('rosterOf', () => {
  const me = { clientId: 1, userId: 'u-me' };

  it('skips this tab, invalid states and the server entry; groups tabs by user id', () => {
    const states = new Map<number, unknown>([
      [1, validState({ user: { id: 'u-me', name: 'Me', color: '#3e63dd' } })],
      [2, validState({ status: 'idle', cursor: null })],
      [3, validState({ status: 'active', sectionId: 'sec-2' })],
      [4, { locks: { 'sec-1': { owner: 'u-bob' } } }],
      [5, { user: { name: 'Stock client' } }],
      [6, validState({ user: { id: 'u-bob', name: 'Bob', color: '#e5484d' }, status: 'away', typing: true })],
      [7, validState({ user: { id: 'u-me', name: 'Me', color: '#3e63dd' }, status: 'away' })],
    ]);
    const people = rosterOf(states, me);
    expect(people.map((person) => [person.name, person.tabs.length, person.isMe])).toEqual([
      ['Ada Lovelace', 2, false],
      ['Bob', 1, false],
      ['Me', 1, true],
    ]);
    const ada = people[0];
    // The most present tab leads: active with a caret, in sec-2.
    expect(ada?.status).toBe('active');
    expect(ada?.sectionId).toBe('sec-2');
    expect(ada && followedTab(ada)?.clientId).toBe(3);
    expect(people[1]?.typing).toBe(true);
    expect(people[1]?.initials).toBe('B');
  });
});

describe('display helpers', () => {
  it('derives initials and readable text colours', () => {
    expect(initialsOf('Ada Lovelace')).toBe('AL');
    expect(initialsOf('  ada  ')).toBe('A');
    expect(initialsOf('')).toBe('?');
    expect(readableTextColor('#d6a100')).toBe('#1f2328');
    expect(readableTextColor('#3e63dd')).toBe('#ffffff');
  });
});
