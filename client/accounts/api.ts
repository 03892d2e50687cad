/**
 * The accounts, documents and sharing API from the browser (grammar in shared/accounts/api.ts). One fetch
 * wrapper: JSON in and out, the CSRF header on every state-changing request (double submit: the header
 * echoes the readable `tandem_csrf` cookie), and an error answer turned into an ApiError that carries the
 * status, the server's sentence and, for 429, how many seconds to wait. A request that never got an
 * answer (offline, server down) is a NetworkError, so callers can tell "refused" from "unreachable".
 */
import {
  ADMIN_API,
  AUTH_API,
  CSRF_COOKIE,
  CSRF_HEADER,
  DOCUMENTS_API,
  type AdminSettings,
  type AdminUser,
  type AuthState,
  type DocumentInfo,
  type DocumentList,
  type DocumentSummary,
  type GuestRequest,
  type Me,
  type PasswordChange,
  type ShareRole,
  type Sharing,
  type SignInRequest,
  type SignUpRequest,
  type SocketToken,
} from '../../shared/accounts/api.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The server's sentence (every error body is `{ error }`), or a plain fallback. */
    message: string,
    /** From `retry-after` on a 429. */
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
  }
}

export class NetworkError extends Error {}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return null;
}

async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers = new Headers({ accept: 'application/json' });
  const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers.set(CSRF_HEADER, csrf);
    // Routes that read a body want a JSON object even when there is nothing to say.
    if (method !== 'DELETE' || body !== undefined) {
      headers.set('content-type', 'application/json');
      init.body = JSON.stringify(body ?? {});
    }
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new NetworkError(`${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (response.status === 204) return undefined as T;
  const parsed: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const said = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : null;
    const retry = Number(response.headers.get('retry-after'));
    throw new ApiError(response.status, typeof said === 'string' && said !== '' ? said : fallbackText(response.status), Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  // The one cast of wire data: answers come from our own server under the typed contract in shared/.
  return parsed as T;
}

function fallbackText(status: number): string {
  if (status === 401) return 'Please sign in again.';
  if (status === 403) return "You aren't allowed to do that.";
  if (status === 404) return 'Not found.';
  if (status >= 500) return 'The server ran into a problem. Try again in a moment.';
  return `The request failed (${status}).`;
}

/** The server's sentence as a person reads it: capitalised, with a full stop. */
export function sentence(error: unknown): string {
  if (error instanceof NetworkError) return "Can't reach the server. Check your connection and try again.";
  const text = error instanceof Error ? error.message : String(error);
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

const doc = (id: string): string => `${DOCUMENTS_API}/${encodeURIComponent(id)}`;

export const authApi = {
  state: () => request<AuthState>('GET', `${AUTH_API}/state`),
  signUp: (body: SignUpRequest) => request<Me>('POST', `${AUTH_API}/signup`, body),
  signIn: (body: SignInRequest) => request<Me>('POST', `${AUTH_API}/signin`, body),
  signOut: () => request<void>('POST', `${AUTH_API}/signout`),
  signOutEverywhere: () => request<void>('POST', `${AUTH_API}/signout-all`),
  changePassword: (body: PasswordChange) => request<void>('POST', `${AUTH_API}/password`, body),
  guest: (body: GuestRequest) => request<Me>('POST', `${AUTH_API}/guest`, body),
  /** Where the browser goes to sign in with OpenID Connect; the server sends it back to `returnPath`. */
  oidcStartUrl: (returnPath: string) => `${AUTH_API}/oidc/start?return=${encodeURIComponent(returnPath)}`,
};

export const adminApi = {
  settings: () => request<AdminSettings>('GET', `${ADMIN_API}/settings`),
  setSettings: (settings: AdminSettings) => request<AdminSettings>('PUT', `${ADMIN_API}/settings`, settings),
  invite: (email: string) => request<void>('POST', `${ADMIN_API}/invites`, { email }),
  users: () => request<{ users: AdminUser[] }>('GET', `${ADMIN_API}/users`),
  setDisabled: (id: string, disabled: boolean) => request<AdminUser>('PUT', `${ADMIN_API}/users/${encodeURIComponent(id)}`, { disabled }),
};

export const documentsApi = {
  list: (query: string) => request<DocumentList>('GET', `${DOCUMENTS_API}?q=${encodeURIComponent(query)}`),
  trash: (query: string) => request<{ documents: DocumentSummary[] }>('GET', `${DOCUMENTS_API}/trash?q=${encodeURIComponent(query)}`),
  create: (title?: string) => request<DocumentInfo>('POST', DOCUMENTS_API, title === undefined ? {} : { title }),
  get: (id: string) => request<DocumentInfo>('GET', doc(id)),
  rename: (id: string, title: string) => request<DocumentInfo>('PATCH', doc(id), { title }),
  trashDocument: (id: string) => request<void>('DELETE', doc(id)),
  restore: (id: string) => request<DocumentInfo>('POST', `${doc(id)}/restore`),
  purge: (id: string) => request<void>('DELETE', `${doc(id)}/purge`),
  sharing: (id: string) => request<Sharing>('GET', `${doc(id)}/sharing`),
  setMember: (id: string, email: string, role: ShareRole) => request<Sharing>('PUT', `${doc(id)}/members`, { email, role }),
  removeMember: (id: string, email: string) => request<Sharing>('DELETE', `${doc(id)}/members/${encodeURIComponent(email)}`),
  setLinkRole: (id: string, role: ShareRole | null) => request<Sharing>('PUT', `${doc(id)}/link`, { role }),
  resetLink: (id: string) => request<Sharing>('POST', `${doc(id)}/link/reset`),
  transferOwnership: (id: string, email: string) => request<Sharing>('POST', `${doc(id)}/owner`, { email }),
  token: (id: string, link: string | null) => request<SocketToken>('POST', `${doc(id)}/token`, link === null ? {} : { link }),
};
