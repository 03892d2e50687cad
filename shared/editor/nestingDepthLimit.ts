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
 * elements (hardBreak) do. Only the parts of the document the transaction's steps touched are looked at:
 * for each step, everything from the first to the last position its step map changed, mapped to the
 * final document. That span includes what a ReplaceAroundStep moves without replacing (its gap): wrapping
 * a block in a list is one such step, whose map changes only the wrapper's opening and closing tokens
 * while the wrapped block and everything in it go two levels deeper. Tiptap's `getChangedRanges` reports
 * only those tokens; checking only them let a list toggled around a paragraph at depth 39 through (list
 * 39, item 40, paragraph 41), and the server refused its author (structure fuzzer seeds 1100, 1103, 1135,
 * "block taskList:true").
 */
import { Extension } from '@tiptap/core';
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

/** For each step that changed positions, the span of the final document it touched (gaps included). */
function touchedSpans(tr: Transaction): Array<{ from: number; to: number }> {
  const spans: Array<{ from: number; to: number }> = [];
  tr.mapping.maps.forEach((map, index) => {
    let from = Infinity;
    let to = -Infinity;
    map.forEach((_oldStart, _oldEnd, newStart, newEnd) => {
      from = Math.min(from, newStart);
      to = Math.max(to, newEnd);
    });
    // Mark and attribute steps change no positions and no depth.
    if (from > to) return;
    const later = tr.mapping.slice(index + 1);
    spans.push({ from: later.map(from, -1), to: later.map(to, 1) });
  });
  return spans;
}

export function transactionNestsTooDeep(tr: Transaction): boolean {
  if (!tr.docChanged) return false;
  const size = tr.doc.content.size;
  return touchedSpans(tr).some(({ from, to }) => nestsTooDeep(tr.doc, Math.max(0, Math.min(from, size)), Math.min(Math.max(to, from), size)));
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
