/**
 * Converts one top-level Y.XmlElement to a ProseMirror node, read-only.
 *
 * Why not y-tiptap's converters: they work on a whole fragment (we want one block), and they may write
 * to the document while reading (merging adjacent Y.Texts, deleting a block the schema rejects) in a
 * transaction of their own, which the room would store and broadcast as a change nobody made. Reading
 * the Yjs structure directly has no side effects. The mapping mirrors y-tiptap's: element name = node type,
 * element attributes = node attrs, Y.XmlText delta attributes = marks (overlapping marks carry a
 * `--<hash>` suffix that is stripped).
 */
import type { Node as ProseMirrorNode, Schema } from '@tiptap/pm/model';
import * as Y from 'yjs';

type NodeJson = { type: string; attrs?: Record<string, unknown>; content?: NodeJson[]; text?: string; marks?: MarkJson[] };
type MarkJson = { type: string; attrs?: Record<string, unknown> };

const HASHED_MARK = /(.*)(--[a-zA-Z0-9+/=]{8})$/;

export function yElementToProseMirror(element: Y.XmlElement, schema: Schema): ProseMirrorNode | null {
  try {
    return schema.nodeFromJSON(elementJson(element));
  } catch {
    // Content the schema does not know (a hostile or newer client): the caller cannot keep a copy.
    return null;
  }
}

function elementJson(element: Y.XmlElement): NodeJson {
  const content: NodeJson[] = [];
  for (const child of element.toArray()) {
    if (child instanceof Y.XmlText) content.push(...textJson(child));
    else if (child instanceof Y.XmlElement) content.push(elementJson(child));
  }
  const json: NodeJson = { type: element.nodeName, attrs: element.getAttributes() as Record<string, unknown> };
  if (content.length > 0) json.content = content;
  return json;
}

function textJson(text: Y.XmlText): NodeJson[] {
  const nodes: NodeJson[] = [];
  for (const op of text.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>) {
    if (typeof op.insert !== 'string' || op.insert.length === 0) continue;
    const marks = Object.entries(op.attributes ?? {}).map(([key, value]): MarkJson => {
      const type = HASHED_MARK.exec(key)?.[1] ?? key;
      return typeof value === 'object' && value !== null ? { type, attrs: value as Record<string, unknown> } : { type };
    });
    nodes.push(marks.length > 0 ? { type: 'text', text: op.insert, marks } : { type: 'text', text: op.insert });
  }
  return nodes;
}
