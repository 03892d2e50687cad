/**
 * Part 4 of the convergence issue: stock `WebsocketProvider`s talk to the real Tandem server (a child
 * process) through the fault relay, edit at a bounded pace while connections are delayed, reset,
 * black-holed and cut mid-frame, and the server is SIGKILLed and restarted on the same port and data
 * directory. Then faults stop and everything must converge: every client identical, the stored
 * document (read by a fresh client after one more kill -9 and restart) identical to them, and every
 * edit any client ever received or made present in it.
 *
 * The PRNG decides every choice (client ids, edits, faults and when the server dies); real sockets
 * and processes still race, so a replay repeats the choices, not the exact interleaving.
 */
import fs from 'node:fs';
import * as Y from 'yjs';
import { connectClient, editorToken, sharedBodyTexts, type TestClient, waitSynced } from './clients.js';
import { EditLedger } from './convergenceLedger.js';
import { FaultRelay, type FaultKind } from './faultRelay.js';
import { createPrng, type Prng } from './prng.js';
import { type ServerProcess, spawnServer, tempDataDir } from './server.js';
import { waitUntil } from './wait.js';
import { existingBodyText } from './yBlocks.js';

export interface RealServerConfig {
  seed: number;
  clients: number;
  /** Steps before the server is SIGKILLed, while it is down (the restart starts after these; editing
   *  goes on until it listens again), and after it is back. Faults are injected in every phase. */
  stepsBefore: number;
  stepsDown: number;
  stepsAfter: number;
  /** Pause between steps (ms). One edit per step across all clients keeps every client far below the
   *  server's 200 messages/s rate limit (shared/limits.ts) even when it flushes on reconnect. */
  stepMs: number;
  latency: number;
  jitter: number;
  faults: Record<'edit' | FaultKind, number>;
}

export interface RealServerResult {
  config: RealServerConfig;
  overrides: RealServerOverrides;
  edits: number;
  received: number;
  relay: FaultRelay['stats'];
  problems: string[];
  log: string[];
}

export function realServerConfig(seed: number): RealServerConfig {
  const prng = createPrng(seed).fork('real-config');
  return {
    seed,
    clients: prng.int(3, 4),
    stepsBefore: prng.int(40, 90),
    stepsDown: prng.int(5, 40),
    stepsAfter: prng.int(40, 90),
    stepMs: prng.int(10, 20),
    latency: prng.int(0, 15),
    jitter: prng.pick([0, 10, 40]),
    faults: { edit: 90, reset: prng.int(1, 4), blackhole: prng.int(1, 3), cut: prng.int(1, 3) },
  };
}

const WORDS = ['the', 'otter', 'tandem', 'merge', 'crdt', 'é', '漢字', ' ', '\n', 'x'];

/** Overrides requested through the environment (to replay the sabotage mode). */
export function realServerOverridesFromEnv(): RealServerOverrides {
  const sabotage = process.env.CONVERGENCE_SABOTAGE;
  if (sabotage === undefined || sabotage === '') return {};
  if (sabotage === 'blackhole-without-reset') return { blackholeWithoutReset: true, convergeTimeoutMs: 5_000 };
  throw new Error(`unknown CONVERGENCE_SABOTAGE for the real-server suite: ${sabotage}`);
}

/** One random edit of the shared paragraph's Y.XmlText, formatting included (it exercises Yjs' format
 *  cleanup). Marks are written as y-tiptap writes them: attribute = mark name, value = the mark's attrs
 *  (`{}` for bold and italic), `null` to remove. */
function randomEdit(doc: Y.Doc, prng: Prng): string {
  const text = existingBodyText(doc);
  if (!text) throw new Error('the shared paragraph is missing');
  const length = text.length;
  const kind = length === 0 ? 'insert' : prng.weighted({ insert: 6, delete: 3, format: 2 });
  const pos = prng.int(0, length);
  switch (kind) {
    case 'insert': {
      const word = prng.pick(WORDS);
      text.insert(pos, word, prng.chance(0.2) ? { bold: {} } : undefined);
      return `insert ${pos} ${JSON.stringify(word)}`;
    }
    case 'delete': {
      const n = Math.min(length - Math.min(pos, length - 1), prng.int(1, 6));
      const at = Math.min(pos, length - 1);
      text.delete(at, n);
      return `delete ${at}+${n}`;
    }
    default: {
      const n = prng.int(1, 8);
      const attrs = prng.pick([{ bold: {} }, { bold: null }, { italic: {} }, { italic: null }]);
      text.format(Math.min(pos, length - 1), n, attrs);
      return `format ${pos}+${n} ${JSON.stringify(attrs)}`;
    }
  }
}

