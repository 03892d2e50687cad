/**
 * Seeded randomized convergence: CONVERGENCE_RUNS scenarios (default 60) from CONVERGENCE_SEED
 * (default 1). Each seed is one scenario of K real Tiptap editors syncing through a faulty
 * in-memory y-protocols network; see tests/helpers/convergenceScenario.ts.
 */
import { expect, test } from 'vitest';
import { runRange } from '../helpers/convergenceEnv.js';
import { describeFailure, overridesFromEnv, runScenario } from '../helpers/convergenceScenario.js';

const { start, runs } = runRange(60);
const overrides = overridesFromEnv();

test(`${runs} seeded scenarios from seed ${start} converge`, async () => {
  const failures: string[] = [];
  const known = new Map<string, number[]>();
  let ops = 0;
  let messages = 0;
  let ran = 0;
  const began = performance.now();
  for (let seed = start; seed < start + runs; seed++) {
    const result = await runScenario(seed, overrides);
    ran++;
    ops += result.ops;
    messages += result.messages;
    for (const { id } of result.known) known.set(id, [...(known.get(id) ?? []), seed]);
    if (result.failures.length > 0) {
      const report = describeFailure(result);
      console.error(report);
      failures.push(report);
      // A few reports are enough to act on; more would only bury them.
      if (failures.length >= 5) break;
    }
  }
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  const knownText = [...known].map(([id, seeds]) => `${id}×${new Set(seeds).size} (e.g. seed ${seeds[0]})`).join(', ') || 'none';
  console.info(
    `convergence summary: seeds=${ran} (${start}..${start + ran - 1}) ops=${ops} messages=${messages} ` +
      `failures=${failures.length} known-upstream=${knownText} time=${seconds}s`,
  );
  expect(failures, failures.join('\n\n')).toEqual([]);
});
