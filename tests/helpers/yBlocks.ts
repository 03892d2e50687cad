/** Editor blocks written straight into Yjs, the way y-tiptap stores them: for tests whose clients are
 *  stock providers or bare Y.Docs rather than editors. */
import * as Y from 'yjs';
import { headingsBySectionId } from '../../shared/sections/sectionIdRepair.js';

export function yHeading(sectionId: string, text: string, level = 1): Y.XmlElement {
  const element = new Y.XmlElement('heading');
  element.setAttribute('sectionId', sectionId);
  // y-tiptap stores node attributes as they are; the declaration only admits strings.
  element.setAttribute('level', level as unknown as string);
  element.insert(0, [new Y.XmlText(text)]);
  return element;
}

export function yParagraph(text: string): Y.XmlElement {
  const element = new Y.XmlElement('paragraph');
  element.insert(0, [new Y.XmlText(text)]);
  return element;
}

/** Every heading's sectionId in the fragment, sorted, one entry per heading (duplicates show twice). */
export function headingIds(fragment: Y.XmlFragment): string[] {
  return [...headingsBySectionId(fragment)].flatMap(([id, headings]) => headings.map(() => id)).sort();
}

const FRAGMENT = 'default';

/** The plain text of one Y.XmlText: its string inserts, formatting ignored (embeds count as nothing).
 *  Unlike `toString()`, never XML markup when the text carries marks. */
export function plainText(text: Y.XmlText): string {
  return (text.toDelta() as Array<{ insert: unknown }>).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
}

/** The text of the first paragraph in the editor fragment (`default`): where tests that used to type into a
 *  root Y.Text type now. Creates `<paragraph>` with an empty Y.XmlText (appended, when the fragment holds
 *  other blocks but no paragraph), or the XmlText of an empty paragraph, if missing.
 *  Creating is an edit: two clients that each create it before they have synced get two paragraphs. Create it
 *  on one client and let the others receive it before they type (`sharedBodyTexts` in clients.ts does). */
export function bodyText(doc: Y.Doc): Y.XmlText {
  const fragment = doc.getXmlFragment(FRAGMENT);
  const paragraph = fragment.toArray().find((node): node is Y.XmlElement => node instanceof Y.XmlElement && node.nodeName === 'paragraph');
  if (!paragraph) {
    fragment.insert(fragment.length, [yParagraph('')]);
    return (fragment.get(fragment.length - 1) as Y.XmlElement).get(0) as Y.XmlText;
  }
  const existing = paragraph.toArray().find((node): node is Y.XmlText => node instanceof Y.XmlText);
  if (existing) return existing;
  paragraph.insert(paragraph.length, [new Y.XmlText()]);
  return paragraph.get(paragraph.length - 1) as Y.XmlText;
}

/** The first paragraph's text if the document has one yet, without creating anything (for readers). */
export function existingBodyText(doc: Y.Doc): Y.XmlText | undefined {
  const paragraph = doc
    .getXmlFragment(FRAGMENT)
    .toArray()
    .find((node): node is Y.XmlElement => node instanceof Y.XmlElement && node.nodeName === 'paragraph');
  return paragraph?.toArray().find((node): node is Y.XmlText => node instanceof Y.XmlText);
}

/** One line per textblock (a block holding text directly; containers such as lists contribute their
 *  blocks' lines); a Y.XmlText directly in a container (not editor-shaped) is a line of its own. */
function lines(parent: Y.XmlFragment | Y.XmlElement): string[] {
  return parent.toArray().flatMap((node) => {
    if (node instanceof Y.XmlText) return [plainText(node)];
    if (node instanceof Y.XmlElement) {
      const children = node.toArray();
      if (children.length === 0 || children.some((child) => child instanceof Y.XmlText)) {
        return [children.map((child) => (child instanceof Y.XmlText ? plainText(child) : '')).join('')];
      }
      return lines(node);
    }
    return [];
  });
}

/** The plain text of the whole editor fragment: block texts joined with '\n' ('' when it is empty). */
export function documentText(doc: Y.Doc): string {
  return lines(doc.getXmlFragment(FRAGMENT)).join('\n');
}
