/**
 * Headings that share a `sectionId` in the Y document, and their deterministic repair.
 *
 * How a duplicate arises with no one copying anything: y-tiptap has no "move", so a block that changes
 * parent is deleted and re-inserted as a copy. When two people restructure around one heading at the
 * same time (convergence seed 438: one lifts a heading out of a task list, the other presses Backspace
 * in that task item), each deletes the original and inserts a copy of their own; after the merge both
 * copies carry the original's id. No single replica made the duplicate, so UniqueID (which looks only
 * at local transactions) cannot see it.
 *
 * The repair runs where every change meets — the server, after each update that could have created one —
 * and is deterministic: the copy that keeps the id is chosen from the Y items alone, and the others get
 * an id derived from their own item id. Two observers repairing the same state (several server
 * instances, say) write the same values, so they cannot start a rename race.
 */
import * as Y from 'yjs';
import { SECTION_ID_ATTRIBUTE } from './blockSummaries.js';

/** Transaction origin of sectionId repairs: not a user's change, so no undo manager tracks it. */
export const SECTION_ID_REPAIR_ORIGIN = 'tandem:section-id-repair';

interface HeadingScan {
  /** Headings with a string `sectionId`, grouped by it, in document order. */
  byId: Map<string, Y.XmlElement[]>;
  /** Headings with no string `sectionId` at all: honest editors stamp every heading they create, so only
   *  a hostile or broken client makes one, and every editor would then stamp its own id locally. */
  unstamped: Y.XmlElement[];
}

/** One walk over every heading, nested blocks included. */
function scanHeadings(fragment: Y.XmlFragment): HeadingScan {
  const scan: HeadingScan = { byId: new Map(), unstamped: [] };
  const visit = (parent: Y.XmlFragment | Y.XmlElement): void => {
    for (const child of parent.toArray()) {
      if (!(child instanceof Y.XmlElement)) continue;
      if (child.nodeName === 'heading') {
        const id = child.getAttribute(SECTION_ID_ATTRIBUTE);
        if (typeof id === 'string') scan.byId.set(id, [...(scan.byId.get(id) ?? []), child]);
        else scan.unstamped.push(child);
      }
      visit(child);
    }
  };
  visit(fragment);
  return scan;
}

/** Every heading with a string `sectionId`, grouped by it, in document order (nested blocks included). */
export function headingsBySectionId(fragment: Y.XmlFragment): Map<string, Y.XmlElement[]> {
  return scanHeadings(fragment).byId;
}

/**
 * The id a heading gets when it loses its shared id: derived from its own Yjs item, which no other
 * element has, so every observer derives the same unique value. (`_item` is how Yjs exposes a type's
 * identity; y-prosemirror reads it the same way.)
 */
export function derivedSectionId(element: Y.XmlElement): string | null {
  const id = element._item?.id;
  return id ? `h-${id.client.toString(36)}-${id.clock.toString(36)}` : null;
}

function compareItems(a: Y.XmlElement, b: Y.XmlElement): number {
  const x = a._item?.id;
  const y = b._item?.id;
  if (!x || !y) return 0;
  return x.client - y.client || x.clock - y.clock;
}

/** Headings the owner wants to keep their id when they are among copies (e.g. the heading of a locked
 *  section): the server passes them; everything else about the choice comes from the document. */
export type KeepPreference = (heading: Y.XmlElement) => boolean;

const isTopLevel = (heading: Y.XmlElement): boolean => heading.parent instanceof Y.XmlFragment;

/**
 * The renames that make every sectionId unique again (and give a heading without one its derived id). Per shared id the keeper is, in this order: the
 * heading whose own derived id it is (an earlier repair gave it that id and someone copied it since; it
 * could not be renamed anyway); a heading the owner prefers; a top-level heading (only those start
 * sections, so a lock or a presence marker stays on the section people see); the lowest item id. Every
 * other copy gets its derived id.
 */
export function planSectionIdRepairs(fragment: Y.XmlFragment, prefer: KeepPreference = () => false): Array<{ element: Y.XmlElement; id: string }> {
  const renames: Array<{ element: Y.XmlElement; id: string }> = [];
  const { byId, unstamped } = scanHeadings(fragment);
  // A heading without an id gets its derived one, the same on every observer (structure fuzzer seed 4).
  for (const heading of unstamped) {
    const derived = derivedSectionId(heading);
    if (derived !== null) renames.push({ element: heading, id: derived });
  }
  for (const [id, headings] of byId) {
    if (headings.length < 2) continue;
    const ordered = [...headings].sort(compareItems);
    const keeper =
      ordered.find((heading) => derivedSectionId(heading) === id) ?? ordered.find(prefer) ?? ordered.find(isTopLevel) ?? ordered[0];
    for (const heading of ordered) {
      const derived = derivedSectionId(heading);
      if (heading !== keeper && derived !== null && derived !== id) renames.push({ element: heading, id: derived });
    }
  }
  return renames;
}

/** A derived id can itself have been copied elsewhere; each pass resolves one level of that. */
const MAX_REPAIR_PASSES = 4;

/** Renames duplicated headings in one transaction (none when there is nothing to repair). Returns how many. */
export function repairDuplicateSectionIds(fragment: Y.XmlFragment, origin: unknown = SECTION_ID_REPAIR_ORIGIN, prefer?: KeepPreference): number {
  const doc = fragment.doc;
  if (!doc) return 0;
  let renamed = 0;
  for (let pass = 0; pass < MAX_REPAIR_PASSES; pass++) {
    const renames = planSectionIdRepairs(fragment, prefer);
    if (renames.length === 0) break;
    doc.transact(() => {
      for (const { element, id } of renames) element.setAttribute(SECTION_ID_ATTRIBUTE, id);
    }, origin);
    renamed += renames.length;
  }
  return renamed;
}

/**
 * Whether a transaction could have left two headings with one id: it changed some element's children
 * (a block inserted, deleted or re-created elsewhere) or set a `sectionId`. Typing changes only text,
 * so the scan stays off the hot path.
 */
export function mayDuplicateSectionIds(transaction: Y.Transaction): boolean {
  for (const [type, keys] of transaction.changed) {
    if (!(type instanceof Y.XmlElement || type instanceof Y.XmlFragment)) continue;
    if (keys.has(null) || keys.has(SECTION_ID_ATTRIBUTE)) return true;
  }
  return false;
}

/**
 * Watches a document and repairs duplicates on request, only when a transaction since the last request
 * could have made one. The owner calls `repairIfNeeded()` right after applying someone's update, so the
 * repair is stored and relayed together with it.
 */
export class SectionIdRepairWatch {
  private suspect = true;
  private readonly onTransaction = (transaction: Y.Transaction): void => {
    if (!this.isOwn(transaction.origin) && mayDuplicateSectionIds(transaction)) this.suspect = true;
  };

  /** `isOwn`: the origins its repairs run under (an owner may give each run its own, see repairIfNeeded). */
  constructor(
    private readonly fragment: Y.XmlFragment,
    private readonly isOwn: (origin: unknown) => boolean = (origin) => origin === SECTION_ID_REPAIR_ORIGIN,
  ) {
    fragment.doc?.on('afterTransaction', this.onTransaction);
  }

  /** `origin` must be one `isOwn` recognises. */
  repairIfNeeded(prefer?: KeepPreference, origin: unknown = SECTION_ID_REPAIR_ORIGIN): number {
    if (!this.suspect) return 0;
    this.suspect = false;
    return repairDuplicateSectionIds(this.fragment, origin, prefer);
  }

  destroy(): void {
    this.fragment.doc?.off('afterTransaction', this.onTransaction);
  }
}
