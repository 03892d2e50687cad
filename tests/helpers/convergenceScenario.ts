/**
 * One randomized convergence scenario, fully determined by its seed: K editor replicas around a
 * hub, random user actions, random network faults, offline periods and reloads from IndexedDB;
 * then every fault heals and the convergence invariant is checked.
 */
import * as Y from 'yjs';
import { randomAction } from './convergenceActions.js';
import { checkConvergence } from './convergenceCheck.js';
import { classifyProblems, type ClassifiedProblems } from './convergenceKnownIssues.js';
import { useFreshIndexedDb } from './convergenceIdb.js';
import { EditLedger } from './convergenceLedger.js';
import { Endpoint, type Link, Network, type NetworkProfile, type RelayPolicy } from './convergenceNetwork.js';
import { EditorReplica } from './convergenceReplica.js';
import { createPrng, type Prng } from './prng.js';
import { DocumentRepairs } from '../../shared/editor/documentRepairs.js';
import { checkUpdate } from '../../server/integrity/updateCheck.js';

export interface ScenarioConfig {
  seed: number;
  replicas: number;
  steps: number;
  hubRelay: RelayPolicy;
  profile: NetworkProfile;
  /** Relative weights of what happens at each step besides user edits. */
  faults: { offline: number; online: number; partition: number; heal: number; reset: number; restart: number };
  /** Replicas persist to (fake) IndexedDB and may be reloaded from it. */
  persistence: boolean;
  /** Extra client↔client links, as BroadcastChannel between tabs of one browser. */
  peerLinks: number;
}

export interface ScenarioResult {
  config: ScenarioConfig;
  /** User actions performed. */
  ops: number;
  messages: number;
  /** Every problem found, then split into new failures and known upstream issues. */
  problems: string[];
  failures: ClassifiedProblems['failures'];
  known: ClassifiedProblems['known'];
  log: string[];
}

export interface ScenarioOverrides {
  /** Deliberate sabotage to prove the suite can fail: lost messages are not followed by a resync. */
  dropWithoutResync?: boolean;
  /** How the hub relays (default `all`, like @y/websocket-server); see RelayPolicy. */
  hubRelay?: RelayPolicy;
}

export function scenarioConfig(seed: number, overrides: ScenarioOverrides = {}): ScenarioConfig {
  const prng = createPrng(seed).fork('config');
  const on = (p: number, weight: number): number => (prng.chance(p) ? weight : 0);
  const replicas = Number(prng.weighted({ 2: 30, 3: 25, 4: 20, 5: 10, 6: 7, 8: 8 }));
  const persistence = prng.chance(0.25);
  return {
    seed,
    replicas,
    steps: prng.int(15, 60),
    hubRelay: overrides.hubRelay ?? 'all',
    profile: {
      latency: prng.int(0, 30),
      jitter: prng.pick([0, 5, 50, 300]),
      fifo: prng.chance(0.5),
      lossRate: prng.pick([0, 0, 0.02, 0.1]),
      duplicateRate: prng.pick([0, 0.05, 0.3]),
      reconnectDelay: prng.int(10, 500),
      resyncAfterLoss: !overrides.dropWithoutResync,
    },
    faults: {
      offline: on(0.5, 3),
      online: 3,
      partition: on(0.4, 2),
      heal: 3,
      reset: on(0.4, 1),
      restart: persistence ? 2 : 0,
    },
    persistence,
    peerLinks: prng.chance(0.2) ? prng.int(1, 2) : 0,
  };
}

/** Mutable state of a running scenario. */
interface World {
  prng: Prng;
  net: Network;
  hub: Y.Doc;
  ledger: EditLedger;
  replicas: EditorReplica[];
  endpoints: Endpoint[];
  serverLinks: Link[];
  usedClientIds: Set<number>;
  log: string[];
}

function freshClientId(world: World): number {
  let id: number;
  do id = world.prng.uint32() & 0x3fffffff;
  while (world.usedClientIds.has(id) || id === 0);
  world.usedClientIds.add(id);
  return id;
}

