/**
 * Real editing traces from tests/fixtures/traces (josephg/editing-traces, CC BY 4.0; see that folder's README
 * for attribution). Sequential traces are replayed into the text of one paragraph of the editor fragment
 * (a Y.XmlText, see `bodyText`), one Yjs transaction per trace txn; concurrent traces are converted into
 * each agent's own sequence of Yjs updates on one shared paragraph.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import * as Y from 'yjs';
import { REPO_ROOT } from './server.js';
import { bodyText, existingBodyText, plainText } from './yBlocks.js';

interface SequentialTrace {
  endContent: string;
  txns: Array<{ patches: Array<[number, number, string]> }>;
}

export const TRACES_DIR = path.resolve(REPO_ROOT, 'tests/fixtures/traces');

export function loadSequentialTrace(name: string): SequentialTrace {
  const file = path.join(TRACES_DIR, 'sequential', `${name}.json.gz`);
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as SequentialTrace;
}

/** Replays a trace into the document's first paragraph (`bodyText`; created in the first transaction if
 *  the document has none), returning the per-transaction updates (what a client would send). */
export function replayTrace(trace: SequentialTrace, doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = [];
  const collect = (update: Uint8Array): void => {
    updates.push(update);
  };
  doc.on('update', collect);
  for (const txn of trace.txns) {
    doc.transact(() => {
      const text = bodyText(doc);
      for (const [position, deleteCount, insert] of txn.patches) {
        if (deleteCount > 0) text.delete(position, deleteCount);
        if (insert.length > 0) text.insert(position, insert);
      }
    });
  }
  doc.off('update', collect);
  const text = existingBodyText(doc);
  if ((text ? plainText(text) : '') !== trace.endContent) throw new Error('trace replay diverged from its endContent');
  return updates;
}

interface ConcurrentTrace {
  endContent: string;
  numAgents: number;
  txns: Array<{ parents: number[]; agent: number; patches: Array<[number, number, string]> }>;
}

export function loadConcurrentTrace(name: string): ConcurrentTrace {
  const file = path.join(TRACES_DIR, 'concurrent', `${name}.json.gz`);
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as ConcurrentTrace;
}

/**
 * Converts a concurrent trace into per-agent Yjs updates, as each agent would have sent them. Follows the
 * pitfalls measured in the traces README: one Y.Doc per agent with a fixed clientID; versions tracked as
 * per-agent txn counts (a delete-only txn does not advance a Yjs clock); missing txns applied in global
 * txn order (out-of-order delivery parks updates as pending and is very slow).
 *
 * The agents type into one paragraph of the editor fragment that exists before any of them starts: `base`
 * creates it (an empty `<paragraph>` with its Y.XmlText, by clientID numAgents + 1), every agent starts
 * from it, and every agent's updates depend on it, so it must be delivered first.
 *
 * Per txn (global index) also: `requires`, the state vector of its agent's doc just before it (what the
 * agent had received from others, and its own earlier txns), and `received`, whether the agent applied
 * other agents' txns right before it.
 */
