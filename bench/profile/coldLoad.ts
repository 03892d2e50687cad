/**
 * Where a cold room load's time goes (issue #12 item 3): stores the automerge-paper trace's final state with
 * its history as one document, then, in a fresh process (cold JIT, as after a restart), loads it through a
 * Room and times each phase with the Room's own parts.
 *
 *   node --import tsx bench/profile/coldLoad.ts
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';

const dataDir = process.env.COLD_DATA_DIR;
const { openSqliteStore } = await import('../../server/storage/sqlDocumentStore.js');
if (!dataDir) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-cold-'));
  const { loadSequentialTrace, replayTrace } = await import('../../tests/helpers/traces.js');
  const doc = new Y.Doc();
  replayTrace(loadSequentialTrace('automerge-paper'), doc);
  const state = Y.encodeStateAsUpdate(doc);
  const store = await openSqliteStore(dir);
  await store.append('paper', [{ update: state, userId: null, createdAt: Date.now(), meta: null } as never]);
  await store.close();
  console.log(`stored ${(state.length / 1024).toFixed(0)} KiB`);
  for (const mode of ['room', 'phases', 'room', 'phases']) {
    execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env: { ...process.env, COLD_DATA_DIR: dir, COLD_MODE: mode }, stdio: 'inherit' });
  }
} else {
  const { Room } = await import('../../server/room/room.js');
  const { Metrics } = await import('../../server/metrics.js');
  const { loggerOver } = await import('../../server/log.js');
  const { findViolations } = await import('../../server/integrity/documentCheck.js');
  if (process.env.COLD_MODE === 'room') {
    const store = await openSqliteStore(dataDir);
    const room = new Room('paper', { store, logger: loggerOver(() => undefined), metrics: new Metrics(), onIdle: () => undefined });
    const started = performance.now();
    await room.load();
    console.log(`cold Room.load ${(performance.now() - started).toFixed(1)} ms`);
    room.destroy();
    await store.close();
    process.exit(0);
  }
  const t0 = performance.now();
  const store = await openSqliteStore(dataDir);
  const t1 = performance.now();
  const stored = await store.load('paper');
  const t2 = performance.now();
  const probe = new Y.Doc();
  for (const row of stored.rows) Y.applyUpdate(probe, row.update);
  const t3 = performance.now();
  findViolations(probe);
  const t4 = performance.now();
  const room = new Room('paper', { store, logger: loggerOver(() => undefined), metrics: new Metrics(), onIdle: () => undefined });
  const t5 = performance.now();
  await room.load();
  const t6 = performance.now();
  console.log(
    `open store ${(t1 - t0).toFixed(1)} ms · store.load ${(t2 - t1).toFixed(1)} · apply ${(t3 - t2).toFixed(1)} · findViolations ${(t4 - t3).toFixed(1)} · Room.load (warm after the above) ${(t6 - t5).toFixed(1)} ms`,
  );
  room.destroy();
  await store.close();
}
