/** Composes the server: HTTP routes and the WebSocket endpoint on one port, rooms over one store. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { CloseCode } from '../shared/protocol/closeCodes.js';
import { HEARTBEAT_INTERVAL_MS, MAX_FRAME_BYTES_HARD } from '../shared/limits.js';
import { resolveAuthSecret } from './auth/secret.js';
import { createTokenService, type TokenService } from './auth/tokens.js';
import { type Accounts, createAccounts, openAccountsDatabase } from './accounts/accountsApi.js';
import { withEditTracking } from './accounts/editTracking.js';
import { createOidcSignIn } from './accounts/oidc.js';
import type { ServerConfig } from './config.js';
import { connectionsCheckIntervalMs, DEFAULT_HTTP_SETTINGS } from './http/httpSettings.js';
import { createRequestGate, type PolicyDeps, upgradeAllowed } from './http/originPolicy.js';
import { createRequestHandler } from './api/routes.js';
import { createTimelineHandler } from './api/timelineRoutes.js';
import type { HistorySettings } from './history/settings.js';
import { createLogger, errorFields, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { RoomRegistry } from './room/registry.js';
import { withGroupCommit } from './storage/groupCommit.js';
import { openStore } from './storage/openStore.js';
import type { DocumentStore } from './storage/types.js';
import { Connection } from './transport/connection.js';
import { ConnectionLimits } from './transport/connectionLimits.js';
import { admit, COLLAB_PATH_PREFIX } from './transport/upgrade.js';

export interface TandemServer {
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  readonly tokens: TokenService;
  /** Accounts, documents and sharing (server/accounts/). */
  readonly accounts: Accounts;
  readonly metrics: Metrics;
  readonly rooms: RoomRegistry;
  readonly store: DocumentStore;
  /** Stops accepting, makes every room durable, closes peers with 4503, closes storage. Idempotent. */
  close(): Promise<void>;
}

