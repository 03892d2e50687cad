/**
 * Documents this browser has opened, newest first, for the home page. Kept in localStorage; the
 * documents themselves live on the server and in IndexedDB.
 */
import { isValidDocName } from '../../shared/docName.js';
import { readJson, writeJson } from '../app/storage.js';

export interface RecentDoc {
  name: string;
  openedAt: number;
  /** Last time this browser changed the document, if it ever did. */
  editedAt: number | null;
}

const STORAGE_KEY = 'tandem.recentDocs';
/** Enough to find last week's work without the list turning into an archive. */
const MAX_RECENT = 50;
/** Typing fires an update per keystroke; the "edited" time only needs minute precision. */
const EDIT_WRITE_INTERVAL_MS = 5_000;

function parse(raw: unknown): RecentDoc[] {
  if (!Array.isArray(raw)) return [];
  const docs: RecentDoc[] = [];
  for (const item of raw as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { name, openedAt, editedAt } = item as Record<string, unknown>;
    if (typeof name !== 'string' || !isValidDocName(name) || typeof openedAt !== 'number') continue;
    docs.push({ name, openedAt, editedAt: typeof editedAt === 'number' ? editedAt : null });
  }
  return docs;
}

export function loadRecentDocs(): RecentDoc[] {
  return parse(readJson(STORAGE_KEY)).sort(
    (a, b) => Math.max(b.openedAt, b.editedAt ?? 0) - Math.max(a.openedAt, a.editedAt ?? 0),
  );
}

function upsert(name: string, change: (doc: RecentDoc) => RecentDoc): void {
  const docs = parse(readJson(STORAGE_KEY));
  const existing = docs.find((doc) => doc.name === name) ?? { name, openedAt: Date.now(), editedAt: null };
  const next = [change(existing), ...docs.filter((doc) => doc.name !== name)].slice(0, MAX_RECENT);
  writeJson(STORAGE_KEY, next);
}

export function markDocOpened(name: string): void {
  upsert(name, (doc) => ({ ...doc, openedAt: Date.now() }));
}

const lastEditWrite = new Map<string, number>();

export function markDocEdited(name: string): void {
  const now = Date.now();
  if (now - (lastEditWrite.get(name) ?? 0) < EDIT_WRITE_INTERVAL_MS) return;
  lastEditWrite.set(name, now);
  upsert(name, (doc) => ({ ...doc, editedAt: now }));
}

export function forgetRecentDoc(name: string): void {
  writeJson(STORAGE_KEY, parse(readJson(STORAGE_KEY)).filter((doc) => doc.name !== name));
}
