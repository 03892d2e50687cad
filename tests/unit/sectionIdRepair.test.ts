/** The deterministic repair of headings that share a sectionId (shared/sections/sectionIdRepair.ts). */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { headingIds, yHeading } from '../helpers/yBlocks.js';
import {
  derivedSectionId,
  headingsBySectionId,
  mayDuplicateSectionIds,
  repairDuplicateSectionIds,
  SectionIdRepairWatch,
} from '../../shared/sections/sectionIdRepair.js';

function docWith(clientID: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  return doc;
}

const fragmentOf = (doc: Y.Doc): Y.XmlFragment => doc.getXmlFragment('default');

const ids = (doc: Y.Doc): string[] => headingIds(fragmentOf(doc));

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
}

/** Two replicas that each inserted a copy of heading "s1" without seeing the other's (the seed-438 shape). */
function concurrentCopies(): { a: Y.Doc; b: Y.Doc } {
  const a = docWith(7);
  const b = docWith(3);
  fragmentOf(a).insert(0, [yHeading('s1', 'Title (A)')]);
  fragmentOf(b).insert(0, [yHeading('s1', 'Title (B)')]);
  sync(a, b);
  return { a, b };
}

describe('sectionId repair', () => {
  it('keeps the id on the copy with the lowest item id and gives the other one derived from its own item', () => {
    const { a } = concurrentCopies();
    expect(ids(a)).toEqual(['s1', 's1']);
    const [first, second] = [...(headingsBySectionId(fragmentOf(a)).get('s1') ?? [])].sort((x, y) => (x._item?.id.client ?? 0) - (y._item?.id.client ?? 0));
    expect(repairDuplicateSectionIds(fragmentOf(a))).toBe(1);
    expect(first?.getAttribute('sectionId')).toBe('s1');
    expect(second?.getAttribute('sectionId')).toBe(derivedSectionId(second!));
    expect(derivedSectionId(second!)).toMatch(/^h-7-[0-9a-z]+$/);
    expect(repairDuplicateSectionIds(fragmentOf(a))).toBe(0);
  });

  it('is deterministic: replicas that repair the same state on their own write the same ids', () => {
    const { a, b } = concurrentCopies();
    repairDuplicateSectionIds(fragmentOf(a));
    repairDuplicateSectionIds(fragmentOf(b));
    const repairedA = fragmentOf(a).toString();
    expect(fragmentOf(b).toString()).toBe(repairedA);
    sync(a, b);
    expect(fragmentOf(a).toString()).toBe(repairedA);
    expect(fragmentOf(b).toString()).toBe(repairedA);
    expect(new Set(ids(a)).size).toBe(2);
  });

  it('leaves a repaired id with its owner when someone copies that heading later', () => {
    const { a } = concurrentCopies();
    repairDuplicateSectionIds(fragmentOf(a));
    const renamed = [...headingsBySectionId(fragmentOf(a))].find(([id]) => id.startsWith('h-'));
    expect(renamed).toBeDefined();
    const [derivedId, [owner]] = renamed!;
    // A client with a lower id pastes a copy carrying the derived id.
    const c = docWith(1);
    sync(c, a);
    fragmentOf(c).insert(fragmentOf(c).length, [yHeading(derivedId, 'Pasted copy')]);
    sync(c, a);
    repairDuplicateSectionIds(fragmentOf(a));
    expect(owner?.getAttribute('sectionId')).toBe(derivedId);
    expect(new Set(ids(a)).size).toBe(3);
  });

  it('repairs headings nested in other blocks too', () => {
    const doc = docWith(5);
    const quote = new Y.XmlElement('blockquote');
    fragmentOf(doc).insert(0, [yHeading('x', 'Top'), quote]);
    quote.insert(0, [yHeading('x', 'Quoted')]);
    expect(repairDuplicateSectionIds(fragmentOf(doc))).toBe(1);
    expect(new Set(ids(doc)).size).toBe(2);
  });

  it('is only suspected after structure or a sectionId changed, never after typing', () => {
    const doc = docWith(9);
    let suspected = false;
    doc.on('afterTransaction', (transaction: Y.Transaction) => {
      suspected ||= mayDuplicateSectionIds(transaction);
    });
    const suspects = (change: () => void): boolean => {
      suspected = false;
      change();
      return suspected;
    };
    const title = yHeading('s1', 'Title');
    expect(suspects(() => fragmentOf(doc).insert(0, [title]))).toBe(true);
    expect(suspects(() => (title.get(0) as Y.XmlText).insert(5, ' more'))).toBe(false);
    expect(suspects(() => title.setAttribute('level', '2'))).toBe(false);
    expect(suspects(() => title.setAttribute('sectionId', 's2'))).toBe(true);
    expect(suspects(() => fragmentOf(doc).delete(0, 1))).toBe(true);
  });

  it('the watch scans only when something since its last call could have made a duplicate', () => {
    const doc = docWith(11);
    const watch = new SectionIdRepairWatch(fragmentOf(doc));
    try {
      const title = yHeading('s1', 'Title');
      fragmentOf(doc).insert(0, [title, yHeading('s1', 'Copy')]);
      expect(watch.repairIfNeeded()).toBe(1);
      // Its own repair does not make it suspicious again, and neither does typing.
      expect(watch.repairIfNeeded()).toBe(0);
      (title.get(0) as Y.XmlText).insert(0, 'A ');
      let updates = 0;
      doc.on('update', () => updates++);
      expect(watch.repairIfNeeded()).toBe(0);
      expect(updates).toBe(0);
      fragmentOf(doc).insert(2, [yHeading('s1', 'Another copy')]);
      expect(watch.repairIfNeeded()).toBe(1);
      expect(new Set(ids(doc)).size).toBe(3);
    } finally {
      watch.destroy();
    }
  });

  it('gives a heading without a sectionId (a hostile or broken client made it) its derived id, the same on every replica', () => {
    const a = docWith(5);
    const bare = new Y.XmlElement('heading');
    bare.setAttribute('level', 2 as unknown as string);
    fragmentOf(a).insert(0, [yHeading('s1', 'Kept'), bare]);
    const b = docWith(9);
    sync(b, a);
    expect(repairDuplicateSectionIds(fragmentOf(a))).toBe(1);
    expect(repairDuplicateSectionIds(fragmentOf(b))).toBe(1);
    expect(bare.getAttribute('sectionId')).toBe(derivedSectionId(bare));
    expect(fragmentOf(b).toString()).toBe(fragmentOf(a).toString());
    expect(ids(a)).toEqual([derivedSectionId(bare), 's1'].sort());
  });

  it('re-stamps a heading whose sectionId was removed, and the watch notices the removal', () => {
    const a = docWith(5);
    fragmentOf(a).insert(0, [yHeading('s1', 'Title')]);
    const watch = new SectionIdRepairWatch(fragmentOf(a));
    try {
      watch.repairIfNeeded();
      const heading = fragmentOf(a).get(0) as Y.XmlElement;
      heading.removeAttribute('sectionId');
      expect(watch.repairIfNeeded()).toBe(1);
      expect(heading.getAttribute('sectionId')).toBe(derivedSectionId(heading));
    } finally {
      watch.destroy();
    }
  });
});