/** setTimeout's ceiling (~24.8 days); longer token lifetimes are re-checked on reconnect anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function createTandemServer(
  config: ServerConfig,
  options: {
    logger?: Logger;
    wrapStore?: (store: DocumentStore) => DocumentStore;
    history?: HistorySettings;
    /** Tests may set their own rate limits or OpenID sign-in. */
    accounts?: Pick<Parameters<typeof createAccounts>[1], 'limits' | 'oidc'>;
  } = {},
): Promise<TandemServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics();
  // wrapStore lets tests inject storage faults around the real store.
  const opened = await openStore(config);
  const accountsDb = await openAccountsDatabase(config);
  let accounts: Accounts | null = null;
  // Edits that reach disk tell the document list who edited last (accounts/editTracking.ts).
  const store = withGroupCommit(withEditTracking(options.wrapStore ? options.wrapStore(opened) : opened, () => accounts?.directory ?? null, logger));
  const tokens = createTokenService(resolveAuthSecret(config.authSecret, config.dataDir));
  // Timeline settings (retention, snapshot cadence) come from the HISTORY_* variables; tests may pass their own.
  const history = options.history ?? config.history;
  // One storage quota per document (DOCUMENT_QUOTA_BYTES): rooms refuse growth past it, the timeline API frees space.
  const quotaBytes = config.documentQuotaBytes;
  const rooms = new RoomRegistry({ store, logger, metrics, history, quotaBytes });
  const { oidc: oidcSettings, signupMode: signupModeFromEnv } = config;
  accounts = createAccounts(accountsDb, {
    tokens,
    store,
    rooms,
    logger,
    metrics,
    signupModeFromEnv,
    // Single sign-on when OIDC_ISSUER is set; tests may pass their own through options.accounts.
    oidc: oidcSettings ? (services) => createOidcSignIn(oidcSettings, { ...services, logger, metrics, signupModeFromEnv }) : undefined,
    ...options.accounts,
  });
  const { access, live } = accounts;
  const timeline = createTimelineHandler({ store, access, rooms, logger, metrics, quotaBytes });
  const connections = new Set<Connection>();
  let accepting = true;

  // HTTP hardening (docs/http-hardening.md): origin/host/path gate, security headers, timeouts, connection caps.
  const httpSettings = config.http ?? DEFAULT_HTTP_SETTINGS;
  const policy: PolicyDeps = { settings: httpSettings, boundHost: config.host, metrics, logger };
  const gate = createRequestGate(policy);
  const handleRequest = createRequestHandler({ store, metrics, logger, staticDir: config.staticDir, isAccepting: () => accepting, timeline, accounts: accounts.handle });
  const httpServer = http.createServer(
    {
      headersTimeout: httpSettings.headersTimeoutMs,
      requestTimeout: httpSettings.requestTimeoutMs,
      keepAliveTimeout: Math.min(5_000, httpSettings.idleTimeoutMs),
      // Node checks the two timeouts above on this interval (default 30 s, which would double them).
      connectionsCheckingInterval: connectionsCheckIntervalMs(httpSettings),
    },
    (request, response) => {
      if (gate(request, response)) handleRequest(request, response);
    },
  );
  const limits = new ConnectionLimits(httpSettings, metrics, logger);
  limits.attach(httpServer);
  // Frames past the soft limit (MAX_FRAME_BYTES) are refused with 4413 by the connection; past this hard
  // cap, ws stops reading them at the socket (close 1009) so they are never buffered whole.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES_HARD });

  httpServer.on('upgrade', (request, socket, head) => {
    limits.upgrading(socket);
    // Refuses malformed paths (400), foreign Hosts and Origins (403) with a plain response, before any parsing.
    if (!upgradeAllowed(request, socket, policy)) return;
    let pathname: string | null;
    try {
      pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      pathname = null;
    }
    if (pathname === null || !pathname.startsWith(COLLAB_PATH_PREFIX)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      if (!accepting) {
        ws.close(CloseCode.unavailable, 'server shutting down');
        return;
      }
      // Frames that arrive while the token is being verified are buffered by ws until the listener is added.
      ws.pause();
      admit(request, access)
        .then((admission) => {
          if (!admission.ok) {
            metrics.inc('tandem_connections_refused_total', 1, { code: String(admission.code) });
            // Resume first: a paused socket never reads the client's close reply, so the close would hang.
            ws.resume();
            ws.close(admission.code, admission.reason);
            return;
          }
          const connection = new Connection(ws, admission.identity, admission.optedIn, {
            logger,
            metrics,
            onClose: (closed) => {
              connections.delete(closed);
              clearTimeout(expiry);
              untrack();
              metrics.set('tandem_connections', connections.size);
            },
          }, admission.tandemVersion);
          // A host application's token ends the connection when it expires (the client mints a fresh one and
          // reconnects). A session-bound connection lasts as long as its access, which is re-checked live.
          const msLeft = Math.min(Math.max(0, admission.expiresAt * 1000 - Date.now()), MAX_TIMER_MS);
          const expiry = admission.identity.sessionId === undefined ? setTimeout(() => connection.close(CloseCode.unauthenticated, 'token expired'), msLeft) : undefined;
          const untrack = live.track(connection, admission.docName);
          connections.add(connection);
          metrics.set('tandem_connections', connections.size);
          connection.attach(rooms.join(admission.docName, connection));
          limits.authenticated(socket);
          ws.resume();
        })
        .catch((error: unknown) => {
          logger.error('admission failed', errorFields(error));
          ws.resume();
          ws.close(CloseCode.unavailable, 'server error');
        });
    });
  });

  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, HEARTBEAT_INTERVAL_MS);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  // Started once listening, so a server that failed to start leaves no monitor running; close() stops it.
  const stopEventLoopLag = metrics.trackEventLoopLag();

  let closing: Promise<void> | null = null;
  async function close(): Promise<void> {
    accepting = false;
    clearInterval(heartbeat);
    stopEventLoopLag();
    const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await rooms.shutdown((room) => room.closeAll(CloseCode.unavailable, 'server shutting down'));
    for (const connection of connections) connection.close(CloseCode.unavailable, 'server shutting down');
    wss.close();
    httpServer.closeAllConnections();
    await stopped;
    await store.close();
    await accounts?.close();
    logger.info('stopped');
  }

  logger.info('listening', { url, storage: store.kind, dataDir: store.kind === 'sqlite' ? config.dataDir : undefined });
  return {
    port,
    url,
    tokens,
    accounts,
    metrics,
    rooms,
    store,
    close: () => (closing ??= close()),
  };
}
