/**
 * Paces a room's durable updates into frames (issue #12, fan-out that costs close to a write per socket).
 *
 * What a broadcast costs is one socket write per peer, whatever the frame carries: in a profile of 4 rooms ×
 * 100 sockets the write syscall alone was about half of the stock server's CPU. Every durable batch goes out
 * as one frame (its updates merged), and a room whose frames are expensive does not send them back to back:
 * after a frame, the room waits SEND_COST_MULTIPLE times what that frame took to send (at most
 * MAX_INTERVAL_MS) before the next, and whatever became durable meanwhile goes out together, merged. So a
 * room spends at most about 1 / (1 + SEND_COST_MULTIPLE) of its time sending, however fast people type:
 *  - a small room, or a quiet one, is not delayed at all (its frames cost microseconds, and an update that
 *    finds the interval over goes out at once);
 *  - a room of 100 peers (about 1 ms per frame here) merges what arrives within ~3 ms;
 *  - a room of hundreds of typists, whose frame-per-update fan-out would saturate the process, sends each
 *    peer one frame per interval instead of one per keystroke.
 * MAX_INTERVAL_MS is one display frame at 60 Hz: a reader cannot see two remote changes within one frame.
 *
 * Order: frames leave in the order their updates became durable (merging keeps each batch's content, and
 * nothing overtakes a held batch), so the shared sync replies' tail (syncReplies.ts) stays exact as long as
 * the room flushes what is held before it answers a sync request (`flush`).
 */
import * as Y from 'yjs';

export const SEND_COST_MULTIPLE = 3;
export const MAX_INTERVAL_MS = 16;

export interface DurableUpdate {
  update: Uint8Array;
  /** performance.now() when the room accepted it (the fan-out delay is measured from the oldest in a frame). */
  queuedAt: number;
}

export class FanoutCoalescer {
  private held: DurableUpdate[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() of the last frame sent; -Infinity before the first. */
  private lastSentAt = Number.NEGATIVE_INFINITY;
  /** How long after the last frame the next may go: SEND_COST_MULTIPLE × its send time, within bounds. */
  private gapMs: number;
  private disposed = false;

  constructor(
    /** Sends one frame's update (merged when several) with the oldest accepted time among them. */
    private readonly send: (update: Uint8Array, queuedAt: number) => void,
    /** The shortest gap between two frames (0: only what sending costs spaces them; tests set it). */
    private readonly minIntervalMs = 0,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.gapMs = minIntervalMs;
  }

  /** Durable updates, in the order they became durable. */
  add(batch: readonly DurableUpdate[]): void {
    if (this.disposed || batch.length === 0) return;
    this.held.push(...batch);
    if (this.timer !== null) return;
    const wait = this.lastSentAt + this.gapMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends what is held now, as one frame (nothing if nothing is). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const held = this.held;
    const first = held[0];
    if (!first) return;
    this.held = [];
    const started = this.now();
    this.send(held.length === 1 ? first.update : Y.mergeUpdates(held.map((item) => item.update)), first.queuedAt);
    this.lastSentAt = this.now();
    const cost = this.lastSentAt - started;
    this.gapMs = Math.max(this.minIntervalMs, Math.min(MAX_INTERVAL_MS, cost * SEND_COST_MULTIPLE));
  }

  /** Drops what is held (the room is going away or failed: nobody is left to send it to). */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.held = [];
  }
}
