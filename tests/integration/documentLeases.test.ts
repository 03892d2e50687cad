/**
 * Document leases in a real Redis (server/cluster/): one owner per document across instances, renewal,
 * lapse after a dead owner's TTL, Redis losing its data, and Redis unreachable from one instance (through a
 * TCP proxy the test cuts). Each instance is its own Redis client, as separate processes would be.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DocumentLeases } from '../../server/cluster/documentLeases.js';
import { LeaseKeeper } from '../../server/cluster/leaseKeeper.js';
import { redisAvailable, TEST_REDIS_URL } from '../helpers/services.js';
import { TcpProxy } from '../helpers/tcpProxy.js';
import { nextEvent } from '../helpers/wait.js';

const hasRedis = await redisAvailable();
const PREFIX = `tandem-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}:`;
const redisUrl = new URL(TEST_REDIS_URL);

describe.runIf(hasRedis)('document leases', () => {
  const clients: Redis[] = [];
  let admin: Redis;
  let proxy: TcpProxy;

  /** A Redis client that fails fast instead of queueing commands while disconnected (what the server uses). */
  function client(port = Number(redisUrl.port || 6379)): Redis {
    const redis = new Redis({ host: redisUrl.hostname, port, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 20 });
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  }

  /** Each instance's Redis client, to wait for it to reconnect. */
  const redisOf = new Map<DocumentLeases, Redis>();

  async function instance(id: string, options: { ttlMs?: number; viaProxy?: boolean } = {}): Promise<DocumentLeases> {
    const redis = client(options.viaProxy ? proxy.port : undefined);
    await ready(redis);
    const leases = new DocumentLeases(redis, { instanceId: id, ttlMs: options.ttlMs ?? 10_000, prefix: PREFIX });
    redisOf.set(leases, redis);
    return leases;
  }

  /** Resolves once the client is connected (it reconnects on its own after the proxy is restored). */
  async function ready(redis: Redis): Promise<void> {
    if (redis.status !== 'ready') await nextEvent(redis as never, 'ready');
  }

  /** Once subscribed, `expired` resolves when Redis expires `key` (keyspace notifications): the lease
   *  lapsing, as an event. (Wrapped: an async function would flatten a returned promise into its own.) */
  async function expiry(key: string): Promise<{ expired: Promise<void> }> {
    const subscriber = client();
    await ready(subscriber);
    await admin.config('SET', 'notify-keyspace-events', 'Ex');
    await subscriber.subscribe('__keyevent@0__:expired');
    const expired = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${key} to expire`)), 5_000);
      subscriber.on('message', (_channel: string, expiredKey: string) => {
        if (expiredKey !== key) return;
        clearTimeout(timer);
        resolve();
      });
    });
    return { expired };
  }

  function keeperOf(leases: DocumentLeases): { keeper: LeaseKeeper; lost: string[]; errors: unknown[] } {
    const lost: string[] = [];
    const errors: unknown[] = [];
    const keeper = new LeaseKeeper(leases, { onLost: (doc) => lost.push(doc), onError: (error) => errors.push(error) });
    return { keeper, lost, errors };
  }

  let docCounter = 0;
  const freshDoc = (): string => `doc-${++docCounter}`;

  beforeAll(async () => {
    admin = client();
    proxy = await TcpProxy.start({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
  });

  afterEach(() => proxy.restore());

  afterAll(async () => {
    const keys = await admin.keys(`${PREFIX}*`);
    if (keys.length > 0) await admin.del(...keys);
    for (const redis of clients) redis.disconnect();
    await proxy.close();
  });

  it('gives a document to exactly one of many instances asking at the same moment', async () => {
    const doc = freshDoc();
    const instances = await Promise.all(Array.from({ length: 8 }, (_, i) => instance(`i${i}`)));
    const won = await Promise.all(instances.map((leases) => leases.acquire(doc)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = instances[won.indexOf(true)];
    expect(await instances[0]?.ownerOf(doc)).toBe(winner?.instanceId);
    // Asking again changes nothing, for the owner or the others.
    expect(await winner?.acquire(doc)).toBe(true);
    expect((await Promise.all(instances.filter((leases) => leases !== winner).map((leases) => leases.acquire(doc)))).some(Boolean)).toBe(false);
  });

  it('hands the document over at once when its owner gives it back, never when another instance asks to', async () => {
    const doc = freshDoc();
    const a = await instance('a');
    const b = await instance('b');
    expect(await a.acquire(doc)).toBe(true);
    await b.release(doc); // not b's to give
    expect(await a.ownerOf(doc)).toBe('a');
    await a.release(doc);
    expect(await b.acquire(doc)).toBe(true);
  });

  it('lets a dead owner’s lease lapse after its TTL; the next owner takes it and the old one learns it lost it', async () => {
    const doc = freshDoc();
    const a = await instance('a', { ttlMs: 300 });
    const b = await instance('b', { ttlMs: 300 });
    const { keeper, lost } = keeperOf(a);
    const { expired: lapsed } = await expiry(`${PREFIX}lease:${doc}`);
    expect(await keeper.take(doc)).toBe(true);
    // a stops renewing (a paused process): nothing else happens until the lease lapses.
    await lapsed;
    expect(await b.ownerOf(doc)).toBeNull();
    expect(await b.acquire(doc)).toBe(true);
    await keeper.renewNow();
    expect(lost).toEqual([doc]);
    expect(keeper.held.has(doc)).toBe(false);
    expect(await b.ownerOf(doc)).toBe('b');
  });

  it('renewal restores the full TTL of every held lease in one round trip', async () => {
    const docs = [freshDoc(), freshDoc(), freshDoc()];
    const a = await instance('a', { ttlMs: 10_000 });
    const { keeper, lost } = keeperOf(a);
    for (const doc of docs) expect(await keeper.take(doc)).toBe(true);
    // Close to lapsing, as after a slow renewal round.
    for (const doc of docs) await admin.pexpire(`${PREFIX}lease:${doc}`, 50);
    await keeper.renewNow();
    for (const doc of docs) expect(await admin.pttl(`${PREFIX}lease:${doc}`)).toBeGreaterThan(5_000);
    expect(lost).toEqual([]);
  });

  it('re-takes leases Redis lost (restarted without persistence) on the next renewal', async () => {
    const doc = freshDoc();
    const a = await instance('a');
    const { keeper, lost } = keeperOf(a);
    expect(await keeper.take(doc)).toBe(true);
    await admin.del(`${PREFIX}lease:${doc}`);
    await keeper.renewNow();
    expect(await a.ownerOf(doc)).toBe('a');
    expect(lost).toEqual([]);
  });

  it('keeps its documents while Redis is unreachable, says so, and renews once Redis is back', async () => {
    const doc = freshDoc();
    const a = await instance('a', { viaProxy: true });
    const { keeper, lost, errors } = keeperOf(a);
    expect(await keeper.take(doc)).toBe(true);
    proxy.cutOff();
    await keeper.renewNow();
    expect(keeper.redisReachable).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(keeper.held.has(doc)).toBe(true);
    expect(lost).toEqual([]);

    proxy.restore();
    await ready(redisOf.get(a) as Redis);
    await keeper.renewNow();
    expect(keeper.redisReachable).toBe(true);
    expect(keeper.held.has(doc)).toBe(true);
    expect(await admin.get(`${PREFIX}lease:${doc}`)).toBe('a');
  });

  it('reports a lease lost when another instance took it while Redis was unreachable from the owner', async () => {
    const doc = freshDoc();
    const a = await instance('a', { viaProxy: true });
    const b = await instance('b');
    const { keeper, lost } = keeperOf(a);
    expect(await keeper.take(doc)).toBe(true);
    proxy.cutOff();
    await admin.del(`${PREFIX}lease:${doc}`); // a's lease lapsed while a could not renew it
    expect(await b.acquire(doc)).toBe(true);
    proxy.restore();
    await ready(redisOf.get(a) as Redis);
    await keeper.renewNow();
    expect(keeper.redisReachable).toBe(true);
    expect(lost).toEqual([doc]);
    expect(await b.ownerOf(doc)).toBe('b');
  });
});
