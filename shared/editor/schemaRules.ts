/**
 * The editor schema as the rules a stored Yjs document must keep, in the shape Yjs stores it (y-tiptap):
 * the fragment holds block elements; an element holds elements and texts its content expression allows;
 * a text holds strings and the marks its element allows; attributes are the node's own. Derived from the
 * same ProseMirror schema every editor uses, so the server never admits what an editor cannot show.
 *
 * Only which types may appear where is a rule here, not their order or count (`listItem` must begin with
 * a paragraph): honest concurrent edits merge into such shapes, and the editor renders them as they are.
 */
import type { ContentMatch, NodeType, Schema } from '@tiptap/pm/model';
import { isSectionIdString } from '../presence/schema.js';
import { documentSchema } from './schema.js';

/** Deepest nesting of elements below the fragment. Ten levels of nested lists are 20; browsers stop
 *  rendering long before the 3,000 levels an attacker can send, and every level costs the editor. */
export const MAX_NESTING_DEPTH = 40;

/** Largest node or mark attribute, as JSON: a long link address is ~2 KB; a bound keeps presence and
 *  timeline payloads that quote attributes (a heading's sectionId) far below their own limits. */
export const MAX_ATTRIBUTE_BYTES = 4096;

/** The node name ProseMirror gives text; in Yjs, text lives in an XmlText. */
const TEXT_NODE = 'text';

export interface SchemaRules {
  /** Element names the document fragment may hold. */
  readonly topLevel: ReadonlySet<string>;
  isNode(name: string): boolean;
  /** Element names `parent` may hold (inline ones included), and whether it may hold text. */
  childElements(parent: string): ReadonlySet<string>;
  allowsText(parent: string): boolean;
  /** Whether text inside `element` may carry `mark` (a Yjs format key; overlapping marks are `name--hash`). */
  allowsMark(element: string, formatKey: string): boolean;
  /** Why attribute `key` = `value` is not acceptable on `node`, or null when it is. */
  attributeProblem(node: string, key: string, value: unknown): string | null;
  /** Why format value `value` of mark `formatKey` is not acceptable, or null when it is. */
  markValueProblem(formatKey: string, value: unknown): string | null;
}

let cached: SchemaRules | null = null;

export function documentRules(): SchemaRules {
  cached ??= rulesOf(documentSchema());
  return cached;
}

export function rulesOf(schema: Schema): SchemaRules {
  // Computed once per schema: the checks ask for them on every struct of every update.
  const children = new Map<string, Set<string>>();
  const elements = new Map<string, ReadonlySet<string>>();
  for (const [name, type] of Object.entries(schema.nodes)) {
    const reachable = reachableTypes(type.contentMatch);
    children.set(name, reachable);
    elements.set(name, new Set([...reachable].filter((child) => child !== TEXT_NODE)));
  }
  const none: ReadonlySet<string> = new Set();
  const elementsOf = (parent: string): ReadonlySet<string> => elements.get(parent) ?? none;
  const topLevel = elementsOf(schema.topNodeType.name);
  return {
    topLevel,
    isNode: (name) => name !== TEXT_NODE && name in schema.nodes,
    childElements: elementsOf,
    allowsText: (parent) => children.get(parent)?.has(TEXT_NODE) ?? false,
    allowsMark(element, formatKey) {
      const mark = schema.marks[markName(formatKey)];
      const node = schema.nodes[element];
      return mark !== undefined && node !== undefined && node.allowsMarkType(mark);
    },
    attributeProblem(node, key, value) {
      const type = schema.nodes[node];
      if (!type || !Object.hasOwn(type.spec.attrs ?? {}, key)) return `unknown attribute ${key} on ${node}`;
      // Quoted in every presence state and lock request: held to the same short id presence admits.
      if (key === 'sectionId') return isSectionIdString(value) ? null : 'malformed sectionId';
      return typeProblem(value, type.spec.attrs?.[key]?.default, `${node}.${key}`) ?? valueProblem(value);
    },
    markValueProblem(formatKey, value) {
      const mark = schema.marks[markName(formatKey)];
      if (!mark) return `unknown mark ${formatKey}`;
      // A null value ends the mark's run; an object carries its attributes.
      if (value === null) return null;
      if (typeof value !== 'object' || Array.isArray(value)) return `malformed ${mark.name} mark`;
      for (const [key, attribute] of Object.entries(value)) {
        const spec = mark.spec.attrs ?? {};
        if (!Object.hasOwn(spec, key)) return `unknown attribute ${key} on mark ${mark.name}`;
        const problem = typeProblem(attribute, spec[key]?.default, `${mark.name}.${key}`);
        if (problem) return problem;
      }
      return valueProblem(value);
    },
  };
}

/** y-tiptap names a mark that may overlap itself `name--hash`; the schema knows it as `name`. */
function markName(formatKey: string): string {
  const dashes = formatKey.indexOf('--');
  return dashes === -1 ? formatKey : formatKey.slice(0, dashes);
}

/**
 * Editors render attribute values as the schema declares them (Link calls `href.replace`, a task item reads
 * `checked` as a boolean, y-tiptap never writes a null back, so a null where the default is not diverges
 * once edited): a value has its default's type; an attribute without a default (or a null one) is a string
 * or null. Found by the structure fuzzer.
 */
function typeProblem(value: unknown, fallback: unknown, name: string): string | null {
  if (fallback === undefined || fallback === null) return value === null || typeof value === 'string' ? null : `${name} must be a string`;
  return typeof value === typeof fallback ? null : `${name} must be a ${typeof fallback}`;
}

const utf8 = new TextEncoder();

/** Whether one attribute value (a node attribute, or a mark's attributes together) fits MAX_ATTRIBUTE_BYTES. */
export function fitsAttributeLimit(value: unknown): boolean {
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined || utf8.encode(json).length <= MAX_ATTRIBUTE_BYTES;
}

function valueProblem(value: unknown): string | null {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return 'attribute is not JSON';
  }
  if (json === undefined) return 'attribute is not JSON';
  return utf8.encode(json).length > MAX_ATTRIBUTE_BYTES ? 'attribute too large' : null;
}

/** Every node type that can appear anywhere in a content expression (the match automaton's edges). */
function reachableTypes(start: ContentMatch): Set<string> {
  const names = new Set<string>();
  const seen = new Set<ContentMatch>([start]);
  const queue = [start];
  for (let match = queue.pop(); match; match = queue.pop()) {
    for (let i = 0; i < match.edgeCount; i++) {
      const edge: { type: NodeType; next: ContentMatch } = match.edge(i);
      names.add(edge.type.name);
      if (!seen.has(edge.next)) {
        seen.add(edge.next);
        queue.push(edge.next);
      }
    }
  }
  return names;
}
