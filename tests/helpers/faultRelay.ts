/**
 * A fault-injecting WebSocket relay for tests: stock clients connect to it instead of the server; for
 * every accepted connection it dials the target (same path and query) and forwards frames both ways.
 *
 * Faults, all drawn from one seeded PRNG so a run's choices replay from its seed (wall-clock timing of
 * real sockets does not replay, which is why the checks are invariants, not expected outputs):
 *  - latency + jitter per frame, FIFO per direction: a WebSocket is ordered, so a frame is never
 *    delivered before an earlier one of the same connection and direction;
 *  - reset: both sockets are destroyed without a close handshake (the client sees 1006 and redials);
 *  - black hole: frames in both directions are silently dropped for a while, then the connection is
 *    reset, as a dead link is eventually detected (the stock client would only notice after 30 s of
 *    silence, too slow for a test);
 *  - cut: the next client→server frame is sent truncated to its first half as a complete frame and the
 *    client side is reset; the upstream socket stays open until the server closes it, and the close
 *    code is recorded (a correct server refuses the frame with 4400 and stores nothing of it).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { type RawData, WebSocketServer } from 'ws';
import type { Prng } from './prng.js';

export type FaultKind = 'reset' | 'blackhole' | 'cut';

export interface RelayOptions {
  /** Base URL of the real server (`ws://host:port`); the client's path and query are appended. */
  target: string;
  prng: Prng;
  /** Base one-way delay per frame (ms). */
  latency?: number;
  /** Extra uniform random delay per frame, 0..jitter ms (never reorders within one direction). */
  jitter?: number;
  /** How long a cut connection's upstream may take to be closed by the server before we give up. */
  cutCloseTimeoutMs?: number;
  /** Sabotage switch (default true): when false a black hole ends by forwarding again, so its frames are
   *  silently lost on a connection that stays open — no real socket does that; it proves checks can fail. */
  resetAfterBlackhole?: boolean;
}

export interface RelayStats {
  connections: number;
  framesToServer: number;
  framesToClient: number;
  dropped: number;
  resets: number;
  blackholes: number;
  cuts: number;
  /** Close code the server sent after each cut frame (1006 = the socket died without one, 0 = timeout). */
  cutCloseCodes: number[];
  /** Close codes the server sent on connections that were not cut. */
  upstreamCloseCodes: number[];
}

type Direction = 'toServer' | 'toClient';

/** One direction of one connection: frames leave in arrival order, each no earlier than its due time. */
class Lane {
  private readonly queue: { at: number; data: RawData; binary: boolean }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastAt = 0;

  constructor(
    private readonly delay: () => number,
    private readonly deliver: (data: RawData, binary: boolean) => void,
  ) {}

  push(data: RawData, binary: boolean): void {
    // Never earlier than the previous frame: jitter delays, it does not reorder.
    const at = Math.max(Date.now() + this.delay(), this.lastAt);
    this.lastAt = at;
    this.queue.push({ at, data, binary });
    if (this.queue.length === 1) this.arm();
  }

  clear(): void {
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    const head = this.queue[0];
    if (!head) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = Date.now();
      while (this.queue.length > 0 && this.queue[0]!.at <= now) {
        const { data, binary } = this.queue.shift()!;
        this.deliver(data, binary);
      }
      this.arm();
    }, Math.max(0, head.at - Date.now()));
  }
}

function frameBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** A close code a server may send and the relay may pass on (1005/1006/1015 are not sendable). */
function forwardableCode(code: number): boolean {
  return code === 1000 || code === 1001 || (code >= 3000 && code <= 4999);
}

