/** Reads the knobs that scale and aim the randomized suites (see tests/convergence/README.md). */

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

export interface RunRange {
  /** First seed. */
  start: number;
  /** Number of consecutive seeds. */
  runs: number;
}

/** `CONVERGENCE_SEED` (default `defaultStart`) and `CONVERGENCE_RUNS` (default `defaultRuns`). */
export function runRange(defaultRuns: number, defaultStart = 1): RunRange {
  return { start: intFromEnv('CONVERGENCE_SEED', defaultStart), runs: intFromEnv('CONVERGENCE_RUNS', defaultRuns) };
}
