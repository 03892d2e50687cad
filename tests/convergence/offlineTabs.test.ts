/**
 * Part 5 of the convergence issue: two tabs sharing one IndexedDB plus a third browser edit
 * offline, reload, reconnect — nothing lost, nothing duplicated. Scaled by CONVERGENCE_TAB_RUNS
 * (default 10) from CONVERGENCE_SEED.
 */
import { expect, test } from 'vitest';
import { runTabsScenario } from '../helpers/convergenceTabs.js';

const start = Number(process.env.CONVERGENCE_SEED ?? 1);
const runs = Number(process.env.CONVERGENCE_TAB_RUNS ?? 10);

test(`${runs} offline two-tab scenarios keep every edit exactly once`, async () => {
  const failures: string[] = [];
  let tokens = 0;
  for (let seed = start; seed < start + runs; seed++) {
    const result = await runTabsScenario(seed);
    tokens += result.tokens;
    if (result.problems.length > 0) {
      failures.push(
        `offline tabs failed for seed ${seed}:\n${result.problems.map((p) => `  - ${p.split('\n')[0]}`).join('\n')}\n` +
          `  replay: CONVERGENCE_SEED=${seed} CONVERGENCE_TAB_RUNS=1 npx vitest run --project convergence tests/convergence/offlineTabs.test.ts`,
      );
    }
  }
  console.info(`offline tabs summary: seeds=${runs} tokens=${tokens} failures=${failures.length}`);
  expect(failures, failures.join('\n\n')).toEqual([]);
});
