/**
 * Event metadata as stored in the log row's `meta` column: one small JSON object with short keys and
 * defaults left out (a typical keystroke stores `{"i":1,"s":["<section id>"]}`), not a column per field
 * in two dialects. Decoding is defensive: rows written before the timeline existed (or by a future
 * version) read as plain edits. Names and colours come from the authors table (see types.ts).
 */
import { EventKind, type EventMeta, type NewLogRow } from './types.js';

interface StoredMeta {
  k?: unknown;
  n?: unknown;
  c?: unknown;
  i?: unknown;
  d?: unknown;
  s?: unknown;
  r?: unknown;
}

export const EMPTY_EVENT_META: EventMeta = Object.freeze({
  kind: EventKind.edit,
  userName: null,
  userColor: null,
  inserted: 0,
  deleted: 0,
  sections: [],
}) as EventMeta;

/**
 * Only what differs from a plain edit is written, and never the user's name or colour: those live once
 * per user in the authors table (a name on every keystroke's row tripled the log's size).
 */
export function encodeEventMeta(meta: EventMeta | undefined): string | null {
  if (!meta) return null;
  const stored: StoredMeta = {};
  if (meta.kind !== EventKind.edit) stored.k = meta.kind;
  if (meta.inserted !== 0) stored.i = meta.inserted;
  if (meta.deleted !== 0) stored.d = meta.deleted;
  if (meta.sections.length > 0) stored.s = meta.sections;
  if (meta.restoredFrom !== undefined && meta.restoredFrom !== null) stored.r = meta.restoredFrom;
  return JSON.stringify(stored);
}

export function decodeEventMeta(raw: string | null): EventMeta {
  if (raw === null) return { ...EMPTY_EVENT_META, sections: [] };
  let parsed: StoredMeta;
  try {
    parsed = JSON.parse(raw) as StoredMeta;
  } catch {
    return { ...EMPTY_EVENT_META, sections: [] };
  }
  const kind = Object.values(EventKind).find((k) => k === parsed.k) ?? EventKind.edit;
  return {
    kind,
    userName: typeof parsed.n === 'string' ? parsed.n : null,
    userColor: typeof parsed.c === 'string' ? parsed.c : null,
    inserted: typeof parsed.i === 'number' ? parsed.i : 0,
    deleted: typeof parsed.d === 'number' ? parsed.d : 0,
    sections: Array.isArray(parsed.s) ? parsed.s.filter((s): s is string => typeof s === 'string') : [],
    restoredFrom: typeof parsed.r === 'number' ? parsed.r : null,
  };
}

/** The latest name and colour of each user in a batch of rows, for the authors table. */
export function authorsOf(rows: readonly NewLogRow[]): Array<{ userId: string; name: string; color: string | null; at: number }> {
  const latest = new Map<string, { userId: string; name: string; color: string | null; at: number }>();
  for (const row of rows) {
    if (row.userId === null || !row.meta?.userName) continue;
    latest.set(row.userId, { userId: row.userId, name: row.meta.userName, color: row.meta.userColor, at: row.createdAt });
  }
  return [...latest.values()];
}

/** Fills a decoded row's name and colour from its author (the joined authors row), if any. */
export function withAuthor(meta: EventMeta, author: { name: string | null; color: string | null }): EventMeta {
  return author.name === null ? meta : { ...meta, userName: author.name, userColor: author.color };
}
