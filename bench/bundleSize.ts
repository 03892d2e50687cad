/**
 * `node --import tsx bench/bundleSize.ts`: the JavaScript a first visit downloads before the app runs
 * (gzipped), and the chunks loaded on demand, read from the built client in dist/client (built first if
 * missing).
 *
 * "Initial" is every script index.html loads: its module entry plus every `<link rel="modulepreload">`
 * (Vite lists an entry's static imports there), and, to be safe when a preload is missing, the static
 * imports found by following `import … from "./x.js"` in those chunks. Everything else under assets/ that
 * ends in .js is a lazy chunk. Sizes are of the `.gz` siblings the build writes (the bytes the server
 * sends), or gzip of the file when a sibling is missing.
 *
 * `node --import tsx bench/bundleSize.ts [distDir]` reads another build's output (e.g. one built with
 * `vite build --outDir`), so a before/after comparison need not touch the shared dist/client.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { REPO_ROOT } from '../tests/helpers/server.js';

const DEFAULT_DIST = path.join(REPO_ROOT, 'dist/client');

export interface BundleFigures {
  initialGzipKiB: number;
  lazyChunks: Array<{ name: string; gzipKiB: number }>;
}

function gzipBytes(file: string): number {
  const sibling = `${file}.gz`;
  if (fs.existsSync(sibling)) return fs.statSync(sibling).size;
  return zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
}

function ensureBuilt(dist: string): void {
  if (fs.existsSync(path.join(dist, 'index.html'))) return;
  if (dist !== DEFAULT_DIST) throw new Error(`${dist} has no index.html: build it first`);
  execFileSync('npm', ['run', 'build:client', '--silent'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The chunk paths (relative to dist/client) a script statically imports. */
function staticImportsOf(dist: string, file: string): string[] {
  const source = fs.readFileSync(path.join(dist, file), 'utf8');
  const found: string[] = [];
  // Static imports only: `import{…}from"./x.js"` and `import"./x.js"`; `import("./x.js")` is lazy.
  for (const match of source.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w${},*\s]+?\s*from\s*)?["'](\.\/[^"']+\.js)["']/g)) {
    found.push(path.posix.join(path.posix.dirname(file), match[1] as string));
  }
  return found;
}

export async function initialBundleFigures(dist: string = DEFAULT_DIST): Promise<BundleFigures> {
  ensureBuilt(dist);
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const roots = [...html.matchAll(/<(?:script[^>]*type="module"[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/?([^"]+\.js)"/g)].map((m) => m[1] as string);
  const initial = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (initial.has(file) || !fs.existsSync(path.join(dist, file))) continue;
    initial.add(file);
    pending.push(...staticImportsOf(dist, file));
  }
  const assets = fs.readdirSync(path.join(dist, 'assets')).filter((name) => name.endsWith('.js'));
  const kib = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;
  const initialBytes = [...initial].reduce((sum, file) => sum + gzipBytes(path.join(dist, file)), 0);
  const lazyChunks = assets
    .map((name) => `assets/${name}`)
    .filter((file) => !initial.has(file))
    .map((file) => ({ name: path.basename(file), gzipKiB: kib(gzipBytes(path.join(dist, file))) }))
    .sort((a, b) => b.gzipKiB - a.gzipKiB);
  return { initialGzipKiB: kib(initialBytes), lazyChunks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = process.argv[2] === undefined ? DEFAULT_DIST : path.resolve(process.argv[2]);
  console.log(JSON.stringify(await initialBundleFigures(dist), null, 2));
}
