/** Security headers on every HTTP response (docs/http-hardening.md). */
import type { ServerResponse } from 'node:http';

/**
 * The client is a bundle from this origin with no inline script (client/index.html loads one module);
 * inline styles are allowed because the editor and React set style attributes. WebSockets go to this
 * server only: since CSP Level 3, `connect-src 'self'` matches same-origin ws:/wss: too (current Chromium,
 * Firefox and Safari); a bare `ws: wss:` would let injected script talk to any host.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // Clickjacking: older browsers that ignore frame-ancestors.
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Share links carry a secret in the URL; it must never leak to another site through Referer.
  'referrer-policy': 'no-referrer',
  // A window this app opens (or that opens it) gets no handle on it.
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** Sets the headers before any handler runs; writeHead in the handlers merges them in. */
export function applySecurityHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
}