async function openReplica(world: World, config: ScenarioConfig, index: number): Promise<EditorReplica> {
  const options = { name: `r${index}`, clientID: freshClientId(world), ids: world.prng.fork(`ids-${world.usedClientIds.size}`) };
  const replica = config.persistence
    ? await EditorReplica.open({ ...options, idbName: `tandem-r${index}` })
    : EditorReplica.openInMemory(options);
  world.ledger.track(replica.doc);
  const endpoint = world.endpoints[index]!;
  const serverLink = world.serverLinks[index]!;
  endpoint.attach(replica.doc);
  // y-websocket's `synced`, which UniqueID waits for: only the server connection counts, not the
  // BroadcastChannel-like peer links.
  endpoint.onSynced = (link) => {
    if (link === serverLink) replica.provider.handshakeCompleted();
  };
  endpoint.onDisconnected = (link) => {
    if (link === serverLink) replica.provider.connectionLost();
  };
  return replica;
}

/** Reload the page: flush to IndexedDB, tear down, rebuild from IndexedDB with a new client id. */
async function restart(world: World, config: ScenarioConfig, index: number): Promise<void> {
  const endpoint = world.endpoints[index]!;
  for (const link of endpoint.links) link.disconnect();
  endpoint.detach();
  await world.replicas[index]!.close();
  world.replicas[index] = await openReplica(world, config, index);
  for (const link of endpoint.links) world.net.after(world.prng.int(0, 200), () => world.net.maybeConnect(link));
}

async function faultStep(world: World, config: ScenarioConfig, kind: keyof ScenarioConfig['faults']): Promise<void> {
  const { prng, net } = world;
  const i = prng.int(0, config.replicas - 1);
  const serverLink = world.serverLinks[i]!;
  switch (kind) {
    case 'offline':
      net.heldDown.add(serverLink);
      serverLink.disconnect();
      break;
    case 'online':
      if (net.heldDown.delete(serverLink)) net.after(prng.int(0, 300), () => net.maybeConnect(serverLink));
      break;
    case 'partition':
      if (serverLink.up) serverLink.blackholed = true;
      break;
    case 'heal':
      serverLink.heal(prng.chance(0.5));
      break;
    case 'reset':
      if (serverLink.up) serverLink.reset();
      break;
    case 'restart':
      await restart(world, config, i);
      break;
  }
  world.log.push(`t=${net.now} ${kind} r${i}`);
}

