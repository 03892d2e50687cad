/**
 * Guest tokens from `POST /api/session`: one per browser, shared by every open document, kept in
 * localStorage, refreshed before it expires and whenever the server says it no longer accepts it.
 * Passing the previous token back keeps the same user id across refreshes and renames.
 */
import type { Role, SessionRequest, SessionResponse } from '../../shared/auth.js';
import { isHexColor } from '../../shared/colors.js';
import { readJson, writeJson } from '../app/storage.js';
import type { Identity } from '../identity/identity.js';

const STORAGE_KEY = 'tandem.session';

/** Refresh this long before expiry, so a connection never presents a token that lapses mid-handshake. */
const REFRESH_MARGIN_SECONDS = 10 * 60;
/** Never schedule a refresh sooner than this: a server with a very short TTL must not cause a busy loop. */
const MIN_REFRESH_DELAY_MS = 30_000;

export type TokenListener = (session: SessionResponse) => void;

function parseSession(raw: unknown): SessionResponse | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { token, user, expiresAt } = raw as Record<string, unknown>;
  if (typeof token !== 'string' || typeof expiresAt !== 'number') return null;
  if (typeof user !== 'object' || user === null) return null;
  const { id, name, color } = user as Record<string, unknown>;
  if (typeof id !== 'string' || typeof name !== 'string' || !isHexColor(color)) return null;
  return { token, user: { id, name, color }, expiresAt };
}

/**
 * The role a token claims, read without verifying it: only a hint so the editor can be read-only
 * before the first keystroke. The server verifies the token and enforces the role regardless.
 */
export function tokenRole(token: string): Role | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const { role } = JSON.parse(json) as Record<string, unknown>;
    return role === 'editor' || role === 'viewer' ? role : null;
  } catch {
    return null;
  }
}

export class SessionHttpError extends Error {
  constructor(readonly status: number) {
    super(`POST /api/session failed with ${status}`);
  }
}

export async function requestSession(body: SessionRequest, signal?: AbortSignal): Promise<SessionResponse> {
  const response = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw new SessionHttpError(response.status);
  const session = parseSession(await response.json());
  if (!session) throw new Error('POST /api/session returned an unexpected body');
  return session;
}

function matches(session: SessionResponse, identity: Identity): boolean {
  return session.user.name === identity.name && session.user.color.toLowerCase() === identity.color.toLowerCase();
}

export class TokenManager {
  private session: SessionResponse | null = parseSession(readJson(STORAGE_KEY));
  private inflight: Promise<SessionResponse> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<TokenListener>();

  constructor(private identity: Identity) {
    if (this.session) this.scheduleRefresh(this.session);
  }

  /** A token that is valid for a while and carries the current name and colour, fetching one if needed. */
  async current(): Promise<SessionResponse> {
    const session = this.session;
    const now = Date.now() / 1000;
    if (session && session.expiresAt - now > REFRESH_MARGIN_SECONDS && matches(session, this.identity)) {
      return session;
    }
    return this.refresh();
  }

  /** Always asks the server for a new token (e.g. after a 4401). Concurrent callers share one request. */
  refresh(): Promise<SessionResponse> {
    if (this.inflight) return this.inflight;
    const request: SessionRequest = { name: this.identity.name, color: this.identity.color };
    if (this.session) request.previousToken = this.session.token;
    const inflight = requestSession(request)
      .then((session) => {
        this.session = session;
        writeJson(STORAGE_KEY, session);
        this.scheduleRefresh(session);
        for (const listener of this.listeners) listener(session);
        return session;
      })
      .finally(() => {
        this.inflight = null;
      });
    this.inflight = inflight;
    return inflight;
  }

  /** A rename must reach the server in a new token: the server overwrites awareness names from it. */
  setIdentity(identity: Identity): void {
    const changed = identity.name !== this.identity.name || identity.color !== this.identity.color;
    this.identity = identity;
    if (changed && this.session) void this.refresh().catch(() => undefined);
  }

  onToken(listener: TokenListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.listeners.clear();
  }

  private scheduleRefresh(session: SessionResponse): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const delay = Math.max(MIN_REFRESH_DELAY_MS, (session.expiresAt - REFRESH_MARGIN_SECONDS) * 1000 - Date.now());
    this.refreshTimer = setTimeout(() => {
      // Offline or server down: the next connect or 4401 asks again, so a failure here is harmless.
      this.refresh().catch(() => undefined);
    }, delay);
  }
}
