/**
 * Caps on TCP connections (docs/http-hardening.md), counted from the HTTP server's 'connection' events:
 * - per peer address (MAX_CONNECTIONS_PER_ADDRESS), HTTP and WebSocket alike, so one host cannot hold
 *   every file descriptor;
 * - over all addresses, on connections that are unauthenticated (MAX_UNAUTHENTICATED_CONNECTIONS): a
 *   connection is unauthenticated from accept until an HTTP response to it has finished or it has been
 *   admitted as a WebSocket (token verified, room joined). Floods of idle or half-sent connections fill this
 *   cap, not the whole server; MAX_UNAUTHENTICATED_PER_ADDRESS keeps one address from filling it alone.
 *   Connections past any cap are destroyed at accept, before a byte is read.
 * It also starts the idle timer for connections that have not sent a request yet (HTTP_IDLE_TIMEOUT_MS).
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpSettings } from '../http/httpSettings.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export class ConnectionLimits {
  private readonly perAddress = new Map<string, number>();
  private readonly unauthenticated = new Set<Duplex>();
  private readonly unauthenticatedPerAddress = new Map<string, number>();
  private readonly addressOf = new WeakMap<Duplex, string>();

  constructor(
    private readonly settings: HttpSettings,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /** Counts the server's connections from now on; call before it listens. */
  attach(server: http.Server): void {
    server.on('connection', (socket: Socket) => this.accept(socket));
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      // The request's headers arrived: from here the request and keep-alive timeouts apply, not the idle one.
      request.socket.setTimeout(0);
      response.once('finish', () => this.authenticated(request.socket));
    });
  }

  /** An upgrade request arrived on this socket: the idle timer no longer applies (ws clears it too). */
  upgrading(socket: Duplex): void {
    (socket as Partial<Socket>).setTimeout?.(0);
  }

  /** A WebSocket on this socket was admitted, or an HTTP response on it finished. */
  authenticated(socket: Duplex): void {
    if (!this.unauthenticated.delete(socket)) return;
    const address = this.addressOf.get(socket);
    if (address !== undefined) decrement(this.unauthenticatedPerAddress, address);
  }

  /** Currently open connections from `address` (for tests and metrics). */
  openFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const open = this.perAddress.get(address) ?? 0;
    if (open >= this.settings.maxConnectionsPerAddress) return this.drop(socket, 'per_address', address);
    if (this.unauthenticated.size >= this.settings.maxUnauthenticatedConnections) return this.drop(socket, 'unauthenticated', address);
    const pending = this.unauthenticatedPerAddress.get(address) ?? 0;
    if (pending >= this.settings.maxUnauthenticatedPerAddress) return this.drop(socket, 'unauthenticated_per_address', address);
    this.perAddress.set(address, open + 1);
    this.unauthenticated.add(socket);
    this.unauthenticatedPerAddress.set(address, pending + 1);
    this.addressOf.set(socket, address);
    // Without a listener of ours, node:http destroys a socket whose timer fires (server 'timeout' unheard);
    // ws clears the timer when it takes an upgraded socket over.
    socket.setTimeout(this.settings.idleTimeoutMs);
    socket.once('close', () => {
      this.authenticated(socket);
      decrement(this.perAddress, address);
    });
  }

  private drop(socket: Socket, reason: 'per_address' | 'unauthenticated' | 'unauthenticated_per_address', address: string): void {
    this.metrics.inc('tandem_tcp_connections_dropped_total', 1, { reason });
    this.logger.debug('connection dropped', { reason, address });
    socket.destroy();
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left <= 0) counts.delete(key);
  else counts.set(key, left);
}
