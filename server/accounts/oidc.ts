/**
 * OpenID Connect sign-in (configured from the environment, server/accounts/oidcSettings.ts). The routes call
 * `handle` for `GET /api/auth/oidc/start` and `GET /api/auth/oidc/callback`.
 *
 *   start     discover the provider (once, lazily: a provider down at boot does not stop the server, and a
 *             failed discovery is retried on the next sign-in), make PKCE verifier, state and nonce, seal
 *             them with the page to return to into the `tandem_oidc` cookie, 302 to the provider.
 *   callback  open the cookie (and clear it: one use), let openid-client check the response (state, `iss`,
 *             code exchange with the verifier, ID token signature, audience, nonce), read email and
 *             email_verified (from the ID token, else from UserInfo), check the allowed domains, find or
 *             link or create the account, start a session, 302 to the return path.
 *   Every refusal is a 302 to `/?signin_error=<one sentence from OIDC_REFUSALS>`.
 *
 * The in-flight state lives in the browser, sealed (AES-256-GCM, key derived from the client secret), not in
 * server memory: the callback may reach any instance behind a load balancer, or one restarted meanwhile, and
 * nothing unbounded grows on the server. The cookie is HttpOnly and SameSite=Lax, so a top-level redirect
 * back from the provider (another site) still carries it; it expires after OIDC_STATE_TTL_MS.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as client from 'openid-client';
import { isPlausibleEmail, normalizeEmail, SignupMode } from '../../shared/accounts/api.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { signupMode } from './authRoutes.js';
import type { OidcSettings } from './oidcSettings.js';
import { type AccountsDeps, cleanName } from './routeKit.js';
import { readCookies, type Sessions, setSessionCookies } from './sessions.js';
import type { User, Users } from './users.js';

export interface OidcSignIn {
  /** The sign-in button's label, e.g. "Sign in with Acme". */
  readonly label: string;
  handle(step: 'start' | 'callback', request: IncomingMessage, response: ServerResponse): Promise<void>;
}

export interface OidcDeps {
  users: Users;
  sessions: Sessions;
  logger: Logger;
  metrics: Metrics;
  /** SIGNUP_MODE from the environment (new accounts follow the same sign-up policy as with a password). */
  signupModeFromEnv: SignupMode | null;
  /** After an account is created here (the first one inherits documents stored before accounts). */
  onAccountCreated?(user: User): Promise<void>;
}

export const OIDC_STATE_COOKIE = 'tandem_oidc';
/** Ten minutes to get through the provider's sign-in page (a password manager, a second factor). */
export const OIDC_STATE_TTL_MS = 10 * 60 * 1000;
/** The query parameter the landing page reads a refusal from. */
export const SIGNIN_ERROR_PARAM = 'signin_error';
/** Discovery, token and UserInfo requests: long enough for a slow provider, short enough not to pin the request. */
const PROVIDER_TIMEOUT_S = 10;
/** A return path longer than this is not one of our pages. */
const MAX_RETURN_LENGTH = 2048;
const SCOPE = 'openid email profile';

/** Every way a sign-in can be refused, with the sentence the person reads. */
export const OIDC_REFUSALS = {
  expired: 'Sign-in expired or was started in another tab. Please try again.',
  unavailable: 'Single sign-on is unavailable right now. Please try again in a moment.',
  cancelled: 'Sign-in was cancelled.',
  providerError: 'Your sign-in provider refused the sign-in.',
  invalidResponse: 'Sign-in could not be verified. Please try again.',
  noEmail: 'Your sign-in provider did not share an email address.',
  emailUnverified: 'Your sign-in provider says this email address is not verified.',
  domainNotAllowed: 'Accounts with this email domain cannot sign in here.',
  notInvited: 'Sign-up is by invitation only: ask an administrator or a document owner to invite this email.',
  cannotLink: 'An account with this email already exists, and your sign-in provider did not confirm the address: sign in with your password.',
  disabled: 'This account is disabled. Ask an administrator.',
} as const;
export type OidcRefusal = keyof typeof OIDC_REFUSALS;

/** What the sealed cookie holds between start and callback. */
interface PendingSignIn {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
  expiresAt: number;
}

/** Who the OpenID provider says signed in (not shared/auth.ts's Identity, which is a connection's). */
interface ProviderIdentity {
  issuer: string;
  subject: string;
  email: string;
  /** true, false, or absent (many providers, e.g. Entra ID, do not send the claim). */
  emailVerified: boolean | null;
  name: string;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; refusal: OidcRefusal };
const refuse = (refusal: OidcRefusal): { ok: false; refusal: OidcRefusal } => ({ ok: false, refusal });

