/**
 * The convergence invariant, checked after every scenario:
 *  - every replica (and the hub) has the same Yjs state vector and delete set, and nothing pending;
 *  - every editor shows the same ProseMirror JSON, which is also what a freshly loaded editor
 *    renders from the hub's state (incremental rendering must not drift from a reload);
 *  - every editor's document is valid for the app's schema;
 *  - no edit was lost: the hub holds exactly the clocks and deletions the ledger recorded from
 *    every doc's local transactions, ever (see convergenceLedger.ts).
 * Returns the list of problems (empty when converged) so the caller can print them with the seed.
 */
import * as Y from 'yjs';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { headingsBySectionId } from '../../shared/sections/sectionIdRepair.js';
import type { EditLedger } from './convergenceLedger.js';
import { EditorReplica } from './convergenceReplica.js';
import { createPrng } from './prng.js';

export interface ConvergenceInput {
  replicas: readonly EditorReplica[];
  hub: Y.Doc;
  /** Every edit any doc ever made; null when a scenario cannot track it. */
  ledger: EditLedger | null;
}

const FRESH_RENDER_CLIENT_ID = 0x7fff_fff0;

function svHex(doc: Y.Doc): string {
  return [...Y.decodeStateVector(Y.encodeStateVector(doc))]
    .sort(([a], [b]) => a - b)
    .map(([client, clock]) => `${client}:${clock}`)
    .join(',');
}

function pendingOf(doc: Y.Doc): string | null {
  const { pendingStructs, pendingDs } = doc.store;
  if (pendingStructs === null && pendingDs === null) return null;
  const missing = pendingStructs ? [...pendingStructs.missing].map(([c, k]) => `${c}:${k}`).join(',') : '';
  return `pending structs (missing ${missing || 'none'})${pendingDs ? ' and pending deletes' : ''}`;
}

function sameYState(a: Y.Doc, b: Y.Doc): string | null {
  const svA = svHex(a);
  const svB = svHex(b);
  if (svA !== svB) return `state vectors differ: ${svA} vs ${svB}`;
  const dsA = Y.createDeleteSetFromStructStore(a.store);
  const dsB = Y.createDeleteSetFromStructStore(b.store);
  if (!Y.equalDeleteSets(dsA, dsB)) return 'delete sets differ';
  return null;
}

function schemaProblem(replica: EditorReplica): string | null {
  try {
    replica.editor.state.doc.check();
    return null;
  } catch (error) {
    return `document invalid for the schema: ${(error as Error).message}`;
  }
}

/** Short textual diff hint: first differing character offset of two JSON strings. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at char ${i}: …${a.slice(Math.max(0, i - 40), i + 60)}… vs …${b.slice(Math.max(0, i - 40), i + 60)}…`;
}

/** Headings are sections' identities (presence, locks, timeline): no two may share a `sectionId`. */
function duplicateSectionIds(hub: Y.Doc): string | null {
  const shared = [...headingsBySectionId(hub.getXmlFragment(DOCUMENT_FRAGMENT))].filter(([, headings]) => headings.length > 1);
  if (shared.length === 0) return null;
  return `headings share a sectionId in the Y document: ${shared.map(([id, headings]) => `${id}×${headings.length}`).join(', ')}`;
}

export function checkConvergence({ replicas, hub, ledger }: ConvergenceInput): string[] {
  const problems: string[] = [];
  const hubPending = pendingOf(hub);
  if (hubPending) problems.push(`hub: ${hubPending}`);
  for (const replica of replicas) {
    const pending = pendingOf(replica.doc);
    if (pending) problems.push(`${replica.name}: ${pending}`);
    const yDiff = sameYState(replica.doc, hub);
    if (yDiff) problems.push(`${replica.name} vs hub: ${yDiff}`);
    const invalid = schemaProblem(replica);
    if (invalid) problems.push(`${replica.name}: ${invalid}`);
  }
  const duplicates = duplicateSectionIds(hub);
  if (duplicates) problems.push(`hub: ${duplicates}`);
  const lost = ledger?.compare(hub);
  if (lost) problems.push(`hub: ${lost}`);

  // Render the hub's state in a brand-new editor: what a user who reloads now would see.
  const fresh = EditorReplica.fromUpdate(
    { name: 'fresh', clientID: FRESH_RENDER_CLIENT_ID, ids: createPrng(0) },
    Y.encodeStateAsUpdate(hub),
  );
  // A reload in the app: the document is there (IndexedDB), then the provider syncs with the server.
  fresh.provider.handshakeCompleted();
  try {
    const expected = JSON.stringify(fresh.editor.getJSON());
    const invalid = schemaProblem(fresh);
    if (invalid) problems.push(`fresh render of hub: ${invalid}`);
    for (const replica of replicas) {
      const actual = JSON.stringify(replica.editor.getJSON());
      if (actual !== expected) {
        problems.push(`${replica.name}: ProseMirror JSON differs from a fresh render ${firstDifference(actual, expected)}`);
      }
    }
  } finally {
    fresh.dispose();
  }
  return problems;
}
