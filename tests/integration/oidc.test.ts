/**
 * OpenID Connect sign-in against a real provider (oidc-provider, in-process on 127.0.0.1), never a mock:
 * the whole redirect dance with plain `fetch`, `redirect: 'manual'` and a browser-like cookie jar.
 *
 * Each test starts the server and provider with `startServerWithOidc` (tests/helpers/oidcProvider.ts: the
 * redirect URI is known only once the server listens). The production path (settings from the environment,
 * wired in server/app.ts) is covered by its own test below.
 */
import { describe, expect, it } from 'vitest';
import type { AuthState, SignupMode } from '../../shared/accounts/api.js';
import { SESSION_COOKIE } from '../../shared/accounts/api.js';
import type { TandemServer } from '../../server/app.js';
import { OIDC_REFUSALS, OIDC_STATE_COOKIE, type OidcRefusal, safeReturnPath, SIGNIN_ERROR_PARAM } from '../../server/accounts/oidc.js';
import { DEFAULT_OIDC_LABEL, OIDC_CALLBACK_PATH, oidcSettingsFromEnv } from '../../server/accounts/oidcSettings.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { ApiUser } from '../helpers/accounts.js';
import { CookieJar, followRedirects, navigate, startOidcProvider, startServerWithOidc, type TestAccount, type TestProvider } from '../helpers/oidcProvider.js';
import { testScope } from '../helpers/scope.js';

const scope = testScope();
const LABEL = 'Sign in with Acme';

const ADA: TestAccount = { id: 'sub-ada', email: 'ada@acme.example', emailVerified: true, name: 'Ada Lovelace' };
const BOB: TestAccount = { id: 'sub-bob', email: 'Bob@Acme.example', emailVerified: true, name: 'Bob' };
const OUTSIDER: TestAccount = { id: 'sub-eve', email: 'eve@elsewhere.example', emailVerified: true, name: 'Eve' };
/** The provider sends no email_verified claim at all. */
const CAROL_UNSTATED: TestAccount = { id: 'sub-carol-1', email: 'carol@acme.example', name: 'Carol' };
const CAROL_VERIFIED: TestAccount = { id: 'sub-carol-2', email: 'carol@acme.example', emailVerified: true, name: 'Carol' };
const DAN_UNVERIFIED: TestAccount = { id: 'sub-dan', email: 'dan@acme.example', emailVerified: false, name: 'Dan' };
const NO_EMAIL: TestAccount = { id: 'sub-anon', name: 'Nobody' };
const ALL = [ADA, BOB, OUTSIDER, CAROL_UNSTATED, CAROL_VERIFIED, DAN_UNVERIFIED, NO_EMAIL];

interface Setup {
  server: TandemServer;
  provider: TestProvider;
  /** One person's browser: signs in as `account` at the provider's login page; returns where it landed. */
  signIn(jar: CookieJar, account: TestAccount, options?: { returnTo?: string; tamper?: (callback: URL) => void }): Promise<URL>;
  authState(jar: CookieJar): Promise<AuthState>;
}

async function setUp(options: { allowedDomains?: string[]; signupMode?: SignupMode; providerDown?: boolean } = {}): Promise<Setup> {
  const signupMode = options.signupMode ?? 'open';
  const { server, provider } = await startServerWithOidc({
    start: (options) => scope.server({ signupMode }, options),
    label: LABEL,
    accounts: ALL,
    ...(options.allowedDomains ? { allowedDomains: options.allowedDomains } : {}),
    signupMode,
  });
  scope.defer(() => provider.close());
  provider.available = options.providerDown !== true;
  const appOrigin = new URL(server.url).origin;
  return {
    server,
    provider,
    async signIn(jar, account, { returnTo, tamper } = {}) {
      const start = new URL('/api/auth/oidc/start', server.url);
      if (returnTo !== undefined) start.searchParams.set('return', returnTo);
      const trail = await followRedirects(jar, start, appOrigin, (url) => {
        const next = new URL(url);
        if (next.origin === provider.issuer && next.pathname.startsWith('/interaction/')) next.searchParams.set('account', account.id);
        if (next.origin === appOrigin && next.pathname === OIDC_CALLBACK_PATH) tamper?.(next);
        return next;
      });
      return trail.landed;
    },
    async authState(jar) {
      return (await (await navigate(jar, new URL('/api/auth/state', server.url))).json()) as AuthState;
    },
  };
}

