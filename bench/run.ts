/**
 * `npm run bench`: Tandem against the stock y-websocket server (@y/websocket-server 0.1.1) in the same run,
 * same machine, same client load. Each server runs in its own process; the load (stock WebsocketProviders)
 * runs here. Prints one table; numbers, no pass/fail.
 *
 *   BENCH_QUICK=1 npm run bench     smaller load, for a smoke run
 *
 * Every client types editor-shaped content (text in one shared paragraph of the `default` XmlFragment),
 * as the editor does: what Tandem's server admits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import * as Y from 'yjs';
import { connectClient, editorToken, sharedBodyTexts, type TestClient, waitSynced } from '../tests/helpers/clients.js';
import { REPO_ROOT, spawnServer, tempDataDir } from '../tests/helpers/server.js';
import { waitUntil } from '../tests/helpers/wait.js';
import { cpuSeconds, rssMiB, summarize } from './stats.js';
import { loadSequentialTrace, replayTrace } from '../tests/helpers/traces.js';
import { documentText } from '../tests/helpers/yBlocks.js';

// Every stock WebsocketProvider in Node adds a process 'exit' listener; the bench runs dozens.
process.setMaxListeners(0);

const QUICK = process.env.BENCH_QUICK === '1';
const FANOUT_READERS = QUICK ? 10 : 50;
const FANOUT_EDITS = QUICK ? 100 : 500;
const EDIT_HZ = 50;
const LOAD_DOCS = QUICK ? 5 : 20;
const LOAD_WRITERS = 3;
const LOAD_SECONDS = QUICK ? 3 : 10;
const LOAD_HZ = 20;
const COLD_CLIENTS = QUICK ? 5 : 20;
const TRACE = 'automerge-paper';

interface Server {
  kind: 'tandem' | 'y-websocket';
  url: string;
  pid: number;
  token: string;
  stop(): Promise<void>;
  restart?(): Promise<Server>;
}

type Row = [scenario: string, metric: string, tandem: string, baseline: string];

async function launchTandem(dataDir = tempDataDir('bench')): Promise<Server> {
  // The benchmarks open far more connections from one address than any office (server/http/httpSettings.ts).
  const proc = await spawnServer({ dataDir, env: { MAX_CONNECTIONS_PER_ADDRESS: '1000000', MAX_UNAUTHENTICATED_CONNECTIONS: '1000000', MAX_UNAUTHENTICATED_PER_ADDRESS: '999999' } });
  const token = await editorToken('Bench');
  const stop = async (): Promise<void> => {
    proc.child.kill('SIGTERM');
    await proc.exited;
  };
  return { kind: 'tandem', url: proc.url, pid: proc.child.pid as number, token, stop, restart: async () => (await stop(), launchTandem(dataDir)) };
}

async function launchBaseline(): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'bench/baselineServer.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"([^"]+)"/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`baseline exited: ${output}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { kind: 'y-websocket', url, pid: child.pid as number, token: 'unused', stop: async () => (child.kill('SIGTERM'), void (await exited)) };
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

/** Many documents, several writers each: latency under load, server CPU and memory. Each edit appends a
 *  token `<writer>@<sentAt>;` to the document's shared paragraph (one Yjs item, never split: every insert
 *  is at the end of the writer's view). */
async function manyDocs(server: Server): Promise<{ latency: ReturnType<typeof summarize>; cpu: number; rss: number; edits: number }> {
  const docs = await Promise.all(Array.from({ length: LOAD_DOCS }, (_, d) => connectAll(server, `load-${Date.now()}-${d}`, LOAD_WRITERS)));
  const texts = await Promise.all(docs.map((clients) => sharedBodyTexts(clients, 30_000)));
  const latencies: number[] = [];
  const perWriter = LOAD_SECONDS * LOAD_HZ;
  /** Edits each client holds (its own included), counted as they arrive. */
  const received = new Map<Y.XmlText, number>();
  texts.forEach((docTexts) => {
    docTexts.forEach((text, self) => {
      text.observe((event) => {
        const now = performance.now();
        for (const op of event.delta) {
          if (typeof op.insert !== 'string') continue;
          for (const [, writer, sentAt] of op.insert.matchAll(/(\d+)@([\d.]+);/g)) {
            received.set(text, (received.get(text) ?? 0) + 1);
            if (Number(writer) !== self) latencies.push(now - Number(sentAt));
          }
        }
      });
    });
  });
  const cpuBefore = cpuSeconds(server.pid);
  await Promise.all(
    texts.flatMap((docTexts) =>
      docTexts.map(
        (text, self) =>
          new Promise<void>((resolve) => {
            let sent = 0;
            const timer = setInterval(() => {
              text.insert(text.length, `${self}@${performance.now().toFixed(3)};`);
              if (++sent >= perWriter) {
                clearInterval(timer);
                resolve();
              }
            }, 1000 / LOAD_HZ);
          }),
      ),
    ),
  );
  const total = LOAD_WRITERS * perWriter;
  await Promise.all(
    texts.flat().map((text) => waitUntil(() => received.get(text) === total, [[text.doc as Y.Doc, 'update']], 'load converged', 120_000)),
  );
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const rss = rssMiB(server.pid);
  for (const client of docs.flat()) client.destroy();
  return { latency: summarize(latencies), cpu, rss, edits: LOAD_DOCS * total };
}

