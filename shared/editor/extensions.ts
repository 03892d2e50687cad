/**
 * The document schema's extensions, shared by the browser editor, headless test editors and the
 * server (which derives the ProseMirror schema with `getSchema` for section and history logic).
 * Collaboration-specific extensions (Collaboration, CollaborationCaret) are added by the client.
 */
import type { AnyExtension } from '@tiptap/core';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import StarterKit from '@tiptap/starter-kit';

/** The Y.XmlFragment every replica binds the editor to. */
export const DOCUMENT_FRAGMENT = 'default';

export function documentExtensions(): AnyExtension[] {
  return [
    StarterKit.configure({
      // Collaboration brings a Yjs-aware undo that only undoes this user's own changes.
      undoRedo: false,
      link: { openOnClick: false, autolink: true, defaultProtocol: 'https' },
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
  ];
}
