/**
 * Random user actions on a real Tiptap editor. Every action goes through Tiptap commands or the
 * editor's own keymap (Enter, Backspace, Tab…), so the ProseMirror transactions — and therefore
 * the Yjs operations y-tiptap derives from them — are the ones real users produce.
 */
import type { Editor, JSONContent } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import { Selection, TextSelection } from '@tiptap/pm/state';
import type { Prng } from './prng.js';
import type { EditorReplica } from './convergenceReplica.js';

const WORDS = ['the', 'otter', 'tandem', 'merge', 'crdt', 'yjs', 'lorem', 'ipsum', 'ok', 'a', 'b', 'x'];
/** Non-ASCII but single UTF-16 unit: astral characters are left out on purpose, because a random
 *  ProseMirror position can split a surrogate pair, which no browser selection ever does. */
const EXTRA_TEXT = ['é', 'ü', '漢字', '—', 'www.tandem.dev ', 'https://example.org/x ', '  ', '\t', '# ', '- ', '> ', '1. ', '[ ] ', '```', '**b** ', '`c` '];

export const ACTION_WEIGHTS = {
  type: 30,
  keystrokes: 12,
  delete: 12,
  mark: 10,
  enter: 8,
  join: 6,
  blockType: 9,
  listIndent: 4,
  paste: 5,
  undo: 5,
  redo: 3,
  clearAll: 0.5,
} as const;
export type ActionName = keyof typeof ACTION_WEIGHTS;

function randomText(prng: Prng): string {
  if (prng.chance(0.15)) return prng.pick(EXTRA_TEXT);
  const words: string[] = [];
  for (let i = prng.int(1, 3); i > 0; i--) words.push(prng.pick(WORDS));
  return words.join(' ') + (prng.chance(0.4) ? ' ' : '');
}

/** A cursor somewhere valid: ProseMirror's own `Selection.near` picks the closest text position. */
function randomCursor(doc: PmNode, prng: Prng): Selection {
  return Selection.near(doc.resolve(prng.int(0, doc.content.size)), prng.chance(0.5) ? 1 : -1);
}

/** A short range, mostly within one block, sometimes across block boundaries (joins on delete). */
function randomRange(doc: PmNode, prng: Prng): Selection {
  const from = prng.int(0, doc.content.size);
  const span = prng.chance(0.8) ? prng.int(0, 8) : prng.int(0, 40);
  const to = Math.min(doc.content.size, from + span);
  return TextSelection.between(doc.resolve(from), doc.resolve(to));
}

/** Types like a keyboard: input rules (`# `, `- `, `**x**`…) get their chance, as in a browser. */
export function typeText(editor: Editor, text: string): void {
  const { view } = editor;
  const { from, to } = view.state.selection;
  const insert = () => view.state.tr.insertText(text, from, to);
  const handled = view.someProp('handleTextInput', (handler) => handler(view, from, to, text, insert));
  if (!handled) view.dispatch(insert());
}

/**
 * Presses a key the way a browser keydown reaches ProseMirror: through the view's handleKeyDown
 * props (Tiptap's keymaps), each handler dispatching its own transactions. Tiptap's
 * `keyboardShortcut` command is not used: it folds every dispatched transaction's steps into one
 * captured transaction, which throws "Inconsistent open depths" when a handler dispatches twice
 * (found by seed 26; a test-driver artefact, no user can hit it).
 */
export function pressKey(editor: Editor, name: 'Enter' | 'Shift-Enter' | 'Backspace' | 'Delete' | 'Tab' | 'Shift-Tab'): void {
  const shift = name.startsWith('Shift-');
  const key = shift ? name.slice('Shift-'.length) : name;
  const event = new KeyboardEvent('keydown', { key, shiftKey: shift, bubbles: true, cancelable: true });
  const { view } = editor;
  const handled = view.someProp('handleKeyDown', (handler) => handler(view, event)) ?? false;
  if (handled || (key !== 'Backspace' && key !== 'Delete')) return;
  // Unhandled Backspace/Delete inside text is done by the browser's contenteditable, and
  // ProseMirror reads the DOM change back; headless, apply that one-character deletion directly.
  const { $from, empty } = view.state.selection;
  if (!empty || !$from.parent.isTextblock) return;
  const [from, to] = key === 'Backspace' ? [$from.pos - 1, $from.pos] : [$from.pos, $from.pos + 1];
  if (from >= $from.start() && to <= $from.end()) view.dispatch(view.state.tr.delete(from, to));
}

function select(editor: Editor, selection: Selection): void {
  editor.view.dispatch(editor.state.tr.setSelection(selection));
}

function randomTextblockStart(doc: PmNode, prng: Prng): Selection | null {
  const starts: number[] = [];
  doc.descendants((node, pos) => {
    if (node.isTextblock) starts.push(pos + 1);
    return !node.isTextblock;
  });
  if (starts.length === 0) return null;
  return TextSelection.create(doc, prng.pick(starts));
}

function randomInline(prng: Prng): JSONContent[] {
  const text = randomText(prng).trim() || 'x';
  const marks = prng.chance(0.4) ? [{ type: prng.pick(['bold', 'italic', 'strike', 'underline']) }] : undefined;
  return [{ type: 'text', text, ...(marks ? { marks } : {}) }];
}