/** A real document (the automerge-paper trace, 260k edits) uploaded once, then fetched by fresh clients. */
async function coldSync(server: Server, state: Uint8Array, expected: string): Promise<{ sync: ReturnType<typeof summarize>; afterRestart?: number }> {
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
      if (client === undefined || documentText(client.doc) !== expected) throw new Error('cold sync returned the wrong text');
      client.destroy();
      return elapsed;
    }),
  );
  let afterRestart: number | undefined;
  if (server.restart) {
    const restarted = await server.restart();
    Object.assign(server, restarted);
    const started = performance.now();
    const [client] = await connectAll(server, docName, 1);
    afterRestart = performance.now() - started;
    if (client === undefined || documentText(client.doc) !== expected) throw new Error('restored document differs');
    client.destroy();
  }
  return { sync: summarize(timings), ...(afterRestart !== undefined ? { afterRestart } : {}) };
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  console.log(`Tandem bench (${QUICK ? 'quick' : 'full'}): node ${process.version}, ${new Date().toISOString()}`);
  const trace = loadSequentialTrace(TRACE);
  const traceDoc = new Y.Doc();
  const traceUpdates = replayTrace(trace, traceDoc);
  const state = Y.encodeStateAsUpdate(traceDoc);
  console.log(`trace ${TRACE}: ${traceUpdates.length} edits, final text ${trace.endContent.length} chars, state ${(state.length / 1024).toFixed(0)} KiB`);

  const results: Record<Server['kind'], { fan: Awaited<ReturnType<typeof fanOut>>; load: Awaited<ReturnType<typeof manyDocs>>; cold: Awaited<ReturnType<typeof coldSync>> }> = {} as never;
  for (const launch of [launchTandem, launchBaseline]) {
    const server = await launch();
    console.log(`running against ${server.kind}…`);
    const fan = await fanOut(server);
    const load = await manyDocs(server);
    const cold = await coldSync(server, state, trace.endContent);
    results[server.kind] = { fan, load, cold };
    await server.stop();
  }
  const t = results.tandem;
  const b = results['y-websocket'];
  const rows: Row[] = [
    [`fan-out: 1 writer @${EDIT_HZ}/s → ${FANOUT_READERS} readers`, 'delivery p50', ms(t.fan.latency.p50), ms(b.fan.latency.p50)],
    ['', 'delivery p99', ms(t.fan.latency.p99), ms(b.fan.latency.p99)],
    ['', 'server CPU', `${t.fan.cpu.toFixed(2)} s`, `${b.fan.cpu.toFixed(2)} s`],
    [`load: ${LOAD_DOCS} docs × ${LOAD_WRITERS} writers @${LOAD_HZ}/s, ${LOAD_SECONDS} s`, 'delivery p50', ms(t.load.latency.p50), ms(b.load.latency.p50)],
    ['', 'delivery p99', ms(t.load.latency.p99), ms(b.load.latency.p99)],
    ['', 'server CPU', `${t.load.cpu.toFixed(2)} s`, `${b.load.cpu.toFixed(2)} s`],
    ['', 'server RSS', `${t.load.rss.toFixed(0)} MiB`, `${b.load.rss.toFixed(0)} MiB`],
    [`cold sync: ${TRACE} (${(state.length / 1024).toFixed(0)} KiB) × ${COLD_CLIENTS} clients`, 'time to synced p50', ms(t.cold.sync.p50), ms(b.cold.sync.p50)],
    ['', 'time to synced max', ms(t.cold.sync.max), ms(b.cold.sync.max)],
    ['', 'after server restart', t.cold.afterRestart !== undefined ? ms(t.cold.afterRestart) : 'n/a', 'n/a (in-memory only)'],
  ];
  console.log('\n| scenario | metric | Tandem (durable, SQLite) | @y/websocket-server 0.1.1 (in-memory) |\n|---|---|---:|---:|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log('\nTandem writes every update to SQLite (fsync per batch) before broadcasting it; the baseline keeps documents only in memory.');
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
