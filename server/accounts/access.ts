/**
 * Who someone is and what they may do in a document, decided in one place for every entry point: the
 * WebSocket upgrade, the timeline API and the accounts API all come here.
 *
 * Two kinds of tokens open a document. A host application's JWT (signed with AUTH_SECRET, no `sid`) is
 * trusted as it stands: the host decides, as the README's contract says. A token Tandem mints for a
 * signed-in session carries the session id (`sid`), and every use re-reads the session, the account and
 * the document's sharing, so it is worth exactly the access that exists now, never what existed when it
 * was minted. Open connections are re-checked when sharing changes (liveAccess.ts).
 */
import type { IncomingMessage } from 'node:http';
import { canEdit, type DocumentRole, SESSION_COOKIE, type SocketToken } from '../../shared/accounts/api.js';
import { type Identity, Role, tokenAllowsDoc } from '../../shared/auth.js';
import { ACCESS_REVOKED_REASON, SESSION_ENDED_REASON } from '../../shared/protocol/closeCodes.js';
import type { TokenService } from '../auth/tokens.js';
import type { Directory, DocumentMeta } from './directory.js';
import { readCookies, type Session, type Sessions } from './sessions.js';
import type { User, Users } from './users.js';

/** Document tokens are short: they only open connections (each open re-checks access anyway). */
export const DOCUMENT_TOKEN_TTL_SECONDS = 15 * 60;

export type Identified =
  | { ok: true; identity: Identity; expiresAt: number }
  | { ok: false; status: 401 | 403; reason: string };

/** The room role for a document role: the owner writes like an editor. */
export function roomRole(role: DocumentRole): Role {
  return canEdit(role) ? Role.editor : role === 'commenter' ? Role.commenter : Role.viewer;
}

export interface SignedIn {
  session: Session;
  user: User;
}

export class AccessControl {
  constructor(
    private readonly deps: { users: Users; sessions: Sessions; directory: Directory; tokens: TokenService },
  ) {}

  /** The signed-in session behind a request's cookie, if it is valid and its account enabled. */
  async signedIn(request: IncomingMessage): Promise<SignedIn | null> {
    const secret = readCookies(request).get(SESSION_COOKIE);
    if (!secret) return null;
    const session = await this.deps.sessions.bySecret(secret);
    return session ? this.sessionUser(session) : null;
  }

  private async sessionUser(session: Session): Promise<SignedIn | null> {
    const user = await this.deps.users.byId(session.userId);
    return user && !user.disabled ? { session, user } : null;
  }

  /** The role a signed-in person has in a document right now (null: none, or no such document). */
  async roleIn(user: User, docId: string): Promise<{ meta: DocumentMeta | null; role: DocumentRole | null }> {
    const meta = await this.deps.directory.get(docId);
    return { meta, role: await this.deps.directory.roleOf(user, meta) };
  }

  /** A token for `/collab/<doc>` and the timeline API, for someone who has a role there now. */
  async documentToken(signedIn: SignedIn, docId: string, role: DocumentRole): Promise<SocketToken> {
    const { user, session } = signedIn;
    const token = await this.deps.tokens.mint({ sub: user.id, name: user.name, color: user.color, role: roomRole(role), doc: docId, sid: session.id }, DOCUMENT_TOKEN_TTL_SECONDS);
    return { token, role, expiresAt: Math.floor(Date.now() / 1000) + DOCUMENT_TOKEN_TTL_SECONDS, user: { id: user.id, name: user.name, color: user.color } };
  }

  /** Checks a token presented for `docName` (socket upgrade or `Authorization: Bearer`). */
  async identify(token: string | null, docName: string): Promise<Identified> {
    const verified = await this.deps.tokens.verify(token);
    if (!verified.ok) return { ok: false, status: 401, reason: verified.reason === 'expired' ? 'token expired' : 'authentication required' };
    const { identity } = verified;
    if (!tokenAllowsDoc(identity.doc, docName)) return { ok: false, status: 403, reason: 'token not valid for this document' };
    if (identity.sessionId === undefined) return { ok: true, identity, expiresAt: verified.expiresAt };
    const current = await this.currentAccess(identity.sessionId, identity.userId, docName);
    if (!current.ok) return current;
    return { ok: true, identity: { ...identity, ...current.identity }, expiresAt: verified.expiresAt };
  }

  /** What a session-bound connection may do now: its role, name and colour as they are today. */
  async currentAccess(sessionId: string, userId: string, docName: string): Promise<{ ok: true; identity: Pick<Identity, 'role' | 'isOwner' | 'name' | 'color'> } | { ok: false; status: 401 | 403; reason: string }> {
    const session = await this.deps.sessions.byId(sessionId);
    const signedIn = session && session.userId === userId ? await this.sessionUser(session) : null;
    if (!signedIn) return { ok: false, status: 401, reason: SESSION_ENDED_REASON };
    const { role } = await this.roleIn(signedIn.user, docName);
    if (role === null) return { ok: false, status: 403, reason: ACCESS_REVOKED_REASON };
    return { ok: true, identity: { role: roomRole(role), isOwner: role === 'owner', name: signedIn.user.name, color: signedIn.user.color } };
  }
}
