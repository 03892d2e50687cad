/**
 * Which ProseMirror ranges are locked by other people, and whether a transaction touches one. Pure, so
 * the editor plugin and tests share it.
 *
 * A section's range runs from the start of its heading to the end of its last block. A change touches it
 * when its replaced range overlaps the section, or when it inserts strictly inside it or right after its
 * last block (a new block there belongs to the section, by the section model). Inserting right before the
 * heading is the end of the previous section, so it is allowed.
 */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import type { Step } from '@tiptap/pm/transform';
import type { Transaction } from '@tiptap/pm/state';
import type { LockEntry } from '../../shared/locks/lockProtocol.js';
import { stepRanges } from '../../shared/sections/unchangedSections.js';
import { blocksFromProseMirror } from '../../shared/sections/blockSummaries.js';
import { sectionsOf, type Section } from '../../shared/sections/sectionModel.js';

export interface LockedRange {
  sectionId: string;
  from: number;
  to: number;
  lock: LockEntry;
}

export interface SectionRange {
  section: Section;
  from: number;
  to: number;
  /** Position of the heading node (the section's first block). */
  headingPos: number;
  heading: ProseMirrorNode | null;
}

/** Every section of the document with its position range. */
export function sectionRanges(doc: ProseMirrorNode): SectionRange[] {
  const starts: number[] = [];
  const nodes: ProseMirrorNode[] = [];
  doc.forEach((node, offset) => {
    starts.push(offset);
    nodes.push(node);
  });
  starts.push(doc.content.size);
  return sectionsOf(blocksFromProseMirror(doc)).map((section) => {
    const first = nodes[section.startBlock] ?? null;
    return {
      section,
      from: starts[section.startBlock] ?? 0,
      to: starts[section.endBlock] ?? doc.content.size,
      headingPos: starts[section.startBlock] ?? 0,
      heading: first && first.type.name === 'heading' ? first : null,
    };
  });
}

export function lockedRanges(doc: ProseMirrorNode, heldByOthers: ReadonlyMap<string, LockEntry>): LockedRange[] {
  if (heldByOthers.size === 0) return [];
  const ranges: LockedRange[] = [];
  for (const { section, from, to } of sectionRanges(doc)) {
    const lock = heldByOthers.get(section.id);
    if (lock) ranges.push({ sectionId: section.id, from, to, lock });
  }
  return ranges;
}

/** The locked range that the change [from, to] (in the same document) touches, if any. */
export function touchedLock(ranges: readonly LockedRange[], from: number, to: number): LockedRange | null {
  for (const range of ranges) {
    const insertion = from === to;
    if (insertion ? from > range.from && from <= range.to : from < range.to && to > range.from) return range;
  }
  return null;
}

/** The first locked range a transaction's steps touch, or null. */
export function transactionTouchesLock(tr: Transaction, heldByOthers: ReadonlyMap<string, LockEntry>): LockedRange | null {
  if (heldByOthers.size === 0) return null;
  let doc: ProseMirrorNode | null = null;
  let ranges: LockedRange[] = [];
  for (let i = 0; i < tr.steps.length; i++) {
    const before = tr.docs[i] as ProseMirrorNode;
    if (before !== doc) {
      doc = before;
      ranges = lockedRanges(before, heldByOthers);
    }
    for (const { from, to } of stepRanges(tr.steps[i] as Step)) {
      const touched = touchedLock(ranges, from, to);
      if (touched) return touched;
    }
  }
  return null;
}
