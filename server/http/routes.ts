/** HTTP routes: health, metrics, guest sessions; everything else is the static client. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseSessionRequest, type TokenService } from '../auth/tokens.js';
import { errorFields, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { DocumentStore } from '../storage/types.js';
import { sendJson, sendText, serveStatic } from './staticFiles.js';

/** A session request is a name and a colour; anything bigger is not one. */
const MAX_JSON_BODY_BYTES = 16 * 1024;

export interface RouteDeps {
  tokens: TokenService;
  store: DocumentStore;
  metrics: Metrics;
  logger: Logger;
  staticDir: string | null;
  isAccepting(): boolean;
  /** The timeline API (server/http/timelineRoutes.ts): resolves true when it answered the request. */
  timeline?(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
}

export function createRequestHandler(deps: RouteDeps) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    handle(pathname, request, response, deps).catch((error: unknown) => {
      deps.logger.error('request failed', { path: pathname, ...errorFields(error) });
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  };
}

async function handle(pathname: string, request: IncomingMessage, response: ServerResponse, deps: RouteDeps): Promise<void> {
  if (pathname === '/healthz') {
    if (!deps.isAccepting()) return sendText(response, 503, 'shutting down');
    try {
      await deps.store.ping();
      return sendText(response, 200, 'ok');
    } catch (error) {
      deps.logger.warn('health check: storage unreachable', errorFields(error));
      return sendText(response, 503, 'storage unreachable');
    }
  }
  if (pathname === '/metrics') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    return void response.end(deps.metrics.render());
  }
  if (pathname === '/api/session') {
    if (request.method !== 'POST') return sendJson(response, 405, { error: 'use POST' });
    const body = await readJsonBody(request);
    if (!body.ok) return sendJson(response, body.status, { error: body.error });
    const parsed = parseSessionRequest(body.value);
    if (!parsed.ok) return sendJson(response, 400, { error: parsed.error });
    deps.metrics.inc('tandem_sessions_minted_total', 'Guest tokens minted');
    return sendJson(response, 200, await deps.tokens.mintGuest(parsed.value));
  }
  if (deps.timeline && (await deps.timeline(request, response))) return;
  if (pathname.startsWith('/api/')) return sendJson(response, 404, { error: 'no such endpoint' });
  serveStatic(deps.staticDir, request, response);
}

type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; error: string };

async function readJsonBody(request: IncomingMessage): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY_BYTES) return { ok: false, status: 413, error: 'body too large' };
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, error: 'body must be JSON' };
  }
}
