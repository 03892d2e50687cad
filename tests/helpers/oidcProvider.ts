/**
 * A real OpenID provider for tests: `oidc-provider` (the certified Node implementation) in-process on
 * 127.0.0.1, port 0, with one confidential client and a fixed set of accounts. Its login page signs in
 * without a form: `/interaction/<uid>?account=<id>` logs that account in (the default account when the
 * parameter is missing, so a real browser gets through unattended too), and the client is first-party, so
 * consent is granted without asking. Everything else is the provider's own code: discovery, the
 * authorization endpoint, PKCE, the token endpoint, signed ID tokens, UserInfo.
 *
 * Also here: a cookie jar that behaves like a browser's (scoped by host and path, ports ignored, so
 * Tandem's and the provider's cookies on 127.0.0.1 meet as they would in Chromium) and `followRedirects`,
 * which walks the redirect dance with plain `fetch` and `redirect: 'manual'`.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Account, type Adapter, type AdapterPayload, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { SignupMode } from '../../shared/accounts/api.js';
import { createOidcSignIn, type OidcSignIn } from '../../server/accounts/oidc.js';
import { OIDC_CALLBACK_PATH } from '../../server/accounts/oidcSettings.js';
import type { TandemServer } from '../../server/app.js';
import { createLogger } from '../../server/log.js';
import type { startTestServer } from './server.js';

export interface TestAccount {
  /** The provider's subject (`sub`). */
  id: string;
  /** Omitted: the provider shares no email. */
  email?: string;
  /** Omitted: the claim is not sent at all (as with several enterprise providers). */
  emailVerified?: boolean;
  name?: string;
}

export interface TestProvider {
  /** The issuer identifier, `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** While false, every request is answered 503 (a provider that is down). */
  available: boolean;
  close(): Promise<void>;
}

