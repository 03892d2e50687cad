/**
 * A person using the accounts API over real HTTP, as a browser would: a cookie jar, the CSRF header on
 * state-changing requests, the Origin of the server itself.
 */
import type { DocumentInfo, Me, SocketToken } from '../../shared/accounts/api.js';
import { CSRF_COOKIE, CSRF_HEADER } from '../../shared/accounts/api.js';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiUser {
  private readonly cookies = new Map<string, string>();
  me: Me | null = null;

  constructor(readonly baseUrl: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, options: { csrf?: boolean; origin?: string | null } = {}): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const csrf = this.cookies.get(CSRF_COOKIE);
    if (options.csrf !== false && csrf && method !== 'GET') headers[CSRF_HEADER] = csrf;
    const origin = options.origin === undefined ? this.baseUrl : options.origin;
    if (origin !== null) headers.origin = origin;
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (!pair || index <= 0) continue;
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async signUp(email: string, name = email.split('@')[0] ?? 'Someone', password = 'correct horse battery'): Promise<Me> {
    const answer = await this.request<Me>('POST', '/api/auth/signup', { email, name, password });
    if (answer.status !== 200) throw new Error(`sign-up of ${email} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.me = answer.body;
    return answer.body;
  }

  async signIn(email: string, password = 'correct horse battery'): Promise<ApiAnswer<Me>> {
    const answer = await this.request<Me>('POST', '/api/auth/signin', { email, password });
    if (answer.status === 200) this.me = answer.body;
    return answer;
  }

  async createDocument(title?: string): Promise<DocumentInfo> {
    const answer = await this.request<DocumentInfo>('POST', '/api/documents', title === undefined ? {} : { title });
    if (answer.status !== 200) throw new Error(`create failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async share(docId: string, email: string, role: 'viewer' | 'commenter' | 'editor'): Promise<void> {
    const answer = await this.request('PUT', `/api/documents/${docId}/members`, { email, role });
    if (answer.status !== 200) throw new Error(`share failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  async token(docId: string, link?: string): Promise<ApiAnswer<SocketToken>> {
    return this.request<SocketToken>('POST', `/api/documents/${docId}/token`, link === undefined ? {} : { link });
  }

  async socketToken(docId: string, link?: string): Promise<string> {
    const answer = await this.token(docId, link);
    if (answer.status !== 200) throw new Error(`token failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.token;
  }
}

let counter = 0;
/** A fresh, plausible email per call. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}@example.test`;
}
