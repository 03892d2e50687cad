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
import type { PeerOrigin } from '../peers/origins.js';
import type { RoomPeer } from '../peers/peer.js';
import type { Room } from '../room/room.js';
import { RateLimiter } from '../rateLimiter.js';
import { binarySender, rawSocketOf } from './wireFrames.js';
import { UpdateBacklog } from './updateBacklog.js';

let nextConnectionId = 1;

/** Close codes a client sends when it leaves on purpose: 1000 (its session ended) and 1001 (going away: the
 *  browser closes a tab's sockets with it). A lost link closes without a code (1006) or with none given
 *  (1005: y-websocket's own reconnect closes that way), and the server's own closes are 4xxx. */
const LEAVING_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001]);

/** Whether this server-side socket still carries frames (the client's ConnectionState is its own, richer machine). */
type SocketState = { kind: 'open' } | { kind: 'closed'; code: number };

export class Connection implements RoomPeer {
  readonly id = nextConnectionId++;
  readonly origin: PeerOrigin = { kind: 'peer', peer: this };
  state: SocketState = { kind: 'open' };
  private room: Room | null = null;
  private alive = true;
  private readonly messageRate = new RateLimiter(MESSAGE_RATE_PER_SECOND, MESSAGE_RATE_BURST);
  /** Payload bytes handed to the socket so far; minus bufferedAmount, how far the queue has drained. */
  private sentBytes = 0;
  /** The largest frame possibly still queued: its size, and `sentBytes` once it was fully handed over. */
  private largestQueued: { bytes: number; end: number } | null = null;
  /** Every line this connection logs names it. */
  private readonly logger: Logger;
  /** Update frames held while the socket is busy, sent merged once it drains (updateBacklog.ts). */
  private readonly backlog: UpdateBacklog;
  /** Writes one binary frame, shared bytes when it can (wireFrames.ts). */
  private readonly sendFrame: (frame: Uint8Array) => void;

  constructor(
    private readonly socket: WebSocket,
    readonly identity: Identity,
    readonly optedIn: boolean,
    private readonly deps: { logger: Logger; metrics: Metrics; onClose(connection: Connection): void },
    /** Defaults to what `optedIn` alone implies: version 1, which is sent no kind added since. */
    readonly tandemVersion: number | null = optedIn ? 1 : null,
  ) {
    this.logger = deps.logger.child({ connection: this.id });
    const raw = rawSocketOf(socket);
    this.sendFrame = binarySender(socket);
    this.backlog = new UpdateBacklog(
      {
        get bufferedAmount() {
          return socket.bufferedAmount;
        },
        get needsDrain() {
          return raw?.writableNeedDrain === true;
        },
        onceDrained: (callback) => raw?.once('drain', callback),
      },
      (frame, count) => {
        this.deps.metrics.inc('tandem_updates_coalesced_total', count);
        if (this.state.kind === 'open' && this.socket.readyState === this.socket.OPEN) this.write(frame);
      },
    );
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', (code) => this.onClosed(code));
    socket.on('error', (error) => {
      // ws closes the socket itself after an error (e.g. 1009 past the hard frame cap); log, nothing more.
      this.logger.debug('socket error', { error: error.message });
    });
  }

  attach(room: Room): void {
    this.room = room;
  }

  /**
   * Queues `frame`, or closes a reader too far behind (4503 "slow consumer"; it resyncs on reconnect), whose
   * queue would otherwise grow our memory without bound.
   *
   * The bound counts everything queued, the frame being queued included, except the single largest frame
   * still in the queue: close when bufferedAmount + frame.length − largest > MAX_SEND_QUEUE_BYTES.
   *  - The frame is counted, so a queue just under the bound cannot take a big frame on top; a socket that
   *    keeps asking for full-state frames without reading is closed as soon as all but one of them pass
   *    the bound (for a document larger than the bound: at the second).
   *  - The largest frame is exempt, because the full state of a document may be bigger than the bound
   *    (documents reach MAX_DOCUMENT_BYTES, 64 MiB; the bound is 32 MiB): an honest reader must be able
   *    to receive it, and to keep receiving the tail frames queued right behind it, awareness and edits
   *    while it downloads (seconds on a real link). Counting that frame would close every such reader
   *    at its next frame, and it would reconnect and fail the same way forever.
   *  - Exempting it costs no memory per socket where it matters: the only frames that large are shared
   *    ones (the room's full-state sync reply and its broadcasts, the same bytes for every socket: ws
   *    does not copy an unmasked frame's payload); a per-caller reply is capped well below the bound
   *    (see syncReplies.ts). So a socket holds at most MAX_SEND_QUEUE_BYTES of its own, plus one frame.
   * With the frame itself the largest (e.g. an empty queue), this is the former rule: bufferedAmount > bound.
   */
  send(frame: Uint8Array): void {
    if (this.state.kind !== 'open' || this.socket.readyState !== this.socket.OPEN) return;
    if (this.backlog.offer(frame)) {
      // Held updates are this socket's memory too: they count against the bound like queued bytes.
      if (this.exceedsQueueBound(0)) this.close(CloseCode.unavailable, 'slow consumer');
      return;
    }
    this.write(frame);
  }

  /** Queues `frame` on the socket, past the backlog, or closes a slow consumer. */
  private write(frame: Uint8Array): void {
    if (this.exceedsQueueBound(frame.length)) {
      this.close(CloseCode.unavailable, 'slow consumer');
      return;
    }
    this.sentBytes += frame.length;
    if (frame.length >= (this.largestQueued?.bytes ?? 0)) this.largestQueued = { bytes: frame.length, end: this.sentBytes };
    this.sendFrame(frame);
  }

  /** Whether queueing `frameBytes` more would pass the bound (see `send`): everything queued and held, the
   *  new frame included, except the single largest frame still queued. */
  private exceedsQueueBound(frameBytes: number): boolean {
    const queued = this.socket.bufferedAmount;
    // Bytes already written out of the queue (bufferedAmount also counts frame headers and pings, so this
    // errs low, i.e. towards keeping the exemption a little longer, never towards closing an honest reader).
    const drained = this.sentBytes - queued;
    if (this.largestQueued && drained >= this.largestQueued.end) this.largestQueued = null;
    const exempt = Math.max(this.largestQueued?.bytes ?? 0, frameBytes);
    return queued + this.backlog.heldBytes + frameBytes - exempt > MAX_SEND_QUEUE_BYTES;
  }

  close(code: TandemCloseCode, reason: string): void {
    if (this.state.kind !== 'open') return;
    this.deps.metrics.inc('tandem_connections_refused_total', 1, { code: String(code) });
    this.socket.close(code, reason);
    this.markClosed(code);
  }

  /** Called by the heartbeat timer: a connection that missed the previous ping is dead. */
  heartbeat(): void {
    if (this.state.kind !== 'open') return;
    if (!this.alive) {
      this.logger.debug('heartbeat missed');
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
      this.logger.info('refused malformed frame', { reason: decoded.error });
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
    this.deps.metrics.inc('tandem_messages_received_total', 1, { type: message.type });
    this.room?.receive(this, message);
  }

  private onClosed(code: number): void {
    this.markClosed(code);
  }

  private markClosed(code: number): void {
    if (this.state.kind === 'closed') return;
    this.state = { kind: 'closed', code };
    this.backlog.clear();
    this.room?.leave(this, LEAVING_CLOSE_CODES.has(code) ? 'left' : 'lost');
    this.deps.onClose(this);
  }
}
