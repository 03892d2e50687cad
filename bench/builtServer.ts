/**
 * The benchmarks run the compiled server, as `npm start` does (node on dist/server, no tsx loader thread
 * and its memory), so what they measure is what an operator runs.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../tests/helpers/server.js';

/** Compiles `root`'s server into its dist/server (`npm run build:server`); throws when it does not compile. */
export function buildServer(root = REPO_ROOT): void {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'server/tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
}
