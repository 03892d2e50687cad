/**
 * Timeline costs, measured through the real write path (Room → event metadata → SQLite log, automatic
 * snapshots, checkpoints) and the real HTTP API:
 *
 *   1. storage per 1,000 edits: the first EDITS keystrokes of a real trace, one update per keystroke;
 *   2. time to open a preview of a ~1 MB document with a long history: nine copies of the trace's final
 *      text pasted as paragraphs, then the whole trace (259,778 keystrokes) typed into a tenth; preview
 *      = GET /api/docs/:doc/state?at=<random point> + apply into a throwaway Y.Doc + convert to the
 *      editor's ProseMirror document (what the preview editor renders).
 *
 *   node --import tsx bench/timeline.ts            (TIMELINE_BENCH_QUICK=1 for a smaller smoke run)
 *
 * Trace: `automerge-paper` from josephg/editing-traces (Martin Kleppmann and Alastair R. Beresford,
 * CC BY 4.0; see tests/fixtures/traces/README.md). Prints numbers; no thresholds.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { Role } from '../shared/auth.js';
import { fragmentToProseMirror } from '../server/history/restore.js';
import { stateAt } from '../server/history/reconstruct.js';
import type { RoomPeer } from '../server/peers/peer.js';
import type { PeerOrigin } from '../server/peers/origins.js';
import type { Room } from '../server/room/room.js';
import type { TandemServer } from '../server/app.js';
import { startTestServer, tempDataDir } from '../tests/helpers/server.js';
import { loadSequentialTrace } from '../tests/helpers/traces.js';
import { createPrng } from '../tests/helpers/prng.js';
import { summarize } from './stats.js';

const QUICK = process.env.TIMELINE_BENCH_QUICK === '1';
const TRACE = 'automerge-paper';
const EDITS = QUICK ? 5_000 : 20_000;
const BIG_COPIES = 9;
const BIG_TRACE_TXNS = QUICK ? 30_000 : Number.POSITIVE_INFINITY;
const PREVIEWS = QUICK ? 10 : 30;
/** Updates handed to the room per event-loop turn (one store transaction), as a busy server would batch. */
const BATCH = 500;

type Trace = ReturnType<typeof loadSequentialTrace>;

function editorPeer(name: string): RoomPeer {
  const peer: RoomPeer = {
    id: 1_000_000 + Math.floor(Math.random() * 1_000_000),
    identity: { userId: `bench-${name}`, name, color: '#3e63dd', role: Role.editor, doc: '*' },
    optedIn: false,
    tandemVersion: null,
    get origin(): PeerOrigin {
      return origin;
    },
    send: () => undefined,
    close: (code, reason) => {
      throw new Error(`bench peer closed: ${code} ${reason}`);
    },
  };
  const origin: PeerOrigin = Object.freeze({ kind: 'peer', peer });
  return peer;
}

function paragraph(text: string): Y.XmlElement {
  const element = new Y.XmlElement('paragraph');
  element.insert(0, [new Y.XmlText(text)]);
  return element;
}

/** Types the trace into paragraph `index` of the client's document; returns one update per trace txn. */
function typeTrace(doc: Y.Doc, index: number, trace: Trace, maxTxns: number): Uint8Array[] {
  const text = (doc.getXmlFragment('default').get(index) as Y.XmlElement).get(0) as Y.XmlText;
  const updates: Uint8Array[] = [];
  const collect = (update: Uint8Array): void => void updates.push(update);
  doc.on('update', collect);
  for (const txn of trace.txns.slice(0, Math.min(trace.txns.length, maxTxns))) {
    doc.transact(() => {
      for (const [position, deleteCount, insert] of txn.patches) {
        if (deleteCount > 0) text.delete(position, deleteCount);
        if (insert.length > 0) text.insert(position, insert);
      }
    });
  }
  doc.off('update', collect);
  return updates;
}

async function feed(room: Room, peer: RoomPeer, updates: Uint8Array[]): Promise<void> {
  for (let i = 0; i < updates.length; i += BATCH) {
    for (const update of updates.slice(i, i + BATCH)) room.receive(peer, { type: 'syncUpdate', update });
    await room.whenDurable();
    if (room.state.kind !== 'live') throw new Error(`room failed: ${JSON.stringify(room.state)}`);
  }
  await room.compact(true);
}

function storageOf(dataDir: string, docName: string) {
  const db = new Database(path.join(dataDir, 'tandem.sqlite'));
  db.pragma('wal_checkpoint(TRUNCATE)');
  const one = (sql: string): number => Number((db.prepare(sql).get(docName) as { v: number | null }).v ?? 0);
  const result = {
    rows: one('SELECT count(*) AS v FROM updates WHERE doc = ?'),
    updateBytes: one('SELECT sum(length(data)) AS v FROM updates WHERE doc = ?'),
    metaBytes: one('SELECT sum(length(meta)) AS v FROM updates WHERE doc = ?'),
    snapshots: one('SELECT count(*) AS v FROM snapshots WHERE doc = ?'),
    snapshotBytes: one('SELECT sum(length(data)) AS v FROM snapshots WHERE doc = ?'),
    checkpointBytes: one('SELECT sum(length(data)) AS v FROM checkpoints WHERE doc = ?'),
  };
  db.close();
  return { ...result, fileBytes: fs.statSync(path.join(dataDir, 'tandem.sqlite')).size };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number): string => `${value.toFixed(1)} ms`;

