/**
 * The accounts, documents and sharing HTTP API: paths, bodies and answers, shared by the server
 * (server/accounts/) and the client. Every body is JSON; every error is `{ error: string }` with a status:
 * 400 malformed, 401 not signed in, 403 not allowed (or CSRF/origin), 404 no such document *for you*
 * (a document you cannot see answers exactly as one that does not exist), 409 conflict, 429 rate limited
 * (with `retry-after` seconds).
 *
 * Sessions are an HttpOnly, SameSite=Lax cookie (`SESSION_COOKIE`). Every state-changing request (POST,
 * PUT, PATCH, DELETE) made with the session cookie must carry the header `CSRF_HEADER` equal to the
 * readable cookie `CSRF_COOKIE` (double submit), or it is refused with 403.
 *
 *   GET    /api/auth/state                       → AuthState
 *   POST   /api/auth/signup      SignUpRequest    → Me   (the first account on a fresh install is the administrator)
 *   POST   /api/auth/signin      SignInRequest    → Me
 *   POST   /api/auth/signout                      → 204
 *   POST   /api/auth/signout-all                  → 204  (every session of this account, open sockets included)
 *   POST   /api/auth/password    PasswordChange   → 204  (other sessions are signed out)
 *   POST   /api/auth/guest       GuestRequest     → Me   (a link holder without an account: a name, the link's role only)
 *   GET    /api/auth/oidc/start                   → 302 to the provider (when OIDC is configured)
 *   GET    /api/auth/oidc/callback                → 302 to `/` (or the page that started sign-in)
 *
 *   GET    /api/admin/settings                    → AdminSettings            (administrator)
 *   PUT    /api/admin/settings   AdminSettings    → AdminSettings            (administrator; refused if the environment fixes it)
 *   POST   /api/admin/invites    { email }        → 204                      (administrator: this email may sign up)
 *   GET    /api/admin/users                       → { users: AdminUser[] }   (administrator)
 *   PUT    /api/admin/users/:id  { disabled }     → AdminUser                (administrator; disabling closes their sockets)
 *
 *   GET    /api/documents?q=<title search>        → DocumentList (not deleted; sorted by last edit, newest first)
 *   GET    /api/documents/trash                   → { documents: DocumentSummary[] } (owner's deleted documents)
 *   POST   /api/documents    { title? }           → DocumentInfo (owner: you; title "Untitled" unless given)
 *   GET    /api/documents/:id                     → DocumentInfo
 *   PATCH  /api/documents/:id { title }           → DocumentInfo (editor or owner)
 *   DELETE /api/documents/:id                     → 204 (owner: to the trash; open sockets are closed 4403)
 *   POST   /api/documents/:id/restore             → DocumentInfo (owner: out of the trash)
 *   DELETE /api/documents/:id/purge               → 204 (owner: deleted for good, content included; only from the trash)
 *   GET    /api/documents/:id/sharing             → Sharing (editor or owner)
 *   PUT    /api/documents/:id/members { email, role }  → Sharing (owner; adds or changes a person)
 *   DELETE /api/documents/:id/members/:email      → Sharing (owner)
 *   PUT    /api/documents/:id/link { role }       → Sharing (owner; role null turns link sharing off)
 *   POST   /api/documents/:id/link/reset          → Sharing (owner; a new link secret, every old link stops working)
 *   POST   /api/documents/:id/owner { email }     → Sharing (owner; the new owner must have an account; the old owner stays as editor)
 *   POST   /api/documents/:id/token { link? }     → SocketToken (anyone with access; `link`: the secret from a share link)
 *
 * A share link is `/d/<id>?link=<secret>`. The client passes the secret to `/token`; the server remembers
 * that this account (or guest) holds the link, so later opens need no secret until the link is reset.
 * The timeline routes (`/api/docs/:id/…`) accept the same session cookie, or a host-application token as
 * `Authorization: Bearer <jwt>`, and check the same rules as the socket.
 */

