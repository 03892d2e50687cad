#!/usr/bin/env node
/**
 * The server's folders are layers: a module imports only from its own folder or from a layer below it.
 * Listed top to bottom; a new folder or root file must be placed here (the check fails otherwise).
 * Run by `npm run lint`. Exit code 1 lists every import that goes sideways or up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LAYERS = [
  ['main.ts'],
  ['app.ts'],
  ['config.ts'],
  // Entry points for the network: WebSocket admission and HTTP routes.
  ['transport/', 'api/'],
  ['accounts/'],
  ['room/'],
  ['history/', 'locks/', 'cluster/'],
  ['integrity/', 'peers/'],
  ['storage/', 'auth/', 'http/'],
  // Leaves every layer may use.
  ['log.ts', 'metrics.ts', 'configError.ts', 'rateLimiter.ts'],
  // What each metric is; metrics.ts reads it.
  ['metricsCatalog.ts'],
];

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../server');

/** The unit a server-relative path belongs to (its top folder, or the root file) and that unit's layer. */
function placeOf(relative) {
  const unit = relative.includes('/') ? `${relative.split('/')[0]}/` : relative;
  const layer = LAYERS.findIndex((units) => units.includes(unit));
  return { unit, layer };
}

function* sourceFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts')) yield full;
  }
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.[^']+)'/g;
const problems = [];
for (const file of sourceFiles(serverDir)) {
  const relative = path.relative(serverDir, file).split(path.sep).join('/');
  const from = placeOf(relative);
  if (from.layer === -1) {
    problems.push(`${relative}: ${from.unit} is in no layer (add it to scripts/checkLayers.mjs)`);
    continue;
  }
  for (const [, specifier] of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const target = path.relative(serverDir, path.resolve(path.dirname(file), specifier)).split(path.sep).join('/');
    if (target.startsWith('..')) continue; // shared/ and packages sit below every layer
    const to = placeOf(target.replace(/\.js$/, '.ts'));
    if (to.unit === from.unit) continue;
    if (to.layer === -1 || to.layer <= from.layer) problems.push(`server/${relative} imports ${specifier}: ${from.unit} may not import ${to.unit} (same layer or above)`);
  }
}

if (problems.length > 0) {
  console.error(`Layer violations (scripts/checkLayers.mjs lists the layers):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`server layers: ${LAYERS.map((units) => units.join(' ')).join(' > ')}: no upward or sideways imports`);