export function createOidcSignIn(settings: OidcSettings, deps: OidcDeps): OidcSignIn {
  const { users, sessions, logger, metrics } = deps;
  const sealKey = Buffer.from(crypto.hkdfSync('sha256', settings.clientSecret, 'tandem', 'tandem_oidc sign-in state v1', 32));
  const secureCookie = settings.redirectUri.protocol === 'https:';
  let discovering: Promise<client.Configuration> | null = null;

  /** The provider's configuration: discovered on first use; a failure is forgotten so the next sign-in retries. */
  function provider(): Promise<client.Configuration> {
    discovering ??= client
      .discovery(settings.issuer, settings.clientId, { client_secret: settings.clientSecret }, client.ClientSecretBasic(settings.clientSecret), {
        // oidcSettings.ts allows http only for a loopback issuer.
        execute: settings.issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
        timeout: PROVIDER_TIMEOUT_S,
      })
      .catch((error: unknown) => {
        discovering = null;
        throw error;
      });
    return discovering;
  }

  function finish(response: ServerResponse, location: string, outcome: string): void {
    metrics.inc('tandem_oidc_sign_ins_total', 1, { outcome });
    // The in-flight cookie is cleared on every answer but a successful start: it is good for one callback.
    if (outcome !== 'started') appendSetCookie(response, stateCookie('', 0, secureCookie));
    response.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
  }

  function refused(response: ServerResponse, refusal: OidcRefusal, fields: Record<string, unknown> = {}): void {
    logger.info('oidc sign-in refused', { refusal, ...fields });
    finish(response, `/?${SIGNIN_ERROR_PARAM}=${encodeURIComponent(OIDC_REFUSALS[refusal])}`, refusal);
  }

  async function start(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const returnTo = safeReturnPath(new URL(request.url ?? '/', 'http://localhost').searchParams.get('return'));
    let config: client.Configuration;
    try {
      config = await provider();
    } catch (error) {
      logger.warn('oidc discovery failed', { issuer: settings.issuer.href, error: describe(error) });
      return refused(response, 'unavailable');
    }
    const pending: PendingSignIn = {
      verifier: client.randomPKCECodeVerifier(),
      state: client.randomState(),
      nonce: client.randomNonce(),
      returnTo,
      expiresAt: Date.now() + OIDC_STATE_TTL_MS,
    };
    const target = client.buildAuthorizationUrl(config, {
      redirect_uri: settings.redirectUri.href,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    appendSetCookie(response, stateCookie(seal(sealKey, pending), Math.floor(OIDC_STATE_TTL_MS / 1000), secureCookie));
    finish(response, target.href, 'started');
  }

  /** Checks the provider's answer and reads who signed in. */
  async function identify(request: IncomingMessage, pending: PendingSignIn): Promise<Outcome<ProviderIdentity>> {
    let config: client.Configuration;
    try {
      config = await provider();
    } catch (error) {
      logger.warn('oidc discovery failed', { issuer: settings.issuer.href, error: describe(error) });
      return refuse('unavailable');
    }
    // The URL the provider sent the browser to, rebuilt on the configured redirect URI: only the query comes
    // from the request (its Host header and path are not trusted to name our origin).
    const current = new URL(settings.redirectUri);
    current.search = new URL(request.url ?? '/', 'http://localhost').search;
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) return refuse('invalidResponse');
      claims = { ...idToken };
      // With an access token, providers may keep scope claims out of the ID token (oidc-provider does by
      // default); UserInfo has them, and its `sub` must be the ID token's.
      if ((typeof claims.email !== 'string' || claims.email_verified === undefined) && config.serverMetadata().userinfo_endpoint) {
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)), ...claims };
      }
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError) {
        logger.info('oidc provider returned an error', { error: error.error, description: error.error_description });
        return refuse(error.error === 'access_denied' ? 'cancelled' : 'providerError');
      }
      logger.warn('oidc response rejected', { error: describe(error) });
      return refuse('invalidResponse');
    }
    const email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : '';
    if (!isPlausibleEmail(email)) return refuse('noEmail');
    return {
      ok: true,
      value: {
        issuer: config.serverMetadata().issuer,
        subject: String(claims.sub),
        email,
        emailVerified: claimFlag(claims.email_verified),
        name: displayName(claims, email),
      },
    };
  }

  /** The account for this identity: already linked, linked now by verified email, or created. */
  async function accountFor(identity: ProviderIdentity): Promise<Outcome<User>> {
    if (identity.emailVerified === false) return refuse('emailUnverified');
    const domain = identity.email.slice(identity.email.lastIndexOf('@') + 1);
    if (settings.allowedDomains.length > 0 && !settings.allowedDomains.includes(domain)) return refuse('domainNotAllowed');
    const linked = await users.byOidc(identity.issuer, identity.subject);
    if (linked) return linked.disabled ? refuse('disabled') : { ok: true, value: linked };
    const existing = await users.byEmail(identity.email);
    if (existing) {
      // Linking hands the account to whoever the provider says owns the address: only on its explicit word.
      if (identity.emailVerified !== true) return refuse('cannotLink');
      if (existing.disabled) return refuse('disabled');
      await users.linkOidc(existing.id, identity.issuer, identity.subject);
      logger.info('oidc identity linked to an existing account', { user: existing.id, issuer: identity.issuer });
      return { ok: true, value: existing };
    }
    const first = !(await users.hasAnyAccount());
    // signupMode reads only these two fields of the accounts deps; the rest are not the OIDC flow's.
    const mode = await signupMode({ users, signupModeFromEnv: deps.signupModeFromEnv } as AccountsDeps);
    if (!first && mode === SignupMode.invite && !(await users.isInvited(identity.email))) return refuse('notInvited');
    const created = await users.createAccount({ email: identity.email, name: identity.name, passwordHash: null, oidc: { issuer: identity.issuer, subject: identity.subject } });
    // null: someone created an account with this email between byEmail and here; the next attempt links it.
    if (!created) return refuse('cannotLink');
    metrics.inc('tandem_accounts_created_total', 1, { method: 'oidc' });
    await deps.onAccountCreated?.(created);
    return { ok: true, value: created };
  }

  async function callback(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pending = open(sealKey, readCookies(request).get(OIDC_STATE_COOKIE) ?? '');
    if (!pending) return refused(response, 'expired');
    const identity = await identify(request, pending);
    if (!identity.ok) return refused(response, identity.refusal);
    const account = await accountFor(identity.value);
    if (!account.ok) return refused(response, account.refusal, { domain: identity.value.email.slice(identity.value.email.lastIndexOf('@') + 1) });
    const { secret } = await sessions.create(account.value.id);
    setSessionCookies(request, response, secret);
    logger.info('oidc sign-in', { user: account.value.id });
    finish(response, pending.returnTo, 'signed_in');
  }

  return {
    label: settings.label,
    handle: (step, request, response) => {
      switch (step) {
        case 'start':
          return start(request, response);
        case 'callback':
          return callback(request, response);
        default:
          return step satisfies never;
      }
    },
  };
}

