/**
 * Undo and redo bypass the editor's transaction filter: y-tiptap's undo manager changes the Y.Doc
 * directly, and the result reaches ProseMirror as a y-sync transaction, which the filter must let
 * through (it is also how remote edits arrive). So the undo manager of this tab is guarded at its own
 * entry points: before an undo or redo step runs, its recorded insertions and deletions are mapped to
 * top-level blocks; a step that would change a section someone else holds is not run.
 *
 * Wrapping the instance's `undo`/`redo` (rather than Tiptap's commands or shortcuts) covers every path
 * that reaches them: keyboard shortcuts, the toolbar, and `editor.commands.undo()`.
 */
import * as Y from 'yjs';
import { blocksFromYFragment } from '../../shared/sections/blockSummaries.js';
import { sectionsOf } from '../../shared/sections/sectionModel.js';

/** Structural view of Yjs' DeleteSet (the class is not exported by yjs' typings). */
interface IdRanges {
  clients: Map<number, Array<{ clock: number; len: number }>>;
}
interface StackItemLike {
  insertions: IdRanges;
  deletions: IdRanges;
}

const guarded = new WeakSet<Y.UndoManager>();

/**
 * Makes `undoManager` skip (and report) any step that would touch a section in `lockedSectionIds()`.
 * `onBlocked` receives the section id. Idempotent per undo manager.
 */
export function guardUndoManager(
  undoManager: Y.UndoManager,
  fragment: Y.XmlFragment,
  lockedSectionIds: () => ReadonlySet<string>,
  onBlocked: (sectionId: string) => void,
): void {
  if (guarded.has(undoManager)) return;
  guarded.add(undoManager);
  const undo = undoManager.undo.bind(undoManager);
  const redo = undoManager.redo.bind(undoManager);
  const blocked = (stack: StackItemLike[]): boolean => {
    const top = stack[stack.length - 1];
    const locked = lockedSectionIds();
    if (!top || locked.size === 0) return false;
    const sectionId = stackItemTouches(fragment, top, locked);
    if (sectionId === null) return false;
    onBlocked(sectionId);
    return true;
  };
  undoManager.undo = () => (blocked(undoManager.undoStack as unknown as StackItemLike[]) ? null : undo());
  undoManager.redo = () => (blocked(undoManager.redoStack as unknown as StackItemLike[]) ? null : redo());
}

/** The locked section an undo/redo step would change, or null. */
export function stackItemTouches(fragment: Y.XmlFragment, stackItem: StackItemLike, locked: ReadonlySet<string>): string | null {
  const doc = fragment.doc;
  if (!doc) return null;
  // Top-level block → locked section id, for the sections in question only.
  const children = fragment.toArray();
  const lockedBlocks = new Map<unknown, string>();
  for (const section of sectionsOf(blocksFromYFragment(fragment))) {
    if (!locked.has(section.id)) continue;
    for (let i = section.startBlock; i < section.endBlock; i++) lockedBlocks.set(children[i], section.id);
  }
  if (lockedBlocks.size === 0) return null;
  for (const ranges of [stackItem.insertions, stackItem.deletions]) {
    for (const [client, items] of ranges.clients) {
      const structs = doc.store.clients.get(client);
      if (!structs) continue;
      for (const { clock, len } of items) {
        for (let index = Y.findIndexSS(structs, clock); index < structs.length; index++) {
          const struct = structs[index];
          if (!struct || struct.id.clock >= clock + len) break;
          if (!(struct instanceof Y.Item)) continue;
          const sectionId = sectionOfItem(struct, fragment, lockedBlocks);
          if (sectionId !== null) return sectionId;
        }
      }
    }
  }
  return null;
}

function sectionOfItem(struct: Y.Item, fragment: Y.XmlFragment, lockedBlocks: Map<unknown, string>): string | null {
  let item: Y.Item | null = struct;
  while (item !== null && item.parent !== fragment) {
    const parent = item.parent as Y.AbstractType<unknown> | null;
    item = parent instanceof Y.AbstractType ? parent._item : null;
  }
  if (item === null) return null;
  if (!item.deleted) return lockedBlocks.get((item.content as Y.ContentType).type) ?? null;
  // A deleted block would come back where it was: inside a locked section if the nearest surviving
  // block before it belongs to one.
  let left = item.left;
  while (left !== null && left.deleted) left = left.left;
  return left === null ? null : (lockedBlocks.get((left.content as Y.ContentType).type) ?? null);
}
