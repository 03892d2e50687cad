/** HTTP routes: health, metrics, the accounts and timeline APIs; everything else is the static client. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorFields, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { DocumentStore } from '../storage/types.js';
import { sendJson, sendText } from '../http/replies.js';
import { serveStatic } from '../http/staticFiles.js';

export interface RouteDeps {
  store: DocumentStore;
  metrics: Metrics;
  logger: Logger;
  staticDir: string | null;
  isAccepting(): boolean;
  /** The timeline API (server/api/timelineRoutes.ts): resolves true when it answered the request. */
  timeline?(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** Accounts, documents and sharing (server/accounts/accountsApi.ts): likewise. */
  accounts?(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
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
    const body = await deps.metrics.render();
    response.writeHead(200, { 'content-type': deps.metrics.contentType });
    return void response.end(body);
  }
  if (deps.accounts && (await deps.accounts(request, response))) return;
  if (deps.timeline && (await deps.timeline(request, response))) return;
  if (pathname.startsWith('/api/')) return sendJson(response, 404, { error: 'no such endpoint' });
  return serveStatic(deps.staticDir, request, response);
}
