/**
 * Server-side enforcement of section locks: an update that changes a section held by another user is
 * reverted by a compensating transaction, so every replica converges on the reverted document.
 *
 * Per locked section the guard keeps the section's top-level Y types and a ProseMirror copy of their
 * content ("kept content"). The copy is refreshed lazily: an accepted change to the section (the
 * holder's, or a revert) only marks it stale, and it is re-read just before the next update from
 * someone else is applied — so the holder typing costs nothing, and the copy always includes every
 * accepted holder edit.
 *
 * After a peer's update is applied, the transaction's changed types say which top-level blocks it
 * touched (no ProseMirror conversion on this path). Only if a block of a section held by another user
 * was touched, deleted, or a block was inserted into such a section, the guard restores it:
 *   1. delete blocks the update inserted inside the section;
 *   2. re-insert kept blocks the update deleted, as fresh elements at their place;
 *   3. write the kept content into every touched or re-inserted block with y-tiptap's `updateYFragment`,
 *      which computes a minimal change (a text diff), so the holder's concurrent edits — already in the
 *      kept content — survive, and the rest of the update (outside the section) stays as it is.
 * A whole-transaction `Y.UndoManager` undo would also undo the sender's edits outside the section.
 */
import type { Node as ProseMirrorNode, Schema } from '@tiptap/pm/model';
import { updateYFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { blocksFromYFragment } from '../../shared/sections/blockSummaries.js';
import { sectionsOf } from '../../shared/sections/sectionModel.js';
import { yElementToProseMirror } from './yToProseMirror.js';

interface GuardedSection {
  sectionId: string;
  holderUserId: string;
  level: number;
  title: string;
  /** The section's top-level blocks (heading first), when last read. */
  blocks: Y.XmlElement[];
  /** Their content when last read; null for a block the schema could not read. */
  nodes: Array<ProseMirrorNode | null>;
  /** `content`: re-read the blocks' content; `structure`: also recompute which blocks form the section. */
  stale: 'none' | 'content' | 'structure';
}

export interface RevertedSection {
  sectionId: string;
  title: string;
  holderUserId: string;
  /** Blocks the update inserted into the section, deleted from it, or changed inside it. */
  blocksRemoved: number;
  blocksRestored: number;
  blocksRewritten: number;
}

interface TouchedBlocks {
  blocks: Set<unknown>;
  /** The fragment's own child list changed (a block inserted or deleted). */
  structural: boolean;
  beforeState: Map<number, number>;
}

export class SectionGuard {
  private readonly sections = new Map<string, GuardedSection>();
  private guarding: { origin: unknown; touched: TouchedBlocks | null } | null = null;

  private readonly onTransaction = (transaction: Y.Transaction): void => this.observe(transaction);

  constructor(
    private readonly doc: Y.Doc,
    private readonly fragment: Y.XmlFragment,
    private readonly schema: Schema,
    /** Origin of the compensating transactions (persisted and broadcast like any accepted change). */
    private readonly revertOrigin: unknown,
    private readonly onError: (error: unknown, sectionId: string) => void = () => undefined,
  ) {
    doc.on('afterTransaction', this.onTransaction);
  }

  destroy(): void {
    this.doc.off('afterTransaction', this.onTransaction);
    this.sections.clear();
  }

  /** Follows the lock table: `held` maps each locked section id to its holder's user id. */
  setLocks(held: ReadonlyMap<string, string>): void {
    for (const sectionId of [...this.sections.keys()]) {
      if (!held.has(sectionId)) this.sections.delete(sectionId);
    }
    for (const [sectionId, holderUserId] of held) {
      const existing = this.sections.get(sectionId);
      if (existing && existing.holderUserId === holderUserId) continue;
      // A new lock (or a new holder): read the section before the next update from anyone else.
      this.sections.set(sectionId, { sectionId, holderUserId, level: 1, title: '', blocks: [], nodes: [], stale: 'structure' });
    }
  }

  /**
   * Applies one peer update (`apply` runs Y.applyUpdate with `origin`) on behalf of `senderUserId`, then
   * reverts what it changed inside sections held by others. Returns the reverted sections. An exception
   * from `apply` (a malformed update) propagates unchanged.
   */
  guard(senderUserId: string, origin: unknown, apply: () => void): RevertedSection[] {
    const foreign = [...this.sections.values()].filter((section) => section.holderUserId !== senderUserId);
    if (foreign.length === 0) {
      apply();
      return [];
    }
    for (const section of foreign) this.refresh(section);
    const guarding: { origin: unknown; touched: TouchedBlocks | null } = { origin, touched: null };
    this.guarding = guarding;
    try {
      apply();
    } finally {
      this.guarding = null;
    }
    const touched = guarding.touched;
    if (!touched) return [];
    const reverted: RevertedSection[] = [];
    for (const section of foreign) {
      if (section.blocks.length === 0) continue;
      try {
        const result = this.revertIfChanged(section, touched);
        if (result) reverted.push(result);
      } catch (error) {
        // Never let a failed revert look like a malformed update (the room would close the sender).
        this.onError(error, section.sectionId);
      }
    }
    return reverted;
  }

  /** The heading of every guarded section as last read or restored: the copy that keeps the section's id
   *  when an update leaves two headings with it (shared/sections/sectionIdRepair.ts). */
  sectionHeadings(): Set<Y.XmlElement> {
    const headings = new Set<Y.XmlElement>();
    for (const section of this.sections.values()) {
      const first = section.blocks[0];
      if (first && !first._item?.deleted) headings.add(first);
    }
    return headings;
  }

  private observe(transaction: Y.Transaction): void {
    if (this.sections.size === 0) return;
    const touched = this.touchedBlocks(transaction);
    if (touched.blocks.size === 0 && !touched.structural) return;
    if (this.guarding && transaction.origin === this.guarding.origin) this.guarding.touched = touched;
    // Whatever survives of this change (all of it, or what is left after a revert) is the section's
    // accepted content now: re-read it before the next update from someone else. The enforcement of a
    // guarded update still compares against the copy taken before it.
    for (const section of this.sections.values()) {
      if (touched.structural) section.stale = 'structure';
      else if (section.stale === 'none' && section.blocks.some((block) => touched.blocks.has(block))) section.stale = 'content';
    }
  }

  private touchedBlocks(transaction: Y.Transaction): TouchedBlocks {
    const blocks = new Set<unknown>();
    let structural = false;
    for (const type of transaction.changed.keys()) {
      let current: Y.AbstractType<unknown> = type as Y.AbstractType<unknown>;
      // Climb to the fragment's direct child; types under other root types end at a null `_item`.
      while (current !== this.fragment && current._item !== null && current._item.parent !== this.fragment) {
        current = current._item.parent as Y.AbstractType<unknown>;
      }
      if (current === this.fragment) structural = true;
      else if (current._item !== null && current._item.parent === this.fragment) blocks.add(current);
    }
    return { blocks, structural, beforeState: transaction.beforeState };
  }

  /** Re-reads the section's blocks (and, if the structure changed, which blocks form it). */
  private refresh(section: GuardedSection): void {
    if (section.stale === 'none') return;
    if (section.stale === 'structure') {
      const children = this.fragment.toArray();
      const found = sectionsOf(blocksFromYFragment(this.fragment)).find((candidate) => candidate.id === section.sectionId);
      section.blocks = found
        ? children.slice(found.startBlock, found.endBlock).filter((child): child is Y.XmlElement => child instanceof Y.XmlElement)
        : [];
      section.level = found?.level ?? 1;
      section.title = found?.title ?? '';
    }
    section.nodes = section.blocks.map((block) => yElementToProseMirror(block, this.schema));
    section.stale = 'none';
  }

  private revertIfChanged(section: GuardedSection, touched: TouchedBlocks): RevertedSection | null {
    const kept = new Set<unknown>(section.blocks);
    const rewritten = section.blocks.filter((block) => !block._item?.deleted && touched.blocks.has(block));
    const deleted = section.blocks.filter((block) => block._item?.deleted === true);
    const intruders = touched.structural ? this.intruders(section, kept, touched.beforeState) : [];
    if (rewritten.length === 0 && deleted.length === 0 && intruders.length === 0) return null;

    const y = { transact: (fn: () => void) => this.doc.transact(fn, this.revertOrigin) };
    let restored = 0;
    this.doc.transact(() => {
      for (const intruder of intruders) {
        const index = this.fragment.toArray().indexOf(intruder);
        if (index >= 0) this.fragment.delete(index, 1);
      }
      // Walk the kept blocks in order, re-inserting deleted ones right after their predecessor.
      let cursor = this.insertionStart(section);
      section.blocks.forEach((block, i) => {
        const node = section.nodes[i];
        if (!block._item?.deleted) {
          cursor = this.fragment.toArray().indexOf(block) + 1;
          if (node && rewritten.includes(block)) updateYFragment(y, block, node, { mapping: new Map(), isOMark: new Map() });
          return;
        }
        if (!node) return;
        const fresh = new Y.XmlElement(node.type.name);
        this.fragment.insert(cursor, [fresh]);
        updateYFragment(y, fresh, node, { mapping: new Map(), isOMark: new Map() });
        section.blocks[i] = fresh;
        cursor++;
        restored++;
      });
    }, this.revertOrigin);
    return {
      sectionId: section.sectionId,
      title: section.title,
      holderUserId: section.holderUserId,
      blocksRemoved: intruders.length,
      blocksRestored: restored,
      blocksRewritten: rewritten.length,
    };
  }

  /**
   * Blocks the update inserted inside the section: between its first and last surviving block; right
   * after its last one (the section model puts them in the section), up to a new heading that starts a
   * section of the same or higher rank; and, when the update deleted the section's heading, right
   * before its first surviving block (a replaced heading lands there).
   */
  private intruders(section: GuardedSection, kept: Set<unknown>, beforeState: Map<number, number>): Y.XmlElement[] {
    const children = this.fragment.toArray();
    const isNew = (child: unknown): boolean => {
      const item = (child as Y.AbstractType<unknown>)._item;
      return item !== null && item.id.clock >= (beforeState.get(item.id.client) ?? 0);
    };
    const startsSibling = (child: unknown): boolean =>
      child instanceof Y.XmlElement && child.nodeName === 'heading' && Number(child.getAttribute('level') ?? 1) <= section.level;
    const alive = children.map((child, index) => ({ child, index })).filter(({ child }) => kept.has(child));
    const found: Y.XmlElement[] = [];
    const take = (child: unknown): void => {
      if (child instanceof Y.XmlElement || child instanceof Y.XmlText) found.push(child as Y.XmlElement);
    };
    let from: number;
    let to: number;
    if (alive.length > 0) {
      from = (alive[0] as { index: number }).index;
      to = (alive[alive.length - 1] as { index: number }).index;
      for (let i = from + 1; i < to; i++) if (!kept.has(children[i])) take(children[i]);
    } else {
      // Every block of the section was deleted: look right after the last surviving block before it.
      from = this.insertionStart(section);
      to = from - 1;
    }
    const headingGone = section.blocks[0]?._item?.deleted === true;
    if (headingGone) {
      for (let i = from - 1; i >= 0 && isNew(children[i]); i--) take(children[i]);
    }
    for (let i = to + 1; i < children.length && isNew(children[i]); i++) {
      if (startsSibling(children[i])) break;
      take(children[i]);
    }
    return found;
  }

  /** Where the section's first block belongs: its surviving first block, or after the nearest surviving
   *  block that preceded the section. */
  private insertionStart(section: GuardedSection): number {
    const children = this.fragment.toArray();
    const firstAlive = section.blocks.find((block) => !block._item?.deleted);
    if (firstAlive && section.blocks[0] === firstAlive) return children.indexOf(firstAlive);
    let item = section.blocks[0]?._item?.left ?? null;
    while (item !== null && item.deleted) item = item.left;
    if (item === null) return 0;
    const index = children.indexOf((item.content as Y.ContentType).type as Y.XmlElement);
    return index + 1;
  }
}