function expectRefused(landed: URL, refusal: OidcRefusal): void {
  expect(landed.pathname).toBe('/');
  expect(landed.searchParams.get(SIGNIN_ERROR_PARAM)).toBe(OIDC_REFUSALS[refusal]);
}

describe('OpenID Connect sign-in against a real provider', () => {
  it('signs in: creates the account and a session, lands on the page that started it', async () => {
    const { server, provider, signIn, authState } = await setUp();
    const jar = new CookieJar();
    expect((await authState(jar)).oidc).toEqual({ label: LABEL });

    const landed = await signIn(jar, ADA, { returnTo: '/d/some-doc?link=abc' });
    expect(`${landed.pathname}${landed.search}`).toBe('/d/some-doc?link=abc');

    const state = await authState(jar);
    expect(state.user).toMatchObject({ email: 'ada@acme.example', name: 'Ada Lovelace', isGuest: false, isAdmin: true });
    // The session cookie is set on the redirect back from the provider: Lax (sent on that top-level
    // navigation from another site), HttpOnly.
    expect(jar.line(SESSION_COOKIE)).toMatch(/SameSite=Lax/);
    expect(jar.line(SESSION_COOKIE)).toMatch(/HttpOnly/);
    // The in-flight cookie was good for one callback and is gone.
    expect(jar.has(OIDC_STATE_COOKIE)).toBe(false);
    const user = await server.accounts.users.byOidc(provider.issuer, ADA.id);
    expect(user).toMatchObject({ email: 'ada@acme.example', passwordHash: null });
  });

  it('sends the browser to the provider with PKCE (S256), state and nonce, remembered in a Lax HttpOnly cookie', async () => {
    const { server, provider } = await setUp();
    const jar = new CookieJar();
    const response = await navigate(jar, new URL('/api/auth/oidc/start', server.url));
    expect(response.status).toBe(302);
    const target = new URL(response.headers.get('location') ?? '');
    expect(target.origin).toBe(provider.issuer);
    expect(target.searchParams.get('client_id')).toBe(provider.clientId);
    expect(target.searchParams.get('redirect_uri')).toBe(new URL(OIDC_CALLBACK_PATH, server.url).href);
    expect(target.searchParams.get('response_type')).toBe('code');
    expect(target.searchParams.get('scope')).toBe('openid email profile');
    expect(target.searchParams.get('code_challenge_method')).toBe('S256');
    expect(target.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(target.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(target.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    const cookie = jar.line(OIDC_STATE_COOKIE) ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/api\/auth\/oidc/);
    // Nothing in the cookie is readable without the key: no state, nonce or verifier in the clear.
    expect(cookie).not.toContain(target.searchParams.get('state') ?? '-');
  });

  it('a second sign-in reuses the account', async () => {
    const { server, signIn, authState } = await setUp();
    const first = new CookieJar();
    expect((await signIn(first, ADA)).pathname).toBe('/');
    const firstUser = (await authState(first)).user;

    const second = new CookieJar();
    expect((await signIn(second, ADA)).pathname).toBe('/');
    expect((await authState(second)).user?.id).toBe(firstUser?.id);
    expect(await server.accounts.users.listAccounts()).toHaveLength(1);
    // Two sessions, one per browser: the first is still signed in.
    expect((await authState(first)).user?.id).toBe(firstUser?.id);
  });

  it('refuses an email domain that is not allowed, and creates no account', async () => {
    const { server, signIn, authState } = await setUp({ allowedDomains: ['acme.example'] });
    const jar = new CookieJar();
    expectRefused(await signIn(jar, OUTSIDER), 'domainNotAllowed');
    expect((await authState(jar)).user).toBeNull();
    expect(await server.accounts.users.hasAnyAccount()).toBe(false);
    expect(await server.accounts.users.byEmail(OUTSIDER.email ?? '')).toBeNull();

    // The allowed domain gets in (compared lowercased: the provider sent "Bob@Acme.example").
    const bob = new CookieJar();
    expect((await signIn(bob, BOB)).pathname).toBe('/');
    expect((await authState(bob)).user?.email).toBe('bob@acme.example');
  });

  it('invitation only: refuses a new, uninvited email as password sign-up does; lets it in once invited', async () => {
    const { server, signIn, authState } = await setUp({ signupMode: 'invite' });
    // The first account on a fresh install is always allowed (it is the administrator).
    const admin = new ApiUser(server.url);
    await admin.signUp('admin@acme.example', 'Admin');

    const jar = new CookieJar();
    expectRefused(await signIn(jar, BOB), 'notInvited');
    expect((await authState(jar)).user).toBeNull();
    expect(await server.accounts.users.byEmail('bob@acme.example')).toBeNull();

    expect((await admin.request('POST', '/api/admin/invites', { email: 'bob@acme.example' })).status).toBe(204);
    expect((await signIn(jar, BOB)).pathname).toBe('/');
    expect((await authState(jar)).user).toMatchObject({ email: 'bob@acme.example', isAdmin: false });
  });

  it('refuses a tampered state, and creates no account', async () => {
    const { server, signIn, authState } = await setUp();
    const jar = new CookieJar();
    const landed = await signIn(jar, ADA, {
      tamper: (callback) => callback.searchParams.set('state', `${callback.searchParams.get('state') ?? ''}x`),
    });
    expectRefused(landed, 'invalidResponse');
    expect((await authState(jar)).user).toBeNull();
    expect(await server.accounts.users.hasAnyAccount()).toBe(false);
    expect(jar.has(OIDC_STATE_COOKIE)).toBe(false);
  });

  it('says the sign-in was cancelled when the provider answers access_denied', async () => {
    const { server, signIn } = await setUp();
    const landed = await signIn(new CookieJar(), ADA, {
      tamper: (callback) => {
        // What a provider sends when the person clicks "Cancel": an error instead of a code (state and iss kept).
        callback.searchParams.delete('code');
        callback.searchParams.set('error', 'access_denied');
      },
    });
    expectRefused(landed, 'cancelled');
    expect(await server.accounts.users.hasAnyAccount()).toBe(false);
  });

  it('refuses a callback without the cookie from its start (another browser, or expired)', async () => {
    const { server, signIn } = await setUp();
    let stolen: URL | null = null;
    // Someone else's callback URL (code and state), replayed from a browser that never started a sign-in.
    const victim = new CookieJar();
    expectRefused(
      await signIn(victim, ADA, {
        tamper: (callback) => {
          stolen = new URL(callback);
          callback.searchParams.set('state', 'wrong');
        },
      }),
      'invalidResponse',
    );
    if (!stolen) throw new Error('no callback reached');
    const response = await navigate(new CookieJar(), stolen);
    expect(response.status).toBe(302);
    expectRefused(new URL(response.headers.get('location') ?? '', server.url), 'expired');
    expect(await server.accounts.users.hasAnyAccount()).toBe(false);
  });

  it('an open redirect in return (//evil.example and friends) ends at /', async () => {
    const { signIn } = await setUp();
    const landed = await signIn(new CookieJar(), ADA, { returnTo: '//evil.example/steal' });
    expect(landed.origin).not.toContain('evil');
    expect(`${landed.pathname}${landed.search}`).toBe('/');
    for (const hostile of ['//evil.example', '/\\evil.example', 'https://evil.example/', 'evil.example', '/\t/evil.example', '', 'javascript:alert(1)']) {
      expect(safeReturnPath(hostile), hostile).toBe('/');
    }
    expect(safeReturnPath('/d/x?link=1')).toBe('/d/x?link=1');
    expect(safeReturnPath(null)).toBe('/');
  });

  it('links an existing password account by email only when the provider verified that email', async () => {
    const { server, provider, signIn, authState } = await setUp();
    const carol = new ApiUser(server.url);
    const account = await carol.signUp('carol@acme.example', 'Carol');

    // No email_verified claim: not enough to hand over an existing account.
    const jar = new CookieJar();
    expectRefused(await signIn(jar, CAROL_UNSTATED), 'cannotLink');
    expect((await authState(jar)).user).toBeNull();
    expect(await server.accounts.users.byOidc(provider.issuer, CAROL_UNSTATED.id)).toBeNull();

    // email_verified: true links it: the same account, and its password still works. (A new browser: the
    // provider remembers who signed in on the first one and would not ask again.)
    const verified = new CookieJar();
    expect((await signIn(verified, CAROL_VERIFIED)).pathname).toBe('/');
    expect((await authState(verified)).user?.id).toBe(account.id);
    expect((await server.accounts.users.byOidc(provider.issuer, CAROL_VERIFIED.id))?.id).toBe(account.id);
    expect((await new ApiUser(server.url).signIn('carol@acme.example')).status).toBe(200);
    expect(await server.accounts.users.listAccounts()).toHaveLength(1);
  });

  it('refuses email_verified false, a provider that shares no email, and a disabled account', async () => {
    const { server, signIn, authState } = await setUp();
    // One browser per person: the provider keeps its own session and would not ask who it is again.
    expectRefused(await signIn(new CookieJar(), DAN_UNVERIFIED), 'emailUnverified');
    expectRefused(await signIn(new CookieJar(), NO_EMAIL), 'noEmail');
    expect(await server.accounts.users.hasAnyAccount()).toBe(false);

    const jar = new CookieJar();
    expect((await signIn(jar, ADA)).pathname).toBe('/');
    const ada = (await authState(jar)).user;
    if (!ada) throw new Error('Ada is not signed in');
    await server.accounts.users.setDisabled(ada.id, true);
    const later = new CookieJar();
    expectRefused(await signIn(later, ADA), 'disabled');
    expect((await authState(later)).user).toBeNull();
  });

  it('a provider down at boot does not stop the server; sign-in works once it is up (discovery retried)', async () => {
    const { provider, signIn, authState } = await setUp({ providerDown: true });
    const jar = new CookieJar();
    expect((await authState(jar)).oidc).toEqual({ label: LABEL });
    expectRefused(await signIn(jar, ADA), 'unavailable');
    expectRefused(await signIn(jar, ADA), 'unavailable');

    provider.available = true;
    expect((await signIn(jar, ADA)).pathname).toBe('/');
    expect((await authState(jar)).user?.email).toBe('ada@acme.example');
  });
});

describe('OIDC settings from the environment', () => {
  const base = { OIDC_ISSUER: 'https://login.acme.example/realms/staff', OIDC_CLIENT_ID: 'tandem', OIDC_CLIENT_SECRET: 's3cret', PUBLIC_URL: 'https://docs.acme.example' };

  it('parses a full configuration, and none when OIDC_ISSUER is unset', () => {
    expect(oidcSettingsFromEnv({})).toBeNull();
    const settings = oidcSettingsFromEnv({ ...base, OIDC_ALLOWED_DOMAINS: ' Acme.example, @staff.acme.example ,', OIDC_LABEL: 'Sign in with Acme' });
    expect(settings).toMatchObject({ clientId: 'tandem', clientSecret: 's3cret', allowedDomains: ['acme.example', 'staff.acme.example'], label: 'Sign in with Acme' });
    expect(settings?.issuer.href).toBe('https://login.acme.example/realms/staff');
    expect(settings?.redirectUri.href).toBe('https://docs.acme.example/api/auth/oidc/callback');
    expect(oidcSettingsFromEnv(base)).toMatchObject({ allowedDomains: [], label: DEFAULT_OIDC_LABEL });
    expect(oidcSettingsFromEnv({ ...base, OIDC_ISSUER: 'http://127.0.0.1:8080', PUBLIC_URL: 'http://localhost:1234/' })?.redirectUri.href).toBe(
      'http://localhost:1234/api/auth/oidc/callback',
    );
    expect(loadConfig(base, { staticDir: null }).oidc?.clientId).toBe('tandem');
    expect(loadConfig({}, { staticDir: null }).oidc).toBeNull();
  });

  it.each([
    [{ OIDC_ISSUER: 'http://login.acme.example' }, 'OIDC_ISSUER'],
    [{ OIDC_ISSUER: 'not a url' }, 'OIDC_ISSUER'],
    [{ OIDC_ISSUER: 'https://login.acme.example/?tenant=1' }, 'OIDC_ISSUER'],
    [{ OIDC_CLIENT_ID: '' }, 'OIDC_CLIENT_ID'],
    [{ OIDC_CLIENT_SECRET: ' ' }, 'OIDC_CLIENT_SECRET'],
    [{ PUBLIC_URL: '' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://docs.acme.example/tandem' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'ftp://docs.acme.example' }, 'PUBLIC_URL'],
    [{ OIDC_ALLOWED_DOMAINS: 'acme.example, not a domain' }, 'OIDC_ALLOWED_DOMAINS'],
    [{ OIDC_LABEL: 'x'.repeat(65) }, 'OIDC_LABEL'],
  ])('refuses %j naming %s', (change, variable) => {
    expect(() => oidcSettingsFromEnv({ ...base, ...change })).toThrow(ConfigError);
    expect(() => oidcSettingsFromEnv({ ...base, ...change })).toThrow(variable);
  });

  it('is all or nothing: OIDC_* without OIDC_ISSUER is an error naming the stray variable', () => {
    expect(() => oidcSettingsFromEnv({ OIDC_CLIENT_ID: 'tandem' })).toThrow(/OIDC_CLIENT_ID .*OIDC_ISSUER/);
    expect(() => oidcSettingsFromEnv({ OIDC_ALLOWED_DOMAINS: 'acme.example' })).toThrow(ConfigError);
    // PUBLIC_URL alone is fine: it is only required by single sign-on.
    expect(oidcSettingsFromEnv({ PUBLIC_URL: 'https://docs.acme.example' })).toBeNull();
  });

  it('from the environment to a running server: the label shows and start redirects to the provider', async () => {
    // PUBLIC_URL here names a proxy in front of the server; start only builds the redirect to the provider.
    const provider = await startOidcProvider({ redirectUri: 'https://docs.acme.example/api/auth/oidc/callback', accounts: [ADA] });
    scope.defer(() => provider.close());
    const config = loadConfig(
      { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: provider.clientId, OIDC_CLIENT_SECRET: provider.clientSecret, OIDC_LABEL: LABEL, PUBLIC_URL: 'https://docs.acme.example' },
      { staticDir: null },
    );
    const server = await scope.server({ oidc: config.oidc });
    const jar = new CookieJar();
    const state = (await (await navigate(jar, new URL('/api/auth/state', server.url))).json()) as AuthState;
    expect(state.oidc).toEqual({ label: LABEL });
    const response = await navigate(jar, new URL('/api/auth/oidc/start?return=/d/x', server.url));
    expect(response.status).toBe(302);
    const target = new URL(response.headers.get('location') ?? '');
    expect(target.origin).toBe(provider.issuer);
    expect(target.searchParams.get('redirect_uri')).toBe('https://docs.acme.example/api/auth/oidc/callback');
    // PUBLIC_URL is https, so the in-flight cookie is Secure.
    expect(jar.line(OIDC_STATE_COOKIE)).toMatch(/Secure/);
  });

  it('without OIDC the routes answer 404 and the state says so', async () => {
    const server = await scope.server();
    const jar = new CookieJar();
    expect(((await (await navigate(jar, new URL('/api/auth/state', server.url))).json()) as AuthState).oidc).toBeNull();
    expect((await navigate(jar, new URL('/api/auth/oidc/start', server.url))).status).toBe(404);
  });
});
