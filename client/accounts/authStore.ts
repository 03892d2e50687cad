/**
 * Who is signed in, for the whole tab: `GET /api/auth/state` at boot, updated by sign-in, sign-up, guest
 * entry and sign-out, and re-read when the server says the session ended.
 *
 * The last signed-in person is kept in localStorage (name, email, colour: nothing secret; the session itself
 * is an HttpOnly cookie), so a page reloaded offline still opens its document from this device's copy
 * instead of stopping at a sign-in form it could not submit anyway.
 */
import { useSyncExternalStore } from 'react';
import { SignupMode, type AuthState, type Me } from '../../shared/accounts/api.js';
import { isHexColor } from '../../shared/colors.js';
import { readJson, writeJson } from '../app/storage.js';
import { authApi, NetworkError } from './api.js';

export type AuthStatus =
  | { kind: 'loading' }
  /** `offline`: the server could not be reached, so `state.user` is the person last signed in here. */
  | { kind: 'ready'; state: AuthState; offline: boolean }
  /** No answer from the server and nobody remembered on this device. */
  | { kind: 'unreachable' };

const STORAGE_KEY = 'tandem.me';

function parseMe(raw: unknown): Me | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { id, email, name, color, isAdmin, isGuest } = raw as Record<string, unknown>;
  if (typeof id !== 'string' || typeof name !== 'string' || !isHexColor(color)) return null;
  if (email !== null && typeof email !== 'string') return null;
  return { id, email, name, color, isAdmin: isAdmin === true, isGuest: isGuest === true };
}

let status: AuthStatus = { kind: 'loading' };
const listeners = new Set<() => void>();
let generation = 0;

function set(next: AuthStatus): void {
  status = next;
  const user = next.kind === 'ready' ? next.state.user : null;
  // Remember only what the server said; an offline boot keeps the memory as it is.
  if (next.kind === 'ready' && !next.offline) writeJson(STORAGE_KEY, user);
  for (const listener of listeners) listener();
}

/** Asks the server who we are. Offline, falls back to the person remembered on this device. */
export async function loadAuth(): Promise<void> {
  const mine = ++generation;
  try {
    const state = await authApi.state();
    if (mine === generation) set({ kind: 'ready', state, offline: false });
  } catch (error) {
    if (mine !== generation) return;
    const remembered = error instanceof NetworkError ? parseMe(readJson(STORAGE_KEY)) : null;
    if (remembered) set({ kind: 'ready', state: { user: remembered, setupNeeded: false, signupMode: SignupMode.invite, oidc: null }, offline: true });
    else if (status.kind !== 'ready') set({ kind: 'unreachable' });
    else set({ ...status });
  }
}

/** After sign-in, sign-up or guest entry: the answer is the person. */
export function signedIn(me: Me): void {
  generation++;
  const state = status.kind === 'ready' ? status.state : { setupNeeded: false, signupMode: SignupMode.invite, oidc: null };
  set({ kind: 'ready', state: { ...state, user: me, setupNeeded: false }, offline: false });
}

/** After sign-out, or when the server ended the session: forget the person, then re-read the settings. */
export function signedOut(): void {
  generation++;
  writeJson(STORAGE_KEY, null);
  if (status.kind === 'ready') set({ kind: 'ready', state: { ...status.state, user: null }, offline: false });
  void loadAuth();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useAuth(): AuthStatus {
  return useSyncExternalStore(subscribe, () => status);
}

if (typeof window !== 'undefined') {
  // Booted offline from memory: ask again once the network is back, so a session that ended meanwhile shows.
  window.addEventListener('online', () => {
    if (status.kind !== 'ready' || status.offline) void loadAuth();
  });
}
