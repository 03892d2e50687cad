/**
 * Fan-out load for profiling (issue #12 item 2): DOCS documents × CLIENTS clients, WRITERS of them typing at
 * HZ edits/s for SECONDS, against Tandem (durable SQLite, spawned via tests/helpers/server.ts) and the stock
 * y-websocket server (bench/baselineServer.mjs), one after the other in the same run.
 *
 *   node --import tsx bench/profile/fanoutLoad.ts
 *   DOCS=4 CLIENTS=100 WRITERS=5 HZ=10 SECONDS=10 TARGETS=tandem,baseline node --import tsx bench/profile/fanoutLoad.ts
 *   CARET_HZ=20 … every reader also moves its caret (sends its own awareness state) that often during the load
 *   PROFILE=1 …   also writes a --cpu-prof of each server to bench/profile/out/ and prints its top self-time
 *
 * Writers are stock WebsocketProviders (their edits measure edit → remote apply latency among themselves);
 * the rest of the crowd are light protocol-level readers (a raw socket that asks for the document once and
 * keeps every update it receives without applying it), so the load generator is not the bottleneck. After
 * the load, each reader's updates are merged and must reach every writer's state vector: zero lost.
 *
 * CPU per delivered update = server CPU (user + system, /proc) during the load ÷ (edits × CLIENTS): every
 * client of the document, the sender included, as both servers send it. Numbers, no pass/fail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { connectClient, editorToken, sharedBodyTexts, type TestClient, waitSynced } from '../../tests/helpers/clients.js';
import { REPO_ROOT, spawnServer, tempDataDir } from '../../tests/helpers/server.js';
import { waitUntil } from '../../tests/helpers/wait.js';
import { cpuSeconds, summarize } from '../stats.js';
import { encodeAwarenessFrame, encodeSyncStep1 } from '../../shared/protocol/frames.js';
import { encodeAwarenessUpdate } from '../../shared/protocol/awarenessWire.js';
import { topSelfTime } from './cpuProfile.js';
import { buildServer } from '../builtServer.js';
import { observeEditTokens, typeTokens } from '../editTokens.js';
import { listeningUrl } from '../listeningUrl.js';

process.setMaxListeners(0);

const DOCS = Number(process.env.DOCS ?? 4);
const CLIENTS = Number(process.env.CLIENTS ?? 100);
const WRITERS = Number(process.env.WRITERS ?? 5);
const HZ = Number(process.env.HZ ?? 10);
const SECONDS = Number(process.env.SECONDS ?? 10);
const TARGETS = (process.env.TARGETS ?? 'tandem,baseline').split(',');
const PROFILE = process.env.PROFILE === '1';
const CARET_HZ = Number(process.env.CARET_HZ ?? 0);
const OUT_DIR = path.join(REPO_ROOT, 'bench/profile/out');
const PRELOAD = path.join(REPO_ROOT, 'bench/profile/cpuProfilePreload.mjs');

interface Target {
  name: string;
  url: string;
  pid: number;
  token: string;
  profileDir: string | null;
  stop(): Promise<void>;
}

async function launchTandem(): Promise<Target> {
  const profileDir = PROFILE ? fs.mkdtempSync(path.join(OUT_DIR, 'tandem-')) : null;
  const env: Record<string, string> = { MAX_CONNECTIONS_PER_ADDRESS: '1000000', MAX_UNAUTHENTICATED_CONNECTIONS: '1000000', MAX_UNAUTHENTICATED_PER_ADDRESS: '999999' };
  // Node 20 refuses --cpu-prof in NODE_OPTIONS; the preload profiles through the inspector instead.
  if (profileDir) Object.assign(env, { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${PRELOAD}`, CPU_PROFILE_DIR: profileDir });
  // TANDEM_ROOT: another checkout's server (e.g. HEAD exported elsewhere), for a before/after on one machine.
  buildServer(process.env.TANDEM_ROOT ?? REPO_ROOT);
  const proc = await spawnServer({ dataDir: tempDataDir('fanout'), built: true, env, ...(process.env.TANDEM_ROOT ? { root: process.env.TANDEM_ROOT } : {}) });
  const token = await editorToken('Load');
  return {
    name: 'tandem',
    url: proc.url,
    pid: proc.child.pid as number,
    token,
    profileDir,
    stop: async () => {
      proc.child.kill('SIGTERM');
      await proc.exited;
    },
  };
}

async function launchBaseline(): Promise<Target> {
  const profileDir = PROFILE ? fs.mkdtempSync(path.join(OUT_DIR, 'baseline-')) : null;
  const args = profileDir ? ['--import', PRELOAD] : [];
  // SIGTERM would skip the profile: the baseline exits cleanly when its stdin closes.
  const child: ChildProcess = spawn(process.execPath, [...args, '--input-type=module', '-e', BASELINE_WITH_EXIT], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: REPO_ROOT,
    env: { ...process.env, ...(profileDir ? { CPU_PROFILE_DIR: profileDir } : {}) },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await listeningUrl(child, 'baseline');
  return {
    name: 'y-websocket',
    url,
    pid: child.pid as number,
    token: 'unused',
    profileDir,
    stop: async () => {
      child.stdin?.end();
      await exited;
    },
  };
}

const BASELINE_WITH_EXIT = `
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
await import(${JSON.stringify(path.join(REPO_ROOT, 'bench/baselineServer.mjs'))});`;

/** A reader that speaks just enough protocol: asks for the whole document once, keeps every update. */
class LightReader {
  readonly updates: Uint8Array[] = [];
  awarenessFrames = 0;
  private readonly clientId = Math.floor(Math.random() * 2 ** 31);
  private caretClock = 0;
  readonly opened: Promise<void>;
  private readonly socket: WebSocket;

