/**
 * Keeps this instance's document leases alive: one renewal round trip for all of them every third of the
 * lease's time to live, so two renewals may fail before a lease lapses.
 *
 * When Redis cannot be reached the documents stay with this instance: its clients keep editing (the database's
 * fence, not Redis, keeps two owners from both storing), `redisReachable` turns false for /healthz and
 * metrics, and the first renewal that gets through re-takes the leases that lapsed meanwhile. Only a lease
 * another instance holds is reported lost, and the room hands its document over.
 */
import type { DocumentLeases } from './documentLeases.js';

export interface LeaseKeeperEvents {
  /** Another instance holds the document's lease now: stop serving it here. */
  onLost(doc: string): void;
  /** A renewal failed (Redis unreachable or erroring); the leases are kept. */
  onError(error: unknown): void;
}

export class LeaseKeeper {
  private readonly docs = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  private reachable = true;

  constructor(
    private readonly leases: DocumentLeases,
    private readonly events: LeaseKeeperEvents,
  ) {}

  /** Whether the last renewal reached Redis. */
  get redisReachable(): boolean {
    return this.reachable;
  }

  get held(): ReadonlySet<string> {
    return this.docs;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.renewNow(), Math.max(1, Math.floor(this.leases.ttlMs / 3)));
    this.timer.unref();
  }

  /** Takes the document's lease and keeps it renewed; false if another instance holds it. */
  async take(doc: string): Promise<boolean> {
    if (!(await this.leases.acquire(doc))) return false;
    this.docs.add(doc);
    return true;
  }

  /** Stops renewing the document's lease and gives it back. */
  async give(doc: string): Promise<void> {
    this.docs.delete(doc);
    await this.leases.release(doc);
  }

  /** One renewal of every held lease (the timer's work; exposed so a test or a drain can force one). */
  renewNow(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async renewOnce(): Promise<void> {
    const docs = [...this.docs];
    let held: boolean[];
    try {
      held = await this.leases.renew(docs);
    } catch (error) {
      this.reachable = false;
      this.events.onError(error);
      return;
    }
    this.reachable = true;
    docs.forEach((doc, i) => {
      // A doc given back while the renewal was in flight is not this instance's to lose any more.
      if (held[i] || !this.docs.has(doc)) return;
      this.docs.delete(doc);
      this.events.onLost(doc);
    });
  }
}
