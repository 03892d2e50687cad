/**
 * Restore as a forward change: the old state is rebuilt in a throwaway doc, converted to ProseMirror
 * with the document schema, and `updateYFragment` diffs it into the live `default` fragment inside one
 * server transaction. Unchanged blocks keep their Yjs identity (a minimal diff), the change flows
 * through the normal durable write path and broadcast, every client converges on it, and it is itself
 * an event that a later restore can undo. The stored log is never rewritten.
 */
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { updateYFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { documentSchema } from '../../shared/editor/schema.js';
import { blocksFromProseMirror, blocksFromYFragment } from '../../shared/sections/blockSummaries.js';
import { sectionsOf, type Section } from '../../shared/sections/sectionModel.js';
import type { ServerChangeEvent, ServerChangeTarget } from './serverChange.js';

export function fragmentToProseMirror(doc: Y.Doc): ProseMirrorNode {
  return yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(DOCUMENT_FRAGMENT), documentSchema());
}

/** Sections whose content differs between the live document and the restored one (by section id). */
export function sectionsChangedByRestore(live: Y.Doc, target: ProseMirrorNode): string[] {
  const liveBlocks = blocksFromYFragment(live.getXmlFragment(DOCUMENT_FRAGMENT));
  const targetBlocks = blocksFromProseMirror(target);
  const render = (blocks: typeof liveBlocks, sections: Section[]): Map<string, string> =>
    new Map(sections.map((s) => [s.id, JSON.stringify(blocks.slice(s.startBlock, s.endBlock))]));
  const before = render(liveBlocks, sectionsOf(liveBlocks));
  const after = render(targetBlocks, sectionsOf(targetBlocks));
  const changed = new Set<string>();
  for (const [id, content] of before) if (after.get(id) !== content) changed.add(id);
  for (const id of after.keys()) if (!before.has(id)) changed.add(id);
  return [...changed];
}

/** Applies `target` to the live room as one forward server transaction recorded as `event`. */
export async function applyRestore(room: ServerChangeTarget, target: ProseMirrorNode, event: ServerChangeEvent): Promise<void> {
  await room.applyServerChange(
    (doc) => updateYFragment(doc, doc.getXmlFragment(DOCUMENT_FRAGMENT), target, { mapping: new Map(), isOMark: new Map() }),
    event,
  );
}
