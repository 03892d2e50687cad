/** Per-test resource scope for integration tests: servers and clients started through it are closed after
 *  each test, newest first, whatever the test's outcome. Call `testScope()` once at a test file's top level. */
import { afterEach } from 'vitest';
import type { TandemServer } from '../../server/app.js';
import { connectClient, type TestClient } from './clients.js';
import { startTestServer } from './server.js';

export interface TestScope {
  /** Runs `cleanup` after the current test. */
  defer(cleanup: () => Promise<void> | void): void;
  server(...args: Parameters<typeof startTestServer>): Promise<TandemServer>;
  client(...args: Parameters<typeof connectClient>): TestClient;
}

export function testScope(): TestScope {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()?.();
  });
  return {
    defer: (cleanup) => void cleanups.push(cleanup),
    async server(...args) {
      const started = await startTestServer(...args);
      cleanups.push(() => started.close());
      return started;
    },
    client(...args) {
      const created = connectClient(...args);
      cleanups.push(() => created.destroy());
      return created;
    },
  };
}
