/** Access to PostgreSQL and Redis for tests. Under REQUIRE_SERVICES=1 (CI) a missing service fails the
 *  suite; elsewhere the suite is skipped with a loud message. */
import { Redis } from 'ioredis';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const servicesRequired = process.env.REQUIRE_SERVICES === '1';

export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but PostgreSQL at ${TEST_DATABASE_URL} is unreachable: ${String(error)}`);
    console.warn(`\n*** PostgreSQL at ${TEST_DATABASE_URL} is unreachable: PostgreSQL tests are SKIPPED ***\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function redisAvailable(): Promise<boolean> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch (error) {
    if (servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but Redis at ${TEST_REDIS_URL} is unreachable: ${String(error)}`);
    console.warn(`\n*** Redis at ${TEST_REDIS_URL} is unreachable: Redis tests are SKIPPED ***\n`);
    return false;
  } finally {
    redis.disconnect();
  }
}

/** A document name no other run uses, since the test database is shared between runs. */
export function uniqueDocName(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
