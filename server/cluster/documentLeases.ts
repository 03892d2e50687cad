/**
 * Which instance owns a document, when several instances share one database: a lease in Redis,
 * `<prefix>lease:<doc>` = the owner's instance id, with a time to live. The owner applies, checks, stores and
 * arbitrates locks for the document; the other instances relay their clients to it (docs/scale-out.md).
 *
 * Redis routes and detects dead owners; it never decides what is stored. The database's fence does: an owner
 * takes a new fence when it loads a document, and an append under an older fence is refused, so an instance
 * that lost its lease without noticing (paused, partitioned) cannot write after the next owner has started.
 * That is also why Redis may lose every lease (restarted without persistence): the next renewal re-takes
 * what lapsed, and a lease someone else took meanwhile is reported lost.
 *
 * Every operation is one round trip, and compare-and-set runs as a Lua script so a lease is never extended
 * or deleted by an instance that does not hold it.
 */
import type { Redis } from 'ioredis';

/** Extends the caller's leases and re-takes lapsed ones; returns, per key, 1 (held) or 0 (another owner). */
const RENEW_SCRIPT = `
local held = {}
for i, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  if owner == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    held[i] = 1
  elseif owner == false then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    held[i] = 1
  else
    held[i] = 0
  end
end
return held`;

/** Deletes the lease only if the caller still holds it. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export interface DocumentLeaseOptions {
  /** This instance's id, unique in the cluster (a restarted process takes a new one). */
  instanceId: string;
  /** How long a lease lasts without renewal: how long a dead owner's documents stay unowned. */
  ttlMs: number;
  /** Key prefix, so several clusters (or test runs) can share one Redis. */
  prefix?: string;
}

export class DocumentLeases {
  readonly instanceId: string;
  readonly ttlMs: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: DocumentLeaseOptions,
  ) {
    this.instanceId = options.instanceId;
    this.ttlMs = options.ttlMs;
    this.prefix = options.prefix ?? 'tandem:';
  }

  /** Takes the document's lease if nobody holds it; true if this instance holds it now (already did, or took it). */
  async acquire(doc: string): Promise<boolean> {
    const [held] = await this.renew([doc]);
    return held === true;
  }

  /** The instance holding the document's lease, or null if none does. */
  async ownerOf(doc: string): Promise<string | null> {
    return this.redis.get(this.key(doc));
  }

  /** Extends (or re-takes, where they lapsed) the leases on `docs`; per doc, whether this instance holds it. */
  async renew(docs: readonly string[]): Promise<boolean[]> {
    if (docs.length === 0) return [];
    const held = (await this.redis.eval(RENEW_SCRIPT, docs.length, ...docs.map((doc) => this.key(doc)), this.instanceId, String(this.ttlMs))) as number[];
    return held.map((value) => value === 1);
  }

  /** Gives the lease back (after the document is durable and its room closed), so the next owner need not
   *  wait for it to lapse. Does nothing if another instance holds it. */
  async release(doc: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key(doc), this.instanceId);
  }

  private key(doc: string): string {
    return `${this.prefix}lease:${doc}`;
  }
}
