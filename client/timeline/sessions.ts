/**
 * Timeline sessions: consecutive events by one person close in time, shown as one entry ("Ada edited
 * Intro, +120 −4"). Restores and reverts always stand alone, since they are moments people look for.
 * Pure, so the grouping rule is unit-tested.
 */
import type { TimelineEvent, TimelineEventKind } from '../../shared/timeline/api.js';

/** Events more than this far apart start a new session even when the same person made them. */
export const SESSION_GAP_MS = 5 * 60 * 1000;

export interface TimelineSession {
  /** Stable React key. */
  key: string;
  kind: TimelineEventKind;
  userId: string | null;
  userName: string | null;
  userColor: string | null;
  firstSeq: number;
  /** The point the session ends at: previewing the session shows the document after this row. */
  lastSeq: number;
  startedAt: number;
  endedAt: number;
  inserted: number;
  deleted: number;
  sections: string[];
  restoredFrom: number | null;
  events: number;
}

/**
 * `events` newest first (as the API returns them); sessions come out newest first too. `breaks` are log
 * positions a session must not span (named versions), so a version sorts between the edits before and
 * after it.
 */
export function groupSessions(events: readonly TimelineEvent[], gapMs = SESSION_GAP_MS, breaks: readonly number[] = []): TimelineSession[] {
  const sessions: TimelineSession[] = [];
  for (const event of events) {
    const current = sessions.at(-1);
    const joins =
      current !== undefined &&
      current.kind === 'edit' &&
      event.kind === 'edit' &&
      current.userId === event.userId &&
      current.startedAt - event.at <= gapMs &&
      !breaks.some((seq) => event.seq <= seq && seq < current.firstSeq);
    if (joins) {
      current.firstSeq = event.seq;
      current.startedAt = event.at;
      current.inserted += event.inserted;
      current.deleted += event.deleted;
      current.events += 1;
      for (const section of event.sections) if (!current.sections.includes(section)) current.sections.push(section);
      continue;
    }
    sessions.push({
      key: `${event.seq}`,
      kind: event.kind,
      userId: event.userId,
      userName: event.userName,
      userColor: event.userColor,
      firstSeq: event.seq,
      lastSeq: event.seq,
      startedAt: event.at,
      endedAt: event.at,
      inserted: event.inserted,
      deleted: event.deleted,
      sections: [...event.sections],
      restoredFrom: event.restoredFrom,
      events: 1,
    });
  }
  return sessions;
}
