/**
 * `npm run bench:typing`: key-to-paint latency while typing in Chromium, in a ~200-page document and in a
 * one-page one, with the built client against a real server.
 *
 *   npm run bench:typing                                  this checkout
 *   TYPING_COMPARE=66df02e npm run bench:typing           also an older commit (built in a git worktree
 *                                                          under the system temp dir), rounds alternated
 *   TYPING_KEYS=300 TYPING_ROUNDS=3                       keys per round, rounds per build
 *   TYPING_SKIP_CURRENT=1                                 only the TYPING_COMPARE build
 *   TYPING_PROFILE=1                                      also print the functions with the most self time
 *                                                          while typing in the big document (CPU profile)
 *   TYPING_TRACE=1                                        also print the renderer's own work per key in the big
 *                                                          document (Chromium trace events, self time): what the
 *                                                          CPU profile lumps together as "(program)"
 *
 * The document is opened with a host-application token (localStorage `tandem.session`), a path every
 * version of the client keeps. Each key is measured in the page: from the keydown event's timestamp to
 * the first task after the next animation frame (the frame that shows the character has been produced);
 * the next key is pressed only once that measurement is in.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type CDPSession } from 'playwright-core';
import * as Y from 'yjs';
import { DOCUMENT_FRAGMENT } from '../shared/editor/extensions.js';
import { connectClient, hostSession, waitSynced } from '../tests/helpers/clients.js';
import { REPO_ROOT, spawnServer, tempDataDir } from '../tests/helpers/server.js';
import { waitUntil } from '../tests/helpers/wait.js';
import { summarize } from './stats.js';

const KEYS = Number(process.env.TYPING_KEYS ?? 300);
const ROUNDS = Number(process.env.TYPING_ROUNDS ?? 3);
const COMPARE = process.env.TYPING_COMPARE ?? null;
const PROFILE = process.env.TYPING_PROFILE === '1';
const TRACE = process.env.TYPING_TRACE === '1';
/** ~200 pages: 1,700 paragraphs of ~60 words (~100,000 words), a heading every 30 paragraphs. */
const BIG_PARAGRAPHS = 1700;
const WORDS = 'the quick collaborative editor merges every change without losing a single keystroke while people type'.split(' ');

interface Build {
  label: string;
  root: string;
}

function paragraph(index: number): Y.XmlElement {
  const element = new Y.XmlElement('paragraph');
  const words = Array.from({ length: 60 }, (_, i) => WORDS[(index * 7 + i) % WORDS.length]);
  element.insert(0, [new Y.XmlText(`${index}: ${words.join(' ')}`)]);
  return element;
}

function heading(index: number): Y.XmlElement {
  const element = new Y.XmlElement('heading');
  element.setAttribute('level', 2 as unknown as string);
  element.setAttribute('sectionId', `bench-${index}`);
  element.insert(0, [new Y.XmlText(`Section ${index}`)]);
  return element;
}

/** Writes the document through a stock provider and waits until a second client reads it back (stored). */
async function seed(url: string, docName: string, paragraphs: number): Promise<void> {
  const { token } = await hostSession('Seeder');
  const writer = connectClient(url, docName, token);
  await waitSynced(writer);
  const fragment = writer.doc.getXmlFragment(DOCUMENT_FRAGMENT);
  for (let start = 0; start < paragraphs; start += 100) {
    writer.doc.transact(() => {
      const blocks: Y.XmlElement[] = [];
      for (let i = start; i < Math.min(paragraphs, start + 100); i++) {
        if (i % 30 === 0) blocks.push(heading(i / 30));
        blocks.push(paragraph(i));
      }
      fragment.insert(fragment.length, blocks);
    });
  }
  const reader = connectClient(url, docName, token);
  await waitSynced(reader);
  await waitUntil(() => reader.doc.getXmlFragment(DOCUMENT_FRAGMENT).length === fragment.length, [[reader.doc, 'update']], 'the seeded document read back', 120_000);
  reader.destroy();
  writer.destroy();
}

function buildClient(root: string): void {
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn', ...(PROFILE ? ['--minify', 'false'] : [])], { cwd: root, stdio: 'inherit' });
}

function worktreeOf(ref: string): string {
  const dir = path.join(os.tmpdir(), `tandem-bench-${ref}`);
  if (!fs.existsSync(dir)) {
    execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: REPO_ROOT, stdio: 'ignore' });
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  }
  return dir;
}