/** Where to go after sign-in: a path on this site (`/…`, not `//…` or `/\…`, which browsers read as another host), else `/`. */
export function safeReturnPath(raw: string | null): string {
  if (raw === null || raw.length > MAX_RETURN_LENGTH || !raw.startsWith('/') || raw.startsWith('//')) return '/';
  if (raw.includes('\\') || [...raw].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)) return '/';
  const base = new URL('http://tandem.invalid');
  const resolved = new URL(raw, base);
  return resolved.origin === base.origin ? `${resolved.pathname}${resolved.search}` : '/';
}

/** `email_verified` as sent: a boolean, or (some providers) the string "true"/"false"; anything else is absent. */
function claimFlag(value: unknown): boolean | null {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return null;
}

function displayName(claims: Record<string, unknown>, email: string): string {
  const text = (key: string): string => (typeof claims[key] === 'string' ? (claims[key] as string) : '');
  const candidates = [text('name'), `${text('given_name')} ${text('family_name')}`, text('preferred_username'), email.slice(0, email.indexOf('@'))];
  for (const candidate of candidates) {
    const name = cleanName(candidate.trim().replace(/\s+/g, ' ').slice(0, 64));
    if (name) return name;
  }
  return 'Someone';
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}

// The sealed in-flight cookie ---------------------------------------------------------------------------

function stateCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  // Path limited to the two OIDC routes; Lax, not Strict: the callback is a navigation from another site.
  return [`${OIDC_STATE_COOKIE}=${value}`, 'Path=/api/auth/oidc', 'SameSite=Lax', 'HttpOnly', `Max-Age=${maxAgeSeconds}`, ...(secure ? ['Secure'] : [])].join('; ');
}

/** Adds a cookie to whatever Set-Cookie lines the response already carries (the session's, for one). */
function appendSetCookie(response: ServerResponse, line: string): void {
  const existing = response.getHeader('set-cookie');
  const lines = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  response.setHeader('set-cookie', [...lines, line]);
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

function seal(key: Buffer, pending: PendingSignIn): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(OIDC_STATE_COOKIE));
  const body = Buffer.concat([cipher.update(JSON.stringify(pending), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The pending sign-in, or null when the cookie is missing, forged, from another configuration or expired. */
function open(key: Buffer, sealed: string): PendingSignIn | null {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return null;
  let value: unknown;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(OIDC_STATE_COOKIE));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    value = JSON.parse(Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { verifier, state, nonce, returnTo, expiresAt } = value as Record<string, unknown>;
  if (typeof verifier !== 'string' || typeof state !== 'string' || typeof nonce !== 'string' || typeof returnTo !== 'string' || typeof expiresAt !== 'number') return null;
  if (expiresAt <= Date.now()) return null;
  return { verifier, state, nonce, returnTo: safeReturnPath(returnTo), expiresAt };
}
