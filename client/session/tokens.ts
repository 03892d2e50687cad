/**
 * The token one open document connects with, refreshed before it expires and whenever the server says it
 * no longer accepts it (4401).
 *
 * Two sources, in this order:
 *   - a host application's JWT in localStorage (`tandem.session`, the embedding contract): used as it
 *     stands, since only the host can mint another; once the server refuses it, it is dropped;
 *   - `POST /api/documents/<id>/token` for the signed-in person (account or guest), carrying the share
 *     link's secret the first time when the page was opened from one. The server then remembers the link,
 *     so the secret is taken out of the address bar (not left in history, bookmarks or screenshots).
 */
import type { DocumentRole } from '../../shared/accounts/api.js';
import type { SessionResponse } from '../../shared/auth.js';
import { isHexColor } from '../../shared/colors.js';
import { ApiError, documentsApi, NetworkError } from '../accounts/api.js';
import { readJson } from '../app/storage.js';

const HOST_SESSION_KEY = 'tandem.session';

/** Refresh this long before expiry, so a connection never presents a token that lapses mid-handshake. */
const REFRESH_MARGIN_SECONDS = 5 * 60;
/** Never schedule a refresh sooner than this: a server with a very short TTL must not cause a busy loop. */
const MIN_REFRESH_DELAY_MS = 30_000;

export interface DocumentToken {
  token: string;
  role: DocumentRole;
  /** Seconds since the epoch. */
  expiresAt: number;
  user: { id: string; name: string; color: string };
  source: 'host' | 'account';
}

/** Why no token could be had: `notFound` (no such document for you), `signedOut`, or `unavailable` (try later). */
export type TokenFailure = 'notFound' | 'signedOut' | 'unavailable';

export class TokenError extends Error {
  constructor(
    readonly failure: TokenFailure,
    message: string,
  ) {
    super(message);
  }
}

export type TokenListener = (token: DocumentToken) => void;

function parseHostSession(raw: unknown): SessionResponse | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { token, user, expiresAt } = raw as Record<string, unknown>;
  if (typeof token !== 'string' || typeof expiresAt !== 'number') return null;
  if (typeof user !== 'object' || user === null) return null;
  const { id, name, color } = user as Record<string, unknown>;
  if (typeof id !== 'string' || typeof name !== 'string' || !isHexColor(color)) return null;
  return { token, user: { id, name, color }, expiresAt };
}

/** A host application's token stored for this browser, if there is one that has not expired. */
export function readHostSession(): SessionResponse | null {
  const session = parseHostSession(readJson(HOST_SESSION_KEY));
  return session && session.expiresAt > Date.now() / 1000 ? session : null;
}

function forgetHostSession(): void {
  try {
    window.localStorage.removeItem(HOST_SESSION_KEY);
  } catch {
    // storage disabled: nothing was stored either
  }
}

/**
 * The role a host token claims, read without verifying it: only a hint so the editor can be read-only
 * before the first keystroke. The server verifies the token and enforces the role regardless.
 */
export function tokenRole(token: string): DocumentRole | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const { role } = JSON.parse(json) as Record<string, unknown>;
    return role === 'editor' || role === 'commenter' || role === 'viewer' ? role : null;
  } catch {
    return null;
  }
}

function hostToken(session: SessionResponse): DocumentToken {
  return { token: session.token, role: tokenRole(session.token) ?? 'viewer', expiresAt: session.expiresAt, user: session.user, source: 'host' };
}

export class TokenManager {
  private token: DocumentToken | null;
  private inflight: Promise<DocumentToken> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<TokenListener>();

  constructor(
    readonly docName: string,
    private readonly options: {
      /** The share link's secret from the address, sent with the first request only. */
      link: string | null;
      /** The server accepted the link: take it out of the address bar. */
      onLinkUsed?: () => void;
    },
  ) {
    const host = readHostSession();
    this.token = host ? hostToken(host) : null;
  }

  /** Whether a host application's token (not the signed-in person) opens this document. */
  get hostMode(): boolean {
    return this.token?.source === 'host';
  }

  /** A token that is valid for a while, fetching one if needed. */
  async current(): Promise<DocumentToken> {
    const token = this.token;
    if (token && (token.source === 'host' || token.expiresAt - Date.now() / 1000 > REFRESH_MARGIN_SECONDS)) return token;
    return this.refresh();
  }

  /** Always asks for a new token (e.g. after a 4401). Concurrent callers share one request. */
  refresh(): Promise<DocumentToken> {
    if (this.inflight) return this.inflight;
    if (this.token?.source === 'host') {
      // The server refused the host's token (expired or not signed with its secret): fall back to the
      // signed-in person, if any. Nothing here can mint a host token.
      forgetHostSession();
      this.token = null;
    }
    const link = this.options.link;
    const inflight = documentsApi
      .token(this.docName, link)
      .then(
        (answer) => {
          if (link !== null) {
            this.options.link = null;
            this.options.onLinkUsed?.();
          }
          const token: DocumentToken = { ...answer, source: 'account' };
          this.token = token;
          this.scheduleRefresh(token);
          for (const listener of this.listeners) listener(token);
          return token;
        },
        (error: unknown) => {
          throw toTokenError(error);
        },
      )
      .finally(() => {
        this.inflight = null;
      });
    this.inflight = inflight;
    return inflight;
  }

  onToken(listener: TokenListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the refresh timer. Listeners are removed by whoever added them; a later request starts it again. */
  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  private scheduleRefresh(token: DocumentToken): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const delay = Math.max(MIN_REFRESH_DELAY_MS, (token.expiresAt - REFRESH_MARGIN_SECONDS) * 1000 - Date.now());
    this.refreshTimer = setTimeout(() => {
      // Offline or server down: the next connect or 4401 asks again, so a failure here is harmless.
      this.refresh().catch(() => undefined);
    }, delay);
  }
}

function toTokenError(error: unknown): TokenError {
  if (error instanceof ApiError) {
    if (error.status === 404) return new TokenError('notFound', error.message);
    // 401: no session (signed out elsewhere, expired). Anything else (a 403 from a lost CSRF cookie, 429, 5xx)
    // is retried with backoff: going to sign-in would find the session still valid and come straight back.
    if (error.status === 401) return new TokenError('signedOut', error.message);
    return new TokenError('unavailable', error.message);
  }
  if (error instanceof NetworkError) return new TokenError('unavailable', error.message);
  return new TokenError('unavailable', error instanceof Error ? error.message : String(error));
}