export async function startOidcProvider(options: { redirectUri: string; accounts: TestAccount[]; defaultAccount?: string }): Promise<TestProvider> {
  const accounts = new Map(options.accounts.map((account) => [account.id, account]));
  const defaultAccount = options.defaultAccount ?? options.accounts[0]?.id;
  const clientId = 'tandem-test';
  const clientSecret = crypto.randomBytes(24).toString('base64url');
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const configuration: Configuration = {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [options.redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    jwks: { keys: [{ ...signingKey, kid: 'test', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    adapter: memoryAdapters(),
    // Seconds; set so the provider does not print a notice about its defaults in every test.
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub): Account | undefined => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          ...(account.email !== undefined ? { email: account.email } : {}),
          ...(account.emailVerified !== undefined ? { email_verified: account.emailVerified } : {}),
          ...(account.name !== undefined ? { name: account.name } : {}),
        }),
      };
    },
    // A first-party client: consent is implied, so the grant is made here rather than on a consent page.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { session, client, provider } = ctx.oidc;
      if (!session?.accountId || !client) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return provider.Grant.find(existing);
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  const handleProvider = provider.callback();

  const state = { available: true };
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (!state.available) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('down for the test');
      return;
    }
    const url = new URL(request.url ?? '/', issuer);
    if (!url.pathname.startsWith('/interaction/')) {
      handleProvider(request, response);
      return;
    }
    // The login "page": logs in the account named in the query, without a form.
    void (async () => {
      const interaction = await provider.interactionDetails(request, response);
      const accountId = url.searchParams.get('account') ?? defaultAccount;
      if (interaction.prompt.name !== 'login' || accountId === undefined || !accounts.has(accountId)) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(`test provider: cannot answer prompt ${interaction.prompt.name} for ${accountId}`);
        return;
      }
      await provider.interactionFinished(request, response, { login: { accountId } }, { mergeWithLastSubmission: false });
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`test provider: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  return {
    issuer,
    clientId,
    clientSecret,
    get available() {
      return state.available;
    },
    set available(value: boolean) {
      state.available = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The provider's storage (sessions, interactions, codes, grants) in a Map per provider. oidc-provider has a
 * built-in one too, but warns on stderr about it in every test; this one lives and dies with the test.
 */
function memoryAdapters(): (name: string) => Adapter {
  const rows = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  return (name) => {
    const key = (id: string): string => `${name}:${id}`;
    const live = (id: string): AdapterPayload | undefined => {
      const row = rows.get(key(id));
      return row && row.expiresAt > Date.now() ? row.payload : undefined;
    };
    const where = (test: (payload: AdapterPayload) => boolean): AdapterPayload | undefined =>
      [...rows.entries()].find(([id, row]) => id.startsWith(`${name}:`) && row.expiresAt > Date.now() && test(row.payload))?.[1].payload;
    return {
      upsert: async (id, payload, expiresIn) => void rows.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity }),
      find: async (id) => live(id),
      findByUid: async (uid) => where((payload) => payload.uid === uid),
      findByUserCode: async (userCode) => where((payload) => payload.userCode === userCode),
      consume: async (id) => {
        const payload = live(id);
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => void rows.delete(key(id)),
      revokeByGrantId: async (grantId) => {
        for (const [id, row] of rows) if (row.payload.grantId === grantId) rows.delete(id);
      },
    };
  };
}

// A browser's cookie jar, small -----------------------------------------------------------------------

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expiresAt: number;
  /** The attributes as sent (SameSite, HttpOnly, Secure), for assertions. */
  line: string;
}

/** Cookies by host (not port, as browsers do), path prefix and expiry. Cookie names may repeat per path. */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  store(url: URL, setCookie: readonly string[]): void {
    for (const line of setCookie) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const index = pair.indexOf('=');
      if (index <= 0) continue;
      const cookie: StoredCookie = { name: pair.slice(0, index), value: pair.slice(index + 1), host: url.hostname, path: defaultPath(url), expiresAt: Infinity, line };
      for (const attribute of attributes) {
        const [key = '', value = ''] = attribute.split('=');
        const lower = key.toLowerCase();
        if (lower === 'path' && value.startsWith('/')) cookie.path = value;
        else if (lower === 'max-age') cookie.expiresAt = Date.now() + Number(value) * 1000;
        else if (lower === 'expires' && cookie.expiresAt === Infinity) cookie.expiresAt = Date.parse(attribute.slice(attribute.indexOf('=') + 1));
      }
      this.cookies = this.cookies.filter((other) => !(other.name === cookie.name && other.host === cookie.host && other.path === cookie.path));
      if (cookie.expiresAt > Date.now()) this.cookies.push(cookie);
    }
  }

  /** The Cookie header a browser would send to this URL (longer paths first), or undefined. */
  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = this.cookies
      .filter((cookie) => cookie.host === url.hostname && cookie.expiresAt > now && pathMatches(url.pathname, cookie.path))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length > 0 ? matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') : undefined;
  }

  /** The Set-Cookie line a cookie was last stored from, if it is still held. */
  line(name: string): string | undefined {
    return this.cookies.find((cookie) => cookie.name === name && cookie.expiresAt > Date.now())?.line;
  }

  has(name: string): boolean {
    return this.line(name) !== undefined;
  }
}

function defaultPath(url: URL): string {
  const last = url.pathname.lastIndexOf('/');
  return last <= 0 ? '/' : url.pathname.slice(0, last);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return requestPath === cookiePath || (requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'));
}

/** A GET as a browser navigation would make it: the jar's cookies in, the response's cookies stored. */
export async function navigate(jar: CookieJar, url: URL): Promise<Response> {
  const cookie = jar.header(url);
  const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  jar.store(url, response.headers.getSetCookie());
  return response;
}

export interface RedirectTrail {
  /** Every URL visited, in order. */
  visited: URL[];
  /** Where the dance ended: the first URL on `stopAt`'s origin outside `/api/auth/oidc/`. */
  landed: URL;
}

/**
 * Follows 3xx answers from `start` until the browser would land on a page of the app at `appOrigin` (the
 * first URL there outside the OIDC routes), without fetching that page. `rewrite` may change a URL before it
 * is visited (to add `?account=` at the provider's login page, or to tamper with the callback).
 */
export async function followRedirects(jar: CookieJar, start: URL, appOrigin: string, rewrite: (url: URL) => URL = (url) => url): Promise<RedirectTrail> {
  const visited: URL[] = [];
  let url = rewrite(start);
  for (let hop = 0; hop < 12; hop++) {
    visited.push(url);
    const response = await navigate(jar, url);
    const body = await response.text();
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      throw new Error(`redirect dance stopped at ${url.href} with ${response.status}: ${body.slice(0, 500)}`);
    }
    const next = new URL(location, url);
    if (next.origin === appOrigin && !next.pathname.startsWith('/api/auth/oidc/')) return { visited, landed: next };
    url = rewrite(next);
  }
  throw new Error(`too many redirects: ${visited.map((visit) => visit.href).join(' → ')}`);
}

/**
 * A Tandem server signing in through a real provider. The redirect URI is known only once the server
 * listens, and the provider's client must be registered with it: so the server starts with a forwarding
 * sign-in (it only answers `label` before the first request), then the provider with that redirect URI,
 * then the real sign-in (createOidcSignIn), which the forwarder hands every request to from then on.
 */
export async function startServerWithOidc(options: {
  start: (options: NonNullable<Parameters<typeof startTestServer>[1]>) => Promise<TandemServer>;
  label: string;
  accounts: TestAccount[];
  allowedDomains?: string[];
  signupMode: SignupMode;
}): Promise<{ server: TandemServer; provider: TestProvider }> {
  let real: OidcSignIn | null = null;
  const captured: { services?: Pick<Parameters<typeof createOidcSignIn>[1], 'users' | 'sessions' | 'onAccountCreated'> } = {};
  const server = await options.start({
    accounts: {
      oidc: (given) => {
        captured.services = given;
        return {
          label: options.label,
          handle: (step, request, response) => {
            if (!real) throw new Error('OIDC is not set up yet');
            return real.handle(step, request, response);
          },
        };
      },
    },
  });
  const redirectUri = new URL(OIDC_CALLBACK_PATH, server.url);
  const provider = await startOidcProvider({ redirectUri: redirectUri.href, accounts: options.accounts });
  const { services } = captured;
  if (!services) throw new Error('createAccounts did not call the oidc factory');
  real = createOidcSignIn(
    { issuer: new URL(provider.issuer), clientId: provider.clientId, clientSecret: provider.clientSecret, allowedDomains: options.allowedDomains ?? [], label: options.label, redirectUri },
    { ...services, logger: createLogger('silent'), metrics: server.metrics, signupModeFromEnv: options.signupMode },
  );
  return { server, provider };
}
