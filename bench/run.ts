/**
 * `npm run bench`: Tandem against the stock y-websocket server (@y/websocket-server 0.1.1) in the same run,
 * same machine, same client load. Each server runs in its own process; the load (stock WebsocketProviders)
 * runs here. Prints one table; numbers, no pass/fail.
 *
 *   BENCH_QUICK=1 npm run bench     smaller load, a few minutes
 *   BENCH_TINY=1                     smallest load, for tests/integration/bench.test.ts
 *   BENCH_WRITE=path                 also write the markdown report (+ .svg) there (full mode: docs/benchmarks.md)
 *
 * Every client types editor-shaped content (text in one shared paragraph of the `default` XmlFragment),
 * as the editor does: what Tandem's server admits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as Y from 'yjs';
import { connectClient, editorToken, sharedBodyTexts, type TestClient, waitSynced } from '../tests/helpers/clients.js';
import { REPO_ROOT, spawnServer, tempDataDir } from '../tests/helpers/server.js';
import { buildServer } from './builtServer.js';
import { waitUntil } from '../tests/helpers/wait.js';
import { barChart, machine, markdownTable, ratio, type Row } from './report.js';
import { cpuSeconds, rssMiB, summarize } from './stats.js';
import { loadSequentialTrace, replayTrace } from '../tests/helpers/traces.js';
import { documentText } from '../tests/helpers/yBlocks.js';
import { idleConnections, type IdleConnectionsResult } from './scenarios/idleConnections.js';
import { authorsPerDocument, type AuthorsResult, P99_LIMIT_MS } from './scenarios/authorsPerDocument.js';
import { observeEditTokens, typeTokens } from './editTokens.js';
import { listeningUrl } from './listeningUrl.js';

// Every stock WebsocketProvider in Node adds a process 'exit' listener; the bench runs dozens.
process.setMaxListeners(0);

/** full (`npm run bench`), quick (`BENCH_QUICK=1`, a few minutes), tiny (`BENCH_TINY=1`, tests/integration/bench.test.ts). */
const SIZE: 'full' | 'quick' | 'tiny' = process.env.BENCH_TINY === '1' ? 'tiny' : process.env.BENCH_QUICK === '1' ? 'quick' : 'full';
const pick = <T>(full: T, quick: T, tiny: T): T => (SIZE === 'full' ? full : SIZE === 'quick' ? quick : tiny);
const FANOUT_READERS = pick(50, 10, 3);
const FANOUT_EDITS = pick(500, 100, 20);
const EDIT_HZ = 50;
/** The headline of issue #12: documents × clients, a few writers per document at 10 edits/s, the rest listen. */
const LOAD_DOCS = pick(4, 2, 2);
const LOAD_CLIENTS = pick(100, 30, 4);
const LOAD_WRITERS = pick(5, 5, 2);
const LOAD_SECONDS = pick(10, 5, 2);
const LOAD_HZ = 10;
const COLD_CLIENTS = pick(20, 5, 2);
/** Issue #12 item 4: mostly idle connections, each renewing its awareness state. */
const IDLE = pick({ connections: 10_000, documents: 100, renewMs: 15_000 }, { connections: 2_000, documents: 20, renewMs: 15_000 }, { connections: 50, documents: 5, renewMs: 1_000 });
/** Where the markdown report goes: docs/benchmarks.md in full mode, else only when asked. */
/** Issue #12 item 5: authors typing into one document, ramped; seeded (BENCH_SEED to replay). */
const AUTHORS_RAMP = pick([10, 25, 50, 100, 200, 400, 800], [10, 25, 50, 100], [2, 4]);
const AUTHORS_STEP_MS = pick(8_000, 8_000, 2_000);
const AUTHORS_SEED = Number(process.env.BENCH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REPORT_PATH = process.env.BENCH_WRITE ?? (SIZE === 'full' ? path.join(REPO_ROOT, 'docs/benchmarks.md') : undefined);
const TRACE = 'automerge-paper';

interface Server {
  kind: 'tandem' | 'y-websocket';
  url: string;
  pid: number;
  token: string;
  stop(): Promise<void>;
  restart?(): Promise<Server>;
  /** Event-loop delay p99 (ms) since the previous call; the first call starts the window. */
  eventLoopLagP99Ms(): Promise<number>;
  /** Mean server-side document load time (ms) since start, when the server measures it. */
  roomLoadMs?(): Promise<number>;
}

async function launchTandem(dataDir = tempDataDir('bench')): Promise<Server> {
  // The benchmarks open far more connections from one address than any office (server/http/httpSettings.ts).
  const proc = await spawnServer({ dataDir, built: true, env: { MAX_CONNECTIONS_PER_ADDRESS: '1000000', MAX_UNAUTHENTICATED_CONNECTIONS: '1000000', MAX_UNAUTHENTICATED_PER_ADDRESS: '999999' } });
  const token = await editorToken('Bench');
  const stop = async (): Promise<void> => {
    proc.child.kill('SIGTERM');
    await proc.exited;
  };
  const metric = async (name: string): Promise<number> => {
    const body = await (await fetch(`${proc.url}/metrics`)).text();
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$`, 'm').exec(body);
    return match ? Number(match[1]) : Number.NaN;
  };
  return {
    kind: 'tandem',
    url: proc.url,
    pid: proc.child.pid as number,
    token,
    stop,
    restart: async () => (await stop(), launchTandem(dataDir)),
    // The gauges cover the time since the previous scrape (server/metricsCatalog.ts).
    eventLoopLagP99Ms: async () => (await metric('tandem_eventloop_lag_p99_seconds')) * 1000,
    roomLoadMs: async () => ((await metric('tandem_room_load_seconds_sum')) / (await metric('tandem_room_load_seconds_count'))) * 1000,
  };
}

async function launchBaseline(): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'bench/baselineServer.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await listeningUrl(child, 'baseline');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const eventLoopLagP99Ms = (): Promise<number> =>
    new Promise((resolve) => {
      const onData = (chunk: Buffer): void => {
        const match = /"msg":"eventLoopLag","p99Ms":([0-9.eE+-]+)/.exec(chunk.toString());
        if (!match) return;
        child.stdout?.off('data', onData);
        resolve(Number(match[1]));
      };
      child.stdout?.on('data', onData);
      child.kill('SIGUSR2');
    });
  return { kind: 'y-websocket', url, pid: child.pid as number, token: 'unused', stop: async () => (child.kill('SIGTERM'), void (await exited)), eventLoopLagP99Ms };
}

async function connectAll(server: Server, docName: string, count: number): Promise<TestClient[]> {
  const clients = Array.from({ length: count }, () => connectClient(server.url, docName, server.token));
  await Promise.all(clients.map((client) => waitSynced(client, 30_000)));
  return clients;
}

/** One writer at a typist's pace, many readers: how long until each reader sees each edit. The writer types
 *  one character per edit at the end of the shared paragraph, so character i is edit i. */
async function fanOut(server: Server): Promise<{ latency: ReturnType<typeof summarize>; cpu: number }> {
  const clients = await connectAll(server, `fanout-${Date.now()}`, FANOUT_READERS + 1);
  const [writerText, ...readerTexts] = (await sharedBodyTexts(clients, 30_000)) as [Y.XmlText, ...Y.XmlText[]];
  const [writer, ...readers] = clients;
  const sentAt: number[] = [];
  const latencies: number[] = [];
  for (const text of readerTexts) {
    text.observe((event) => {
      const now = performance.now();
      let index = 0;
      for (const op of event.delta) {
        if (op.retain !== undefined) index += op.retain;
        if (typeof op.insert === 'string') for (let end = index + op.insert.length; index < end; index++) latencies.push(now - (sentAt[index] as number));
      }
    });
  }
  const cpuBefore = cpuSeconds(server.pid);
  let seq = 0;
  const timer = setInterval(() => {
    if (seq >= FANOUT_EDITS) return clearInterval(timer);
    sentAt[seq] = performance.now();
    writerText.insert(seq, String(seq++ % 10));
  }, 1000 / EDIT_HZ);
  await Promise.all(readers.map((reader, i) => waitUntil(() => readerTexts[i]?.length === FANOUT_EDITS, [[reader.doc, 'update']], 'fan-out complete', 120_000)));
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  for (const client of [writer, ...readers]) client?.destroy();
  return { latency: summarize(latencies), cpu };
}

/** Many documents, many clients each, a few of them writing at 10 edits/s (issue #12's headline). Each edit
 *  appends a token `<writer>@<sentAt>;` to the document's shared paragraph (one Yjs item, never split: every
 *  insert is at the end of the writer's view). Every client counts the tokens it holds, so deliveries lost is
 *  exact: (edits × clients) expected minus what arrived. */
interface LoadResult {
  latency: ReturnType<typeof summarize>;
  cpu: number;
  rss: number;
  edits: number;
  delivered: number;
  lost: number;
  lagP99Ms: number;
}
async function manyDocs(server: Server): Promise<LoadResult> {
  const docs = await Promise.all(Array.from({ length: LOAD_DOCS }, (_, d) => connectAll(server, `load-${Date.now()}-${d}`, LOAD_CLIENTS)));
  const texts = await Promise.all(docs.map((clients) => sharedBodyTexts(clients, 60_000)));
  const latencies: number[] = [];
  const perWriter = LOAD_SECONDS * LOAD_HZ;
  /** Edits from other clients each client holds, counted as they arrive. */
  const received = new Map<Y.XmlText, number>();
  texts.forEach((docTexts) => {
    docTexts.forEach((text, self) => {
      received.set(text, 0);
      observeEditTokens(text, (writer, sentAt, now) => {
        if (writer === self) return;
        received.set(text, (received.get(text) ?? 0) + 1);
        latencies.push(now - sentAt);
      });
    });
  });
  await server.eventLoopLagP99Ms(); // starts the lag window
  const cpuBefore = cpuSeconds(server.pid);
  await Promise.all(
    texts.flatMap((docTexts) =>
      docTexts.slice(0, LOAD_WRITERS).map((text, self) => typeTokens(text, self, perWriter, LOAD_HZ)),
    ),
  );
  const total = LOAD_WRITERS * perWriter;
  const expectedAt = (self: number): number => (self < LOAD_WRITERS ? total - perWriter : total);
  await Promise.all(
    texts.flatMap((docTexts) =>
      docTexts.map((text, self) =>
        waitUntil(() => received.get(text) === expectedAt(self), [[text.doc as Y.Doc, 'update']], 'load converged', 30_000).catch(() => undefined),
      ),
    ),
  );
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const lagP99Ms = await server.eventLoopLagP99Ms();
  const rss = rssMiB(server.pid);
  let delivered = 0;
  let expected = 0;
  texts.forEach((docTexts) =>
    docTexts.forEach((text, self) => {
      delivered += received.get(text) ?? 0;
      expected += expectedAt(self);
    }),
  );
  for (const client of docs.flat()) client.destroy();
  return { latency: summarize(latencies), cpu, rss, edits: LOAD_DOCS * total, delivered, lost: expected - delivered, lagP99Ms };
}

/** A real document (the automerge-paper trace, 260k edits) uploaded once, then fetched by fresh clients. */
async function coldSync(server: Server, state: Uint8Array, expected: string): Promise<{ sync: ReturnType<typeof summarize>; afterRestart?: number; serverLoadMs?: number }> {
  const docName = `paper-${Date.now()}`;
  const uploaderDoc = new Y.Doc();
  Y.applyUpdate(uploaderDoc, state);
  const uploader = connectClient(server.url, docName, server.token, { doc: uploaderDoc });
  const [witness] = await connectAll(server, docName, 1);
  await waitUntil(() => witness !== undefined && documentText(witness.doc).length === expected.length, [[witness?.doc as Y.Doc, 'update']], 'upload', 60_000);
  uploader.destroy();
  witness?.destroy();
  const timings = await Promise.all(
    Array.from({ length: COLD_CLIENTS }, async () => {
      const started = performance.now();
      const [client] = await connectAll(server, docName, 1);
      const elapsed = performance.now() - started;
      if (client === undefined || documentText(client.doc) !== expected) throw new Error(`cold sync returned the wrong text (${client === undefined ? 'no client' : documentText(client.doc).length} of ${expected.length} chars)`);
      client.destroy();
      return elapsed;
    }),
  );
  let afterRestart: number | undefined;
  let serverLoadMs: number | undefined;
  if (server.restart) {
    const restarted = await server.restart();
    Object.assign(server, restarted);
    const started = performance.now();
    const [client] = await connectAll(server, docName, 1);
    afterRestart = performance.now() - started;
    if (client === undefined || documentText(client.doc) !== expected) throw new Error('restored document differs');
    client.destroy();
    // The restarted server has loaded exactly this one document.
    serverLoadMs = await server.roomLoadMs?.();
  }
  return { sync: summarize(timings), ...(afterRestart !== undefined ? { afterRestart } : {}), ...(serverLoadMs !== undefined ? { serverLoadMs } : {}) };
}

const ms = (value: number | undefined): string => (value !== undefined && Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');
const NOT_MEASURED = 'not measured';
const mib = (value: number): string => `${value.toFixed(0)} MiB`;
const kib = (value: number): string => `${value.toFixed(1)} KiB`;

interface ClientFigures {
  typing?: { smallP50Ms: number; bigP50Ms: number; smallP99Ms: number; bigP99Ms: number };
  initialGzipKiB?: number;
  notes: string[];
}

/** Browser-side figures (Tandem only) from modules another part of the bench owns; absent modules or
 *  exports give "not measured" rows rather than failing the run. The specifiers are variables so the
 *  type checker does not require the modules to exist. */
async function clientFigures(): Promise<ClientFigures> {
  const figures: ClientFigures = { notes: [] };
  const load = async (specifier: string, exportName: string): Promise<((...args: unknown[]) => Promise<unknown>) | undefined> => {
    try {
      const module = (await import(specifier)) as Record<string, unknown>;
      const fn = module[exportName];
      return typeof fn === 'function' ? (fn as (...args: unknown[]) => Promise<unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const typing = await load('./typing.js', 'typingFigures');
  if (typing) {
    try {
      figures.typing = (await typing({ tiny: SIZE === 'tiny' })) as ClientFigures['typing'];
    } catch (error) {
      figures.notes.push(`typing: ${String(error)}`);
    }
  } else figures.notes.push('bench/typing.ts does not export typingFigures yet');
  const bundle = await load('./bundleSize.js', 'initialBundleFigures');
  if (bundle) {
    try {
      figures.initialGzipKiB = ((await bundle()) as { initialGzipKiB: number }).initialGzipKiB;
    } catch (error) {
      figures.notes.push(`bundle: ${String(error)}`);
    }
  } else figures.notes.push('bench/bundleSize.ts does not export initialBundleFigures yet');
  return figures;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  console.log(`Tandem bench (${SIZE}): ${machine()}, ${startedAt.toISOString()}`);
  buildServer();
  const trace = loadSequentialTrace(TRACE);
  const traceDoc = new Y.Doc();
  const traceUpdates = replayTrace(trace, traceDoc);
  const state = Y.encodeStateAsUpdate(traceDoc);
  const stateKiB = (state.length / 1024).toFixed(0);
  console.log(`authors per document: seed ${AUTHORS_SEED} (BENCH_SEED=${AUTHORS_SEED} replays it)`);
  console.log(`trace ${TRACE}: ${traceUpdates.length} edits, final text ${trace.endContent.length} chars, state with history ${stateKiB} KiB`);

  const results: Record<Server['kind'], { fan: Awaited<ReturnType<typeof fanOut>>; load: LoadResult; cold: Awaited<ReturnType<typeof coldSync>>; idle: IdleConnectionsResult; authors: AuthorsResult }> = {} as never;
  for (const launch of [launchTandem, launchBaseline]) {
    const server = await launch();
    console.log(`running against ${server.kind}…`);
    const idle = await idleConnections(server, IDLE);
    const authors = await authorsPerDocument(server, AUTHORS_RAMP, AUTHORS_STEP_MS, AUTHORS_SEED);
    const load = await manyDocs(server);
    const fan = await fanOut(server);
    const cold = await coldSync(server, state, trace.endContent);
    results[server.kind] = { fan, load, cold, idle, authors };
    await server.stop();
  }
  const client = await clientFigures();
  const t = results.tandem;
  const b = results['y-websocket'];
  const usPerDelivery = (r: LoadResult): number => (r.cpu / r.delivered) * 1e6;
  const num = (tandem: number, baseline: number, format: (v: number) => string): [string, string, string] => [format(tandem), format(baseline), ratio(tandem, baseline)];
  const headline = `many docs: ${LOAD_DOCS} docs × ${LOAD_CLIENTS} clients, ${LOAD_WRITERS} writers/doc @${LOAD_HZ}/s, ${LOAD_SECONDS} s`;
  const rows: Row[] = [
    [headline, 'server CPU per delivered update', ...num(usPerDelivery(t.load), usPerDelivery(b.load), (v) => `${v.toFixed(1)} µs`)],
    ['', 'edit → remote apply p50', ...num(t.load.latency.p50, b.load.latency.p50, ms)],
    ['', 'edit → remote apply p99', ...num(t.load.latency.p99, b.load.latency.p99, ms)],
    ['', 'deliveries (updates × recipients)', String(t.load.delivered), String(b.load.delivered), ''],
    ['', 'deliveries lost', String(t.load.lost), String(b.load.lost), ''],
    ['', 'server event-loop lag p99', ...num(t.load.lagP99Ms, b.load.lagP99Ms, ms)],
    ['', 'server RSS', ...num(t.load.rss, b.load.rss, (v) => `${v.toFixed(0)} MiB`)],
    [`fan-out: 1 writer @${EDIT_HZ}/s → ${FANOUT_READERS} readers`, 'delivery p50', ...num(t.fan.latency.p50, b.fan.latency.p50, ms)],
    ['', 'delivery p99', ...num(t.fan.latency.p99, b.fan.latency.p99, ms)],
    ['', 'server CPU', ...num(t.fan.cpu, b.fan.cpu, (v) => `${v.toFixed(2)} s`)],
    [`cold sync: ${TRACE} (${stateKiB} KiB with history) × ${COLD_CLIENTS} clients`, 'time to synced p50', ...num(t.cold.sync.p50, b.cold.sync.p50, ms)],
    ['', 'time to synced max', ...num(t.cold.sync.max, b.cold.sync.max, ms)],
    ['cold start: same document, server restarted', 'first client: time to synced', ms(t.cold.afterRestart), 'n/a (in-memory only)', ''],
    ['', 'server-side load (tandem_room_load_seconds)', ms(t.cold.serverLoadMs), 'n/a (in-memory only)', ''],
    [`many connections: ${IDLE.connections} idle over ${IDLE.documents} docs, awareness renewed every ${IDLE.renewMs / 1000} s`, 'server RSS, no connections', ...num(t.idle.idleRssMiB, b.idle.idleRssMiB, mib)],
    ['', 'server RSS, documents open (1 connection each)', ...num(t.idle.docsOpenRssMiB, b.idle.docsOpenRssMiB, mib)],
    ['', 'server RSS, all connected', ...num(t.idle.allConnectedRssMiB, b.idle.allConnectedRssMiB, mib)],
    ['', 'memory per connection', ...num(t.idle.perConnectionKiB, b.idle.perConnectionKiB, kib)],
    ['', 'memory per document', ...num(t.idle.perDocumentKiB, b.idle.perDocumentKiB, kib)],
    ['', 'connections dropped', String(t.idle.dropped), String(b.idle.dropped), ''],
    ['', 'connections that saw no other presence', String(t.idle.unaware), String(b.idle.unaware), ''],
    [`authors per document: 1 doc, N authors @2–5 edits/s + caret, ramp ${AUTHORS_RAMP.join('/')}, ${AUTHORS_STEP_MS / 1000} s each (seed ${AUTHORS_SEED})`, `largest N with p99 < ${P99_LIMIT_MS} ms, none lost`, String(t.authors.maxAuthors), String(b.authors.maxAuthors), ''],
    ...AUTHORS_RAMP.map((n): Row => {
      const step = (r: AuthorsResult): string => {
        const s = r.steps.find((x) => x.authors === n);
        return s ? `${ms(s.p99Ms)}, ${s.lost} lost` : 'not run';
      };
      return ['', `${n} authors: edit → apply p99, lost`, step(t.authors), step(b.authors), ''];
    }),
    ['client (browser, Tandem only)', 'key → paint p50, small / big doc', client.typing ? `${ms(client.typing.smallP50Ms)} / ${ms(client.typing.bigP50Ms)}` : NOT_MEASURED, 'n/a', ''],
    ['', 'key → paint p99, small / big doc', client.typing ? `${ms(client.typing.smallP99Ms)} / ${ms(client.typing.bigP99Ms)}` : NOT_MEASURED, 'n/a', ''],
    ['', 'initial JS bundle (gzip)', client.initialGzipKiB !== undefined ? `${client.initialGzipKiB.toFixed(0)} KiB` : NOT_MEASURED, 'n/a', ''],
  ];
  const table = markdownTable(rows);
  console.log(`\n${table}`);
  for (const note of client.notes) console.log(`note: ${note}`);
  if (REPORT_PATH) {
    const svgPath = REPORT_PATH.replace(/\.md$/, '') + '.svg';
    const svg = barChart([
      { label: 'CPU per delivered update', tandem: usPerDelivery(t.load), baseline: usPerDelivery(b.load), unit: 'µs' },
      { label: 'edit → apply p50', tandem: t.load.latency.p50, baseline: b.load.latency.p50, unit: 'ms' },
      { label: 'edit → apply p99', tandem: t.load.latency.p99, baseline: b.load.latency.p99, unit: 'ms' },
      { label: 'event-loop lag p99', tandem: t.load.lagP99Ms, baseline: b.load.lagP99Ms, unit: 'ms' },
      { label: 'server RSS', tandem: t.load.rss, baseline: b.load.rss, unit: 'MiB' },
      { label: 'cold sync p50', tandem: t.cold.sync.p50, baseline: b.cold.sync.p50, unit: 'ms' },
    ]);
    fs.writeFileSync(svgPath, svg);
    fs.writeFileSync(REPORT_PATH, reportMarkdown({ table, svgFile: path.basename(svgPath), size: SIZE, startedAt, notes: client.notes }));
    console.log(`wrote ${REPORT_PATH} and ${svgPath}`);
  }
  process.exit(0);
}

function reportMarkdown(input: { table: string; svgFile: string; size: string; startedAt: Date; notes: string[] }): string {
  const command = input.size === 'full' ? 'npm run bench' : input.size === 'quick' ? 'BENCH_QUICK=1 npm run bench' : 'BENCH_TINY=1 node --import tsx bench/run.ts';
  return `# Benchmarks: Tandem against the stock y-websocket server

The load generators run on the same machine as the server under test. On 2 cores they saturate it in the 4 × 100 run (both servers then show a p50 near 50 ms), so there the latencies measure the machine as much as the servers; CPU per delivered update and lost deliveries do not depend on that.

- Date: ${input.startedAt.toISOString()}
- Machine: ${machine()}
- Command: \`${command}\` (size: ${input.size})

![Tandem vs stock server](${input.svgFile})

${input.table}
${input.notes.map((note) => `\n> ${note}`).join('')}

## How to read these numbers / method

- Each server runs in its own process, one after the other, on the same machine and under the same client load,
  generated by stock \`WebsocketProvider\`s in the bench process. Tandem writes every update to SQLite before
  broadcasting it (write-ahead); the stock server (@y/websocket-server 0.1.1) keeps documents only in memory.
- Every client types editor-shaped content (text in a paragraph of the \`default\` XmlFragment), what Tandem admits.
- **Server CPU per delivered update**: the server process's user + system CPU from /proc over the load window,
  divided by the deliveries actually observed (updates × recipients that received them). Lower is better.
- **Edit → remote apply**: from the writer's \`insert\` to the remote client's text observer, same clock.
- **Deliveries lost**: expected (every edit at every other client of its document) minus received after a 30 s
  settle timeout; must be 0.
- **Event-loop lag p99**: Tandem's \`tandem_eventloop_lag_p99_seconds\` gauge at /metrics, scraped before and after
  the window; the stock server reports \`perf_hooks.monitorEventLoopDelay\` on SIGUSR2 (bench/baselineServer.mjs).
- **Cold start**: the ${TRACE} trace's final state with its full history is uploaded, the server restarted, and one
  client times connect → synced; the server-side figure is the mean of Tandem's \`tandem_room_load_seconds\`.
- **Many connections**: light protocol-level connections (bench/lightClient.ts: raw socket, sync handshake,
  one awareness state renewed periodically), opened in batches of 200. Server RSS (/proc) is read before any
  connection, after one connection per document (documents loaded), and after all are connected and have
  renewed once. Per document = (documents open − none) ÷ documents; per connection = (all − documents open) ÷
  (connections − documents). RSS includes uncollected heap and garbage collection can shrink it, so small crowds
  give noisy (even negative) figures (bench/scenarios/idleConnections.ts).
- **Authors per document**: per step a fresh document; up to 3 of the N authors are stock providers that
  measure edit → apply of everyone else's edits; the rest are light writers (own Y.Doc, own clientID,
  editor-shaped text, an awareness caret per edit). Pauses between edits are drawn from a seeded PRNG (the
  seed is in the row). The ramp stops at the first step with p99 ≥ ${P99_LIMIT_MS} ms or a lost delivery
  (bench/scenarios/authorsPerDocument.ts).
- Ratio is Tandem ÷ stock: below 1× Tandem is better for every figure here.
`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
