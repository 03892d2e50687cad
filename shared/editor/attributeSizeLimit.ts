/**
 * Keeps this editor's own changes inside the attribute size the server accepts (MAX_ATTRIBUTE_BYTES).
 *
 * The server refuses an update with a node attribute, or a mark's attributes, over the limit, and a
 * refused update closes its sender for good (4400 "attribute too large"). Honest editing can get there:
 * autolink turns the last word into a link when a space is typed, and a word glued to a long run of text
 * (someone else's 5,000 characters without a space, a pasted data: address) becomes a link address as long
 * as that run (structure fuzzer seed 2025: `www.tandem.dev ` typed after such a run). So the editor drops
 * a local transaction that would carry an oversized attribute. Autolink appends its link in a transaction
 * of its own, which ProseMirror filters on its own: the typed space stays, only the link is not made. A
 * paste or a setLink that would break the limit does nothing instead of costing the session.
 *
 * Only what the steps add is looked at (the inserted slice, the added mark, the set attribute), so a
 * keystroke costs the size of one text node. Changes from other replicas (y-sync) are never filtered.
 */
import { Extension } from '@tiptap/core';
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import type { Mark, Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Plugin, PluginKey, type Transaction } from '@tiptap/pm/state';
import { AddMarkStep, AddNodeMarkStep, AttrStep, ReplaceAroundStep, ReplaceStep, type Step } from '@tiptap/pm/transform';
import { fitsAttributeLimit } from './schemaRules.js';

const markFits = (mark: Mark): boolean => fitsAttributeLimit(mark.attrs);

function nodeFits(node: ProseMirrorNode): boolean {
  return Object.values(node.attrs).every(fitsAttributeLimit) && node.marks.every(markFits);
}

function stepFits(step: Step): boolean {
  if (step instanceof ReplaceStep || step instanceof ReplaceAroundStep) {
    let fits = true;
    step.slice.content.descendants((node) => {
      fits &&= nodeFits(node);
      return fits;
    });
    return fits;
  }
  if (step instanceof AddMarkStep || step instanceof AddNodeMarkStep) return markFits(step.mark);
  if (step instanceof AttrStep) return fitsAttributeLimit(step.value);
  return true;
}

export function transactionOutgrowsAttributes(tr: Transaction): boolean {
  return tr.docChanged && !tr.steps.every(stepFits);
}

export const AttributeSizeLimit = Extension.create({
  name: 'attributeSizeLimit',

  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: new PluginKey('attributeSizeLimit'),
        filterTransaction: (tr) => isChangeOrigin(tr) || !transactionOutgrowsAttributes(tr),
      }),
    ];
  },
});
