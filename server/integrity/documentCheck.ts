/**
 * The whole-document form of the schema check (updateCheck.ts judges one update's new structs): walks the
 * editor fragment and lists every item the editor schema does not allow where it is. Used once per load,
 * to repair documents stored before the server checked updates, and by tests to assert that whatever
 * the server stored is a document every editor can show.
 */
import * as Y from 'yjs';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { documentRules, MAX_NESTING_DEPTH, type SchemaRules } from '../../shared/editor/schemaRules.js';
import { listItems, mapItems } from './yjsInternals.js';

export interface Violation {
  /** The offending item: deleting it (with everything inside) makes its parent valid again. */
  item: Y.Item;
  detail: string;
}

/** Every violation in the document's fragment, outermost first (nothing inside a violation is listed). */
export function findViolations(doc: Y.Doc, rules: SchemaRules = documentRules()): Violation[] {
  const violations: Violation[] = [];
  const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT);
  // Iterative: a stored document may nest thousands of levels deep.
  const stack: Array<{ parent: Y.XmlFragment; name: string | null; depth: number }> = [{ parent: fragment, name: null, depth: 0 }];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const { parent, name, depth } = entry;
    if (parent instanceof Y.XmlElement) checkAttributes(parent, rules, violations);
    for (const item of listItems(parent)) {
      if (item.deleted) continue;
      const content = item.content;
      const child = content instanceof Y.ContentType ? content.type : null;
      const problem = childProblem(child, name, depth, rules);
      if (problem) {
        violations.push({ item, detail: problem });
        continue;
      }
      if (child instanceof Y.XmlElement) stack.push({ parent: child, name: child.nodeName, depth: depth + 1 });
      else if (child instanceof Y.XmlText && name !== null) checkText(child, name, rules, violations);
    }
  }
  return violations;
}

/** Deletes every violating item in one transaction (deterministic: the same document gives the same result). */
export function repairViolations(doc: Y.Doc, violations: readonly Violation[], origin: unknown): void {
  if (violations.length === 0) return;
  doc.transact((transaction) => {
    for (const { item } of violations) if (!item.deleted) item.delete(transaction);
  }, origin);
}

function childProblem(child: Y.AbstractType<unknown> | null, parent: string | null, depth: number, rules: SchemaRules): string | null {
  if (child instanceof Y.XmlElement) {
    const allowed = parent === null ? rules.topLevel : rules.childElements(parent);
    if (!allowed.has(child.nodeName)) return `element ${child.nodeName} ${parent === null ? 'at the top level' : `inside ${parent}`}`;
    if (depth + 1 > MAX_NESTING_DEPTH) return 'nesting too deep';
    return null;
  }
  if (child instanceof Y.XmlText) return parent !== null && rules.allowsText(parent) ? null : `text ${parent === null ? 'at the top level' : `inside ${parent}`}`;
  return `${child ? child.constructor.name : 'content'} ${parent === null ? 'at the top level' : `inside ${parent}`}`;
}

function checkAttributes(element: Y.XmlElement, rules: SchemaRules, violations: Violation[]): void {
  for (const [key, item] of mapItems(element)) {
    if (item.deleted) continue;
    const content = item.content;
    const value = content instanceof Y.ContentAny && content.arr.length === 1 ? content.arr[0] : undefined;
    const problem = value === undefined ? `attribute ${key} is not a plain value` : rules.attributeProblem(element.nodeName, key, value);
    if (problem) violations.push({ item, detail: problem });
  }
}

function checkText(text: Y.XmlText, element: string, rules: SchemaRules, violations: Violation[]): void {
  for (const [key, item] of mapItems(text)) if (!item.deleted) violations.push({ item, detail: `attribute ${key} on text` });
  for (const item of listItems(text)) {
    if (item.deleted) continue;
    const content = item.content;
    if (content instanceof Y.ContentString) continue;
    if (content instanceof Y.ContentFormat) {
      const problem = !rules.allowsMark(element, content.key) ? `mark ${content.key} inside ${element}` : rules.markValueProblem(content.key, content.value);
      if (problem) violations.push({ item, detail: problem });
      continue;
    }
    violations.push({ item, detail: `${content.constructor.name} inside text` });
  }
}
