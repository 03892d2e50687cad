/**
 * Settings of the HTTP surface, from the environment (what each control defends against, and why each
 * default: docs/http-hardening.md):
 *
 *   ALLOWED_ORIGINS                  comma-separated origins (`https://docs.example.com`) whose pages may open a
 *                                    WebSocket or send a state-changing request, and whose host names are
 *                                    accepted in the Host header of a loopback-bound server (reverse proxy).
 *                                    Unset: only the server's own origin (the one the request's Host names),
 *                                    and PUBLIC_URL's origin when that is set.
 *   TRUST_PROXY                      1: believe X-Forwarded-Proto when working out the server's own origin
 *                                    (only behind a reverse proxy that sets it). Default: 0, ignored.
 *   MAX_CONNECTIONS_PER_ADDRESS      open TCP connections one client address may hold (default 4096).
 *   MAX_UNAUTHENTICATED_CONNECTIONS  connections, all addresses together, not yet past their first request: no
 *                                    HTTP response finished, no WebSocket admitted with a valid token
 *                                    (server/transport/connectionLimits.ts; default 1024).
 *   MAX_UNAUTHENTICATED_PER_ADDRESS  the same, from one address (default 256); must be below
 *                                    MAX_UNAUTHENTICATED_CONNECTIONS so one address cannot fill it alone.
 *   HTTP_HEADERS_TIMEOUT_MS          time a client has to send a request's headers (default 10000).
 *   HTTP_REQUEST_TIMEOUT_MS          time a client has to send a whole request, body included (default 20000).
 *   HTTP_IDLE_TIMEOUT_MS             a connection that has not sent a request yet is closed after this long
 *                                    without traffic (default 10000).
 *
 * Node checks the headers and request timeouts once per connectionsCheckingInterval (connectionsCheckIntervalMs
 * below, at most 1 s), so a half-sent request is closed within HTTP_REQUEST_TIMEOUT_MS + 1 s: 21 s by default.
 */
import { ConfigError } from '../configError.js';

