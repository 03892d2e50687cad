/** Server policies that are pure functions of their inputs: awareness ownership, rate limiting, config. */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../shared/auth.js';
import { admitAwarenessEntries, MAX_CLIENT_IDS_PER_CONNECTION } from '../../server/room/awarenessPolicy.js';
import { RateLimiter } from '../../server/rateLimiter.js';
import { ConfigError, loadConfig } from '../../server/config.js';

const ada: Identity = { userId: 'u-ada', name: 'Ada', color: '#e5484d', role: 'editor', doc: '*' };

describe('awareness admission', () => {
  const none = (): undefined => undefined;
  it('claims a fresh clientID and stamps the token’s identity over whatever the client claimed', () => {
    const result = admitAwarenessEntries(
      [{ clientId: 7, clock: 0, state: { user: { name: 'Grace', id: 'u-grace', color: '#000000' }, cursor: null } }],
      { id: 1, identity: ada, ownedCount: 0 },
      none,
      none,
      () => false,
      999,
      none,
    );
    expect(result.claimed).toEqual([7]);
    expect(result.accepted[0]?.state).toEqual({ user: { name: 'Ada', id: 'u-ada', color: '#e5484d' }, cursor: null });
  });
  it('refuses another connection’s clientID, the server’s, and unowned removals', () => {
    const result = admitAwarenessEntries(
      [
        { clientId: 7, clock: 5, state: { x: 1 } },
        { clientId: 999, clock: 1, state: { x: 1 } },
        { clientId: 8, clock: 1, state: null },
      ],
      { id: 1, identity: ada, ownedCount: 0 },
      (clientId) => (clientId === 7 ? 2 : undefined),
      none,
      () => false,
      999,
      none,
    );
    expect(result).toEqual({ accepted: [], claimed: [], refused: 3 });
  });
  it('ignores stale relays (clock not newer), which stock clients send for every state they see', () => {
    const result = admitAwarenessEntries(
      [{ clientId: 7, clock: 3, state: { x: 1 } }],
      { id: 1, identity: ada, ownedCount: 0 },
      none,
      () => 3,
      () => true,
      999,
      none,
    );
    expect(result).toEqual({ accepted: [], claimed: [], refused: 0 });
  });
  it('republishes a returning client’s unchanged state one clock later, so replicas that saw it leave accept it', () => {
    const result = admitAwarenessEntries(
      [{ clientId: 7, clock: 3, state: { x: 1 } }],
      { id: 1, identity: ada, ownedCount: 0 },
      none,
      () => 3,
      () => false,
      999,
      none,
    );
    expect(result.claimed).toEqual([7]);
    expect(result.accepted[0]?.clock).toBe(4);
  });
  it('does not let a connection that already owns an id reclaim a departed one with a relay', () => {
    const result = admitAwarenessEntries([{ clientId: 7, clock: 3, state: { x: 1 } }], { id: 1, identity: ada, ownedCount: 1 }, none, () => 3, () => false, 999, none);
    expect(result.accepted).toEqual([]);
  });
  it('refuses a clientID bound to another user, even one nobody holds now; a stale relay of it is dropped quietly', () => {
    const bob = (clientId: number): string | undefined => (clientId === 7 ? 'u-bob' : undefined);
    // Bob left: his id has no state and no owner. Ada re-sends it at the clock the room has (the
    // "returning client" shape): not hers to claim, so it is not republished.
    const returning = admitAwarenessEntries([{ clientId: 7, clock: 3, state: { x: 1 } }], { id: 1, identity: ada, ownedCount: 0 }, none, () => 3, () => false, 999, bob);
    expect(returning).toEqual({ accepted: [], claimed: [], refused: 0 });
    // At a newer clock (or for an id the room has never seen this session) it is refused outright.
    for (const knownClock of [() => 3, none]) {
      const newer = admitAwarenessEntries([{ clientId: 7, clock: 4, state: { x: 1 } }], { id: 1, identity: ada, ownedCount: 0 }, none, knownClock, () => false, 999, bob);
      expect(newer).toEqual({ accepted: [], claimed: [], refused: 1 });
    }
  });
  it('lets the user a clientID is bound to claim it again, the returning republish included', () => {
    const hers = (clientId: number): string | undefined => (clientId === 7 ? 'u-ada' : undefined);
    const returning = admitAwarenessEntries([{ clientId: 7, clock: 3, state: { x: 1 } }], { id: 2, identity: ada, ownedCount: 0 }, none, () => 3, () => false, 999, hers);
    expect(returning.claimed).toEqual([7]);
    expect(returning.accepted[0]?.clock).toBe(4);
    const fresh = admitAwarenessEntries([{ clientId: 7, clock: 0, state: { x: 1 } }], { id: 3, identity: ada, ownedCount: 0 }, none, none, () => false, 999, hers);
    expect(fresh.claimed).toEqual([7]);
  });
  it('caps how many clientIDs one connection may own', () => {
    const entries = Array.from({ length: MAX_CLIENT_IDS_PER_CONNECTION + 2 }, (_, i) => ({ clientId: 100 + i, clock: 0, state: {} }));
    const result = admitAwarenessEntries(entries, { id: 1, identity: ada, ownedCount: 0 }, none, none, () => false, 999, none);
    expect(result.claimed).toHaveLength(MAX_CLIENT_IDS_PER_CONNECTION);
    expect(result.refused).toBe(2);
  });
});

