/**
 * Many connections (issue #12 item 4): N mostly idle light connections spread over D documents. Each one
 * completes the sync handshake, sets an awareness state once (`{ user: { name, color } }`, what a tab
 * announces; Tandem stamps `user` from the token) and renews it every RENEW period as y-protocols does.
 *
 * Memory method, from the server process's RSS (/proc): `idle` before any connection; `docs` after one
 * connection per document has synced and announced (the documents are loaded; a room whose last
 * connection leaves may be unloaded, so the documents are kept open by that one connection); `all` once
 * all N are connected and have renewed at least once. Per document = (docs − idle) ÷ D (includes its first
 * connection); per connection = (all − docs) ÷ (N − D). RSS includes heap not yet collected: an upper bound.
 *
 * Connections are opened in batches, each batch waiting for its handshakes, so the connect storm stays
 * within the server's unauthenticated-connection limits.
 */
import { LightConnection } from '../lightClient.js';
import { rssMiB } from '../stats.js';

export interface CrowdTarget {
  url: string;
  pid: number;
  token: string;
}

export interface IdleConnectionsSize {
  connections: number;
  documents: number;
  renewMs: number;
}

export interface IdleConnectionsResult {
  idleRssMiB: number;
  docsOpenRssMiB: number;
  allConnectedRssMiB: number;
  perDocumentKiB: number;
  perConnectionKiB: number;
  /** Wall time from the first to the last handshake (batched). */
  connectSeconds: number;
  /** Connections the server closed during the scenario; must be 0. */
  dropped: number;
  /** Connections that never received another crowd member's awareness state (refused or not relayed); must be 0. */
  unaware: number;
}

const BATCH = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const presence = (i: number): Record<string, unknown> => ({ user: { name: `Idle ${i}`, color: '#30bced' } });

async function openBatch(connections: LightConnection[]): Promise<void> {
  await Promise.all(
    connections.map(async (connection, i) => {
      await connection.synced;
      connection.setAwareness(presence(i));
    }),
  );
}

export async function idleConnections(target: CrowdTarget, size: IdleConnectionsSize): Promise<IdleConnectionsResult> {
  const docNames = Array.from({ length: size.documents }, (_, d) => `idle-${Date.now()}-${d}`);
  // Distinct clientIDs per run: Tandem binds each to the first connection (and user) that uses it.
  const firstClientId = 1 + Math.floor(Math.random() * 1_000_000_000);
  const isCrowd = (clientId: number): boolean => clientId >= firstClientId && clientId < firstClientId + size.connections;
  const connections: LightConnection[] = [];
  const open = (i: number): LightConnection => {
    const connection = new LightConnection(target.url, docNames[i % size.documents] as string, target.token, firstClientId + i, isCrowd);
    connections.push(connection);
    return connection;
  };
  const idleRssMiB = rssMiB(target.pid);
  const started = performance.now();
  await openBatch(Array.from({ length: size.documents }, (_, d) => open(d)));
  // Let the rooms' first writes and awareness broadcasts settle before reading RSS.
  await sleep(200);
  const docsOpenRssMiB = rssMiB(target.pid);
  for (let i = size.documents; i < size.connections; i += BATCH) {
    await openBatch(Array.from({ length: Math.min(BATCH, size.connections - i) }, (_, k) => open(i + k)));
  }
  const connectSeconds = (performance.now() - started) / 1000;
  // Renewals, staggered over the period as independent tabs would be.
  const timers = connections.map((connection, i) =>
    setTimeout(() => {
      connection.setAwareness(presence(i));
      timers[i] = setInterval(() => connection.setAwareness(presence(i)), size.renewMs);
    }, Math.floor((i / connections.length) * size.renewMs)),
  );
  // Hold the crowd for one full renewal period and a bit, so every connection has renewed once.
  // (A measurement window, not a wait for sync.)
  await sleep(size.renewMs * 1.2);
  const allConnectedRssMiB = rssMiB(target.pid);
  for (const timer of timers) clearTimeout(timer);
  const dropped = connections.filter((connection) => connection.closedByServer !== null).length;
  const unaware = connections.filter((connection) => connection.firstPeerSeen === null).length;
  for (const connection of connections) connection.close();
  return {
    idleRssMiB,
    docsOpenRssMiB,
    allConnectedRssMiB,
    perDocumentKiB: ((docsOpenRssMiB - idleRssMiB) * 1024) / size.documents,
    perConnectionKiB: ((allConnectedRssMiB - docsOpenRssMiB) * 1024) / Math.max(1, size.connections - size.documents),
    connectSeconds,
    dropped,
    unaware,
  };
}
