/**
 * Sections: a top-level heading and every top-level block after it up to the next heading of the same or
 * higher rank (so an H1 section contains its H2 subsections). The blocks before the first heading form
 * the leading section. Pure functions over a minimal block summary, so the client (ProseMirror), the
 * server (Y.XmlFragment, without converting to ProseMirror) and tests share one definition.
 */

/** The id of the section formed by the blocks before the first heading. */
export const LEADING_SECTION_ID = 'leading';

export interface BlockSummary {
  /** Node type name, e.g. `heading`, `paragraph`. */
  type: string;
  /** Heading level 1–6; null for other blocks. */
  level: number | null;
  /** Stable id of a heading (`sectionId` attribute); null for other blocks and not-yet-stamped headings. */
  sectionId: string | null;
  /** Plain text, used for titles. */
  text: string;
}

export interface Section {
  /** The heading's `sectionId`, `LEADING_SECTION_ID`, or `unstamped:<index>` for a heading without an id yet. */
  id: string;
  title: string;
  /** 0 for the leading section, otherwise the heading level. */
  level: number;
  /** Index of the section's first top-level block (its heading). */
  startBlock: number;
  /** Index one past the last block the section covers, subsections included. */
  endBlock: number;
  /** Id of the enclosing section, or null at the top. */
  parentId: string | null;
}

export function sectionIdOf(block: BlockSummary, index: number): string {
  return block.sectionId ?? `unstamped:${index}`;
}

export function sectionsOf(blocks: readonly BlockSummary[]): Section[] {
  const sections: Section[] = [];
  const firstHeading = blocks.findIndex((block) => block.type === 'heading');
  const leadingEnd = firstHeading === -1 ? blocks.length : firstHeading;
  if (leadingEnd > 0) {
    sections.push({ id: LEADING_SECTION_ID, title: '', level: 0, startBlock: 0, endBlock: leadingEnd, parentId: null });
  }
  // Open sections, outermost first; a heading closes every open section of the same or deeper level.
  const open: Section[] = [];
  blocks.forEach((block, index) => {
    if (block.type !== 'heading') return;
    const level = clampLevel(block.level);
    while (open.length > 0 && (open[open.length - 1] as Section).level >= level) (open.pop() as Section).endBlock = index;
    const section: Section = {
      id: sectionIdOf(block, index),
      title: block.text.trim(),
      level,
      startBlock: index,
      endBlock: blocks.length,
      parentId: open.length > 0 ? (open[open.length - 1] as Section).id : null,
    };
    open.push(section);
    sections.push(section);
  });
  return sections;
}

/** The innermost section containing the block, or null for an empty document. */
export function innermostSectionAt(sections: readonly Section[], blockIndex: number): Section | null {
  let found: Section | null = null;
  for (const section of sections) {
    if (blockIndex >= section.startBlock && blockIndex < section.endBlock) {
      if (!found || section.startBlock >= found.startBlock) found = section;
    }
  }
  return found;
}

function clampLevel(level: number | null): number {
  if (level === null || !Number.isFinite(level)) return 1;
  return Math.min(6, Math.max(1, Math.round(level)));
}