export interface HttpSettings {
  /** Exact origins (`scheme://host[:port]`, normalized); null: the request's own origin (its Host header). */
  allowedOrigins: string[] | null;
  maxConnectionsPerAddress: number;
  maxUnauthenticatedConnections: number;
  /** Below maxUnauthenticatedConnections: one address cannot fill the global cap alone. */
  maxUnauthenticatedPerAddress: number;
  /** Believe X-Forwarded-Proto (TRUST_PROXY=1). */
  trustProxy: boolean;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = Object.freeze({
  allowedOrigins: null,
  // A whole office behind one NAT address is one address: hundreds of people with a few tabs each (a
  // WebSocket per tab plus keep-alive HTTP sockets) stay well under this; one machine holding 20,000
  // half-open sockets does not. Behind a reverse proxy every connection comes from the proxy: raise it there.
  maxConnectionsPerAddress: 4096,
  // Handshakes take milliseconds, so only the in-flight part of a reconnect storm counts; each such socket
  // may buffer up to 16 KiB of headers (Node's maxHeaderSize), so 1024 of them stay within 16 MiB.
  maxUnauthenticatedConnections: 1024,
  // A quarter of the global cap: an office reconnecting at once after a restart handshakes in milliseconds and
  // retries with backoff, while one address alone can never hold more than a quarter of the handshake slots.
  maxUnauthenticatedPerAddress: 256,
  // X-Forwarded-Proto is a request header anyone can send; only a proxy the operator put in front makes it true.
  trustProxy: false,
  // Real clients send headers in one packet; 10 s covers a slow mobile link and closes a slowloris socket
  // (one header line every few seconds) well within 30 s (Node checks about once a second, see app.ts).
  headersTimeoutMs: 10_000,
  // Request bodies here are small JSON (≤ 8 KiB); 20 s covers one on a very slow link and closes a body
  // sent a byte at a time within about 21 s.
  requestTimeoutMs: 20_000,
  // A socket that connects and sends nothing is not tracked by Node's header timeout at all; 10 s is
  // longer than any real client waits between connecting and sending its request.
  idleTimeoutMs: 10_000,
});

/** Below 100 ms real clients fail; past ten minutes the control means nothing. */
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 600_000;

export function httpSettingsFromEnv(env: NodeJS.ProcessEnv): HttpSettings {
  const headersTimeoutMs = milliseconds(env, 'HTTP_HEADERS_TIMEOUT_MS', DEFAULT_HTTP_SETTINGS.headersTimeoutMs);
  const requestTimeoutMs = milliseconds(env, 'HTTP_REQUEST_TIMEOUT_MS', DEFAULT_HTTP_SETTINGS.requestTimeoutMs);
  // Node refuses a headers timeout longer than the request timeout (the headers are part of the request).
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  const maxUnauthenticatedConnections = count(env, 'MAX_UNAUTHENTICATED_CONNECTIONS', DEFAULT_HTTP_SETTINGS.maxUnauthenticatedConnections);
  // Unset, it follows a lowered global cap (a quarter of it) so the two stay coherent.
  const maxUnauthenticatedPerAddress = count(
    env,
    'MAX_UNAUTHENTICATED_PER_ADDRESS',
    Math.max(1, Math.min(DEFAULT_HTTP_SETTINGS.maxUnauthenticatedPerAddress, Math.floor(maxUnauthenticatedConnections / 4))),
  );
  if (maxUnauthenticatedConnections > 1 && maxUnauthenticatedPerAddress >= maxUnauthenticatedConnections) {
    throw new ConfigError(
      `MAX_UNAUTHENTICATED_PER_ADDRESS (${maxUnauthenticatedPerAddress}) must be below MAX_UNAUTHENTICATED_CONNECTIONS (${maxUnauthenticatedConnections}): one address must not fill the global cap alone`,
    );
  }
  return {
    allowedOrigins: parseAllowedOrigins(env.ALLOWED_ORIGINS) ?? publicOrigin(env.PUBLIC_URL),
    maxConnectionsPerAddress: count(env, 'MAX_CONNECTIONS_PER_ADDRESS', DEFAULT_HTTP_SETTINGS.maxConnectionsPerAddress),
    maxUnauthenticatedConnections,
    maxUnauthenticatedPerAddress,
    trustProxy: flag(env, 'TRUST_PROXY'),
    headersTimeoutMs,
    requestTimeoutMs,
    idleTimeoutMs: milliseconds(env, 'HTTP_IDLE_TIMEOUT_MS', DEFAULT_HTTP_SETTINGS.idleTimeoutMs),
  };
}

/** `https://docs.example.com, http://localhost:5173` → normalized origins; anything but a bare http(s) origin is refused. */
export function parseAllowedOrigins(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const origins = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return [...new Set(origins.map(parseOrigin))];
}

/** PUBLIC_URL (the origin browsers reach Tandem at) is the server's own origin too; its own checks live in
 *  server/accounts/oidcSettings.ts, so an unparsable one is simply not used here. */
function publicOrigin(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  try {
    const url = new URL(raw.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? [url.origin] : null;
  } catch {
    return null;
  }
}

function parseOrigin(raw: string): string {
  const refuse = (): never => {
    throw new ConfigError(`ALLOWED_ORIGINS must list origins such as https://docs.example.com, without path, query or credentials (got "${raw}")`);
  };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse();
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse();
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return refuse();
  // `new URL(…).origin` lowercases the host and drops a default port, as browsers do in the Origin header.
  return url.origin;
}

/** Node's connectionsCheckingInterval: how often it checks the headers and request timeouts (its default,
 *  30 s, would let a half-sent request live up to twice its timeout). */
export function connectionsCheckIntervalMs(settings: HttpSettings): number {
  return Math.max(50, Math.min(1_000, Math.floor(settings.headersTimeoutMs / 4)));
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name} must be 1 or 0 (got "${env[name]}")`);
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number ≥ 1 (got "${raw}")`);
  return value;
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < MIN_TIMEOUT_MS || value > MAX_TIMEOUT_MS) {
    throw new ConfigError(`${name} must be a whole number of milliseconds from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS} (got "${raw}")`);
  }
  return value;
}
