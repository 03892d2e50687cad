/** What every accounts route needs: its dependencies, the JSON body, the signed-in person, CSRF. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SignupMode } from '../../shared/accounts/api.js';
import { readJsonObject } from '../http/jsonBody.js';
import { sendJson } from '../http/replies.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { RoomRegistry } from '../room/registry.js';
import type { DocumentStore } from '../storage/types.js';
import type { AccessControl, SignedIn } from './access.js';
import type { Directory } from './directory.js';
import type { LiveAccess } from './liveAccess.js';
import type { OidcSignIn } from './oidc.js';
import type { AuthRateLimits } from './rateLimits.js';
import { csrfValid, type Sessions } from './sessions.js';
import type { Users } from './users.js';

/** Account and sharing requests are a few short fields. */
const MAX_BODY_BYTES = 8 * 1024;

export interface AccountsDeps {
  users: Users;
  sessions: Sessions;
  directory: Directory;
  access: AccessControl;
  live: LiveAccess;
  limits: AuthRateLimits;
  store: DocumentStore;
  rooms: RoomRegistry;
  logger: Logger;
  metrics: Metrics;
  /** SIGNUP_MODE from the environment: when set it decides, and the administrator's setting is ignored. */
  signupModeFromEnv: SignupMode | null;
  /** OpenID Connect sign-in, when configured. */
  oidc: OidcSignIn | null;
}

export type Reply = true;

export function fail(response: ServerResponse, status: number, error: string): Reply {
  sendJson(response, status, { error });
  return true;
}

export function ok(response: ServerResponse, body: unknown): Reply {
  sendJson(response, 200, body);
  return true;
}

export function noContent(response: ServerResponse): Reply {
  response.writeHead(204).end();
  return true;
}

/** The body as an object, or null once the 400/413 has been answered (server/http/jsonBody.ts). */
export function jsonObject(request: IncomingMessage, response: ServerResponse): Promise<Record<string, unknown> | null> {
  return readJsonObject(request, response, MAX_BODY_BYTES);
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The signed-in person, or an answered 401. A state-changing request must also pass the double-submit
 * CSRF check (403): the session cookie alone proves nothing about which site sent the request.
 */
export async function requireSignedIn(deps: AccountsDeps, request: IncomingMessage, response: ServerResponse): Promise<SignedIn | null> {
  const signedIn = await deps.access.signedIn(request);
  if (!signedIn) {
    fail(response, 401, 'sign in first');
    return null;
  }
  if (STATE_CHANGING.has(request.method ?? 'GET') && !csrfValid(request)) {
    fail(response, 403, 'missing or wrong CSRF token');
    return null;
  }
  return signedIn;
}

/** The peer address rate limits are keyed on (the socket's; a proxy in front should set its own limits). */
export function clientAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

export function stringField(body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  return typeof value === 'string' ? value : null;
}

/** A display name: trimmed, inner whitespace collapsed, 1–64 characters. */
export function cleanName(raw: string | null): string | null {
  const name = raw?.trim().replace(/\s+/g, ' ') ?? '';
  return name.length >= 1 && name.length <= 64 ? name : null;
}