describe('RateLimiter', () => {
  it('allows the burst, then the sustained rate', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, () => now);
    expect(Array.from({ length: 6 }, () => limiter.take())).toEqual([true, true, true, true, true, false]);
    now += 100; // 0.1 s at 10/s refills one token
    expect(limiter.take()).toBe(true);
    expect(limiter.take()).toBe(false);
    now += 10_000;
    expect(Array.from({ length: 6 }, () => limiter.take()).filter(Boolean)).toHaveLength(5);
  });
});

describe('loadConfig', () => {
  const defaults = { staticDir: null };
  it('applies the documented defaults', () => {
    const config = loadConfig({}, defaults);
    expect(config).toMatchObject({ port: 1234, host: 'localhost', databaseUrl: null, redisUrl: null, authSecret: null, logLevel: 'info' });
    expect(config.dataDir.endsWith('data')).toBe(true);
  });
  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL/],
    [{ AUTH_SECRET: 'short' }, /AUTH_SECRET/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ HISTORY_RETENTION_DAYS: '-1' }, /HISTORY_RETENTION_DAYS/],
    [{ HISTORY_SNAPSHOT_EVERY_ROWS: 'often' }, /HISTORY_SNAPSHOT_EVERY_ROWS/],
  ])('refuses %j with a message naming the variable', (env, pattern) => {
    expect(() => loadConfig(env, defaults)).toThrow(ConfigError);
    expect(() => loadConfig(env, defaults)).toThrow(pattern);
  });
  it('never echoes credentials from a bad URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' }, defaults)).toThrow(/\*\*\*@/);
  });
  it('reads DOCUMENT_QUOTA_BYTES: 256 MiB by default, a whole number of bytes from 1 MiB up', () => {
    expect(loadConfig({}, defaults).documentQuotaBytes).toBe(256 * 1024 * 1024);
    expect(loadConfig({ DOCUMENT_QUOTA_BYTES: '  ' }, defaults).documentQuotaBytes).toBe(256 * 1024 * 1024);
    expect(loadConfig({ DOCUMENT_QUOTA_BYTES: '1048576' }, defaults).documentQuotaBytes).toBe(1024 * 1024);
    expect(loadConfig({ DOCUMENT_QUOTA_BYTES: ' 536870912 ' }, defaults).documentQuotaBytes).toBe(512 * 1024 * 1024);
    for (const nonsense of ['0', '-1', '1048575', '1.5e9', '2.5', '256MiB', 'lots', '0x10000000', '99999999999999999']) {
      expect(() => loadConfig({ DOCUMENT_QUOTA_BYTES: nonsense }, defaults), nonsense).toThrow(ConfigError);
      expect(() => loadConfig({ DOCUMENT_QUOTA_BYTES: nonsense }, defaults), nonsense).toThrow(/DOCUMENT_QUOTA_BYTES must be a whole number of bytes/);
    }
  });
});
