/**
 * Authors per document (issue #12 item 5): one document, N authors each typing 2–5 edits/s (seeded PRNG)
 * with an awareness caret update per edit, N ramped over STEPS, each step on a fresh document for
 * STEP_MS. Up to 3 of the authors are stock WebsocketProviders (probes) that measure edit → remote apply;
 * the rest are light writers (bench/lightClient.ts) holding their own Y.Doc with the document's initial
 * state and typing under their own clientID, editor-shaped, without applying what others type (so the
 * bench process is not the bottleneck).
 *
 * Each edit appends a token `<author>@<sentAt>;` at the end of the author's view of the shared paragraph
 * (one Yjs item, never split), so each probe counts exactly the edits it received from the others; lost =
 * expected − received after a settle timeout. The figure is the largest N whose p99 < 250 ms with none lost;
 * the ramp stops at the first step that misses.
 */
import * as Y from 'yjs';
import { connectClient, sharedBodyTexts, waitSynced } from '../../tests/helpers/clients.js';
import { createPrng, type Prng } from '../../tests/helpers/prng.js';
import { waitUntil } from '../../tests/helpers/wait.js';
import { bodyText } from '../../tests/helpers/yBlocks.js';
import { LightConnection } from '../lightClient.js';
import { summarize } from '../stats.js';
import type { CrowdTarget } from './idleConnections.js';
import { editToken, observeEditTokens } from '../editTokens.js';

export const P99_LIMIT_MS = 250;
const PROBES = 3;
const BATCH = 100;

export interface AuthorStep {
  authors: number;
  p99Ms: number;
  edits: number;
  lost: number;
}

export interface AuthorsResult {
  seed: number;
  steps: AuthorStep[];
  /** Largest N with p99 < P99_LIMIT_MS and no lost delivery (0: none). */
  maxAuthors: number;
}

/** An author that types into its own Y.Doc and sends each update; what others type is not applied. */
interface Author {
  type(token: string, caret: number): void;
  close(): void;
}

async function lightAuthor(target: CrowdTarget, docName: string, index: number): Promise<Author> {
  const doc = new Y.Doc();
  const connection = new LightConnection(target.url, docName, target.token, doc.clientID);
  await connection.synced;
  connection.keepUpdates = false;
  Y.applyUpdate(doc, Y.mergeUpdates(connection.updates));
  connection.updates.length = 0;
  const text = bodyText(doc);
  doc.on('update', (update: Uint8Array) => connection.sendUpdate(update));
  const user = { name: `Author ${index}`, color: '#30bced' };
  return {
    type: (token, caret) => {
      text.insert(text.length, token);
      connection.setAwareness({ user, caret });
    },
    close: () => (connection.close(), doc.destroy()),
  };
}

async function runStep(target: CrowdTarget, authors: number, stepMs: number, prng: Prng): Promise<AuthorStep> {
  const docName = `authors-${Date.now()}-${authors}`;
  const probeCount = Math.min(PROBES, authors);
  const probes = Array.from({ length: probeCount }, () => connectClient(target.url, docName, target.token));
  await Promise.all(probes.map((probe) => waitSynced(probe, 30_000)));
  const probeTexts = await sharedBodyTexts(probes, 30_000);
  const writers: Author[] = probeTexts.map((text, i) => ({
    type: (token, caret) => {
      text.insert(text.length, token);
      probes[i]?.provider.awareness.setLocalStateField('caret', caret);
    },
    close: () => probes[i]?.destroy(),
  }));
  for (let i = probeCount; i < authors; i += BATCH) {
    writers.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, authors - i) }, (_, k) => lightAuthor(target, docName, i + k)))));
  }
  const latencies: number[] = [];
  const received = probeTexts.map(() => 0);
  probeTexts.forEach((text, self) =>
    observeEditTokens(text, (author, sentAt, now) => {
      if (author === self) return;
      received[self] = (received[self] ?? 0) + 1;
      latencies.push(now - sentAt);
    }),
  );
  const sent = writers.map(() => 0);
  const stopAt = performance.now() + stepMs;
  await Promise.all(
    writers.map(
      (writer, self) =>
        new Promise<void>((resolve) => {
          const stream = prng.fork(`author-${self}`);
          const next = (): void => {
            if (performance.now() >= stopAt) return resolve();
            writer.type(editToken(self), (sent[self] = (sent[self] ?? 0) + 1));
            // 2–5 edits/s: each pause drawn between 200 and 500 ms.
            setTimeout(next, stream.int(200, 500));
          };
          setTimeout(next, stream.int(0, 500));
        }),
    ),
  );
  const edits = sent.reduce((a, b) => a + b, 0);
  const expectedAt = (self: number): number => edits - (sent[self] ?? 0);
  await Promise.all(
    probes.map((probe, self) => waitUntil(() => received[self] === expectedAt(self), [[probe.doc, 'update']], 'authors converged', 15_000).catch(() => undefined)),
  );
  const lost = probes.reduce((total, _, self) => total + expectedAt(self) - (received[self] ?? 0), 0);
  for (const writer of writers) writer.close();
  return { authors, p99Ms: summarize(latencies).p99, edits, lost };
}

export async function authorsPerDocument(target: CrowdTarget, ramp: readonly number[], stepMs: number, seed: number): Promise<AuthorsResult> {
  const prng = createPrng(seed);
  const steps: AuthorStep[] = [];
  let maxAuthors = 0;
  for (const authors of ramp) {
    const step = await runStep(target, authors, stepMs, prng.fork(`step-${authors}`));
    steps.push(step);
    if (!(step.p99Ms < P99_LIMIT_MS && step.lost === 0)) break;
    maxAuthors = authors;
  }
  return { seed, steps, maxAuthors };
}