function randomBlock(prng: Prng, depth = 0): JSONContent {
  const kind = depth > 1 ? 'paragraph' : prng.pick(['paragraph', 'paragraph', 'heading', 'bulletList', 'orderedList', 'taskList', 'blockquote', 'codeBlock']);
  switch (kind) {
    case 'heading':
      return { type: 'heading', attrs: { level: prng.int(1, 3) }, content: randomInline(prng) };
    case 'codeBlock':
      return { type: 'codeBlock', content: [{ type: 'text', text: randomText(prng).trim() || 'x' }] };
    case 'blockquote':
      return { type: 'blockquote', content: [randomBlock(prng, depth + 1)] };
    case 'bulletList':
    case 'orderedList':
      return { type: kind, content: Array.from({ length: prng.int(1, 3) }, () => ({ type: 'listItem', content: [{ type: 'paragraph', content: randomInline(prng) }] })) };
    case 'taskList':
      return { type: 'taskList', content: Array.from({ length: prng.int(1, 2) }, () => ({ type: 'taskItem', attrs: { checked: prng.chance(0.5) }, content: [{ type: 'paragraph', content: randomInline(prng) }] })) };
    default:
      return { type: 'paragraph', content: randomInline(prng) };
  }
}

function toggleMark(editor: Editor, prng: Prng): string {
  const chain = editor.chain();
  switch (prng.int(0, 6)) {
    case 0: chain.toggleBold(); return chain.run() ? 'bold' : 'bold(noop)';
    case 1: chain.toggleItalic(); return chain.run() ? 'italic' : 'italic(noop)';
    case 2: chain.toggleStrike(); return chain.run() ? 'strike' : 'strike(noop)';
    case 3: chain.toggleCode(); return chain.run() ? 'code' : 'code(noop)';
    case 4: chain.toggleUnderline(); return chain.run() ? 'underline' : 'underline(noop)';
    case 5: chain.setLink({ href: `https://example.org/${prng.int(0, 9)}` }); return chain.run() ? 'link' : 'link(noop)';
    default: chain.unsetAllMarks(); return chain.run() ? 'unsetMarks' : 'unsetMarks(noop)';
  }
}

function changeBlockType(editor: Editor, prng: Prng): string {
  const c = editor.commands;
  switch (prng.int(0, 9)) {
    case 0: return `paragraph:${c.setParagraph()}`;
    case 1: { const level = prng.pick([1, 2, 3] as const); return `h${level}:${c.toggleHeading({ level })}`; }
    case 2: return `bulletList:${c.toggleBulletList()}`;
    case 3: return `orderedList:${c.toggleOrderedList()}`;
    case 4: return `taskList:${c.toggleTaskList()}`;
    case 5: return `blockquote:${c.toggleBlockquote()}`;
    case 6: return `codeBlock:${c.toggleCodeBlock()}`;
    case 7: return `hr:${c.setHorizontalRule()}`;
    case 8: return `hardBreak:${c.setHardBreak()}`;
    default: return `clearNodes:${c.clearNodes()}`;
  }
}

/** Performs one random action as `replica`'s user and returns a short log label. */
export function randomAction(replica: EditorReplica, prng: Prng): string {
  const { editor } = replica;
  // About half of the actions come after a pause, i.e. start a new undo step (see pauseTyping).
  if (prng.chance(0.5)) replica.pauseTyping();
  const action = prng.weighted(ACTION_WEIGHTS);
  const doc = editor.state.doc;
  switch (action) {
    case 'type': {
      select(editor, prng.chance(0.8) ? randomCursor(doc, prng) : randomRange(doc, prng));
      const text = randomText(prng);
      typeText(editor, text);
      return `type ${JSON.stringify(text)}`;
    }
    case 'keystrokes': {
      // One transaction per keystroke, as typing produces: many small Yjs updates in a row.
      select(editor, randomCursor(doc, prng));
      const text = randomText(prng);
      for (const ch of text) typeText(editor, ch);
      return `keys ${JSON.stringify(text)}`;
    }
    case 'delete': {
      select(editor, randomRange(doc, prng));
      const key = prng.pick(['Backspace', 'Delete', 'selection'] as const);
      if (key === 'selection') editor.commands.deleteSelection();
      else pressKey(editor, key);
      return `delete(${key})`;
    }
    case 'mark':
      select(editor, randomRange(doc, prng));
      return `mark ${toggleMark(editor, prng)}`;
    case 'enter':
      select(editor, prng.chance(0.85) ? randomCursor(doc, prng) : randomRange(doc, prng));
      pressKey(editor, prng.chance(0.1) ? 'Shift-Enter' : 'Enter');
      return 'enter';
    case 'join': {
      const start = randomTextblockStart(doc, prng);
      if (!start) return 'join(none)';
      select(editor, start);
      pressKey(editor, 'Backspace');
      return 'join';
    }
    case 'blockType':
      select(editor, prng.chance(0.7) ? randomCursor(doc, prng) : randomRange(doc, prng));
      return `block ${changeBlockType(editor, prng)}`;
    case 'listIndent':
      select(editor, randomCursor(doc, prng));
      pressKey(editor, prng.chance(0.5) ? 'Tab' : 'Shift-Tab');
      return 'indent';
    case 'paste': {
      select(editor, prng.chance(0.6) ? randomCursor(doc, prng) : randomRange(doc, prng));
      const blocks = Array.from({ length: prng.int(1, 3) }, () => randomBlock(prng));
      editor.commands.insertContent(blocks);
      return `paste ${blocks.map((b) => b.type).join('+')}`;
    }
    case 'undo':
      return `undo:${editor.commands.undo()}`;
    case 'redo':
      return `redo:${editor.commands.redo()}`;
    case 'clearAll':
      editor.commands.selectAll();
      editor.commands.deleteSelection();
      return 'clearAll';
    default: {
      const unreachable: never = action;
      throw new Error(`unknown action ${String(unreachable)}`);
    }
  }
}
