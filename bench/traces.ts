/**
 * Real editing traces from ../shared/traces (josephg/editing-traces, CC BY 4.0; see that folder's README
 * for attribution). Sequential traces are replayed into a Y.Text, one Yjs transaction per trace txn.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import * as Y from 'yjs';
import { REPO_ROOT } from '../tests/helpers/server.js';

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
