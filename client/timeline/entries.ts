/**
 * The timeline list as people read it, newest first: named versions (starred) and sessions, and what
 * selecting one previews. Shared by the drawer's list and the compare picker, so both name a point alike.
 */
import type { TimelineEvent, TimelineVersion } from '../../shared/timeline/api.js';
import { groupSessions, SESSION_GAP_MS, type TimelineSession } from './sessions.js';
import type { TimelinePoint } from './timelineApi.js';

export type TimelineEntry =
  | { kind: 'session'; session: TimelineSession; at: number; seq: number }
  | { kind: 'version'; version: TimelineVersion; at: number; seq: number };

/** A point of the timeline as the preview shows it. */
export interface PreviewSelection {
  point: TimelinePoint;
  /** Server time of the point, for the banner. */
  at: number | null;
  label: string;
}

export function timelineEntries(events: readonly TimelineEvent[], versions: readonly TimelineVersion[]): TimelineEntry[] {
  const namedVersions = versions.filter((v) => v.kind === 'named');
  const sessions: TimelineEntry[] = groupSessions(events, SESSION_GAP_MS, namedVersions.map((v) => v.seq)).map((s) => ({
    kind: 'session',
    session: s,
    at: s.endedAt,
    seq: s.lastSeq,
  }));
  const named: TimelineEntry[] = namedVersions.map((v) => ({ kind: 'version', version: v, at: v.at, seq: v.seq }));
  // A version sorts above the edits it contains (same seq): it was named after them.
  return [...sessions, ...named].sort((a, b) => b.seq - a.seq || (a.kind === 'version' ? -1 : 1));
}

export function entrySelection(entry: TimelineEntry): PreviewSelection {
  if (entry.kind === 'version') {
    const v = entry.version;
    return { point: { kind: 'version', versionId: v.id, seq: v.seq }, at: v.at, label: `“${v.name ?? ''}”` };
  }
  return { point: { kind: 'seq', seq: entry.session.lastSeq }, at: entry.session.endedAt, label: describeSession(entry.session) };
}

/** One key per point, for React keys and form values. */
export function pointKey(point: TimelinePoint): string {
  return point.kind === 'version' ? `v${point.versionId}` : `s${point.seq}`;
}

export function samePoint(a: TimelinePoint, b: TimelinePoint): boolean {
  return pointKey(a) === pointKey(b);
}

export function describeSession(s: TimelineSession): string {
  const who = s.userName ?? 'Someone';
  switch (s.kind) {
    case 'restore':
      return `${who} restored an earlier version`;
    case 'revert':
      return `${who}’s edit in a locked section was undone`;
    case 'repair':
      return 'Tandem repaired content no editor could show';
    case 'edit':
      return `${who} edited`;
  }
}
