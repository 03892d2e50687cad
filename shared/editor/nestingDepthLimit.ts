/**
 * Keeps this editor's own changes inside the nesting depth the server accepts (MAX_NESTING_DEPTH).
 *
 * The server refuses an update that nests an element deeper than the limit, and a refused update closes
 * the sender for good (4400). Someone else can build a document right up to the limit (structure fuzzer:
 * a paragraph at depth 40 inside 39 blockquotes is valid); an honest Shift-Enter there (a hardBreak at
 * depth 41) or wrapping it in a list would then get its author refused. So the editor applies the
 * server's rule to its own transactions first and drops one that would break it: the keystroke does
 * nothing instead of costing the session. Changes that arrive from other replicas (y-sync) are never
 * filtered, or the editor would stop showing its Y.Doc.
 *
 * Depth counts elements as the server does: a top-level block is 1; text does not count, inline
 * elements (hardBreak) do. Only the ranges the transaction changed are looked at.
 */
import { Extension, getChangedRanges } from '@tiptap/core';
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Plugin, PluginKey, type Transaction } from '@tiptap/pm/state';
import { MAX_NESTING_DEPTH } from './schemaRules.js';

/** Whether any element in `[from, to)` of `doc` sits deeper than the limit. */
function nestsTooDeep(doc: ProseMirrorNode, from: number, to: number): boolean {
  let tooDeep = false;
  doc.nodesBetween(from, to, (node, pos) => {
    if (tooDeep || node.isText) return false;
    // The node's own depth: one more than the depth of the position before it.
    if (doc.resolve(pos).depth + 1 > MAX_NESTING_DEPTH) tooDeep = true;
    return !tooDeep;
  });
  return tooDeep;
}

export function transactionNestsTooDeep(tr: Transaction): boolean {
  if (!tr.docChanged) return false;
  return getChangedRanges(tr).some(({ newRange }) => nestsTooDeep(tr.doc, newRange.from, Math.min(newRange.to, tr.doc.content.size)));
}

export const NestingDepthLimit = Extension.create({
  name: 'nestingDepthLimit',

  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: new PluginKey('nestingDepthLimit'),
        filterTransaction: (tr) => isChangeOrigin(tr) || !transactionNestsTooDeep(tr),
      }),
    ];
  },
});