async function measure(browser: Browser, build: Build, paragraphs: number, keys = KEYS): Promise<number[]> {
  const server = await spawnServer({ dataDir: tempDataDir('typing'), root: build.root, env: { STATIC_DIR: path.join(build.root, 'dist/client'), MAX_CONNECTIONS_PER_ADDRESS: '100000' } });
  try {
    const docName = `typing-${paragraphs}-${Date.now()}`;
    await seed(server.url, docName, paragraphs);
    const session = await hostSession('Typist');
    const context = await browser.newContext();
    await context.addInitScript(
      ([identity, stored]) => {
        localStorage.setItem('tandem.identity', identity);
        localStorage.setItem('tandem.session', stored);
      },
      [JSON.stringify({ name: 'Typist', color: session.user.color }), JSON.stringify({ ...session, expiresAt: Math.floor(Date.now() / 1000) + 3600 })] as const,
    );
    const page = await context.newPage();
    await page.goto(`${server.url}/d/${docName}`);
    const middle = Math.floor(paragraphs / 2);
    const target = page.locator('.ProseMirror p', { hasText: `${middle}: ` }).first();
    await target.waitFor({ timeout: 120_000 });
    await target.scrollIntoViewIfNeeded();
    await target.click();
    await page.evaluate(() => {
      const samples: number[] = [];
      (window as unknown as { __typing: number[] }).__typing = samples;
      document.addEventListener(
        'keydown',
        (event) => {
          const started = event.timeStamp;
          requestAnimationFrame(() => {
            const channel = new MessageChannel();
            channel.port1.onmessage = () => samples.push(performance.now() - started);
            channel.port2.postMessage(null);
          });
        },
        { capture: true },
      );
    });
    const profiler = PROFILE && paragraphs === BIG_PARAGRAPHS ? await context.newCDPSession(page) : null;
    await profiler?.send('Profiler.enable');
    await profiler?.send('Performance.enable');
    const before = profiler ? await rendererMetrics(profiler) : null;
    await profiler?.send('Profiler.start');
    const tracing = TRACE && paragraphs === BIG_PARAGRAPHS;
    if (tracing) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
    for (let key = 0; key < keys; key++) {
      await page.keyboard.press(key % 12 === 11 ? 'Space' : 'KeyA');
      await page.waitForFunction((count) => (window as unknown as { __typing: number[] }).__typing.length > count, key);
    }
    if (tracing) printTraceSelfTime(JSON.parse((await browser.stopTracing()).toString()) as TraceFile, build.label, keys);
    if (profiler && before) {
      printHottest((await profiler.send('Profiler.stop')).profile, build.label);
      printMetricsPerKey(before, await rendererMetrics(profiler), build.label);
    }
    const samples = await page.evaluate(() => (window as unknown as { __typing: number[] }).__typing);
    await context.close();
    return samples;
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number }>;
}

type Metrics = Map<string, number>;

async function rendererMetrics(cdp: CDPSession): Promise<Metrics> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return new Map(metrics.map(({ name, value }) => [name, value]));
}

/** Where the renderer's time went, per key: style, layout, script (seconds are turned into ms). */
function printMetricsPerKey(before: Metrics, after: Metrics, label: string): void {
  const names = ['TaskDuration', 'ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration', 'RecalcStyleCount', 'LayoutCount', 'Nodes'];
  console.log(`renderer per key, ${label}:`);
  for (const name of names) {
    const delta = ((after.get(name) ?? 0) - (before.get(name) ?? 0)) / KEYS;
    const shown = name.endsWith('Duration') ? `${(delta * 1000).toFixed(2)} ms` : name === 'Nodes' ? `${after.get(name)} (total)` : delta.toFixed(2);
    console.log(`  ${name.padEnd(20)} ${shown}`);
  }
}

/** Self time per function, summed over the profile's samples (builds are minified: names are short). */
function printHottest(profile: CpuProfile, label: string): void {
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${path.basename(url)}:${lineNumber + 1}:${columnNumber + 1}`;
    hits.set(name, (hits.get(name) ?? 0) + (node.hitCount ?? 0));
    total += node.hitCount ?? 0;
  }
  console.log(`\nself time while typing, ${label} (top 25 of ${total} samples)`);
  for (const [name, count] of [...hits].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${name}`);
}

