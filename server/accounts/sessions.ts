/**
 * Sign-in sessions: a random secret in an HttpOnly, SameSite=Lax cookie; the database keeps only its
 * SHA-256, so reading the database does not let anyone sign in. A readable CSRF cookie carries a second
 * random value that state-changing requests must echo in a header (double submit): another site can make
 * the browser send the session cookie, but cannot read this one.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from '../../shared/accounts/api.js';
import type { SqlDatabase } from '../storage/sql/database.js';

/** A session lasts 30 days from sign-in: long enough not to nag, bounded so a stolen laptop's cookie ends. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface Session {
  id: string;
  userId: string;
  expiresAt: number;
}

const sha256 = (value: string): string => crypto.createHash('sha256').update(value).digest('hex');
const randomSecret = (): string => crypto.randomBytes(32).toString('base64url');

export class Sessions {
  constructor(private readonly db: SqlDatabase) {}

  /** Creates a session and returns it with the secret for the cookie (never stored). */
  async create(userId: string): Promise<{ session: Session; secret: string }> {
    const secret = randomSecret();
    const session: Session = { id: crypto.randomUUID(), userId, expiresAt: Date.now() + SESSION_TTL_MS };
    await this.db.run('INSERT INTO tandem_sessions (id, token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
      session.id,
      sha256(secret),
      userId,
      Date.now(),
      session.expiresAt,
    ]);
    return { session, secret };
  }

  async bySecret(secret: string): Promise<Session | null> {
    const row = await this.db.get('SELECT id, user_id, expires_at FROM tandem_sessions WHERE token_hash = ?', [sha256(secret)]);
    return row && Number(row.expires_at) > Date.now() ? { id: String(row.id), userId: String(row.user_id), expiresAt: Number(row.expires_at) } : null;
  }

  async byId(id: string): Promise<Session | null> {
    const row = await this.db.get('SELECT id, user_id, expires_at FROM tandem_sessions WHERE id = ?', [id]);
    return row && Number(row.expires_at) > Date.now() ? { id: String(row.id), userId: String(row.user_id), expiresAt: Number(row.expires_at) } : null;
  }

  async end(id: string): Promise<void> {
    await this.db.run('DELETE FROM tandem_sessions WHERE id = ?', [id]);
  }

  /** Ends every session of the user except `keep`; returns the ids ended. */
  async endAll(userId: string, keep: string | null = null): Promise<string[]> {
    const rows = await this.db.all('SELECT id FROM tandem_sessions WHERE user_id = ?', [userId]);
    const ended = rows.map((row) => String(row.id)).filter((id) => id !== keep);
    for (const id of ended) await this.end(id);
    return ended;
  }
}

// Cookies ---------------------------------------------------------------------------------------------

export function readCookies(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** `Secure` when the request came over TLS (directly or, as the proxy says, through it). */
function isSecure(request: IncomingMessage): boolean {
  return (request.socket as { encrypted?: boolean }).encrypted === true || request.headers['x-forwarded-proto'] === 'https';
}

function cookie(name: string, value: string, options: { httpOnly: boolean; maxAgeSeconds: number; secure: boolean }): string {
  return [
    `${name}=${value}`,
    'Path=/',
    'SameSite=Lax',
    `Max-Age=${options.maxAgeSeconds}`,
    ...(options.httpOnly ? ['HttpOnly'] : []),
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

export function setSessionCookies(request: IncomingMessage, response: ServerResponse, secret: string): void {
  const secure = isSecure(request);
  const maxAgeSeconds = Math.floor(SESSION_TTL_MS / 1000);
  response.setHeader('set-cookie', [
    cookie(SESSION_COOKIE, secret, { httpOnly: true, maxAgeSeconds, secure }),
    cookie(CSRF_COOKIE, randomSecret(), { httpOnly: false, maxAgeSeconds, secure }),
  ]);
}

export function clearSessionCookies(request: IncomingMessage, response: ServerResponse): void {
  const secure = isSecure(request);
  response.setHeader('set-cookie', [cookie(SESSION_COOKIE, '', { httpOnly: true, maxAgeSeconds: 0, secure }), cookie(CSRF_COOKIE, '', { httpOnly: false, maxAgeSeconds: 0, secure })]);
}

/** Double-submit check: the header equals the CSRF cookie (compared in constant time). */
export function csrfValid(request: IncomingMessage): boolean {
  const expected = readCookies(request).get(CSRF_COOKIE) ?? '';
  const header = request.headers[CSRF_HEADER];
  const given = typeof header === 'string' ? header : '';
  if (expected.length < 16 || given.length !== expected.length) return false;
  return crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
