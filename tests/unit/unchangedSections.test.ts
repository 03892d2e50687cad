/**
 * Typing must not walk the whole document: the outline's sections and the lock decorations are carried
 * over (or mapped) through edits that `leavesSectionsUnchanged` admits, and recomputed otherwise. These
 * tests drive a headless editor with random user actions (seeded, replayable) and check, after every
 * action, that what was carried over equals a full recompute.
 *
 *   UNCHANGED_SECTIONS_SEED=<seed> UNCHANGED_SECTIONS_RUNS=<n> npx vitest run tests/unit/unchangedSections.test.ts
 */
import '../helpers/convergenceDom.js';
import { Editor, type JSONContent } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import type { Transaction } from '@tiptap/pm/state';
import type { Decoration, DecorationSet } from '@tiptap/pm/view';
import { yUndoPluginKey } from '@tiptap/y-tiptap';
import { afterEach, describe, expect, it } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { LockClient } from '../../client/locks/lockClient.js';
import { buildDecorations, SectionLocks, sectionLocksKey } from '../../client/locks/sectionLocksExtension.js';
import { PresenceRuntime } from '../../client/presence/PresenceRuntime.js';
import { DOCUMENT_FRAGMENT, documentExtensions } from '../../shared/editor/extensions.js';
import type { LockEntry } from '../../shared/locks/lockProtocol.js';
import { blocksFromProseMirror } from '../../shared/sections/blockSummaries.js';
import { sectionsOf } from '../../shared/sections/sectionModel.js';
import { leavesSectionsUnchanged } from '../../shared/sections/unchangedSections.js';
import { randomAction } from '../helpers/convergenceActions.js';
import type { EditorReplica } from '../helpers/convergenceReplica.js';
import { createPrng, type Prng } from '../helpers/prng.js';

const SEED = Number(process.env.UNCHANGED_SECTIONS_SEED ?? 20261204);
const RUNS = Number(process.env.UNCHANGED_SECTIONS_RUNS ?? 8);
/** Headless editors are slow on a loaded machine; the runs are bounded, not timed. */
const TIMEOUT_MS = 60_000;
const ACTIONS = 60;
const replay = (seed: number): string => `UNCHANGED_SECTIONS_SEED=${seed} UNCHANGED_SECTIONS_RUNS=1 npx vitest run tests/unit/unchangedSections.test.ts`;

const h = (level: number, sectionId: string, text: string): JSONContent => ({ type: 'heading', attrs: { level, sectionId }, content: [{ type: 'text', text }] });
const p = (text: string): JSONContent => ({ type: 'paragraph', content: [{ type: 'text', text }] });
const list = (...items: string[]): JSONContent => ({ type: 'bulletList', content: items.map((text) => ({ type: 'listItem', content: [p(text)] })) });
const START: JSONContent = {
  type: 'doc',
  content: [p('before any heading'), h(1, 's-a', 'Alpha'), p('alpha one'), list('item one', 'item two'), h(2, 's-b', 'Beta'), p('beta text'), h(1, 's-c', 'Gamma'), p('gamma text'), p('more gamma')],
};

const teardown: Array<() => void> = [];
afterEach(() => {
  for (const close of teardown.splice(0)) close();
});

function headlessEditor(extra: (doc: Y.Doc, awareness: Awareness) => Editor['extensionManager']['extensions']): { editor: Editor; awareness: Awareness; actor: EditorReplica } {
  const doc = new Y.Doc();
  const awareness = new Awareness(doc);
  const editor = new Editor({
    element: document.createElement('div'),
    injectCSS: false,
    extensions: [...documentExtensions(), Collaboration.configure({ document: doc, field: DOCUMENT_FRAGMENT }), ...extra(doc, awareness)],
  });
  editor.commands.setContent(START);
  const undoManager = (yUndoPluginKey.getState(editor.state) as { undoManager: Y.UndoManager }).undoManager;
  // randomAction only needs the editor and a way to start a new undo step.
  const actor = { editor, pauseTyping: () => undoManager.stopCapturing() } as unknown as EditorReplica;
  teardown.push(() => {
    editor.destroy();
    awareness.destroy();
    doc.destroy();
  });
  return { editor, awareness, actor };
}

function act(actor: EditorReplica, prng: Prng, log: string[]): void {
  try {
    log.push(randomAction(actor, prng));
  } catch (error) {
    // A random command may be invalid at a random position; the document is then unchanged.
    log.push(`threw ${(error as Error).message}`);
  }
}

const sectionsNow = (editor: Editor) => sectionsOf(blocksFromProseMirror(editor.state.doc));

