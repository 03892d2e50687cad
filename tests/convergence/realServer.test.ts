/**
 * Part 4 of the convergence issue, through the real server: stock WebsocketProviders behind a
 * fault-injecting relay, the server SIGKILLed and restarted mid-run (tests/helpers/convergenceRealServer.ts).
 * CONVERGENCE_REAL_RUNS scenarios (default 2; each spawns the server three times) from CONVERGENCE_SEED.
 * CONVERGENCE_SABOTAGE=blackhole-without-reset makes black holes lose frames silently on a connection
 * that stays open (no real socket does that): the run must then fail with a replay command.
 */
import { expect, test } from 'vitest';
import { describeRealServerFailure, realServerOverridesFromEnv, runRealServerScenario } from '../helpers/convergenceRealServer.js';

const start = Number(process.env.CONVERGENCE_SEED ?? 1);
const runs = Number(process.env.CONVERGENCE_REAL_RUNS ?? 2);
const overrides = realServerOverridesFromEnv();

test(`${runs} real-server scenarios under relay faults and kill -9 converge with nothing lost`, async () => {
  const failures: string[] = [];
  const totals = { edits: 0, received: 0, resets: 0, blackholes: 0, cuts: 0, refusedCuts: 0 };
  const began = performance.now();
  for (let seed = start; seed < start + runs; seed++) {
    const result = await runRealServerScenario(seed, overrides);
    totals.edits += result.edits;
    totals.received += result.received;
    totals.resets += result.relay.resets;
    totals.blackholes += result.relay.blackholes;
    totals.cuts += result.relay.cuts;
    totals.refusedCuts += result.relay.cutCloseCodes.filter((code) => code === 4400).length;
    if (result.problems.length > 0) {
      const report = describeRealServerFailure(result);
      console.error(report);
      failures.push(report);
    }
  }
  console.info(
    `real-server summary: seeds=${runs} (${start}..${start + runs - 1}) edits=${totals.edits} received=${totals.received} ` +
      `resets=${totals.resets} blackholes=${totals.blackholes} cuts=${totals.cuts} (refused 4400: ${totals.refusedCuts}) ` +
      `failures=${failures.length} time=${((performance.now() - began) / 1000).toFixed(1)}s`,
  );
  expect(failures, failures.join('\n\n')).toEqual([]);
  // The server must have had the chance to refuse at least one truncated frame with 4400.
  expect(totals.refusedCuts).toBeGreaterThan(0);
}, 60_000 + runs * 30_000);
