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
