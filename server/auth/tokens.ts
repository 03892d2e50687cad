/** Token minting and verification (JWT HS256). The token alone decides who a connection is. */
import { errors, jwtVerify, SignJWT } from 'jose';
import { type Identity, MAX_DISPLAY_NAME_LENGTH, Role } from '../../shared/auth.js';
import { colorForId, isHexColor } from '../../shared/colors.js';

export type VerifyResult =
  | { ok: true; identity: Identity; expiresAt: number }
  | { ok: false; reason: 'missing' | 'expired' | 'invalid' };

export interface TokenService {
  verify(token: string | null): Promise<VerifyResult>;
  /** Host applications (and tests) mint any claims; server/accounts/access.ts mints session-bound ones. */
  mint(claims: MintClaims, ttlSeconds: number): Promise<string>;
}

export interface MintClaims {
  sub: string;
  name: string;
  color?: string;
  role: Role;
  doc: string;
  sid?: string;
}

export function createTokenService(secret: string): TokenService {
  const key = new TextEncoder().encode(secret);

  async function mint(claims: MintClaims, ttlSeconds: number): Promise<string> {
    return new SignJWT({ name: claims.name, color: claims.color, role: claims.role, doc: claims.doc, ...(claims.sid ? { sid: claims.sid } : {}) })
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

  return {
    verify,
    mint,
  };
}

function identityFromClaims(payload: Record<string, unknown>): Identity | null {
  const { sub, name, color, role, doc, sid } = payload;
  if (typeof sub !== 'string' || sub === '' || typeof name !== 'string' || typeof doc !== 'string') return null;
  if (role !== Role.editor && role !== Role.commenter && role !== Role.viewer) return null;
  if (sid !== undefined && (typeof sid !== 'string' || sid === '')) return null;
  return {
    userId: sub,
    name: name.slice(0, MAX_DISPLAY_NAME_LENGTH),
    color: isHexColor(color) ? color : colorForId(sub),
    role,
    doc,
    ...(typeof sid === 'string' ? { sessionId: sid } : { isOwner: role === Role.editor }),
  };
}
