/** A ws server that wraps each accepted socket in a real Connection (no room): for tests of the transport. */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Identity } from '../../shared/auth.js';
import { createLogger } from '../../server/log.js';
import { Metrics } from '../../server/metrics.js';
import { Connection } from '../../server/transport/connection.js';

const identity: Identity = { userId: 'u-test', name: 'Test', color: '#e5484d', role: 'editor', doc: '*' };

export interface AcceptedConnection {
  connection: Connection;
  /** The server side of the socket. */
  socket: WebSocket;
  metrics: Metrics;
}

/** Listens on a free loopback port; `next()` resolves with the next accepted socket's Connection. `cleanups`
 *  gets the teardown. */
export async function listenWithConnections(cleanups: Array<() => void>): Promise<{ port: number; next(): Promise<AcceptedConnection> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const waiting: Array<(accepted: AcceptedConnection) => void> = [];
  wss.on('connection', (socket) => {
    const metrics = new Metrics();
    const connection = new Connection(socket, identity, false, { logger: createLogger('silent'), metrics, onClose: () => undefined });
    waiting.shift()?.({ connection, socket, metrics });
  });
  cleanups.push(() => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  return {
    port: (wss.address() as AddressInfo).port,
    next: () => new Promise((resolve) => waiting.push(resolve)),
  };
}
