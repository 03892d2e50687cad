/** Token minting and verification (JWT HS256). The token alone decides who a connection is. */
import crypto from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { type Identity, MAX_DISPLAY_NAME_LENGTH, Role, type SessionRequest, type SessionResponse } from '../../shared/auth.js';
import { colorForId, isHexColor } from '../../shared/colors.js';
import { GUEST_TOKEN_TTL_SECONDS } from '../../shared/limits.js';

export type VerifyResult =
  | { ok: true; identity: Identity; expiresAt: number }
  | { ok: false; reason: 'missing' | 'expired' | 'invalid' };

/** How long an expired guest token still proves who its holder was, for `previousToken`. */
const PREVIOUS_TOKEN_GRACE_SECONDS = 30 * 24 * 60 * 60;

export interface TokenService {
  verify(token: string | null): Promise<VerifyResult>;
  mintGuest(request: SessionRequest): Promise<SessionResponse>;
  /** For tests and host applications: mint any claims. */
  mint(claims: { sub: string; name: string; color?: string; role: Role; doc: string }, ttlSeconds: number): Promise<string>;
}

export function createTokenService(secret: string): TokenService {
  const key = new TextEncoder().encode(secret);

  async function mint(claims: { sub: string; name: string; color?: string; role: Role; doc: string }, ttlSeconds: number): Promise<string> {
    return new SignJWT({ name: claims.name, color: claims.color, role: claims.role, doc: claims.doc })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(key);
  }

  async function verify(token: string | null): Promise<VerifyResult> {
    if (token === null || token === '') return { ok: false, reason: 'missing' };
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
      const identity = identityFromClaims(payload);
      if (!identity || typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
      return { ok: true, identity, expiresAt: payload.exp };
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }

  async function previousUserId(previousToken: string | undefined): Promise<string | null> {
    if (!previousToken) return null;
    try {
      const { payload } = await jwtVerify(previousToken, key, {
        algorithms: ['HS256'],
        clockTolerance: PREVIOUS_TOKEN_GRACE_SECONDS,
      });
      return typeof payload.sub === 'string' && payload.sub.startsWith('guest-') ? payload.sub : null;
    } catch {
      return null;
    }
  }

  return {
    verify,
    mint,
    async mintGuest(request) {
      const userId = (await previousUserId(request.previousToken)) ?? `guest-${crypto.randomUUID()}`;
      const color = isHexColor(request.color) ? request.color.toLowerCase() : colorForId(userId);
      const token = await mint({ sub: userId, name: request.name, color, role: Role.editor, doc: '*' }, GUEST_TOKEN_TTL_SECONDS);
      return { token, user: { id: userId, name: request.name, color }, expiresAt: Math.floor(Date.now() / 1000) + GUEST_TOKEN_TTL_SECONDS };
    },
  };
}

function identityFromClaims(payload: Record<string, unknown>): Identity | null {
  const { sub, name, color, role, doc } = payload;
  if (typeof sub !== 'string' || sub === '' || typeof name !== 'string' || typeof doc !== 'string') return null;
  if (role !== Role.editor && role !== Role.viewer) return null;
  return {
    userId: sub,
    name: name.slice(0, MAX_DISPLAY_NAME_LENGTH),
    color: isHexColor(color) ? color : colorForId(sub),
    role,
    doc,
  };
}

/** Validates a `POST /api/session` body; returns the cleaned request or an error for the caller. */
export function parseSessionRequest(body: unknown): { ok: true; value: SessionRequest } | { ok: false; error: string } {
  if (typeof body !== 'object' || body === null) return { ok: false, error: 'body must be a JSON object' };
  const { name, color, previousToken } = body as Record<string, unknown>;
  if (typeof name !== 'string') return { ok: false, error: 'name is required' };
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (trimmed.length === 0 || trimmed.length > MAX_DISPLAY_NAME_LENGTH) {
    return { ok: false, error: `name must be 1 to ${MAX_DISPLAY_NAME_LENGTH} characters` };
  }
  if (color !== undefined && !isHexColor(color)) return { ok: false, error: 'color must be #rrggbb' };
  if (previousToken !== undefined && typeof previousToken !== 'string') return { ok: false, error: 'previousToken must be a string' };
  return {
    ok: true,
    value: { name: trimmed, ...(color !== undefined ? { color } : {}), ...(previousToken !== undefined ? { previousToken } : {}) },
  };
}
