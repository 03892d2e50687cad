/**
 * The suite must be able to fail: with the resync after a lost message switched off (a provider
 * that silently drops a frame), scenarios must diverge and the report must carry a replayable seed.
 */
import { expect, test } from 'vitest';
import { describeFailure, runScenario, scenarioConfig } from '../helpers/convergenceScenario.js';

test('dropping a message without the reconnect handshake is caught, with a replay command', async () => {
  let caught: string | null = null;
  // Only seeds whose network loses messages can show it; look at the first few of those.
  for (let seed = 1; seed < 400 && caught === null; seed++) {
    if (scenarioConfig(seed).profile.lossRate === 0) continue;
    const result = await runScenario(seed, { dropWithoutResync: true });
    if (result.failures.length > 0) caught = describeFailure(result);
  }
  expect(caught).not.toBeNull();
  expect(caught).toMatch(/state vectors differ|pending structs|ProseMirror JSON differs/);
  expect(caught).toMatch(/replay: CONVERGENCE_SABOTAGE=drop-without-resync CONVERGENCE_SEED=\d+ CONVERGENCE_RUNS=1 npx vitest run --project convergence/);
});
