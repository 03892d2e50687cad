/**
 * Whether a ProseMirror transaction provably leaves the document's sections as they were, so that
 * whatever was derived from them (the outline, the lock decorations) can be kept, or mapped through the
 * transaction, instead of being recomputed by walking a possibly 200-page document on every keystroke.
 *
 * The rule: every range the transaction changes lies strictly inside one top-level block that is not a
 * heading and stays one, and the number of top-level blocks holds. Then no other block changes, no
 * heading changes (level, id or title), so every section keeps its blocks; and a node decoration on a top-level block survives
 * mapping, because neither end of the block is touched. Typing, deleting and formatting inside a
 * paragraph, list or quote pass; anything at the top level (Enter between blocks, joins, pastes of
 * blocks), any change in a heading and any attribute change fall back to a full recompute.
 */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import type { Transaction } from '@tiptap/pm/state';
import type { Step } from '@tiptap/pm/transform';

/** The ranges a step changes, in the document before it. Mark and attribute steps map no positions,
 *  so their own from/to/pos is used. */
export function stepRanges(step: Step): Array<{ from: number; to: number }> {
  const ranges: Array<{ from: number; to: number }> = [];
  step.getMap().forEach((oldStart, oldEnd) => ranges.push({ from: oldStart, to: oldEnd }));
  if (ranges.length > 0) return ranges;
  const json = step.toJSON() as { from?: unknown; to?: unknown; pos?: unknown };
  if (typeof json.from === 'number' && typeof json.to === 'number') ranges.push({ from: json.from, to: json.to });
  else if (typeof json.pos === 'number') ranges.push({ from: json.pos, to: json.pos + 1 });
  return ranges;
}

/** True when no step of `tr` can have changed a section (see the module comment); false when unsure. */
export function leavesSectionsUnchanged(tr: Transaction): boolean {
  for (let i = 0; i < tr.steps.length; i++) {
    const before = tr.docs[i] as ProseMirrorNode;
    const after = (tr.docs[i + 1] ?? tr.doc) as ProseMirrorNode;
    // A change inside one block can still split it (Enter inserts a slice that closes the block and
    // opens another), so the block count must hold too: then only that block changed.
    if (after.childCount !== before.childCount) return false;
    for (const { from, to } of stepRanges(tr.steps[i] as Step)) {
      const index = bodyBlockAround(before, from, to);
      if (index === null || after.child(index).type.name === 'heading') return false;
    }
  }
  return true;
}

/** The index of the top-level block, not a heading, that holds [from, to] strictly inside it; or null. */
function bodyBlockAround(doc: ProseMirrorNode, from: number, to: number): number | null {
  if (from < 0 || to > doc.content.size || from > to) return null;
  const $from = doc.resolve(from);
  const $to = doc.resolve(to);
  // Depth 0 is between top-level blocks (or at the edge of one): the block list itself changes there.
  if ($from.depth < 1 || $to.depth < 1 || $from.index(0) !== $to.index(0)) return null;
  return $from.node(1).type.name === 'heading' ? null : $from.index(0);
}
