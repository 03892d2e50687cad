/**
 * OpenID Connect settings, from the environment (documented in docs/oidc.md):
 *
 *   OIDC_ISSUER           the provider's issuer URL (https; http only for a loopback host). Setting it turns
 *                         single sign-on on, and then the three below are required.
 *   OIDC_CLIENT_ID        the client id registered at the provider.
 *   OIDC_CLIENT_SECRET    its secret (also the key the in-flight sign-in cookie is sealed with).
 *   PUBLIC_URL            the origin browsers reach Tandem at; the redirect URI registered at the provider is
 *                         `<PUBLIC_URL>/api/auth/oidc/callback`.
 *   OIDC_ALLOWED_DOMAINS  comma-separated email domains that may sign in (exact match); empty = any.
 *   OIDC_LABEL            the sign-in button's label (default "Sign in with single sign-on").
 *
 * All or nothing: any OIDC_* variable without OIDC_ISSUER, or an issuer without the client id and secret,
 * is a configuration error, so a half-configured sign-in never silently does something else.
 */
import { AUTH_API } from '../../shared/accounts/api.js';
import { ConfigError } from '../configError.js';

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** Lowercased email domains that may sign in; empty means any. */
  allowedDomains: readonly string[];
  label: string;
  /** `<PUBLIC_URL>/api/auth/oidc/callback`: where the provider sends the browser back. */
  redirectUri: URL;
}

export const DEFAULT_OIDC_LABEL = 'Sign in with single sign-on';
export const OIDC_CALLBACK_PATH = `${AUTH_API}/oidc/callback`;
/** A button label longer than this would not fit the sign-in card. */
const MAX_LABEL_LENGTH = 64;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Settings from the environment; null when OIDC_ISSUER is unset (no single sign-on). */
export function oidcSettingsFromEnv(env: NodeJS.ProcessEnv): OidcSettings | null {
  const value = (name: string): string | null => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? null : raw.trim();
  };
  const issuerRaw = value('OIDC_ISSUER');
  if (issuerRaw === null) {
    const stray = ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_ALLOWED_DOMAINS', 'OIDC_LABEL'].find((name) => value(name) !== null);
    if (stray) throw new ConfigError(`${stray} is set but OIDC_ISSUER is not: set OIDC_ISSUER to turn single sign-on on, or unset ${stray}`);
    return null;
  }
  const clientId = value('OIDC_CLIENT_ID');
  if (clientId === null) throw new ConfigError('OIDC_CLIENT_ID is required when OIDC_ISSUER is set');
  // The secret is taken as given (not trimmed): some providers issue secrets that are exactly what they are.
  const clientSecret = env.OIDC_CLIENT_SECRET ?? '';
  if (clientSecret.trim() === '') throw new ConfigError('OIDC_CLIENT_SECRET is required when OIDC_ISSUER is set');
  const publicUrl = value('PUBLIC_URL');
  if (publicUrl === null) throw new ConfigError('PUBLIC_URL is required when OIDC_ISSUER is set (the origin browsers use to reach Tandem, e.g. https://docs.example.com)');
  const label = value('OIDC_LABEL') ?? DEFAULT_OIDC_LABEL;
  if (label.length > MAX_LABEL_LENGTH) throw new ConfigError(`OIDC_LABEL must be at most ${MAX_LABEL_LENGTH} characters (got ${label.length})`);
  return {
    issuer: parseIssuer(issuerRaw),
    clientId,
    clientSecret,
    allowedDomains: parseDomains(value('OIDC_ALLOWED_DOMAINS') ?? ''),
    label,
    redirectUri: new URL(OIDC_CALLBACK_PATH, parsePublicUrl(publicUrl)),
  };
}

/** Loopback hosts may use http (a provider on the same machine, as in tests); nothing else may. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function parseIssuer(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`OIDC_ISSUER must be a URL (got "${raw}")`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError(`OIDC_ISSUER must be an https:// URL (http:// only for localhost) (got "${raw}")`);
  }
  // OpenID Connect Discovery: an issuer identifier has no query or fragment; credentials in it would leak.
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(`OIDC_ISSUER must not carry a query, fragment or credentials (got "${raw}")`);
  }
  return url;
}

/** An origin only: the API lives at absolute paths (`/api/…`), so Tandem cannot sit under a sub-path. */
function parsePublicUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be a URL such as https://docs.example.com (got "${raw}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`PUBLIC_URL must start with https:// or http:// (got "${raw}")`);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(`PUBLIC_URL must be an origin only, such as https://docs.example.com, without path, query or credentials (got "${raw}")`);
  }
  return new URL(url.origin);
}

function parseDomains(raw: string): string[] {
  const domains = raw
    .split(',')
    .map((part) => part.trim().toLowerCase().replace(/^@/, ''))
    .filter((part) => part !== '');
  const bad = domains.find((domain) => !DOMAIN.test(domain));
  if (bad !== undefined) throw new ConfigError(`OIDC_ALLOWED_DOMAINS must be comma-separated email domains such as example.com (got "${bad}")`);
  return [...new Set(domains)];
}
