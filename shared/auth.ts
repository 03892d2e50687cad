/** The token contract: a JWT (HS256) whose claims decide who a connection is and what it may do. */
/** What a connection may do in the room. A commenter reads and has presence like a viewer (comments come
 *  later); only an editor writes. A document's owner connects as an editor. */
export const Role = { editor: 'editor', commenter: 'commenter', viewer: 'viewer' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** The identity the server derives from a verified token. */
export interface Identity {
  userId: string;
  name: string;
  color: string;
  /** Mutable: the live access checks lower or raise it on open connections (server/accounts/liveAccess.ts). */
  role: Role;
  doc: string;
  /** The sign-in session a Tandem-minted token came from; absent for host-application tokens. */
  sessionId?: string;
  /** The document's owner (may free space by dropping history); host-application editors count as owners. */
  isOwner?: boolean;
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
