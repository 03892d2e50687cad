#!/usr/bin/env node
/**
 * Parallel convergence soak: runs the seeded scenarios of tests/convergence in worker processes
 * (one per core by default) and prints a summary. vitest runs one test file in one worker, so for
 * long soaks this is the way to use every core.
 *
 *   node scripts/soak.mjs                       # CONVERGENCE_RUNS (default 1000) seeds from CONVERGENCE_SEED (default 1)
 *   CONVERGENCE_RUNS=100000 CONVERGENCE_SOAK_WORKERS=2 node scripts/soak.mjs
 *   CONVERGENCE_SOAK_MINUTES=60 node scripts/soak.mjs   # stop starting new seeds after an hour
 *
 * Exit code 1 if any seed failed; each failure prints its replay command.
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const env = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
};

const start = env('CONVERGENCE_SEED', 1);
const runs = env('CONVERGENCE_RUNS', 1000);
const workers = Math.max(1, Math.min(runs, env('CONVERGENCE_SOAK_WORKERS', availableParallelism())));
const minutes = env('CONVERGENCE_SOAK_MINUTES', 0);
/** Seeds per child process before it is replaced: bounds any slow leak in a long soak. */
const CHUNK = 2000;

const workerFile = fileURLToPath(new URL('./soakWorker.mjs', import.meta.url));
const began = Date.now();
const deadline = minutes > 0 ? began + minutes * 60_000 : Infinity;
const totals = { seeds: 0, ops: 0, messages: 0, failures: 0 };
const known = new Map();
const failures = [];
let next = start;
const end = start + runs;

function takeChunk() {
  if (next >= end || Date.now() >= deadline) return null;
  const from = next;
  next = Math.min(end, next + CHUNK);
  return { from, to: next };
}

function runWorker() {
  return new Promise((resolve, reject) => {
    const chunk = takeChunk();
    if (!chunk) return resolve();
    const child = fork(workerFile, [String(chunk.from), String(chunk.to), String(deadline)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (msg) => {
      totals.seeds++;
      totals.ops += msg.ops;
      totals.messages += msg.messages;
      for (const id of msg.known) known.set(id, (known.get(id) ?? 0) + 1);
      if (msg.failure) {
        totals.failures++;
        failures.push(msg.failure);
        console.error(msg.failure);
      }
      if (totals.seeds % 1000 === 0) {
        const secs = (Date.now() - began) / 1000;
        console.info(`soak progress: ${totals.seeds} seeds, ${totals.failures} failures, ${(totals.seeds / secs).toFixed(1)} seeds/s`);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`soak worker exited with ${code} (seeds ${chunk.from}..${chunk.to - 1})`));
      resolve(runWorker());
    });
  });
}

await Promise.all(Array.from({ length: workers }, runWorker));
const seconds = (Date.now() - began) / 1000;
const knownText = [...known].map(([id, n]) => `${id}×${n}`).join(', ') || 'none';
console.info(
  `soak summary: seeds=${totals.seeds} (from ${start}) ops=${totals.ops} messages=${totals.messages} ` +
    `failures=${totals.failures} known-upstream=${knownText} workers=${workers} time=${seconds.toFixed(0)}s ` +
    `rate=${(totals.seeds / seconds).toFixed(1)} seeds/s`,
);
process.exit(totals.failures > 0 ? 1 : 0);
