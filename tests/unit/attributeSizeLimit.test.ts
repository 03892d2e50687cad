/**
 * An editor never sends an attribute the server would refuse for size (shared/editor/attributeSizeLimit.ts):
 * typing a space after a URL glued to a long run of text would autolink an address over MAX_ATTRIBUTE_BYTES
 * and get its author closed with 4400 "attribute too large" (structure fuzzer seed 2025). The typing stays,
 * the oversized link is not made; links that fit keep working.
 */
import '../helpers/convergenceDom.js';
import { Editor, type JSONContent } from '@tiptap/core';
import { TextSelection } from '@tiptap/pm/state';
import { afterEach, describe, expect, it } from 'vitest';
import { documentExtensions } from '../../shared/editor/extensions.js';
import { fitsAttributeLimit, MAX_ATTRIBUTE_BYTES } from '../../shared/editor/schemaRules.js';

const editors: Editor[] = [];
afterEach(() => {
  for (const editor of editors.splice(0)) editor.destroy();
});

function editorWithText(text: string): Editor {
  const content: JSONContent = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
  const editor = new Editor({ element: document.createElement('div'), injectCSS: false, extensions: documentExtensions(), content });
  editors.push(editor);
  editor.view.dispatch(editor.state.tr.setSelection(TextSelection.atEnd(editor.state.doc)));
  return editor;
}

function type(editor: Editor, text: string): void {
  for (const char of text) editor.commands.insertContent(char);
}

/** Every link mark's attributes in the document. */
function links(editor: Editor): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  editor.state.doc.descendants((node) => {
    for (const mark of node.marks) if (mark.type.name === 'link') found.push(mark.attrs);
  });
  return found;
}

describe('attribute size limit in the editor', () => {
  it('keeps the typing but makes no link when autolink would make one over the limit', () => {
    const run = 'a'.repeat(MAX_ATTRIBUTE_BYTES + 100);
    const editor = editorWithText(`before ${run}`);
    type(editor, 'www.tandem.dev ');
    expect(editor.state.doc.textContent).toBe(`before ${run}www.tandem.dev `);
    expect(links(editor)).toEqual([]);
  });

  it('still autolinks a word that fits', () => {
    const editor = editorWithText('before ');
    type(editor, 'www.tandem.dev ');
    expect(links(editor).map((attrs) => attrs.href)).toEqual(['https://www.tandem.dev']);
  });

  it('drops a setLink whose address is over the limit, and applies one that fits', () => {
    const editor = editorWithText('some words');
    const all = (): void => void editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, 1, editor.state.doc.content.size - 1)));
    all();
    const huge = `https://example.org/${'x'.repeat(MAX_ATTRIBUTE_BYTES)}`;
    editor.commands.setLink({ href: huge });
    expect(links(editor)).toEqual([]);
    all();
    editor.commands.setLink({ href: 'https://example.org/ok' });
    expect(links(editor).every((attrs) => attrs.href === 'https://example.org/ok' && fitsAttributeLimit(attrs))).toBe(true);
  });

  it('drops inserted content whose link is over the limit', () => {
    const editor = editorWithText('x');
    const before = editor.getJSON();
    editor.commands.insertContent({ type: 'heading', attrs: { level: 2, sectionId: 'ok-id' }, content: [{ type: 'text', text: 'h', marks: [{ type: 'link', attrs: { href: `https://e.org/${'y'.repeat(MAX_ATTRIBUTE_BYTES)}` } }] }] });
    expect(editor.getJSON()).toEqual(before);
  });
});