export function convertConcurrentTrace(trace: ConcurrentTrace): ConvertedConcurrentTrace {
  const author = new Y.Doc();
  author.clientID = trace.numAgents + 1;
  bodyText(author);
  const base = Y.encodeStateAsUpdate(author);
  author.destroy();
  const docs = Array.from({ length: trace.numAgents }, (_, agent) => {
    const doc = new Y.Doc();
    doc.clientID = agent + 1;
    Y.applyUpdate(doc, base, 'remote');
    return doc;
  });
  /** versionAfter[i][agent]: how many of agent's txns are included once txn i is applied. */
  const versionAfter: number[][] = [];
  const agentTxns: number[][] = Array.from({ length: trace.numAgents }, () => []);
  const applied: number[][] = docs.map(() => new Array<number>(trace.numAgents).fill(0));
  const updates: Uint8Array[] = [];
  const updatesByAgent: Uint8Array[][] = docs.map(() => []);
  const requires: Array<Map<number, number>> = [];
  const received: boolean[] = [];
  trace.txns.forEach((txn, index) => {
    const need = new Array<number>(trace.numAgents).fill(0);
    for (const parent of txn.parents) (versionAfter[parent] as number[]).forEach((count, agent) => (need[agent] = Math.max(need[agent] as number, count)));
    const doc = docs[txn.agent] as Y.Doc;
    const have = applied[txn.agent] as number[];
    const missing: number[] = [];
    need.forEach((count, agent) => {
      for (let k = have[agent] as number; k < count; k++) missing.push((agentTxns[agent] as number[])[k] as number);
    });
    for (const txnIndex of missing.sort((a, b) => a - b)) Y.applyUpdate(doc, updates[txnIndex] as Uint8Array, 'remote');
    requires[index] = Y.decodeStateVector(Y.encodeStateVector(doc));
    received[index] = missing.length > 0;
    need.forEach((count, agent) => (have[agent] = Math.max(have[agent] as number, count)));
    let update: Uint8Array | null = null;
    const capture = (u: Uint8Array, origin: unknown): void => {
      if (origin !== 'remote') update = update ? Y.mergeUpdates([update, u]) : u;
    };
    doc.on('update', capture);
    doc.transact(() => {
      const text = existingBodyText(doc);
      if (!text) throw new Error('the shared paragraph is missing');
      for (const [position, deleteCount, insert] of txn.patches) {
        if (deleteCount > 0) text.delete(position, deleteCount);
        if (insert.length > 0) text.insert(position, insert);
      }
    });
    doc.off('update', capture);
    const own = update ?? Y.encodeStateAsUpdate(new Y.Doc());
    updates[index] = own;
    (updatesByAgent[txn.agent] as Uint8Array[]).push(own);
    (agentTxns[txn.agent] as number[]).push(index);
    have[txn.agent] = (have[txn.agent] as number) + 1;
    const after = [...need];
    after[txn.agent] = have[txn.agent] as number;
    versionAfter[index] = after;
  });
  return { base, updatesByAgent, updates, agents: trace.txns.map((txn) => txn.agent), requires, received };
}

export interface ConvertedConcurrentTrace {
  base: Uint8Array;
  updatesByAgent: Uint8Array[][];
  /** By global txn index. */
  updates: Uint8Array[];
  agents: number[];
  requires: Array<Map<number, number>>;
  received: boolean[];
}

/** One agent's frame: consecutive txns of that agent merged, and the state the server must already hold
 *  (clocks of the other clients) for the frame to be complete when it arrives. */
export interface TraceFrame {
  agent: number;
  update: Uint8Array;
  requires: Map<number, number>;
}

/**
 * The agents' updates as frames in an order a server that refuses incomplete updates accepts, the way
 * real clients send: an agent's frame holds at most `maxTxns` of its consecutive txns and ends where the
 * agent received others' txns (so a frame never depends on what its agent received after it began), and
 * a frame may only be delivered once the server holds its `requires`. Frames are ordered by their first
 * txn; each depends only on txns before that one, so delivering in this order, each when its
 * requirements are met, never waits forever. Frames whose requirements are already met travel
 * concurrently on their agents' connections.
 */
export function concurrentTraceFrames(converted: ConvertedConcurrentTrace, maxTxns: number): TraceFrame[] {
  const frames: Array<TraceFrame & { first: number }> = [];
  const open = new Map<number, { first: number; updates: Uint8Array[]; requires: Map<number, number> }>();
  const close = (agent: number): void => {
    const chunk = open.get(agent);
    if (!chunk) return;
    open.delete(agent);
    const requires = new Map(chunk.requires);
    // The agent's own earlier frames travel before this one on the same connection.
    requires.delete(agent + 1);
    frames.push({ agent, first: chunk.first, update: Y.mergeUpdates(chunk.updates), requires });
  };
  converted.updates.forEach((update, index) => {
    const agent = converted.agents[index] as number;
    const chunk = open.get(agent);
    if (chunk && (converted.received[index] || chunk.updates.length >= maxTxns)) close(agent);
    const current = open.get(agent) ?? { first: index, updates: [], requires: converted.requires[index] as Map<number, number> };
    current.updates.push(update);
    open.set(agent, current);
  });
  for (const agent of [...open.keys()]) close(agent);
  return frames.sort((a, b) => a.first - b.first).map(({ agent, update, requires }) => ({ agent, update, requires }));
}
