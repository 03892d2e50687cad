/**
 * Text that carries two marks the schema forbids together, and its repair.
 *
 * Yjs keeps formatting per attribute, so it cannot express ProseMirror's mark exclusion: when one person
 * makes a word `code` (which excludes every other mark) while another makes it bold, every replica
 * converges on text with both, which the schema rejects (`node.check()` throws; found by the convergence
 * suite, seed 103). The repair clears the excluded marks the way ProseMirror itself would have: a mark
 * that excludes another wins over it (`code` over bold); between two that exclude each other, the one
 * earlier in the schema stays. It runs where every change meets (the server), so replicas never race.
 *
 * y-tiptap stores a mark as a text attribute named after the mark type, or `<type>--<hash>` for marks
 * that may overlap themselves; `ychange` is its snapshot-rendering attribute, not a mark.
 */
import type { MarkType, Schema } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { forEachInsertedItem } from '../yjs/insertedItems.js';

/** Origin of mark repairs: a change nobody typed, so no undo manager tracks it. */
export const MARK_REPAIR_ORIGIN = 'tandem:mark-exclusion-repair';

const HASHED_MARK = /^(.*)--[a-zA-Z0-9+/=]{8}$/;

function markTypeOf(attribute: string, schema: Schema): MarkType | undefined {
  if (attribute === 'ychange') return undefined;
  return schema.marks[HASHED_MARK.exec(attribute)?.[1] ?? attribute];
}

/** The attributes of one run that another attribute of the same run excludes. */
export function excludedAttributes(attributes: Readonly<Record<string, unknown>>, schema: Schema): string[] {
  const present = Object.keys(attributes)
    .map((name) => ({ name, type: markTypeOf(name, schema) }))
    .filter((entry): entry is { name: string; type: MarkType } => entry.type !== undefined);
  const rank = (type: MarkType): number => Object.keys(schema.marks).indexOf(type.name);
  const excluded: string[] = [];
  for (const candidate of present) {
    const loses = present.some(({ type: other, name }) => {
      if (name === candidate.name || other === candidate.type) return false;
      if (!other.excludes(candidate.type)) return false;
      // Mutual exclusion: the mark earlier in the schema stays.
      return !candidate.type.excludes(other) || rank(other) < rank(candidate.type);
    });
    if (loses) excluded.push(candidate.name);
  }
  return excluded;
}

/** The formatting to clear in one text: ranges with the attributes to set to null. */
export function planMarkRepairs(text: Y.XmlText, schema: Schema): Array<{ index: number; length: number; clear: string[] }> {
  const repairs: Array<{ index: number; length: number; clear: string[] }> = [];
  let index = 0;
  for (const op of text.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>) {
    const length = typeof op.insert === 'string' ? op.insert.length : 1;
    const clear = op.attributes ? excludedAttributes(op.attributes, schema) : [];
    if (clear.length > 0) repairs.push({ index, length, clear });
    index += length;
  }
  return repairs;
}

/**
 * Watches a document's texts and repairs forbidden mark combinations on request, checking only the
 * texts that changed since the last request (a keystroke re-reads one paragraph's formatting runs).
 */
export class MarkExclusionRepairWatch {
  private changed = new Set<Y.XmlText>();
  private readonly onTransaction = (transaction: Y.Transaction): void => {
    if (this.isOwn(transaction.origin) || this.skip(transaction.origin)) return;
    // Texts that existed before (typing, formatting, deletions that widen a format's reach) …
    for (const type of transaction.changed.keys()) if (type instanceof Y.XmlText) this.changed.add(type);
    // … and texts created in this transaction, which `changed` leaves out: y-tiptap re-creates a block
    // that changes parent with its formatting, which may carry a merged forbidden pair (seeds 539, 6388).
    forEachInsertedItem(transaction, (item) => {
      if (item.parent instanceof Y.XmlText) this.changed.add(item.parent);
    });
  };

  /** `skip`: origins whose changes need no check (e.g. loading a document the server already repaired).
   *  `isOwn`: the origins its repairs run under (an owner may give each run its own, see repairIfNeeded). */
  constructor(
    private readonly doc: Y.Doc,
    private readonly schema: Schema,
    private readonly skip: (origin: unknown) => boolean = () => false,
    private readonly isOwn: (origin: unknown) => boolean = (origin) => origin === MARK_REPAIR_ORIGIN,
  ) {
    doc.on('afterTransaction', this.onTransaction);
  }

  /** Clears excluded marks in the texts changed since the last call, in one transaction. Returns the
   *  number of runs repaired. `origin` must be one `isOwn` recognises. */
  repairIfNeeded(origin: unknown = MARK_REPAIR_ORIGIN): number {
    if (this.changed.size === 0) return 0;
    const texts = [...this.changed].filter((text) => !text._item?.deleted);
    this.changed = new Set();
    const plans = texts.map((text) => ({ text, repairs: planMarkRepairs(text, this.schema) })).filter((plan) => plan.repairs.length > 0);
    if (plans.length === 0) return 0;
    this.doc.transact(() => {
      for (const { text, repairs } of plans) {
        for (const { index, length, clear } of repairs) text.format(index, length, Object.fromEntries(clear.map((name) => [name, null])));
      }
    }, origin);
    return plans.reduce((sum, plan) => sum + plan.repairs.length, 0);
  }

  destroy(): void {
    this.doc.off('afterTransaction', this.onTransaction);
  }
}