const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'toplevel', 'v8'];

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}
type TraceFile = { traceEvents: TraceEvent[] } | TraceEvent[];

/** Self time per trace event on the page's main thread, in ms per key: nested events are subtracted from
 *  their parent, so "FunctionCall" is script and e.g. "Editor::SyncSelection" is Blink's own work. */
function printTraceSelfTime(trace: TraceFile, label: string, keys: number): void {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const mainThreads = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const self = new Map<string, number>();
  for (const thread of mainThreads) {
    const complete = events.filter((e) => e.ph === 'X' && e.dur !== undefined && `${e.pid}:${e.tid}` === thread);
    complete.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const open: TraceEvent[] = [];
    for (const event of complete) {
      while (open.length > 0 && (open.at(-1) as TraceEvent).ts + ((open.at(-1) as TraceEvent).dur ?? 0) <= event.ts) open.pop();
      const parent = open.at(-1);
      if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - (event.dur ?? 0));
      self.set(event.name, (self.get(event.name) ?? 0) + (event.dur ?? 0));
      open.push(event);
    }
  }
  console.log(`\nrenderer main thread while typing, ${label}: self time per key (top 15)`);
  for (const [name, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(micros / 1000 / keys).toFixed(2).padStart(8)} ms  ${name}`);
}

function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Key → paint p50/p99 in the ~200-page and the one-page document, for `npm run bench`'s table (built client
 *  of this checkout; built first if dist/client is missing). Tiny: a few keys in a ~20-page document, to
 *  prove the path works inside `npm test`; its numbers mean nothing. */
export async function typingFigures(options: { tiny: boolean }): Promise<{ smallP50Ms: number; bigP50Ms: number; smallP99Ms: number; bigP99Ms: number }> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist/client/index.html'))) buildClient(REPO_ROOT);
  const build: Build = { label: 'this checkout', root: REPO_ROOT };
  const [keys, paragraphs, rounds] = options.tiny ? [10, 170, 1] : [KEYS, BIG_PARAGRAPHS, ROUNDS];
  const browser = await launchBrowser();
  const big: number[] = [];
  const small: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      big.push(...(await measure(browser, build, paragraphs, keys)));
      small.push(...(await measure(browser, build, 20, keys)));
    }
  } finally {
    await browser.close();
  }
  const [b, s] = [summarize(big), summarize(small)];
  return { smallP50Ms: s.p50, bigP50Ms: b.p50, smallP99Ms: s.p99, bigP99Ms: b.p99 };
}

export async function typingBench(): Promise<void> {
  const builds: Build[] = process.env.TYPING_SKIP_CURRENT === '1' ? [] : [{ label: 'this checkout', root: REPO_ROOT }];
  if (COMPARE) builds.push({ label: COMPARE, root: worktreeOf(COMPARE) });
  for (const build of builds) {
    console.log(`building the client of ${build.label}…`);
    buildClient(build.root);
  }
  const browser = await launchBrowser();
  const results = new Map<string, { big: number[]; small: number[] }>(builds.map((build) => [build.label, { big: [], small: [] }]));
  try {
    // Rounds alternate between builds, so background load affects both alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const build of builds) {
        const result = results.get(build.label) as { big: number[]; small: number[] };
        result.big.push(...(await measure(browser, build, BIG_PARAGRAPHS)));
        result.small.push(...(await measure(browser, build, 20)));
        console.log(`round ${round + 1}/${ROUNDS} done for ${build.label}`);
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`\nkey → paint in Chromium (ms), ${KEYS} keys × ${ROUNDS} rounds per cell`);
  console.log('| build | document | p50 | p95 | p99 |\n|---|---|---:|---:|---:|');
  for (const [label, { big, small }] of results) {
    for (const [name, samples] of [['~200 pages', big], ['1 page', small]] as const) {
      const s = summarize(samples);
      console.log(`| ${label} | ${name} | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.p99.toFixed(1)} |`);
    }
  }
  if (COMPARE) {
    const now = summarize(results.get('this checkout')?.big ?? []).p50;
    const then = summarize(results.get(COMPARE)?.big ?? []).p50;
    console.log(`\n~200 pages, p50: this checkout / ${COMPARE} = ${(now / then).toFixed(2)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await typingBench();
