/**
 * `npm run bench:append`: what one group commit costs the store, per backend: appends of BATCH rows of
 * 40 bytes, one call each (as the room's flush makes them). PostgreSQL is measured when DATABASE_URL or
 * TEST_DATABASE_URL points at one (default postgres://postgres@127.0.0.1:5432/test), skipped otherwise.
 *
 *   npm run bench:append            BENCH_QUICK=1 for a smoke run
 */
import { openPostgresStore, openSqliteStore } from '../server/storage/sqlDocumentStore.js';
import { EventKind, type DocumentStore, type NewLogRow } from '../server/storage/types.js';
import { tempDataDir } from '../tests/helpers/server.js';
import { summarize } from './stats.js';

const BATCHES = process.env.BENCH_QUICK === '1' ? 20 : 300;
const SIZES = [1, 20, 100];
const POSTGRES_URL = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function rows(count: number): NewLogRow[] {
  return Array.from({ length: count }, () => ({
    update: new Uint8Array(40).fill(7),
    userId: 'bench-user',
    createdAt: Date.now(),
    meta: { kind: EventKind.edit, userName: 'Bench', userColor: null, inserted: 1, deleted: 0, sections: [] },
  }));
}

async function measure(label: string, store: DocumentStore): Promise<void> {
  for (const size of SIZES) {
    const doc = `bench-append-${size}-${Date.now().toString(36)}`;
    const samples: number[] = [];
    for (let i = 0; i < BATCHES; i++) {
      const batch = rows(size);
      const started = performance.now();
      await store.append(doc, batch);
      samples.push(performance.now() - started);
    }
    const s = summarize(samples);
    console.log(`| ${label} | ${size} | ${s.n} | ${s.p50.toFixed(2)} | ${s.p95.toFixed(2)} | ${s.p99.toFixed(2)} |`);
  }
}

console.log('| store | rows per append | n | p50 ms | p95 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
const sqlite = await openSqliteStore(tempDataDir('bench-append'));
await measure('sqlite', sqlite);
await sqlite.close();
let postgres: DocumentStore | null = null;
try {
  postgres = await openPostgresStore(POSTGRES_URL);
} catch (error) {
  console.log(`(PostgreSQL at ${POSTGRES_URL} unavailable, skipped: ${String(error)})`);
}
if (postgres) {
  await measure('postgres', postgres);
  await postgres.close();
}