function svString(doc: Y.Doc): string {
  return [...Y.decodeStateVector(Y.encodeStateVector(doc))]
    .sort(([a], [b]) => a - b)
    .map(([c, k]) => `${c}:${k}`)
    .join(',');
}

/** The editor fragment as data: each block's name, attributes and text delta (formatting included). */
function fragmentContent(doc: Y.Doc): unknown[] {
  const content = (node: Y.XmlElement | Y.XmlText | Y.XmlHook): unknown => {
    if (node instanceof Y.XmlText) return node.toDelta();
    if (node instanceof Y.XmlElement) return { block: node.nodeName, attrs: node.getAttributes(), content: node.toArray().map(content) };
    return node.toString();
  };
  return doc.getXmlFragment('default').toArray().map(content);
}

function sameState(a: Y.Doc, b: Y.Doc): string | null {
  if (svString(a) !== svString(b)) return `state vectors differ: ${svString(a)} vs ${svString(b)}`;
  if (!Y.equalDeleteSets(Y.createDeleteSetFromStructStore(a.store), Y.createDeleteSetFromStructStore(b.store))) return 'delete sets differ';
  if (a.store.pendingStructs || a.store.pendingDs) return 'pending structs or deletes';
  const da = JSON.stringify(fragmentContent(a));
  const db = JSON.stringify(fragmentContent(b));
  if (da !== db) return `content differs: ${da.slice(0, 120)} vs ${db.slice(0, 120)}`;
  return null;
}

/** Deleted ids in `a` that are not deleted in `b`, as `client:from..to` ranges (for failure reports). */
function deletionsMissing(a: Y.Doc, b: Y.Doc): string {
  const inB = Y.createDeleteSetFromStructStore(b.store);
  const missing: string[] = [];
  for (const [client, ranges] of Y.createDeleteSetFromStructStore(a.store).clients) {
    for (const { clock, len } of ranges) {
      for (let c = clock; c < clock + len; c++) {
        if (!Y.isDeleted(inB, Y.createID(client, c))) missing.push(`${client}:${c}`);
      }
    }
  }
  return missing.length === 0 ? 'none' : `${missing.slice(0, 12).join(' ')}${missing.length > 12 ? ` … (${missing.length})` : ''}`;
}

/** True when `final` holds everything a received update carried: every struct and every deletion. */
function contains(final: Y.Snapshot, update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  for (const struct of structs) if ((final.sv.get(struct.id.client) ?? 0) < struct.id.clock + struct.length) return false;
  return Y.equalDeleteSets(Y.mergeDeleteSets([final.ds, ds]), final.ds);
}

/** Same structs and deletions. Never reads a type, so it does not instantiate Y.Text on `a`: an instantiated
 *  Y.Text runs Yjs' formatting cleanup after remote transactions, a local change of its own. */
function sameYState(a: Y.Doc, b: Y.Doc): boolean {
  return svString(a) === svString(b) &&
    Y.equalDeleteSets(Y.createDeleteSetFromStructStore(a.store), Y.createDeleteSetFromStructStore(b.store));
}

interface Peer {
  name: string;
  client: TestClient;
  /** Every update received from the server (exactly what it carried, not the doc's state: the doc may
   *  already hold local changes the server has not seen, e.g. Yjs' own formatting cleanup). */
  received: Uint8Array[];
}

export interface RealServerOverrides {
  /** Sabotage: black holes lose frames on a connection that stays open (see FaultRelay). */
  blackholeWithoutReset?: boolean;
  /** How long to wait for convergence after healing (ms). */
  convergeTimeoutMs?: number;
}

