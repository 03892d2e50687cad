/**
 * Where a room's outgoing frames go. Every broadcast of a room passes here, so the scale-out issue can
 * relay them to other instances in one place; today the bus delivers to this instance's peers.
 */
import type { Metrics } from '../metrics.js';
import type { RoomPeer } from '../peers/peer.js';

export interface RoomBus {
  /** A durable update's frame, to every peer (the sender too); `queuedAt` (performance.now()) is when the
   *  room accepted it, for the fan-out delay. */
  publishUpdate(frame: Uint8Array, queuedAt: number): void;
  /** An awareness frame, to every peer. */
  publishAwareness(frame: Uint8Array): void;
}

export class LocalRoomBus implements RoomBus {
  constructor(
    private readonly peers: ReadonlySet<RoomPeer>,
    private readonly metrics: Metrics,
  ) {}

  publishUpdate(frame: Uint8Array, queuedAt: number): void {
    this.deliver(frame);
    this.metrics.observe('tandem_fanout_delay_seconds', (performance.now() - queuedAt) / 1000);
  }

  publishAwareness(frame: Uint8Array): void {
    this.deliver(frame);
  }

  private deliver(frame: Uint8Array): void {
    for (const peer of this.peers) peer.send(frame);
  }
}
