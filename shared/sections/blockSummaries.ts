/** Adapters from concrete document representations to the section model's block summaries. */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import * as Y from 'yjs';
import type { BlockSummary } from './sectionModel.js';

export const SECTION_ID_ATTRIBUTE = 'sectionId';

/** From a ProseMirror document (client, headless editors). */
export function blocksFromProseMirror(doc: ProseMirrorNode): BlockSummary[] {
  const blocks: BlockSummary[] = [];
  doc.forEach((node) => {
    const isHeading = node.type.name === 'heading';
    blocks.push({
      type: node.type.name,
      level: isHeading ? Number(node.attrs.level) : null,
      sectionId: isHeading ? ((node.attrs[SECTION_ID_ATTRIBUTE] as string | null) ?? null) : null,
      text: node.textContent,
    });
  });
  return blocks;
}

/** From the Yjs fragment the editor is bound to (server: no ProseMirror conversion needed). */
export function blocksFromYFragment(fragment: Y.XmlFragment): BlockSummary[] {
  return fragment.toArray().map((child) => {
    if (!(child instanceof Y.XmlElement)) return { type: 'text', level: null, sectionId: null, text: child.toString() };
    const isHeading = child.nodeName === 'heading';
    const sectionId = isHeading ? child.getAttribute(SECTION_ID_ATTRIBUTE) : undefined;
    return {
      type: child.nodeName,
      level: isHeading ? Number(child.getAttribute('level') ?? 1) : null,
      sectionId: typeof sectionId === 'string' ? sectionId : null,
      text: textOf(child),
    };
  });
}

function textOf(element: Y.XmlElement): string {
  let text = '';
  for (const child of element.toArray()) {
    text += child instanceof Y.XmlText ? child.toString().replace(/<[^>]*>/g, '') : textOf(child as Y.XmlElement);
  }
  return text;
}