export async function runScenario(seed: number, overrides: ScenarioOverrides = {}): Promise<ScenarioResult> {
  const config = scenarioConfig(seed, overrides);
  const prng = createPrng(seed);
  // A fresh IndexedDB per scenario: seeds stay independent and old databases can be collected.
  useFreshIndexedDb();
  const net = new Network(prng.fork('network'), config.profile);
  const hubEndpoint = new Endpoint('hub', config.hubRelay);
  const world: World = {
    prng,
    net,
    hub: new Y.Doc({ gc: true }),
    ledger: new EditLedger(),
    replicas: [],
    endpoints: [],
    serverLinks: [],
    usedClientIds: new Set(),
    log: [],
  };
  // The hub is the server: a seeded client id (its repairs write to the doc) and the room's repairs.
  world.hub.clientID = prng.fork('hub').uint32() & 0x3fffffff || 1;
  world.usedClientIds.add(world.hub.clientID);
  const hubRepairs = new DocumentRepairs(world.hub);
  hubEndpoint.afterApply = () => void hubRepairs.run();
  // The server judges every update before applying it; honest editors must never send one it refuses
  // (an incomplete one is fine: the server asks for what is missing, which this hub models by applying).
  hubEndpoint.beforeApply = (update) => {
    const verdict = checkUpdate(update, { doc: world.hub, foreignClient: () => null });
    if (!verdict.ok && verdict.refusal.kind !== 'incomplete') problems.push(`the server would refuse an honest update: ${JSON.stringify(verdict.refusal)}`);
  };
  hubEndpoint.attach(world.hub);
  world.ledger.track(world.hub);
  let ops = 0;
  const problems: string[] = [];
  try {
    for (let i = 0; i < config.replicas; i++) {
      const endpoint = new Endpoint(`r${i}`, 'none');
      world.endpoints.push(endpoint);
      world.serverLinks.push(net.link(endpoint, hubEndpoint));
      world.replicas.push(await openReplica(world, config, i));
    }
    for (let p = 0; p < config.peerLinks; p++) {
      const a = prng.int(0, config.replicas - 1);
      const b = (a + prng.int(1, config.replicas - 1)) % config.replicas;
      net.link(world.endpoints[a]!, world.endpoints[b]!);
    }
    for (const link of net.links) link.connect();

    const stepWeights = { edit: 24, ...config.faults };
    for (let step = 0; step < config.steps; step++) {
      net.runUntil(net.now + prng.int(0, 60));
      const kind = prng.weighted(stepWeights);
      if (kind === 'edit') {
        const i = prng.int(0, config.replicas - 1);
        try {
          world.log.push(`t=${net.now} r${i} ${randomAction(world.replicas[i]!, prng)}`);
        } catch (error) {
          // A throwing key handler or command is a bug, but in a browser it only loses that one
          // keypress; record it and keep going, so the scenario still checks convergence.
          problems.push(`r${i} action threw: ${(error as Error).stack ?? String(error)}`);
          world.log.push(`t=${net.now} r${i} action threw`);
        }
        ops++;
      } else {
        await faultStep(world, config, kind);
      }
    }

    // Heal everything: faults stop, black holes end, every client comes online, the net drains.
    net.faultsEnabled = false;
    net.heldDown.clear();
    for (const link of net.links) {
      link.heal(prng.chance(0.5));
      link.connect();
    }
    net.settle();
    problems.push(...net.errors.slice(0, 3));
    problems.push(...checkConvergence({ replicas: world.replicas, hub: world.hub, ledger: world.ledger }));
  } catch (error) {
    problems.push(`exception: ${(error as Error).stack ?? String(error)}`);
  } finally {
    hubRepairs.destroy();
    for (const replica of world.replicas) replica.dispose();
  }
  return { config, ops, messages: net.stats.delivered, problems, ...classifyProblems(problems), log: world.log };
}

/** The one-line command that replays exactly this seed. */
export function replayCommand(config: ScenarioConfig, testFile = 'tests/convergence/randomized.test.ts'): string {
  const sabotage = config.profile.resyncAfterLoss ? '' : 'CONVERGENCE_SABOTAGE=drop-without-resync ';
  return `${sabotage}CONVERGENCE_SEED=${config.seed} CONVERGENCE_RUNS=1 npx vitest run --project convergence ${testFile}`;
}

/** Overrides requested through the environment (used to replay sabotage runs). */
export function overridesFromEnv(): ScenarioOverrides {
  const sabotage = process.env.CONVERGENCE_SABOTAGE;
  if (sabotage === undefined || sabotage === '') return {};
  if (sabotage === 'drop-without-resync') return { dropWithoutResync: true };
  throw new Error(`unknown CONVERGENCE_SABOTAGE ${sabotage}`);
}

export function describeFailure(result: ScenarioResult, testFile?: string): string {
  const { config } = result;
  return [
    `convergence failed for seed ${config.seed} (${config.replicas} replicas, ${config.steps} steps, ` +
      `${JSON.stringify(config.profile)}, persistence=${config.persistence}, peerLinks=${config.peerLinks})`,
    ...result.failures.map((p) => `  - ${p}`),
    ...result.known.map((k) => `  - (known issue ${k.id}) ${k.problem.split('\n')[0]}`),
    '  last steps:',
    ...result.log.slice(-25).map((line) => `    ${line}`),
    `  replay: ${replayCommand(config, testFile)}`,
  ].join('\n');
}
