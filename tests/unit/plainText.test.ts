/** "Copy my text" reads the Y.Doc: every block's text, one line per block, marks dropped, nothing out of place lost. */
import { prosemirrorJSONToYDoc } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentPlainText } from '../../client/editor/plainText.js';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { documentSchema } from '../../shared/editor/schema.js';

const text = (value: string, marks?: Array<{ type: string }>) => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (...content: object[]) => ({ type: 'paragraph', content });

function docFrom(content: object[]): Y.Doc {
  return prosemirrorJSONToYDoc(documentSchema(), { type: 'doc', content }, DOCUMENT_FRAGMENT);
}

describe('documentPlainText', () => {
  it('writes one line per block, nested blocks included, without marks', () => {
    const doc = docFrom([
      { type: 'heading', attrs: { level: 1 }, content: [text('Plan')] },
      paragraph(text('Some '), text('bold', [{ type: 'bold' }]), text(' words.')),
      { type: 'bulletList', content: [{ type: 'listItem', content: [paragraph(text('first'))] }, { type: 'listItem', content: [paragraph(text('second'))] }] },
      { type: 'blockquote', content: [paragraph(text('quoted'))] },
      { type: 'codeBlock', content: [text('a = 1\nb = 2')] },
      { type: 'paragraph' },
      paragraph(text('line'), { type: 'hardBreak' }, text('break')),
    ]);
    expect(documentPlainText(doc.getXmlFragment(DOCUMENT_FRAGMENT))).toBe(
      ['Plan', 'Some bold words.', 'first', 'second', 'quoted', 'a = 1\nb = 2', '', 'line\nbreak'].join('\n'),
    );
  });

  it('keeps text the editor cannot show (the kind of change a server refuses) as lines of its own', () => {
    const doc = docFrom([paragraph(text('Honest line.'))]);
    const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT);
    const unknown = new Y.XmlElement('script');
    unknown.insert(0, [new Y.XmlText('inside an unknown block')]);
    fragment.insert(fragment.length, [new Y.XmlText('Top-level text.'), unknown]);
    expect(documentPlainText(fragment)).toBe('Honest line.\nTop-level text.\ninside an unknown block');
  });

  it('is empty for an empty document', () => {
    expect(documentPlainText(new Y.Doc().getXmlFragment(DOCUMENT_FRAGMENT))).toBe('');
  });
});
