/** The token contract: a JWT (HS256) whose claims decide who a connection is and what it may do. */
export const Role = { editor: 'editor', viewer: 'viewer' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** `doc` is one document name or `*` for every document. */
export interface TokenClaims {
  sub: string;
  name: string;
  color?: string;
  role: Role;
  doc: string;
  exp: number;
}

/** The identity the server derives from a verified token. */
export interface Identity {
  userId: string;
  name: string;
  color: string;
  role: Role;
  doc: string;
}

/** `POST /api/session` request and response bodies. */
export interface SessionRequest {
  name: string;
  color?: string;
  /** A previous guest token (even an expired one) keeps the same user id. */
  previousToken?: string;
}
export interface SessionResponse {
  token: string;
  user: { id: string; name: string; color: string };
  expiresAt: number;
}

export const MAX_DISPLAY_NAME_LENGTH = 64;

export function tokenAllowsDoc(tokenDoc: string, docName: string): boolean {
  return tokenDoc === '*' || tokenDoc === docName;
}
