/**
 * The authors-per-document ramp alone (bench/scenarios/authorsPerDocument.ts), against Tandem only, for a
 * quick before/after of one change:
 *
 *   RAMP=100,200,300,400 STEP_MS=8000 BENCH_SEED=1 node --import tsx bench/profile/authorsRamp.ts
 *   TANDEM_ROOT=/path/to/other/checkout …   that checkout's server instead (its own node_modules)
 */
import { editorToken } from '../../tests/helpers/clients.js';
import { REPO_ROOT, spawnServer, tempDataDir } from '../../tests/helpers/server.js';
import { buildServer } from '../builtServer.js';
import { authorsPerDocument } from '../scenarios/authorsPerDocument.js';

const RAMP = (process.env.RAMP ?? '100,200,300,400').split(',').map(Number);
const STEP_MS = Number(process.env.STEP_MS ?? 8000);
const SEED = Number(process.env.BENCH_SEED ?? 1);

const env = { MAX_CONNECTIONS_PER_ADDRESS: '1000000', MAX_UNAUTHENTICATED_CONNECTIONS: '1000000', MAX_UNAUTHENTICATED_PER_ADDRESS: '999999' };
buildServer(process.env.TANDEM_ROOT ?? REPO_ROOT);
const proc = await spawnServer({ dataDir: tempDataDir('authors'), built: true, env, ...(process.env.TANDEM_ROOT ? { root: process.env.TANDEM_ROOT } : {}) });
try {
  const result = await authorsPerDocument({ url: proc.url, pid: proc.child.pid as number, token: await editorToken('Bench') }, RAMP, STEP_MS, SEED);
  console.table(result.steps);
  console.log(`largest N with p99 < 250 ms: ${result.maxAuthors} (seed ${result.seed})`);
} finally {
  proc.child.kill('SIGTERM');
  await proc.exited;
}
