/**
 * One soak worker (started by scripts/soak.mjs with `--import tsx`): runs seeds [from, to) and
 * reports each result to the parent over IPC.
 */
import { describeFailure, overridesFromEnv, runScenario } from '../tests/helpers/convergenceScenario.ts';

const [from, to, deadline] = process.argv.slice(2).map(Number);
const overrides = overridesFromEnv();
// Upstream libraries log caught errors (y-protocols) and warnings (ProseMirror) per occurrence;
// the results carry them, so the soak's output stays the summary and the failures.
console.warn = () => {};
const report = console.error;
console.error = () => {};

for (let seed = from; seed < to && Date.now() < deadline; seed++) {
  const result = await runScenario(seed, overrides);
  const failure = result.failures.length > 0 ? describeFailure(result) : null;
  await new Promise((resolve) => process.send({ ops: result.ops, messages: result.messages, known: result.known.map((k) => k.id), failure }, resolve));
}
console.error = report;
process.exit(0);
