/** The section model, checked against its definition on random documents (seeded, replayable). */
import { describe, expect, it } from 'vitest';
import { type BlockSummary, innermostSectionAt, LEADING_SECTION_ID, sectionsOf } from '../../shared/sections/sectionModel.js';
import { createPrng } from '../helpers/prng.js';

const SEED = Number(process.env.SECTIONS_SEED ?? 20261122);
const RUNS = Number(process.env.SECTIONS_RUNS ?? 300);

function randomBlocks(seed: number): BlockSummary[] {
  const prng = createPrng(seed);
  return Array.from({ length: prng.int(0, 30) }, (_, i) =>
    prng.chance(0.35)
      ? { type: 'heading', level: prng.int(1, 4), sectionId: `s${i}`, text: `Heading ${i}` }
      : { type: prng.pick(['paragraph', 'bulletList', 'blockquote', 'codeBlock']), level: null, sectionId: null, text: `p${i}` },
  );
}

/** The definition, literally: a heading's section runs to the next heading of the same or higher rank. */
function referenceEnd(blocks: BlockSummary[], start: number): number {
  const level = blocks[start]?.level ?? 1;
  for (let i = start + 1; i < blocks.length; i++) {
    const block = blocks[i] as BlockSummary;
    if (block.type === 'heading' && (block.level ?? 1) <= level) return i;
  }
  return blocks.length;
}

describe('sectionsOf', () => {
  it(`matches the definition on ${RUNS} random documents (seed ${SEED})`, () => {
    for (let run = 0; run < RUNS; run++) {
      const seed = SEED + run;
      const blocks = randomBlocks(seed);
      const sections = sectionsOf(blocks);
      const context = `replay: SECTIONS_SEED=${seed} SECTIONS_RUNS=1 npx vitest run --project unit sections`;
      const headings = blocks.flatMap((block, index) => (block.type === 'heading' ? [index] : []));
      expect(sections.filter((s) => s.id !== LEADING_SECTION_ID).map((s) => s.startBlock), context).toEqual(headings);
      for (const section of sections) {
        if (section.id === LEADING_SECTION_ID) {
          expect(section.startBlock, context).toBe(0);
          expect(blocks.slice(0, section.endBlock).every((b) => b.type !== 'heading'), context).toBe(true);
          continue;
        }
        expect(section.endBlock, context).toBe(referenceEnd(blocks, section.startBlock));
        const parent = sections.find((s) => s.id === section.parentId);
        if (parent) {
          expect(parent.startBlock < section.startBlock && parent.endBlock >= section.endBlock, context).toBe(true);
          expect(parent.level, context).toBeLessThan(section.level);
        }
      }
      // Every block has exactly one innermost section, and it is the nearest heading at or before it.
      blocks.forEach((_, index) => {
        const inner = innermostSectionAt(sections, index);
        const lastHeading = headings.filter((h) => h <= index).at(-1);
        expect(inner?.startBlock, context).toBe(lastHeading ?? 0);
      });
    }
  });

  it('nests subsections inside their parent and ends at a same-rank heading', () => {
    const h = (level: number, id: string): BlockSummary => ({ type: 'heading', level, sectionId: id, text: id });
    const p: BlockSummary = { type: 'paragraph', level: null, sectionId: null, text: '' };
    const sections = sectionsOf([p, h(1, 'a'), p, h(2, 'b'), p, h(1, 'c')]);
    expect(sections.map(({ id, startBlock, endBlock, parentId }) => [id, startBlock, endBlock, parentId])).toEqual([
      [LEADING_SECTION_ID, 0, 1, null],
      ['a', 1, 5, null],
      ['b', 3, 5, 'a'],
      ['c', 5, 6, null],
    ]);
  });

  it('names headings that have no id yet by position, never colliding with stamped ids', () => {
    const sections = sectionsOf([{ type: 'heading', level: 1, sectionId: null, text: 'New' }]);
    expect(sections[0]?.id).toBe('unstamped:0');
  });
});
