/**
 * A restore rewrites the document as the server's own change, which no editor's undo history holds. Left
 * alone, Ctrl+Z after it undoes the edit someone made before the restore, against a document that no longer
 * has it, and brings that edit's old text back beside the restored copy ("The original plan.The original
 * plan."). So every editor forgets its undo history when a restore arrives; undoing the restore itself is
 * the restore banner's Undo (and Ctrl+Z while it shows, client/app/RestoredBanner.tsx).
 */
import type { Editor } from '@tiptap/core';
import { yUndoPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import type { CollabSession } from '../session/CollabSession.js';

/** Clears `editor`'s undo history on each restore `session` reports; returns the unsubscribe function. */
export function forgetUndoOnRestore(editor: Editor, session: CollabSession): () => void {
  let seen = session.getSnapshot().restored?.id ?? null;
  return session.subscribe(() => {
    const id = session.getSnapshot().restored?.id ?? null;
    if (id === null || id === seen) return;
    seen = id;
    if (editor.isDestroyed) return;
    (yUndoPluginKey.getState(editor.state) as { undoManager?: Y.UndoManager } | undefined)?.undoManager?.clear();
  });
}