export const SESSION_COOKIE = 'tandem_session';
export const CSRF_COOKIE = 'tandem_csrf';
export const CSRF_HEADER = 'x-tandem-csrf';

export const AUTH_API = '/api/auth';
export const ADMIN_API = '/api/admin';
export const DOCUMENTS_API = '/api/documents';

/** The query parameter of a share link. */
export const LINK_PARAM = 'link';

/** What someone may do in a document. A commenter reads and has presence (comments come later). */
export const DocumentRole = { viewer: 'viewer', commenter: 'commenter', editor: 'editor', owner: 'owner' } as const;
export type DocumentRole = (typeof DocumentRole)[keyof typeof DocumentRole];
/** Roles that can be given to someone (ownership is transferred, not given). */
export type ShareRole = Exclude<DocumentRole, 'owner'>;
export const SHARE_ROLES: readonly ShareRole[] = ['viewer', 'commenter', 'editor'];

export const SignupMode = { open: 'open', invite: 'invite' } as const;
export type SignupMode = (typeof SignupMode)[keyof typeof SignupMode];

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_TITLE_LENGTH = 200;
export const DEFAULT_TITLE = 'Untitled';

export interface Me {
  id: string;
  /** null for a guest (a link holder without an account). */
  email: string | null;
  name: string;
  color: string;
  isAdmin: boolean;
  isGuest: boolean;
}

export interface AuthState {
  user: Me | null;
  /** No account exists yet: the next sign-up creates the administrator. */
  setupNeeded: boolean;
  signupMode: SignupMode;
  /** OpenID Connect sign-in, when configured: the button's label ("Sign in with Acme"). */
  oidc: { label: string } | null;
}

export interface SignUpRequest {
  email: string;
  password: string;
  name: string;
}
export interface SignInRequest {
  email: string;
  password: string;
}
export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}
export interface GuestRequest {
  name: string;
  /** The document and link secret the guest came with: a guest exists only for a valid link. */
  document: string;
  link: string;
}

export interface AdminSettings {
  signupMode: SignupMode;
  /** True when SIGNUP_MODE in the environment decides, so the setting cannot be changed here. */
  fixedByEnvironment?: boolean;
}
export interface AdminUser {
  id: string;
  email: string | null;
  name: string;
  isAdmin: boolean;
  disabled: boolean;
  createdAt: number;
}

export interface PersonRef {
  id: string;
  name: string;
  email: string | null;
}

export interface DocumentSummary {
  id: string;
  title: string;
  owner: PersonRef;
  /** Your role in it. */
  role: DocumentRole;
  /** Milliseconds since the epoch; creation time until someone edits. */
  updatedAt: number;
  lastEditedBy: PersonRef | null;
  /** Set for documents in the trash. */
  deletedAt?: number;
}

export interface DocumentList {
  owned: DocumentSummary[];
  shared: DocumentSummary[];
}

export type DocumentInfo = DocumentSummary;

export interface Member {
  email: string;
  /** null until someone with this email has an account (an invitation). */
  user: PersonRef | null;
  role: ShareRole;
}

export interface Sharing {
  owner: PersonRef;
  members: Member[];
  /** Link sharing: off (null) or the role anyone with the link gets. */
  link: { role: ShareRole | null; /** Only shown to the owner. */ secret?: string };
}

export interface SocketToken {
  /** A short-lived token for `/collab/<id>?token=…`, valid only while this access lasts. */
  token: string;
  role: DocumentRole;
  expiresAt: number;
  user: { id: string; name: string; color: string };
}

export interface ApiError {
  error: string;
}

export function isShareRole(value: unknown): value is ShareRole {
  return value === 'viewer' || value === 'commenter' || value === 'editor';
}

/** Whether a role may change the document's content. */
export function canEdit(role: DocumentRole): boolean {
  return role === 'editor' || role === 'owner';
}

/** The email as the server compares it: trimmed and lowercased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A plausible email: one @, something on both sides, a dot in the domain, no spaces. */
export function isPlausibleEmail(email: string): boolean {
  return email.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);
}
