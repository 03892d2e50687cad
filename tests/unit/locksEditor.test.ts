/**
 * Headless Tiptap (happy-dom): section ids are stable (edits, undo, collaboration) and re-issued when a
 * heading is split or pasted; the lock extension refuses local changes to a section someone else holds
 * (including partial overlaps, formatting, block changes and undo), and lets remote changes through.
 */
import '../helpers/convergenceDom.js';
import { Editor, type JSONContent } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import { yUndoPluginKey } from '@tiptap/y-tiptap';
import { afterEach, describe, expect, it } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { LockClient, type RefusedEdit } from '../../client/locks/lockClient.js';
import { SectionLocks } from '../../client/locks/sectionLocksExtension.js';
import { DOCUMENT_FRAGMENT, documentExtensions } from '../../shared/editor/extensions.js';
import type { LockEntry } from '../../shared/locks/lockProtocol.js';
import { blocksFromProseMirror } from '../../shared/sections/blockSummaries.js';

interface Replica {
  doc: Y.Doc;
  awareness: Awareness;
  editor: Editor;
  locks: LockClient;
  refused: RefusedEdit[];
}

const replicas: Replica[] = [];
afterEach(() => {
  for (const replica of replicas.splice(0)) {
    replica.locks.stop();
    replica.editor.destroy();
    replica.awareness.destroy();
    replica.doc.destroy();
  }
});

function replica(clientID: number, myUserId = 'u-me'): Replica {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const awareness = new Awareness(doc);
  const locks = new LockClient(awareness, () => myUserId);
  locks.start();
  const editor = new Editor({
    element: document.createElement('div'),
    injectCSS: false,
    extensions: [
      ...documentExtensions(),
      Collaboration.configure({ document: doc, field: DOCUMENT_FRAGMENT }),
      SectionLocks.configure({ client: locks, fragment: doc.getXmlFragment(DOCUMENT_FRAGMENT) }),
    ],
  });
  const refused: RefusedEdit[] = [];
  locks.onRefused((event) => refused.push(event));
  const created = { doc, awareness, editor, locks, refused };
  replicas.push(created);
  return created;
}

/** Two-way sync between replicas' docs (what the server does, minus the network). */
function link(a: Replica, b: Replica): void {
  Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc), 'remote');
  Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc), 'remote');
  a.doc.on('update', (update: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b.doc, update, 'remote'));
  b.doc.on('update', (update: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a.doc, update, 'remote'));
}

/** Publishes a lock table as the server would (its own awareness entry, without a `user`). */
function serverLocks(target: Replica, locks: Record<string, LockEntry>): void {
  target.awareness.states.set(424242, { v: 1, locks });
  target.awareness.emit('change', [{ added: [424242], updated: [], removed: [] }, 'remote']);
}

const other: LockEntry = { userId: 'u-other', name: 'Ada', color: '#3e63dd', since: 0, expiresAt: Date.now() + 60_000 };

const h = (sectionId: string, text: string): JSONContent => ({ type: 'heading', attrs: { level: 1, sectionId }, content: [{ type: 'text', text }] });
const p = (text: string): JSONContent => ({ type: 'paragraph', content: [{ type: 'text', text }] });
const DOC: JSONContent = { type: 'doc', content: [h('s-a', 'Alpha'), p('alpha text'), h('s-b', 'Beta'), p('locked text'), h('s-c', 'Gamma'), p('gamma text')] };

/** Document position of `offset` characters into the first text node containing `text`. */
function posOf(editor: Editor, text: string, offset = 0): number {
  let found = -1;
  editor.state.doc.descendants((node, pos) => {
    if (found === -1 && node.isText && node.text?.includes(text)) found = pos + (node.text.indexOf(text) + offset);
    return found === -1;
  });
  if (found === -1) throw new Error(`no text "${text}"`);
  return found;
}

