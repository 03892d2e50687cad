/**
 * Rooms by document name. A room is created and loaded on first join, shared by every later join, and
 * evicted once its last peer has left and everything it holds is durable. A join that arrives while an
 * eviction is waiting on storage keeps the room (the eviction re-checks the peer count last).
 */
import { errorFields, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { HistorySettings } from '../history/settings.js';
import type { DocumentStore } from '../storage/types.js';
import { createHolderPeer } from '../history/holderPeer.js';
import type { TandemCloseCode } from '../../shared/protocol/closeCodes.js';
import type { RoomPeer } from '../peers/peer.js';
import { Room } from './room.js';

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly evictions = new Set<Promise<void>>();

  /** `quotaBytes`: DOCUMENT_QUOTA_BYTES, passed to every room (RoomDeps.quotaBytes). */
  constructor(private readonly deps: { store: DocumentStore; logger: Logger; metrics: Metrics; history?: HistorySettings; quotaBytes?: number }) {}

  get size(): number {
    return this.rooms.size;
  }

  /** Adds the peer to the document's room, loading it if needed. Messages sent before the load
   *  completes are queued by the room and answered once it is live. */
  join(docName: string, peer: RoomPeer): Room {
    let room = this.rooms.get(docName);
    if (!room || room.state.kind === 'failed' || room.state.kind === 'closed') {
      room = new Room(docName, { ...this.deps, onIdle: (idle) => this.scheduleEviction(idle) });
      this.rooms.set(docName, room);
      this.updateGauge();
      void room.load();
    }
    room.join(peer);
    return room;
  }

  /**
   * Loads the document's room without a connection (e.g. for a timeline restore) and keeps it loaded
   * until `release()`; a failed load rejects. The holder never sends or receives anything.
   */
  async hold(docName: string): Promise<{ room: Room; release(): void }> {
    const holder = createHolderPeer();
    const room = this.join(docName, holder);
    await room.loaded;
    if (room.state.kind !== 'live') {
      room.leave(holder);
      throw new Error(`document "${docName}" could not be loaded`);
    }
    return { room, release: () => room.leave(holder) };
  }

  get(docName: string): Room | undefined {
    return this.rooms.get(docName);
  }

  /** Closes the document's peers with `code` and unloads its room (before its content is deleted for good). */
  async unload(docName: string, code: TandemCloseCode, reason: string): Promise<void> {
    const room = this.rooms.get(docName);
    if (!room) return;
    await room.closeAll(code, reason);
    for (const peer of room.peerList()) room.leave(peer);
    await this.evictionsSettled();
    if (this.rooms.get(docName) === room) await this.evict(room);
  }

  /** Makes every room durable, closes its peers with `code`, and evicts it. */
  async shutdown(closePeers: (room: Room) => Promise<void>): Promise<void> {
    await Promise.all([...this.rooms.values()].map(closePeers));
    await this.evictionsSettled();
    for (const room of this.rooms.values()) await this.evict(room);
  }

  /** Resolves once every eviction under way has finished (the room gone, or kept for a peer who joined). */
  async evictionsSettled(): Promise<void> {
    await Promise.all([...this.evictions]);
  }

  private scheduleEviction(room: Room): void {
    const eviction = this.evict(room).finally(() => this.evictions.delete(eviction));
    this.evictions.add(eviction);
  }

  private async evict(room: Room): Promise<void> {
    if (room.state.kind === 'live') {
      try {
        await room.compact(true);
      } catch (error) {
        this.deps.logger.warn('compaction before eviction failed', { doc: room.name, ...errorFields(error) });
      }
    }
    const failed = room.state.kind === 'failed';
    if (room.peerCount > 0 && !failed) return;
    if (this.rooms.get(room.name) === room) this.rooms.delete(room.name);
    room.destroy();
    this.updateGauge();
  }

  private updateGauge(): void {
    this.deps.metrics.set('tandem_rooms', this.rooms.size);
  }
}
