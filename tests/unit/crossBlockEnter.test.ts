/**
 * Enter over a selection that spans blocks (shared/editor/crossBlockEnter.ts): the two selections on
 * which @tiptap/core 3.31.3's splitBlock throws, from the convergence suite's repros, and an ordinary one.
 */
import '../helpers/convergenceDom.js';
import { Editor, type JSONContent } from '@tiptap/core';
import { TextSelection } from '@tiptap/pm/state';
import { afterEach, describe, expect, it } from 'vitest';
import { documentExtensions } from '../../shared/editor/extensions.js';
import { pressKey } from '../helpers/convergenceActions.js';

const editors: Editor[] = [];
afterEach(() => {
  for (const editor of editors.splice(0)) editor.destroy();
});

function editorWith(content: JSONContent[], from: number, to: number): Editor {
  const editor = new Editor({ element: document.createElement('div'), injectCSS: false, extensions: documentExtensions(), content: { type: 'doc', content } });
  editors.push(editor);
  editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, from, to)));
  return editor;
}

const text = (value: string): JSONContent => ({ type: 'text', text: value });

describe('Enter over a selection that spans blocks', () => {
  it('from a code block across a rule into a paragraph: the selection goes and the caret’s block splits', () => {
    const editor = editorWith([{ type: 'codeBlock', content: [text('yjs c')] }, { type: 'horizontalRule' }, { type: 'paragraph', content: [text('after')] }], 1, 9);
    expect(() => pressKey(editor, 'Enter')).not.toThrow();
    expect(() => editor.state.doc.check()).not.toThrow();
    expect(editor.getJSON().content).toEqual([{ type: 'paragraph' }, { type: 'paragraph', content: [text('after')] }]);
    expect(editor.state.selection.empty).toBe(true);
  });

  it('from an empty heading into a quoted paragraph: the selection goes and the quoted paragraph splits', () => {
    const editor = editorWith(
      [
        { type: 'heading', attrs: { level: 1 }, content: [] },
        { type: 'blockquote', content: [{ type: 'paragraph', content: [text('ltandem borlorem')] }] },
        { type: 'paragraph', content: [text('a')] },
      ],
      1,
      8,
    );
    expect(() => pressKey(editor, 'Enter')).not.toThrow();
    expect(() => editor.state.doc.check()).not.toThrow();
    expect(editor.getJSON().content).toEqual([
      { type: 'blockquote', content: [{ type: 'paragraph' }, { type: 'paragraph', content: [text('dem borlorem')] }] },
      { type: 'paragraph', content: [text('a')] },
    ]);
  });

  it('across two paragraphs: the text between goes and the rest is split in two blocks, like a word processor', () => {
    const editor = editorWith([{ type: 'paragraph', content: [text('one two')] }, { type: 'paragraph', content: [text('three four')] }], 4, 16);
    pressKey(editor, 'Enter');
    expect(editor.getJSON().content).toEqual([
      { type: 'paragraph', content: [text('one')] },
      { type: 'paragraph', content: [text('four')] },
    ]);
  });
});
