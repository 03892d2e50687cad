/**
 * Real editing traces from ../shared/traces (josephg/editing-traces, CC BY 4.0; see that folder's README
 * for attribution). Sequential traces are replayed into a Y.Text, one Yjs transaction per trace txn;
 * concurrent traces are converted into each agent's own sequence of Yjs updates.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import * as Y from 'yjs';
import { REPO_ROOT } from './server.js';

interface SequentialTrace {
  endContent: string;
  txns: Array<{ patches: Array<[number, number, string]> }>;
}

export const TRACES_DIR = path.resolve(REPO_ROOT, '../shared/traces');

export function loadSequentialTrace(name: string): SequentialTrace {
  const file = path.join(TRACES_DIR, 'sequential', `${name}.json.gz`);
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as SequentialTrace;
}

/** Replays a trace into `text`, returning the per-transaction updates (what a client would send). */
export function replayTrace(trace: SequentialTrace, doc: Y.Doc, textName = 't'): Uint8Array[] {
  const text = doc.getText(textName);
  const updates: Uint8Array[] = [];
  const collect = (update: Uint8Array): void => {
    updates.push(update);
  };
  doc.on('update', collect);
  for (const txn of trace.txns) {
    doc.transact(() => {
      for (const [position, deleteCount, insert] of txn.patches) {
        if (deleteCount > 0) text.delete(position, deleteCount);
        if (insert.length > 0) text.insert(position, insert);
      }
    });
  }
  doc.off('update', collect);
  if (text.toString() !== trace.endContent) throw new Error('trace replay diverged from its endContent');
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
 */
export function convertConcurrentTrace(trace: ConcurrentTrace): { updatesByAgent: Uint8Array[][]; updates: Uint8Array[] } {
  const docs = Array.from({ length: trace.numAgents }, (_, agent) => {
    const doc = new Y.Doc();
    doc.clientID = agent + 1;
    return doc;
  });
  /** versionAfter[i][agent]: how many of agent's txns are included once txn i is applied. */
  const versionAfter: number[][] = [];
  const agentTxns: number[][] = Array.from({ length: trace.numAgents }, () => []);
  const applied: number[][] = docs.map(() => new Array<number>(trace.numAgents).fill(0));
  const updates: Uint8Array[] = [];
  const updatesByAgent: Uint8Array[][] = docs.map(() => []);
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
    need.forEach((count, agent) => (have[agent] = Math.max(have[agent] as number, count)));
    let update: Uint8Array | null = null;
    const capture = (u: Uint8Array, origin: unknown): void => {
      if (origin !== 'remote') update = update ? Y.mergeUpdates([update, u]) : u;
    };
    doc.on('update', capture);
    doc.transact(() => {
      const text = doc.getText('t');
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
  return { updatesByAgent, updates };
}