export async function runRealServerScenario(seed: number, overrides: RealServerOverrides = {}): Promise<RealServerResult> {
  const config = realServerConfig(seed);
  const prng = createPrng(seed);
  const dataDir = tempDataDir('realconv');
  const docName = `real-${seed}`;
  const ledger = new EditLedger();
  const peers: Peer[] = [];
  const problems: string[] = [];
  const log: string[] = [];
  const servers: ServerProcess[] = [];
  let relay: FaultRelay | null = null;
  let fresh: TestClient | null = null;
  let edits = 0;
  const kill = async (server: ServerProcess): Promise<void> => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server.exited;
  };
  try {
    const first = await spawnServer({ dataDir });
    servers.push(first);
    const port = first.port;
    const token = await editorToken();
    const faulty = await FaultRelay.start({ target: first.url.replace(/^http/, 'ws'), prng: prng.fork('relay'), latency: config.latency, jitter: config.jitter,
      resetAfterBlackhole: !overrides.blackholeWithoutReset,
    });
    relay = faulty;
    const usedIds = new Set<number>();
    for (let i = 0; i < config.clients; i++) {
      const doc = new Y.Doc();
      let id: number;
      do id = prng.uint32() & 0x3fffffff;
      while (id === 0 || usedIds.has(id));
      usedIds.add(id);
      doc.clientID = id;
      ledger.track(doc);
      const client = connectClient(relay.url, docName, token, { doc });
      const peer: Peer = { name: `c${i}`, client, received: [] };
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === client.provider) peer.received.push(update);
      });
      peers.push(peer);
    }
    await Promise.all(peers.map((p) => waitSynced(p.client)));
    // The paragraph everyone types into: created by c0 and received by all before the first step.
    await sharedBodyTexts(peers.map((p) => p.client));

    // The first fault is always a cut, so every seed checks the server's refusal of a truncated frame.
    let cutPending = true;
    let step = 0;
    const act = async (): Promise<void> => {
      // Pacing, not waiting for a condition: users type at a bounded speed (see RealServerConfig.stepMs).
      await new Promise((resolve) => setTimeout(resolve, config.stepMs));
      step++;
      const kind = cutPending ? 'cut' : prng.weighted(config.faults);
      if (kind === 'edit') {
        const i = prng.int(0, config.clients - 1);
        log.push(`step ${step}: c${i} ${randomEdit(peers[i]!.client.doc, prng)}`);
        edits++;
      } else {
        const injected = faulty.inject(kind, prng.int(100, 1500));
        if (injected && kind === 'cut') cutPending = false;
        log.push(`step ${step}: ${kind}${injected ? '' : ' (no live connection)'}`);
      }
    };
    for (let i = 0; i < config.stepsBefore; i++) await act();
    await kill(first);
    log.push(`step ${step}: server SIGKILLed`);
    for (let i = 0; i < config.stepsDown; i++) await act();
    log.push(`step ${step}: server restarting on port ${port}`);
    const restart: { done: boolean } = { done: false };
    const restarting = spawnServer({ dataDir, port }).finally(() => {
      restart.done = true;
    });
    restarting.then((s) => servers.push(s), () => undefined);
    // Users keep typing while the process starts (offline edits, then reconnects as it listens).
    while (!restart.done) await act();
    await restarting;
    log.push(`step ${step}: server listening again`);
    for (let i = 0; i < config.stepsAfter; i++) await act();
    const current = await restarting;

    // Heal: no more faults, black holes end now; the clients redial by themselves.
    relay.jitter = 0;
    if (!overrides.blackholeWithoutReset) relay.resetAll();
    log.push('healed');
    const converged = (): boolean =>
      peers.every((p) => p.client.provider.wsconnected && p.client.provider.synced) &&
      peers.every((p) => sameState(p.client.doc, peers[0]!.client.doc) === null);
    await waitUntil(
      converged,
      peers.flatMap((p) => [[p.client.doc, 'update'], [p.client.provider, 'sync'], [p.client.provider, 'status']] as const),
      'all clients connected, synced and identical',
      overrides.convergeTimeoutMs ?? 30_000,
      () => peers.map((p) => `${p.name} connected=${p.client.provider.wsconnected} synced=${p.client.provider.synced} sv=${svString(p.client.doc)}`),
    );
    for (const peer of peers.slice(1)) {
      const diff = sameState(peer.client.doc, peers[0]!.client.doc);
      if (diff) problems.push(`${peer.name} vs c0: ${diff}`);
    }

    // Identical clients do not prove the server has it all: each client runs Yjs' formatting cleanup on
    // the same remote transactions and deletes the same markers locally; those deletions may still be on
    // their way to the server. Wait until a direct observer (it receives only stored updates: broadcasts
    // follow the append, step 2 waits for it) holds what the clients hold.
    const observer = connectClient(current.url, docName, token);
    try {
      await waitSynced(observer);
      await waitUntil(
        () => sameYState(observer.doc, peers[0]!.client.doc),
        [[observer.doc, 'update'], ...peers.map((p) => [p.client.doc, 'update'] as const)],
        'the server holds everything the clients hold',
        15_000,
        () => `observer ${svString(observer.doc)} vs c0 ${svString(peers[0]!.client.doc)}`,
      );
    } finally {
      observer.destroy();
    }

    // The stored document: stop the clients, kill -9 once more, and read what a restart loads from disk.
    for (const peer of peers) peer.client.destroy();
    await kill(current);
    const reader = await spawnServer({ dataDir, port });
    servers.push(reader);
    fresh = connectClient(reader.url, docName, token);
    await waitSynced(fresh);
    const stored = fresh.doc;
    const storedDiff = sameState(stored, peers[0]!.client.doc);
    if (storedDiff) {
      problems.push(`stored document vs clients: ${storedDiff}; deleted in the clients, not in the stored document: ` +
        `${deletionsMissing(peers[0]!.client.doc, stored)}; the other way: ${deletionsMissing(stored, peers[0]!.client.doc)}`);
      const serverLines = servers.flatMap((s) => s.output().split('\n')).filter((line) => /"level":"(warn|error)"/.test(line));
      if (serverLines.length > 0) problems.push(`server warnings/errors:\n${serverLines.slice(0, 10).join('\n')}`);
    }
    const final = Y.snapshot(stored);
    for (const peer of peers) {
      const missing = peer.received.findIndex((seen) => !contains(final, seen));
      if (missing >= 0) problems.push(`${peer.name}: the stored document lacks edits it had received (update #${missing + 1} of ${peer.received.length})`);
    }
    const lost = ledger.compare(stored);
    if (lost) problems.push(`stored document vs every edit any client made or held: ${lost}`);
    const badCuts = relay.stats.cutCloseCodes.filter((code) => code !== 4400 && code !== 1006);
    if (badCuts.length > 0) problems.push(`a truncated frame was not refused with 4400: close codes ${badCuts.join(',')}`);
    if (!relay.stats.cutCloseCodes.includes(4400) && relay.stats.cuts > 0 && !relay.stats.cutCloseCodes.includes(1006)) {
      problems.push('no cut frame was answered');
    }
    const refused = relay.stats.upstreamCloseCodes.filter((code) => code >= 4400 && code < 4500);
    if (refused.length > 0) problems.push(`the server refused a whole frame: close codes ${refused.join(',')}`);
  } catch (error) {
    problems.push(`exception: ${(error as Error).stack ?? String(error)}`);
  } finally {
    fresh?.destroy();
    for (const peer of peers) peer.client.destroy();
    await relay?.close();
    for (const server of servers) await kill(server);
    for (const server of servers) { const m = server.output().match(/DEBUGFOREIGN.*/g); if (m) console.log('FOREIGN', m.length, m.slice(0, 3)); }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    config,
    overrides,
    edits,
    received: peers.reduce((n, p) => n + p.received.length, 0),
    relay: relay?.stats ?? ({} as FaultRelay['stats']),
    problems,
    log,
  };
}

export function describeRealServerFailure(result: RealServerResult): string {
  const { config } = result;
  return [
    `real-server convergence failed for seed ${config.seed} (${JSON.stringify(config)})`,
    ...result.problems.map((p) => `  - ${p}`),
    `  relay: ${JSON.stringify({ ...result.relay, upstreamCloseCodes: undefined })}`,
    '  last steps:',
    ...result.log.slice(-20).map((line) => `    ${line}`),
    `  replay: ${result.overrides.blackholeWithoutReset ? 'CONVERGENCE_SABOTAGE=blackhole-without-reset ' : ''}` +
      `CONVERGENCE_SEED=${config.seed} CONVERGENCE_REAL_RUNS=1 npx vitest run --project convergence tests/convergence/realServer.test.ts`,
  ].join('\n');
}
