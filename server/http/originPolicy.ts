/**
 * Which requests may reach the routes and the WebSocket endpoint at all (docs/http-hardening.md):
 * - the path must be well formed (400 otherwise: nothing downstream sees NUL bytes or broken escapes);
 * - when the server is bound to a loopback address, the Host header must name loopback (or the host of an
 *   ALLOWED_ORIGINS origin, for a reverse proxy in front), so a page on another site cannot reach it through
 *   DNS rebinding;
 * - a browser's Origin must be the server's own or one in ALLOWED_ORIGINS, on the WebSocket upgrade and on
 *   every state-changing request (cross-site WebSocket hijacking, CSRF). Requests without an Origin header
 *   come from non-browser clients, which still need a valid token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { HttpSettings } from './httpSettings.js';
import { applySecurityHeaders } from './securityHeaders.js';
import { sendJson } from './replies.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Is the configured HOST a loopback address (then only loopback Host headers are accepted)? */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** Why the request target cannot be served (absolute-form, `*`, broken escapes, NUL), or null if it can. */
export function pathProblem(target: string | undefined): string | null {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return 'path must start with a single /';
  // URL parsing reads `\` as `/` (`/\evil/x` is `//evil/x`, another host); a raw one is never valid in a target.
  if (target.includes('\\')) return 'backslash in path';
  let pathname: string;
  try {
    pathname = new URL(target, 'http://localhost').pathname;
  } catch {
    return 'unparsable path';
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return 'malformed percent-encoding';
  }
  if (decoded.includes('\0') || target.includes('\0')) return 'NUL in path';
  return null;
}

/** The Host header's name part, or null when missing or unparsable. */
function hostName(request: IncomingMessage): string | null {
  const host = request.headers.host;
  if (host === undefined || host === '') return null;
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function hostAllowed(request: IncomingMessage, boundHost: string, allowedOrigins: readonly string[] | null): boolean {
  if (!isLoopbackHost(boundHost)) return true;
  const name = hostName(request);
  if (name === null) return false;
  if (LOOPBACK_NAMES.has(name)) return true;
  // A reverse proxy on this machine forwards the public Host (ALLOWED_ORIGINS names the public origin).
  return allowedOrigins?.some((origin) => new URL(origin).hostname === name) ?? false;
}

/** The origin this request was addressed to: scheme from TLS (or X-Forwarded-Proto with TRUST_PROXY=1), host from Host. */
function ownOrigin(request: IncomingMessage, trustProxy: boolean): string | null {
  const forwarded = trustProxy ? request.headers['x-forwarded-proto'] : undefined;
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  const encrypted = (request.socket as Partial<TLSSocket>).encrypted === true;
  const scheme = proto === 'https' || proto === 'http' ? proto : encrypted ? 'https' : 'http';
  const host = request.headers.host;
  if (host === undefined || host === '') return null;
  try {
    return new URL(`${scheme}://${host}`).origin;
  } catch {
    return null;
  }
}

function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin; // e.g. "null" from sandboxed frames: matches nothing below
  }
}

export function originAllowed(request: IncomingMessage, settings: Pick<HttpSettings, 'allowedOrigins' | 'trustProxy'>): boolean {
  const { allowedOrigins, trustProxy } = settings;
  const header = request.headers.origin;
  if (header === undefined) return true;
  const origin = normalizeOrigin(header.trim());
  if (origin === 'null') return false;
  if (allowedOrigins?.includes(origin)) return true;
  return origin === ownOrigin(request, trustProxy);
}

export interface PolicyDeps {
  settings: HttpSettings;
  /** The configured HOST the server is bound to. */
  boundHost: string;
  metrics: Metrics;
  logger: Logger;
}

type Verdict = { ok: true } | { ok: false; status: 400 | 403; reason: 'path' | 'host' | 'origin'; error: string };

function judge(request: IncomingMessage, deps: PolicyDeps, checkOrigin: boolean): Verdict {
  const problem = pathProblem(request.url);
  if (problem !== null) return { ok: false, status: 400, reason: 'path', error: `bad path: ${problem}` };
  if (!hostAllowed(request, deps.boundHost, deps.settings.allowedOrigins)) return { ok: false, status: 403, reason: 'host', error: 'host not allowed' };
  if (checkOrigin && !originAllowed(request, deps.settings)) return { ok: false, status: 403, reason: 'origin', error: 'origin not allowed' };
  return { ok: true };
}

/** Runs before the routes: sets the security headers, answers refused requests. Returns true to go on. */
export function createRequestGate(deps: PolicyDeps): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    applySecurityHeaders(response);
    const verdict = judge(request, deps, STATE_CHANGING.has(request.method ?? 'GET'));
    if (verdict.ok) return true;
    deps.metrics.inc('tandem_http_requests_refused_total', 1, { reason: verdict.reason });
    deps.logger.warn('request refused', { reason: verdict.error, method: request.method, origin: request.headers.origin, host: request.headers.host });
    sendJson(response, verdict.status, { error: verdict.error });
    return false;
  };
}

/** The same checks on a WebSocket upgrade (Origin always). Refusals get a plain HTTP response, never a socket. */
export function upgradeAllowed(request: IncomingMessage, socket: Duplex, deps: PolicyDeps): boolean {
  const verdict = judge(request, deps, true);
  if (verdict.ok) return true;
  deps.metrics.inc('tandem_upgrades_refused_total', 1, { reason: verdict.reason });
  deps.logger.warn('upgrade refused', { reason: verdict.error, origin: request.headers.origin, host: request.headers.host });
  const body = JSON.stringify({ error: verdict.error });
  const status = verdict.status === 400 ? '400 Bad Request' : '403 Forbidden';
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return false;
}