class RelayedConnection {
  state: 'open' | 'blackholed' | 'cutting' | 'closed' = 'open';
  private cutNext = false;
  private readonly upstream: WebSocket;
  private readonly pendingUp: { data: RawData; binary: boolean }[] = [];
  private readonly lanes: Record<Direction, Lane>;
  private blackholeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly relay: FaultRelay,
    private readonly client: WebSocket,
    upstreamUrl: string,
  ) {
    const delay = (): number => relay.latency + (relay.jitter > 0 ? relay.prng.int(0, relay.jitter) : 0);
    this.lanes = {
      toServer: new Lane(delay, (data, binary) => this.sendUp(data, binary)),
      toClient: new Lane(delay, (data, binary) => this.sendDown(data, binary)),
    };
    this.upstream = new WebSocket(upstreamUrl);
    this.upstream.on('open', () => {
      for (const { data, binary } of this.pendingUp.splice(0)) this.deliverUp(data, binary);
    });
    this.upstream.on('message', (data, binary) => {
      if (this.state !== 'open') {
        if (this.state === 'blackholed') relay.stats.dropped++;
        return;
      }
      this.lanes.toClient.push(data, binary);
    });
    this.upstream.on('error', () => undefined);
    this.upstream.on('close', (code) => this.onUpstreamClose(code));
    client.on('message', (data, binary) => {
      if (this.state !== 'open') {
        if (this.state === 'blackholed') relay.stats.dropped++;
        return;
      }
      this.lanes.toServer.push(data, binary);
    });
    client.on('error', () => undefined);
    client.on('close', () => {
      if (this.state === 'cutting') return;
      this.close();
    });
  }

  get live(): boolean {
    return this.state === 'open';
  }

  inject(kind: FaultKind, blackholeMs: number): void {
    if (this.state !== 'open') return;
    const { stats } = this.relay;
    switch (kind) {
      case 'reset':
        stats.resets++;
        this.close();
        break;
      case 'blackhole':
        stats.blackholes++;
        this.state = 'blackholed';
        this.lanes.toServer.clear();
        this.lanes.toClient.clear();
        this.blackholeTimer = setTimeout(() => {
          if (this.relay.resetAfterBlackhole) this.close();
          else if (this.state === 'blackholed') this.state = 'open';
        }, blackholeMs);
        break;
      case 'cut':
        this.cutNext = true;
        break;
      default: {
        const unreachable: never = kind;
        throw new Error(`unknown fault ${String(unreachable)}`);
      }
    }
  }

  private sendUp(data: RawData, binary: boolean): void {
    if (this.state !== 'open') return;
    // The client may be connected before our upstream is: hold its frames until the dial completes.
    if (this.upstream.readyState === WebSocket.CONNECTING) this.pendingUp.push({ data, binary });
    else this.deliverUp(data, binary);
  }

  private deliverUp(data: RawData, binary: boolean): void {
    if (this.state !== 'open' || this.upstream.readyState !== WebSocket.OPEN) return;
    this.relay.stats.framesToServer++;
    const bytes = frameBytes(data);
    if (this.cutNext && bytes.length >= 2) {
      this.cut(bytes, binary);
      return;
    }
    this.upstream.send(data, { binary });
  }

  private sendDown(data: RawData, binary: boolean): void {
    if (this.state !== 'open' || this.client.readyState !== WebSocket.OPEN) return;
    this.relay.stats.framesToClient++;
    this.client.send(data, { binary });
  }

  /** Sends the first half of `bytes` as a whole frame, drops the client, waits for the server's verdict. */
  private cut(bytes: Buffer, binary: boolean): void {
    this.relay.stats.cuts++;
    this.state = 'cutting';
    this.lanes.toServer.clear();
    this.lanes.toClient.clear();
    this.upstream.send(bytes.subarray(0, Math.floor(bytes.length / 2)), { binary });
    this.client.terminate();
    this.blackholeTimer = setTimeout(() => {
      this.relay.stats.cutCloseCodes.push(0);
      this.state = 'closed';
      this.upstream.terminate();
      this.relay.forget(this);
      this.relay.events.emit('change');
    }, this.relay.cutCloseTimeoutMs);
  }

  private onUpstreamClose(code: number): void {
    if (this.state === 'cutting') {
      if (this.blackholeTimer) clearTimeout(this.blackholeTimer);
      this.relay.stats.cutCloseCodes.push(code);
      this.state = 'closed';
      this.relay.forget(this);
      this.relay.events.emit('change');
      return;
    }
    if (this.state === 'closed') return;
    this.relay.stats.upstreamCloseCodes.push(code);
    // Pass a real close code on (a 4400 must stay final for the client); a dead socket stays dead.
    if (this.state === 'open' && forwardableCode(code) && this.client.readyState === WebSocket.OPEN) {
      this.state = 'closed';
      this.lanes.toClient.clear();
      this.client.close(code);
      this.relay.forget(this);
      return;
    }
    this.close();
  }

  /** Destroys both sockets without a close handshake. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.blackholeTimer) clearTimeout(this.blackholeTimer);
    this.lanes.toServer.clear();
    this.lanes.toClient.clear();
    this.client.terminate();
    this.upstream.terminate();
    this.relay.forget(this);
  }
}

export class FaultRelay {
  readonly stats: RelayStats = {
    connections: 0, framesToServer: 0, framesToClient: 0, dropped: 0, resets: 0, blackholes: 0, cuts: 0,
    cutCloseCodes: [], upstreamCloseCodes: [],
  };
  latency: number;
  jitter: number;
  readonly prng: Prng;
  readonly cutCloseTimeoutMs: number;
  readonly resetAfterBlackhole: boolean;
  /** Emits `change` when a connection ends or a cut gets its verdict (for event-driven waits). */
  readonly events = new EventEmitter<{ change: [] }>();
  private readonly connections = new Set<RelayedConnection>();

  private constructor(
    private readonly wss: WebSocketServer,
    private readonly target: string,
    options: RelayOptions,
  ) {
    this.prng = options.prng;
    this.latency = options.latency ?? 0;
    this.jitter = options.jitter ?? 0;
    this.cutCloseTimeoutMs = options.cutCloseTimeoutMs ?? 5_000;
    this.resetAfterBlackhole = options.resetAfterBlackhole ?? true;
    wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
      this.stats.connections++;
      this.connections.add(new RelayedConnection(this, socket, this.target + (request.url ?? '/')));
    });
  }

  static async start(options: RelayOptions): Promise<FaultRelay> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return new FaultRelay(wss, options.target.replace(/\/$/, ''), options);
  }

  /** `http://127.0.0.1:PORT` (the test helpers derive `ws://` from it). */
  get url(): string {
    return `http://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  /** Connections currently forwarding (not black-holed, cut or closed). */
  get live(): number {
    return [...this.connections].filter((c) => c.live).length;
  }

  /** Injects a fault into one live connection chosen by the PRNG; false when none is live. */
  inject(kind: FaultKind, blackholeMs = 500): boolean {
    const live = [...this.connections].filter((c) => c.live);
    if (live.length === 0) return false;
    this.prng.pick(live).inject(kind, blackholeMs);
    return true;
  }

  /** Resets every connection (used to end black holes at once when healing). */
  resetAll(): void {
    for (const connection of [...this.connections]) if (connection.state !== 'cutting') connection.close();
  }

  /** @internal */
  forget(connection: RelayedConnection): void {
    this.connections.delete(connection);
    this.events.emit('change');
  }

  async close(): Promise<void> {
    for (const connection of [...this.connections]) connection.close();
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