/** A real DOM paste event (UniqueID strips copied ids only for those, not for programmatic inserts). */
function paste(editor: Editor, html: string): void {
  const win = window as unknown as { DataTransfer: new () => DataTransfer; ClipboardEvent: typeof ClipboardEvent };
  const clipboardData = new win.DataTransfer();
  clipboardData.setData('text/html', html);
  editor.view.dom.dispatchEvent(new win.ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
}

const ids = (editor: Editor): Array<string | null> => blocksFromProseMirror(editor.state.doc).filter((b) => b.type === 'heading').map((b) => b.sectionId);
const texts = (editor: Editor): string[] => blocksFromProseMirror(editor.state.doc).map((b) => b.text);

describe('sectionId stability (headless editor)', () => {
  it('is stamped once and survives edits, undo and collaboration', () => {
    const a = replica(1);
    const b = replica(2);
    link(a, b);
    const undoManager = (yUndoPluginKey.getState(a.editor.state) as { undoManager: Y.UndoManager }).undoManager;
    a.editor.chain().setContent({ type: 'doc', content: [{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Plan' }] }, p('body')] }).run();
    undoManager.stopCapturing();
    const [id] = ids(a.editor);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids(b.editor)).toEqual([id]);

    // Edits on both replicas (text, level) keep it.
    a.editor.chain().insertContentAt(posOf(a.editor, 'Plan', 4), ' for Q3').setNode('heading', { level: 1 }).run();
    undoManager.stopCapturing();
    b.editor.chain().insertContentAt(posOf(b.editor, 'Plan', 0), 'The ').run();
    expect(texts(a.editor)[0]).toBe('The Plan for Q3');
    expect(ids(a.editor)).toEqual([id]);

    // Undo of an edit, and undo of deleting the heading, bring back the same id.
    a.editor.commands.undo();
    expect(texts(a.editor)[0]).toBe('The Plan');
    a.editor.chain().deleteRange({ from: 0, to: a.editor.state.doc.child(0).nodeSize }).run();
    undoManager.stopCapturing();
    expect(ids(a.editor)).toEqual([]);
    a.editor.commands.undo();
    expect(ids(a.editor)).toEqual([id]);
    expect(ids(b.editor)).toEqual([id]);
    expect(texts(b.editor)).toEqual(texts(a.editor));
  });

  it('is re-issued when a heading is split or a copy of it is pasted', () => {
    const a = replica(1);
    a.editor.commands.setContent(DOC);
    a.editor.chain().setTextSelection(posOf(a.editor, 'Alpha', 2)).splitBlock().run();
    // splitBlock after a heading's middle gives heading "Al" + a block "pha" (a paragraph by default
    // rules); turn it into a heading to make sure a duplicated id would show up.
    a.editor.chain().setNode('heading', { level: 1 }).run();
    const afterSplit = ids(a.editor);
    expect(new Set(afterSplit).size).toBe(afterSplit.length);
    expect(afterSplit[0]).toBe('s-a');

    // A real paste (the clipboard carries the copied heading's id): UniqueID must issue a new one.
    a.editor.commands.setTextSelection(a.editor.state.doc.content.size - 1);
    paste(a.editor, '<p>before</p><h1 data-sectionid="s-b">Beta copy</h1><p>after</p>');
    expect(texts(a.editor)).toContain('Beta copy');
    const afterPaste = ids(a.editor);
    expect(afterPaste.filter((id) => id === 's-b')).toHaveLength(1);
    expect(new Set(afterPaste).size).toBe(afterPaste.length);
  });
});

describe('lock enforcement in the editor', () => {
  function lockedSetup() {
    const me = replica(1);
    me.editor.commands.setContent(DOC);
    serverLocks(me, { 's-b': other });
    return me;
  }

  it('refuses typing, deletion, partial overlaps, formatting and block changes in a section held by someone else', () => {
    const me = lockedSetup();
    const before = me.editor.state.doc;
    const attempts: Array<[string, () => void]> = [
      ['typing', () => me.editor.chain().insertContentAt(posOf(me.editor, 'locked text', 3), 'x').run()],
      ['deleting', () => me.editor.chain().deleteRange({ from: posOf(me.editor, 'locked text', 0), to: posOf(me.editor, 'locked text', 6) }).run()],
      ['a range that only partly overlaps', () => me.editor.chain().deleteRange({ from: posOf(me.editor, 'alpha text', 2), to: posOf(me.editor, 'locked text', 2) }).run()],
      ['formatting', () => me.editor.chain().setTextSelection({ from: posOf(me.editor, 'locked text', 0), to: posOf(me.editor, 'locked text', 6) }).toggleBold().run()],
      ['a block change', () => me.editor.chain().setTextSelection(posOf(me.editor, 'Beta', 1)).setNode('heading', { level: 3 }).run()],
      ['a new block at the end of the section', () => me.editor.chain().insertContentAt(posOf(me.editor, 'Gamma', 0) - 1, p('smuggled')).run()],
      ['inserting blocks', () => me.editor.chain().setTextSelection(posOf(me.editor, 'locked text', 2)).insertContent([p('a'), p('b')]).run()],
      [
        'paste',
        () => {
          me.editor.commands.setTextSelection(posOf(me.editor, 'locked text', 2));
          paste(me.editor, '<p>pasted</p><p>blocks</p>');
        },
      ],
    ];
    for (const [what, attempt] of attempts) {
      const refusedBefore = me.refused.length;
      attempt();
      expect(me.editor.state.doc.eq(before), what).toBe(true);
      expect(me.refused.length, what).toBe(refusedBefore + 1);
    }
    expect(me.refused[0]).toMatchObject({ sectionId: 's-b', holder: { name: 'Ada' } });
  });

  it('allows edits elsewhere, right before the heading, and in sections you hold yourself', () => {
    const me = lockedSetup();
    me.editor.chain().insertContentAt(posOf(me.editor, 'gamma text', 5), '!').run();
    me.editor.chain().insertContentAt(posOf(me.editor, 'Beta', 0) - 1, p('end of alpha')).run();
    serverLocks(me, { 's-b': { ...other, userId: 'u-me', name: 'Me' } });
    me.editor.chain().insertContentAt(posOf(me.editor, 'locked text', 7), 'mine ').run();
    expect(texts(me.editor)).toEqual(['Alpha', 'alpha text', 'end of alpha', 'Beta', 'locked mine text', 'Gamma', 'gamma! text']);
    expect(me.refused).toEqual([]);
  });

  it('lets remote edits into the locked section through (they come from the holder)', () => {
    const me = replica(1);
    const holder = replica(2, 'u-other');
    link(me, holder);
    holder.editor.commands.setContent(DOC);
    serverLocks(me, { 's-b': other });
    holder.editor.chain().insertContentAt(posOf(holder.editor, 'locked text', 7), 'remote ').run();
    expect(texts(me.editor)[3]).toBe('locked remote text');
  });

  it('refuses an undo that would change a section someone else locked since', () => {
    const me = replica(1);
    const undoManager = (yUndoPluginKey.getState(me.editor.state) as { undoManager: Y.UndoManager }).undoManager;
    me.editor.commands.setContent(DOC);
    undoManager.stopCapturing();
    me.editor.chain().insertContentAt(posOf(me.editor, 'locked text', 7), 'typed ').run();
    serverLocks(me, { 's-b': other });
    me.editor.commands.undo();
    expect(texts(me.editor)[3]).toBe('locked typed text');
    expect(me.refused.at(-1)).toMatchObject({ sectionId: 's-b' });
    // Once released, the same undo goes through.
    serverLocks(me, {});
    me.editor.commands.undo();
    expect(texts(me.editor)[3]).toBe('locked text');
  });
});
