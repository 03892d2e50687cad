/** Clearing mark combinations the schema forbids (shared/editor/markExclusionRepair.ts). */
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { excludedAttributes, MarkExclusionRepairWatch } from '../../shared/editor/markExclusionRepair.js';
import { documentSchema } from '../../shared/editor/schema.js';

const schema = documentSchema();

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
}

/** One paragraph "make this code" on two replicas that have both seen it. */
function twoReplicas(): { a: Y.Doc; b: Y.Doc; textOf: (doc: Y.Doc) => Y.XmlText } {
  const a = new Y.Doc();
  a.clientID = 1;
  const b = new Y.Doc();
  b.clientID = 2;
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [new Y.XmlText('make this code')]);
  a.getXmlFragment('default').insert(0, [paragraph]);
  sync(a, b);
  const textOf = (doc: Y.Doc): Y.XmlText => (doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
  return { a, b, textOf };
}

describe('mark exclusion', () => {
  it('lets a mark that excludes another win over it, and leaves compatible marks alone', () => {
    expect(excludedAttributes({ code: {}, bold: {} }, schema)).toEqual(['bold']);
    expect(excludedAttributes({ italic: {}, code: {}, link: { href: 'https://example.org' } }, schema).sort()).toEqual(['italic', 'link']);
    expect(excludedAttributes({ bold: {}, italic: {}, strike: {} }, schema)).toEqual([]);
    expect(excludedAttributes({ code: {}, ychange: { type: 'added' } }, schema)).toEqual([]);
    expect(excludedAttributes({ code: {}, unknownMark: {} }, schema)).toEqual([]);
  });

  it('repairs what concurrent `code` and bold left on the same word, and every replica converges on it', () => {
    const { a, b, textOf } = twoReplicas();
    textOf(a).format(10, 4, { code: {} });
    textOf(b).format(5, 9, { bold: {} });
    sync(a, b);
    const invalid = yXmlFragmentToProseMirrorRootNode(a.getXmlFragment('default'), schema);
    expect(() => invalid.check()).toThrow(/Invalid collection of marks/);

    const watch = new MarkExclusionRepairWatch(a, schema);
    try {
      textOf(a).insert(0, 'Please ');
      expect(watch.repairIfNeeded()).toBe(1);
      expect(watch.repairIfNeeded()).toBe(0);
    } finally {
      watch.destroy();
    }
    sync(a, b);
    for (const doc of [a, b]) {
      const repaired = yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment('default'), schema);
      expect(() => repaired.check()).not.toThrow();
      expect(textOf(doc).toDelta()).toEqual([
        { insert: 'Please make ' },
        { insert: 'this ', attributes: { bold: {} } },
        { insert: 'code', attributes: { code: {} } },
      ]);
    }
  });

  it('checks text created in the transaction too (a block re-created with its formatting)', () => {
    const doc = new Y.Doc();
    const watch = new MarkExclusionRepairWatch(doc, schema);
    try {
      const paragraph = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      text.insert(0, 'moved', { code: {}, bold: {} });
      paragraph.insert(0, [text]);
      doc.getXmlFragment('default').insert(0, [paragraph]);
      expect(watch.repairIfNeeded()).toBe(1);
      expect(text.toDelta()).toEqual([{ insert: 'moved', attributes: { code: {} } }]);
    } finally {
      watch.destroy();
    }
  });

  it('checks only the texts that changed since its last run', () => {
    const { a, textOf } = twoReplicas();
    const watch = new MarkExclusionRepairWatch(a, schema);
    try {
      expect(watch.repairIfNeeded()).toBe(0);
      // Its own repair origin does not count as a change.
      a.transact(() => textOf(a).format(0, 4, { code: {}, bold: {} }), 'tandem:mark-exclusion-repair');
      expect(watch.repairIfNeeded()).toBe(0);
      textOf(a).insert(0, 'x');
      expect(watch.repairIfNeeded()).toBe(1);
    } finally {
      watch.destroy();
    }
  });
});
