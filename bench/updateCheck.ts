/**
 * What judging an update costs the server (server/integrity/updateCheck.ts), next to what applying it costs:
 * the automerge-paper trace (259,778 keystrokes, tests/fixtures/traces, CC BY 4.0) replayed keystroke by
 * keystroke into one paragraph, each update checked against the server's document and then applied, as the
 * room does; and the same for keystrokes at the end of a ~200-page document (2,000 paragraphs, ~1 MB of text).
 * Prints microseconds per update (median, p99). Numbers, no thresholds.
 *
 *   npm run bench:check
 */
import * as Y from 'yjs';
import { checkUpdate } from '../server/integrity/updateCheck.js';
import { loadSequentialTrace } from '../tests/helpers/traces.js';
import { summarize } from './stats.js';

const accept = { foreignClient: () => null };

function measure(server: Y.Doc, updates: Uint8Array[]): { check: number[]; apply: number[] } {
  const check: number[] = [];
  const apply: number[] = [];
  for (const update of updates) {
    let started = process.hrtime.bigint();
    const verdict = checkUpdate(update, { doc: server, ...accept });
    check.push(Number(process.hrtime.bigint() - started) / 1000);
    if (!verdict.ok) throw new Error(`an honest update was refused: ${JSON.stringify(verdict.refusal)}`);
    started = process.hrtime.bigint();
    Y.applyUpdate(server, update);
    apply.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return { check, apply };
}

/** Every update `edit` makes on a fresh replica of `base`, one per transaction. */
function updatesOf(base: Uint8Array, edit: (doc: Y.Doc) => void): Uint8Array[] {
  const client = new Y.Doc();
  Y.applyUpdate(client, base);
  const updates: Uint8Array[] = [];
  client.on('update', (update: Uint8Array) => updates.push(update));
  edit(client);
  return updates;
}

function paragraph(text: string): Y.XmlElement {
  const element = new Y.XmlElement('paragraph');
  element.insert(0, [new Y.XmlText(text)]);
  return element;
}

function row(label: string, samples: { check: number[]; apply: number[] }): string {
  const check = summarize(samples.check);
  const apply = summarize(samples.apply);
  return `| ${label} | ${samples.check.length} | ${check.p50.toFixed(1)} | ${check.p99.toFixed(1)} | ${apply.p50.toFixed(1)} | ${apply.p99.toFixed(1)} |`;
}

const trace = loadSequentialTrace('automerge-paper');
const empty = new Y.Doc();
empty.getXmlFragment('default').insert(0, [paragraph('')]);
const start = Y.encodeStateAsUpdate(empty);
const typing = updatesOf(start, (doc) => {
  const text = (doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
  for (const txn of trace.txns) {
    doc.transact(() => {
      for (const [position, deleteCount, insert] of txn.patches) {
        if (deleteCount > 0) text.delete(position, deleteCount);
        if (insert) text.insert(position, insert);
      }
    });
  }
});
const traceServer = new Y.Doc();
traceServer.getXmlFragment('default');
Y.applyUpdate(traceServer, start);

const big = new Y.Doc();
const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. '.repeat(4);
big.getXmlFragment('default').insert(0, Array.from({ length: 2000 }, (_, i) => paragraph(`${i} ${line}`)));
const bigState = Y.encodeStateAsUpdate(big);
const bigServer = new Y.Doc();
bigServer.getXmlFragment('default');
Y.applyUpdate(bigServer, bigState);
const bigTyping = updatesOf(bigState, (doc) => {
  const last = doc.getXmlFragment('default').get(1999) as Y.XmlElement;
  const text = last.get(0) as Y.XmlText;
  for (let i = 0; i < 5000; i++) text.insert(text.length, 'x');
});

console.log(`| updates | n | check p50 µs | check p99 µs | apply p50 µs | apply p99 µs |`);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
console.log(row('automerge-paper, keystroke by keystroke', measure(traceServer, typing)));
console.log(row(`keystrokes at the end of a ${Math.round(bigState.length / 1024)} KiB document (2,000 paragraphs)`, measure(bigServer, bigTyping)));
