/**
 * Who this browser is: a display name and a colour, kept in localStorage so every tab and every
 * document shows the same person. The server decides identity from the token; this is only what we
 * ask it to put in the token.
 */
import { MAX_DISPLAY_NAME_LENGTH } from '../../shared/auth.js';
import { USER_COLORS, isHexColor } from '../../shared/colors.js';
import { readJson, writeJson } from '../app/storage.js';

export interface Identity {
  name: string;
  color: string;
}

const STORAGE_KEY = 'tandem.identity';

const ADJECTIVES = ['Curious', 'Gentle', 'Bright', 'Quiet', 'Clever', 'Brave', 'Sunny', 'Calm', 'Witty', 'Keen'];
const ANIMALS = ['Heron', 'Otter', 'Fox', 'Badger', 'Wren', 'Lynx', 'Panda', 'Owl', 'Seal', 'Finch'];

export function randomDisplayName(random: () => number = Math.random): string {
  const pick = (list: readonly string[]): string => list[Math.floor(random() * list.length)] ?? list[0] ?? '';
  return `${pick(ADJECTIVES)} ${pick(ANIMALS)}`;
}

export function randomColor(random: () => number = Math.random): string {
  return USER_COLORS[Math.floor(random() * USER_COLORS.length)] ?? USER_COLORS[0];
}

/** Trims and bounds a name the person typed; null when nothing usable is left. */
export function cleanDisplayName(raw: string): string | null {
  const name = raw.trim().replace(/\s+/g, ' ').slice(0, MAX_DISPLAY_NAME_LENGTH);
  return name.length > 0 ? name : null;
}

function parseIdentity(raw: unknown): Identity | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { name, color } = raw as Record<string, unknown>;
  if (typeof name !== 'string' || !isHexColor(color)) return null;
  const clean = cleanDisplayName(name);
  return clean ? { name: clean, color } : null;
}

type Listener = () => void;
const listeners = new Set<Listener>();
let current: Identity | null | undefined;

/** The saved identity, or null on a first visit (the app then asks for a name). */
export function loadIdentity(): Identity | null {
  if (current === undefined) current = parseIdentity(readJson(STORAGE_KEY));
  return current;
}

export function saveIdentity(identity: Identity): void {
  current = identity;
  writeJson(STORAGE_KEY, identity);
  for (const listener of listeners) listener();
}

export function subscribeIdentity(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab changed the name or colour: follow it, so one person never shows up under two names.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== STORAGE_KEY) return;
    current = parseIdentity(readJson(STORAGE_KEY));
    for (const listener of listeners) listener();
  });
}