  constructor(url: string, docName: string, token: string) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/collab/${docName}?token=${encodeURIComponent(token)}`);
    this.socket.binaryType = 'nodebuffer';
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => {
        this.socket.send(encodeSyncStep1(new Y.Doc()));
        resolve();
      });
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data: Buffer) => {
      if (data[0] === 1) this.awarenessFrames++;
      if (data[0] !== 0) return; // awareness and Tandem messages carry no updates
      const decoder = decoding.createDecoder(data);
      decoding.readVarUint(decoder);
      const kind = decoding.readVarUint(decoder);
      if (kind === 1 || kind === 2) this.updates.push(decoding.readVarUint8Array(decoder));
    });
  }

  /** Sends this reader's own awareness state, as a tab does when its caret moves. */
  moveCaret(): void {
    const clock = ++this.caretClock;
    this.socket.send(encodeAwarenessFrame(encodeAwarenessUpdate([{ clientId: this.clientId, clock, state: { caret: clock } }])));
  }

  stateVector(): Map<number, number> {
    return Y.decodeStateVector(Y.encodeStateVectorFromUpdate(Y.mergeUpdates(this.updates)));
  }

  close(): void {
    this.socket.close();
  }
}

interface DocLoad {
  writers: TestClient[];
  texts: Y.XmlText[];
  readers: LightReader[];
}

async function prepareDoc(target: Target, docName: string): Promise<DocLoad> {
  const writers = Array.from({ length: WRITERS }, () => connectClient(target.url, docName, target.token));
  await Promise.all(writers.map((client) => waitSynced(client, 30_000)));
  const texts = await sharedBodyTexts(writers, 30_000);
  const readers: LightReader[] = [];
  for (let i = WRITERS; i < CLIENTS; i++) readers.push(new LightReader(target.url, docName, target.token));
  await Promise.all(readers.map((reader) => reader.opened));
  return { writers, texts, readers };
}

async function runLoad(target: Target): Promise<Record<string, string | number>> {
  const stamp = Date.now();
  const docs: DocLoad[] = [];
  for (let d = 0; d < DOCS; d++) docs.push(await prepareDoc(target, `fanout-${stamp}-${d}`));
  const perWriter = SECONDS * HZ;
  const latencies: number[] = [];
  const received = new Map<Y.XmlText, number>();
  for (const { texts } of docs) {
    texts.forEach((text, self) => {
      observeEditTokens(text, (writer, sentAt, now) => {
        received.set(text, (received.get(text) ?? 0) + 1);
        if (writer !== self) latencies.push(now - sentAt);
      });
    });
  }
  // Let the joins settle (sync replies, awareness) before measuring.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const cpuBefore = cpuSeconds(target.pid);
  const awarenessBefore = docs.reduce((sum, { readers }) => sum + readers.reduce((s, r) => s + r.awarenessFrames, 0), 0);
  const started = performance.now();
  const carets = CARET_HZ > 0 ? setInterval(() => docs.forEach(({ readers }) => readers.forEach((reader) => reader.moveCaret())), 1000 / CARET_HZ) : null;
  await Promise.all(
    docs.flatMap(({ texts }) =>
      // Writers start spread over one period, as people do.
      texts.map((text, self) => typeTokens(text, self, perWriter, HZ, (self * 1000) / HZ / WRITERS)),
    ),
  );
  const total = WRITERS * perWriter;
  await Promise.all(docs.flatMap(({ texts }) => texts.map((text) => waitUntil(() => received.get(text) === total, [[text.doc as Y.Doc, 'update']], 'writers converged', 120_000))));
  if (carets) clearInterval(carets);
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  const elapsed = (performance.now() - started) / 1000;
  const awarenessFrames = docs.reduce((sum, { readers }) => sum + readers.reduce((s, r) => s + r.awarenessFrames, 0), 0) - awarenessBefore;
  // Readers: wait until each holds every writer's last clock, or report it as lost.
  let lost = 0;
  for (const { writers, readers } of docs) {
    const expected = Y.decodeStateVector(Y.encodeStateVector(writers[0]?.doc as Y.Doc));
    const complete = (reader: LightReader): boolean => {
      const got = reader.stateVector();
      for (const [client, clock] of expected) if ((got.get(client) ?? 0) < clock) return false;
      return true;
    };
    const deadline = performance.now() + 10_000;
    for (const reader of readers) {
      while (!complete(reader) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (!complete(reader)) lost++;
    }
  }
  const frames = docs.reduce((sum, { readers }) => sum + readers.reduce((s, r) => s + r.updates.length, 0), 0);
  for (const { writers, readers } of docs) {
    for (const writer of writers) writer.destroy();
    for (const reader of readers) reader.close();
  }
  const delivered = DOCS * total * CLIENTS;
  const latency = summarize(latencies);
  return {
    server: target.name,
    'cpu s': cpu.toFixed(2),
    'cpu % of a core': ((100 * cpu) / elapsed).toFixed(0),
    'µs / delivered update': ((cpu * 1e6) / delivered).toFixed(2),
    'p50 ms': latency.p50.toFixed(2),
    'p99 ms': latency.p99.toFixed(2),
    'update frames / reader / edit': (frames / (DOCS * (CLIENTS - WRITERS)) / total).toFixed(2),
    'readers incomplete': lost,
    'awareness frames / reader / s': (awarenessFrames / (DOCS * (CLIENTS - WRITERS)) / elapsed).toFixed(1),
  };
}

async function main(): Promise<void> {
  if (PROFILE) fs.mkdirSync(OUT_DIR, { recursive: true });
  console.log(`${DOCS} docs × ${CLIENTS} clients, ${WRITERS} writers/doc at ${HZ} edits/s for ${SECONDS} s`);
  const rows = [];
  for (const name of TARGETS) {
    const target = name === 'tandem' ? await launchTandem() : await launchBaseline();
    try {
      rows.push(await runLoad(target));
    } finally {
      await target.stop();
    }
    if (target.profileDir) {
      const file = fs.readdirSync(target.profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) {
        console.log(`\n${target.name} profile: ${path.join(target.profileDir, file)}`);
        console.table(topSelfTime(path.join(target.profileDir, file), 25));
      }
    }
  }
  console.table(rows);
}

await main();
process.exit(0);
