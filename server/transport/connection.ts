/**
 * One WebSocket connection as a room peer: enforces frame size, message rate, awareness size, the send
 * queue bound and the heartbeat, then hands decoded messages to its room. Every refusal closes with a
 * code from the shared table; nothing here can affect another connection.
 */
import type { WebSocket } from 'ws';
import type { Identity } from '../../shared/auth.js';
import { CloseCode, type TandemCloseCode } from '../../shared/protocol/closeCodes.js';
import {
  MAX_AWARENESS_BYTES,
  MAX_FRAME_BYTES,
  MAX_SEND_QUEUE_BYTES,
  MESSAGE_RATE_BURST,
  MESSAGE_RATE_PER_SECOND,
} from '../../shared/limits.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { decodeFrame } from '../room/decodeFrame.js';
import type { PeerOrigin, RoomPeer } from '../room/peer.js';
import type { Room } from '../room/room.js';
import { RateLimiter } from './rateLimiter.js';

let nextConnectionId = 1;

export type ConnectionState = { kind: 'open' } | { kind: 'closed'; code: number };

export class Connection implements RoomPeer {
  readonly id = nextConnectionId++;
  readonly origin: PeerOrigin = { kind: 'peer', peer: this };
  state: ConnectionState = { kind: 'open' };
  private room: Room | null = null;
  private alive = true;
  private readonly messageRate = new RateLimiter(MESSAGE_RATE_PER_SECOND, MESSAGE_RATE_BURST);

  constructor(
    private readonly socket: WebSocket,
    readonly identity: Identity,
    readonly optedIn: boolean,
    private readonly deps: { logger: Logger; metrics: Metrics; onClose(connection: Connection): void },
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', (code) => this.onClosed(code));
    socket.on('error', (error) => {
      // ws closes the socket itself after an error (e.g. 1009 past the hard frame cap); log, nothing more.
      this.deps.logger.debug('socket error', { connection: this.id, error: error.message });
    });
  }

  attach(room: Room): void {
    this.room = room;
  }

  send(frame: Uint8Array): void {
    if (this.state.kind !== 'open' || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_SEND_QUEUE_BYTES) {
      // A reader this far behind would grow our memory without bound; it resyncs on reconnect.
      this.close(CloseCode.unavailable, 'slow consumer');
      return;
    }
    this.socket.send(frame);
  }

  close(code: TandemCloseCode, reason: string): void {
    if (this.state.kind !== 'open') return;
    this.deps.metrics.inc('tandem_connections_refused_total', 'Connections closed by the server', 1, { code: String(code) });
    this.socket.close(code, reason);
    this.markClosed(code);
  }

  /** Called by the heartbeat timer: a connection that missed the previous ping is dead. */
  heartbeat(): void {
    if (this.state.kind !== 'open') return;
    if (!this.alive) {
      this.deps.logger.debug('heartbeat missed', { connection: this.id });
      this.socket.terminate();
      this.markClosed(1006);
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    if (this.state.kind !== 'open') return;
    this.alive = true;
    if (!isBinary || !(data instanceof Buffer)) {
      this.close(CloseCode.badRequest, 'binary frames only');
      return;
    }
    if (data.length > MAX_FRAME_BYTES) {
      this.close(CloseCode.tooLarge, 'frame too large');
      return;
    }
    if (!this.messageRate.take()) {
      this.close(CloseCode.rateLimited, 'too many messages');
      return;
    }
    const decoded = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (!decoded.ok) {
      this.deps.logger.info('refused malformed frame', { connection: this.id, reason: decoded.error });
      this.close(CloseCode.badRequest, 'malformed frame');
      return;
    }
    const message = decoded.value;
    // Awareness rate is charged by the room, which can tell a peer's own state changes from the relays
    // stock clients send for everyone else's; here only the size is bounded.
    if (message.type === 'awareness') {
      if (message.update.length > MAX_AWARENESS_BYTES) {
        this.close(CloseCode.tooLarge, 'awareness too large');
        return;
      }
    }
    this.deps.metrics.inc('tandem_messages_received_total', 'Frames received', 1, { type: message.type });
    this.room?.receive(this, message);
  }

  private onClosed(code: number): void {
    this.markClosed(code);
  }

  private markClosed(code: number): void {
    if (this.state.kind === 'closed') return;
    this.state = { kind: 'closed', code };
    this.room?.leave(this);
    this.deps.onClose(this);
  }
}
