/**
 * The document schema's extensions, shared by the browser editor, headless test editors and the
 * server (which derives the ProseMirror schema with `getSchema` for section and history logic).
 * Collaboration-specific extensions (Collaboration, CollaborationCaret) are added by the client.
 */
import type { AnyExtension } from '@tiptap/core';
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import UniqueID from '@tiptap/extension-unique-id';
import StarterKit from '@tiptap/starter-kit';
import { SECTION_ID_ATTRIBUTE } from '../sections/blockSummaries.js';

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
    // Every heading carries a stable `sectionId` (the identity of its section for presence, locks and the
    // timeline). It is stamped by the client that creates the heading and re-issued when a split, copy or
    // paste duplicates one; transactions that came from other replicas (y-sync) are never re-stamped, so
    // two replicas never race to rename the same heading.
    UniqueID.configure({
      attributeName: SECTION_ID_ATTRIBUTE,
      types: ['heading'],
      filterTransaction: (transaction) => !isChangeOrigin(transaction),
    }),
  ];
}
