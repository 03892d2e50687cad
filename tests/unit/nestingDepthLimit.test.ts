/**
 * An editor never sends a change the server would refuse for nesting (shared/editor/nestingDepthLimit.ts):
 * in a document someone built right up to MAX_NESTING_DEPTH, the honest edits that would add a level are
 * dropped locally, and the ones that do not still work (structure fuzzer finding "honest-edit-too-deep").
 */
import '../helpers/convergenceDom.js';
import { Editor, type JSONContent } from '@tiptap/core';
import { TextSelection } from '@tiptap/pm/state';
import { afterEach, describe, expect, it } from 'vitest';
import { documentExtensions } from '../../shared/editor/extensions.js';
import { MAX_NESTING_DEPTH } from '../../shared/editor/schemaRules.js';

const editors: Editor[] = [];
afterEach(() => {
  for (const editor of editors.splice(0)) editor.destroy();
});

/** A paragraph holding "deep" at element depth `depth`, inside depth - 1 blockquotes. */
function nested(depth: number): JSONContent {
  let node: JSONContent = { type: 'paragraph', content: [{ type: 'text', text: 'deep' }] };
  for (let level = 1; level < depth; level++) node = { type: 'blockquote', content: [node] };
  return node;
}

/** Element depth of the deepest node (text does not count), as the server counts it. */
function deepest(node: JSONContent, depth = 0): number {
  return Math.max(depth, ...(node.content ?? []).filter((child) => child.type !== 'text').map((child) => deepest(child, depth + 1)));
}

function editorAtDeepestText(depth: number): Editor {
  const editor = new Editor({ element: document.createElement('div'), injectCSS: false, extensions: documentExtensions(), content: { type: 'doc', content: [nested(depth)] } });
  editors.push(editor);
  // Inside "deep": past depth - 1 blockquote openings and the paragraph's, then two characters.
  const inside = depth + 2;
  editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, inside)));
  return editor;
}

describe('nesting depth limit in the editor', () => {
  it('drops a hard break at the limit (it would be one level deeper), and keeps typing there', () => {
    const editor = editorAtDeepestText(MAX_NESTING_DEPTH);
    const before = editor.getJSON();
    editor.commands.setHardBreak();
    expect(editor.getJSON()).toEqual(before);
    editor.commands.insertContent('x');
    expect(editor.state.doc.textContent).toBe('dexep');
  });

  it('drops wrapping the deepest paragraph in a list, but not splitting it', () => {
    const editor = editorAtDeepestText(MAX_NESTING_DEPTH);
    const before = editor.getJSON();
    editor.commands.toggleBulletList();
    expect(editor.getJSON()).toEqual(before);
    editor.commands.splitBlock();
    expect(editor.state.doc.textBetween(0, editor.state.doc.content.size, '|')).toMatch(/^de\|ep/);
  });

  // Wrapping is one ReplaceAroundStep whose step map changes only the wrapper's tokens; the wrapped block
  // goes two levels deeper without being in a changed range (structure fuzzer seeds 1100, 1103, 1135).
  it.each(['toggleBulletList', 'toggleOrderedList', 'toggleTaskList'] as const)('drops %s around a paragraph one level above the limit', (command) => {
    const editor = editorAtDeepestText(MAX_NESTING_DEPTH - 1);
    const before = editor.getJSON();
    editor.commands[command]();
    expect(editor.getJSON()).toEqual(before);
    expect(deepest(editor.getJSON())).toBe(MAX_NESTING_DEPTH - 1);
  });

  it('applies a list toggle that ends exactly at the limit', () => {
    const editor = editorAtDeepestText(MAX_NESTING_DEPTH - 2);
    editor.commands.toggleTaskList();
    expect(deepest(editor.getJSON())).toBe(MAX_NESTING_DEPTH);
  });

  it('checks everything a wrap moves, not just the wrapper: a blockquote around the whole nest', () => {
    const editor = editorAtDeepestText(MAX_NESTING_DEPTH);
    const before = editor.getJSON();
    const { doc } = editor.state;
    const range = doc.resolve(0).blockRange(doc.resolve(doc.content.size));
    const blockquote = editor.schema.nodes.blockquote;
    if (!range || !blockquote) throw new Error('no block range or blockquote type');
    editor.view.dispatch(editor.state.tr.wrap(range, [{ type: blockquote }]));
    expect(editor.getJSON()).toEqual(before);
  });

  it('allows the same edits one level higher', () => {
    const editor = editorAtDeepestText(MAX_NESTING_DEPTH - 1);
    editor.commands.setHardBreak();
    expect(JSON.stringify(editor.getJSON())).toContain('hardBreak');
  });
});