async function storagePerThousand(server: TandemServer, dataDir: string, trace: Trace): Promise<void> {
  const docName = 'bench-storage';
  const client = new Y.Doc();
  client.getXmlFragment('default').insert(0, [paragraph('')]);
  const first = Y.encodeStateAsUpdate(client);
  const updates = [first, ...typeTrace(client, 0, trace, EDITS)];
  const { room, release } = await server.rooms.hold(docName);
  await feed(room, editorPeer('Typist'), updates);
  release();
  const s = storageOf(dataDir, docName);
  const per = (bytes: number): string => kb((bytes / s.rows) * 1000);
  console.info(`\n1) storage, ${s.rows} edits of ${TRACE} (one update per keystroke), document ${kb(client.getXmlFragment('default').toString().length)} of text`);
  console.info(`   per 1,000 edits: updates ${per(s.updateBytes)} + event metadata ${per(s.metaBytes)} + automatic snapshots ${per(s.snapshotBytes)} (${s.snapshots} taken)`);
  console.info(`   = ${per(s.updateBytes + s.metaBytes + s.snapshotBytes)} of history per 1,000 edits (+ one checkpoint of ${kb(s.checkpointBytes)} per document)`);
  console.info(`   whole SQLite file (all tables, indexes, pages; after WAL checkpoint): ${kb(s.fileBytes)} → ${per(s.fileBytes)} per 1,000 edits`);
}

async function previewOfBigDocument(server: TandemServer, dataDir: string, trace: Trace): Promise<void> {
  const docName = 'bench-big';
  const client = new Y.Doc();
  const fragment = client.getXmlFragment('default');
  const paste: Uint8Array[] = [];
  const collectPaste = (update: Uint8Array): void => void paste.push(update);
  client.on('update', collectPaste);
  // Nine pasted copies of the final text (split into its own paragraphs), then an empty paragraph to type into.
  for (let copy = 0; copy < BIG_COPIES; copy++) {
    client.transact(() => fragment.insert(fragment.length, trace.endContent.split('\n\n').map((p) => paragraph(p))));
  }
  client.transact(() => fragment.insert(fragment.length, [paragraph('')]));
  client.off('update', collectPaste);
  let started = performance.now();
  const typed = typeTrace(client, fragment.length - 1, trace, BIG_TRACE_TXNS);
  const { room, release } = await server.rooms.hold(docName);
  await feed(room, editorPeer('Author'), [...paste, ...typed]);
  const buildMs = performance.now() - started;
  const json = fragmentToProseMirror(room.doc);
  const textBytes = Buffer.byteLength(json.textContent);
  const stateBytes = Y.encodeStateAsUpdate(room.doc).length;
  release();
  const s = storageOf(dataDir, docName);
  console.info(`\n2) preview of a big document: ${kb(textBytes)} of text (${kb(stateBytes)} Yjs state), ${s.rows} events of history`);
  console.info(`   built through the write path in ${(buildMs / 1000).toFixed(1)} s; stored: updates ${kb(s.updateBytes)}, metadata ${kb(s.metaBytes)}, ${s.snapshots} snapshots ${kb(s.snapshotBytes)}, SQLite file ${kb(s.fileBytes)}`);
  console.info(`   history per 1,000 edits on this document: ${kb(((s.updateBytes + s.metaBytes + s.snapshotBytes) / s.rows) * 1000)}`);

  const token = await server.tokens.mint({ sub: 'bench', name: 'Bench', role: Role.viewer, doc: docName }, 3600);
  const prng = createPrng(20261122);
  const { latestSeq } = await server.store.logBounds(docName);
  const points = [latestSeq, ...Array.from({ length: PREVIEWS - 1 }, () => prng.int(1, latestSeq))];
  const open: number[] = [];
  const server_: number[] = [];
  const bytes: number[] = [];
  for (const seq of points) {
    started = performance.now();
    const response = await fetch(`${server.url}/api/docs/${docName}/state?at=${seq}`, { headers: { authorization: `Bearer ${token}` } });
    const update = new Uint8Array(await response.arrayBuffer());
    const doc = new Y.Doc();
    Y.applyUpdate(doc, update);
    fragmentToProseMirror(doc);
    open.push(performance.now() - started);
    bytes.push(update.length);
    doc.destroy();
    started = performance.now();
    const state = await stateAt(server.store, docName, seq);
    server_.push(performance.now() - started);
    if (state.ok) state.doc.destroy();
  }
  const o = summarize(open);
  const r = summarize(server_);
  console.info(`   open a preview (HTTP state + apply + ProseMirror doc), ${o.n} points incl. the latest: p50 ${ms(o.p50)}, p95 ${ms(o.p95)}, max ${ms(o.max)}`);
  console.info(`   of which reconstruction on the server (nearest snapshot + log replay): p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, max ${ms(r.max)}`);
  console.info(`   state transferred per preview: p50 ${kb(summarize(bytes).p50)}`);
}

async function main(): Promise<void> {
  const trace = loadSequentialTrace(TRACE);
  const dataDir = tempDataDir('timeline-bench');
  // Default history settings, as `npm start` runs them.
  const server = await startTestServer({ dataDir });
  try {
    console.info(`timeline bench (${QUICK ? 'quick' : 'full'}), Node ${process.version}, SQLite in ${dataDir}`);
    await storagePerThousand(server, dataDir, trace);
    await previewOfBigDocument(server, dataDir, trace);
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