/** Comparable form of a decoration set: position, widget key, node attributes. */
function described(set: DecorationSet | undefined): string[] {
  return (set?.find() ?? []).map((decoration: Decoration) => {
    const { attrs } = (decoration as unknown as { type: { attrs?: Record<string, string> } }).type;
    return `${decoration.from}-${decoration.to} ${String(decoration.spec.key ?? '')} ${JSON.stringify(attrs ?? null)}`;
  });
}

describe('leavesSectionsUnchanged', () => {
  it(`admits only edits after which the sections are the same (${RUNS} runs from seed ${SEED})`, () => {
    let admitted = 0;
    let refused = 0;
    for (let run = 0; run < RUNS; run++) {
      const seed = SEED + run;
      const prng = createPrng(seed);
      const { editor, actor } = headlessEditor(() => []);
      const log: string[] = [];
      const failures: string[] = [];
      editor.on('transaction', ({ transaction, appendedTransactions }: { transaction: Transaction; appendedTransactions: Transaction[] }) => {
        for (const tr of [transaction, ...appendedTransactions]) {
          if (!tr.docChanged) continue;
          if (!leavesSectionsUnchanged(tr)) {
            refused++;
            continue;
          }
          admitted++;
          const before = sectionsOf(blocksFromProseMirror(tr.before));
          const after = sectionsOf(blocksFromProseMirror(tr.doc));
          if (JSON.stringify(before) !== JSON.stringify(after)) failures.push(`after ${log.at(-1) ?? 'start'}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
        }
      });
      for (let i = 0; i < ACTIONS && failures.length === 0; i++) act(actor, prng, log);
      expect(failures, `seed ${seed}; replay: ${replay(seed)}\nactions: ${log.join(', ')}`).toEqual([]);
    }
    // Both answers must occur, or the property above says nothing.
    expect(admitted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, TIMEOUT_MS);
});

describe('lock decorations mapped through edits', () => {
  const theirs: LockEntry = { userId: 'u-other', name: 'Ada', color: '#3e63dd', since: 0, expiresAt: Date.now() + 60 * 60_000 };
  const mine: LockEntry = { ...theirs, userId: 'u-me', name: 'Me' };

  it(`equal the decorations built from scratch after every random action (${RUNS} runs from seed ${SEED})`, () => {
    for (let run = 0; run < RUNS; run++) {
      const seed = SEED + run;
      const prng = createPrng(seed);
      let locks: LockClient | null = null;
      const { editor, awareness, actor } = headlessEditor((doc, aw) => {
        locks = new LockClient(aw, () => 'u-me');
        locks.start();
        return [SectionLocks.configure({ client: locks, fragment: doc.getXmlFragment(DOCUMENT_FRAGMENT) })];
      });
      const client = locks as unknown as LockClient;
      teardown.push(() => client.stop());
      // The server's lock table, as its own awareness entry: one section someone else holds, one of ours.
      awareness.states.set(424242, { v: 1, locks: { 's-b': theirs, 's-c': mine } });
      awareness.emit('change', [{ added: [424242], updated: [], removed: [] }, 'remote']);
      const log: string[] = [];
      for (let i = 0; i < ACTIONS; i++) {
        act(actor, prng, log);
        expect(described(sectionLocksKey.getState(editor.state)), `seed ${seed} after ${log.join(', ')}; replay: ${replay(seed)}`).toEqual(
          described(buildDecorations(editor.state.doc, client)),
        );
      }
    }
  }, TIMEOUT_MS);
});

describe('outline sections carried over through edits', () => {
  it(`equal a full recompute after every random action (${RUNS} runs from seed ${SEED})`, () => {
    for (let run = 0; run < RUNS; run++) {
      const seed = SEED + run;
      const prng = createPrng(seed);
      const { editor, awareness, actor } = headlessEditor(() => []);
      const presence = new PresenceRuntime(awareness, { name: 'Me', color: '#3e63dd' });
      presence.attachEditor(editor);
      teardown.push(() => presence.attachEditor(null));
      // What the debounce timer calls once typing pauses.
      const refresh = (): void => (presence as unknown as { refreshSections(): void }).refreshSections();
      const log: string[] = [];
      for (let i = 0; i < ACTIONS; i++) {
        act(actor, prng, log);
        refresh();
        expect(presence.getSnapshot().sections, `seed ${seed} after ${log.join(', ')}; replay: ${replay(seed)}`).toEqual(sectionsNow(editor));
      }
    }
  }, TIMEOUT_MS);
});
