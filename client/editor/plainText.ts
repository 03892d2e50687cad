/**
 * The document as plain text, one line per text block (paragraph, heading, a list item's paragraph, code
 * block), for "Copy my text" after the server refused a change. It reads the Y.XmlFragment, not the
 * editor: the refused change may be something the editor cannot show (text outside any block), and it is
 * still the person's text. Anything out of place is kept as lines of its own rather than dropped.
 */
import * as Y from 'yjs';
import { documentRules, type SchemaRules } from '../../shared/editor/schemaRules.js';

/** The inline node that is a line break inside a block (StarterKit's HardBreak). */
const HARD_BREAK = 'hardBreak';

type XmlChild = Y.XmlElement | Y.XmlText | Y.XmlHook;

export function documentPlainText(fragment: Y.XmlFragment, rules: Pick<SchemaRules, 'allowsText'> = documentRules()): string {
  const lines: string[] = [];
  const walk = (children: XmlChild[]): void => {
    for (const child of children) {
      if (child instanceof Y.XmlText) lines.push(textOf(child));
      else if (child instanceof Y.XmlElement) {
        // A block that holds text is one line; any other block (list, quote, unknown) holds blocks.
        if (rules.allowsText(child.nodeName)) lines.push(inlineText(child));
        else walk(child.toArray());
      }
      // Y.XmlHook: the editor never writes one, and it carries no text.
    }
  };
  walk(fragment.toArray());
  return lines.join('\n');
}

function inlineText(block: Y.XmlElement): string {
  return block
    .toArray()
    .map((child) => {
      if (child instanceof Y.XmlText) return textOf(child);
      if (child instanceof Y.XmlElement) return child.nodeName === HARD_BREAK ? '\n' : inlineText(child);
      return '';
    })
    .join('');
}

/** The characters of a text without its marks (`toString` would write marks as XML tags). */
function textOf(text: Y.XmlText): string {
  return (text.toDelta() as Array<{ insert: unknown }>).map(({ insert }) => (typeof insert === 'string' ? insert : '')).join('');
}
