/**
 * The document schema's extensions, shared by the browser editor, headless test editors and the
 * server (which derives the ProseMirror schema with `getSchema` for section and history logic).
 * Collaboration-specific extensions (Collaboration, CollaborationCaret) are added by the client.
 */
import { type AnyExtension, Extension } from '@tiptap/core';
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import UniqueID, { type UniqueIDOptions } from '@tiptap/extension-unique-id';
import StarterKit from '@tiptap/starter-kit';
import { yUndoPluginKey } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { SECTION_ID_ATTRIBUTE } from '../sections/blockSummaries.js';
import { headingsBySectionId, SECTION_ID_REPAIR_ORIGIN } from '../sections/sectionIdRepair.js';
import { AttributeSizeLimit } from './attributeSizeLimit.js';
import { CrossBlockEnter } from './crossBlockEnter.js';
import { LocalAutolinkLink } from './localAutolink.js';
import { NestingDepthLimit } from './nestingDepthLimit.js';
import { StaleSelectionRecovery } from './staleSelectionRecovery.js';

/** The Y.XmlFragment every replica binds the editor to. */
export const DOCUMENT_FRAGMENT = 'default';

/**
 * Undo and redo can bring back a heading whose `sectionId` another heading already carries, and UniqueID
 * cannot see it: y-tiptap applies undo to Yjs and renders it as a y-sync transaction, which UniqueID
 * skips, and anything appended to that transaction is never written back to Yjs. Found by convergence
 * seed 129: A wraps heading H in a blockquote (y-tiptap deletes H and inserts a copy inside the quote);
 * B lifts it out again (deletes the copy, inserts another copy at the top level); A undoes the wrap,
 * which restores H itself — now two headings carry H's id. Yjs restores deleted items on undo even when
 * someone has since moved their content elsewhere, so the duplicated block is upstream behaviour; the
 * shared id is ours to repair. Only the replica that undid repairs, in its own transaction, and only the
 * headings its undo created, so replicas never race to rename the same heading.
 */
const SectionIdUndoRepair = Extension.create<Record<string, never>, { cleanup: (() => void) | null }>({
  name: 'sectionIdUndoRepair',

  addStorage() {
    return { cleanup: null };
  },

  onCreate() {
    const undoManager = (yUndoPluginKey.getState(this.editor.state) as { undoManager?: Y.UndoManager } | undefined)?.undoManager;
    const uniqueId = this.editor.extensionManager.extensions.find((extension) => extension.name === 'uniqueID');
    if (!undoManager || !uniqueId) return;
    const generateID = (uniqueId.options as UniqueIDOptions).generateID;
    const doc = undoManager.doc;
    // The clock range the last undo/redo transaction created items in (y-tiptap renders it before the
    // undo manager announces the popped stack item, so the repair runs after the editor is up to date).
    let created: { from: number; to: number } | null = null;
    const onTransaction = (tr: Y.Transaction): void => {
      if (tr.origin !== undoManager) return;
      created = { from: tr.beforeState.get(doc.clientID) ?? 0, to: tr.afterState.get(doc.clientID) ?? 0 };
    };
    const onPopped = (): void => {
      const range = created;
      created = null;
      if (!range || range.from === range.to) return;
      const byId = new Map<string, Y.XmlElement[]>();
      for (const type of undoManager.scope) {
        if (!(type instanceof Y.XmlFragment)) continue;
        for (const [id, headings] of headingsBySectionId(type)) byId.set(id, [...(byId.get(id) ?? []), ...headings]);
      }
      const restored = (element: Y.XmlElement): boolean => {
        const id = element._item?.id;
        return id !== undefined && id.client === doc.clientID && id.clock >= range.from && id.clock < range.to;
      };
      const stale: Y.XmlElement[] = [];
      for (const elements of byId.values()) {
        if (elements.length < 2) continue;
        const mine = elements.filter(restored);
        // Keep the heading that was already there; if the undo created every copy, keep the first.
        stale.push(...(mine.length === elements.length ? mine.slice(1) : mine));
      }
      if (stale.length === 0) return;
      const { state } = this.editor;
      doc.transact(() => {
        // Tandem's generators ignore the context; UniqueID's type asks for one.
        for (const element of stale) element.setAttribute(SECTION_ID_ATTRIBUTE, generateID({ node: state.doc, pos: 0 }) as string);
        // Not an origin the undo manager tracks: the repair neither becomes an undo step nor clears redo.
      }, SECTION_ID_REPAIR_ORIGIN);
    };
    doc.on('afterTransaction', onTransaction);
    undoManager.on('stack-item-popped', onPopped);
    this.storage.cleanup = () => {
      doc.off('afterTransaction', onTransaction);
      undoManager.off('stack-item-popped', onPopped);
    };
  },

  onDestroy() {
    this.storage.cleanup?.();
  },
});

export function documentExtensions(): AnyExtension[] {
  return [
    StarterKit.configure({
      // Collaboration brings a Yjs-aware undo that only undoes this user's own changes.
      undoRedo: false,
      // Replaced by LocalAutolinkLink: Tiptap's autolink also reacts to y-sync renders.
      link: false,
    }),
    LocalAutolinkLink.configure({ openOnClick: false, autolink: true, defaultProtocol: 'https' }),
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
    SectionIdUndoRepair,
    StaleSelectionRecovery,
    CrossBlockEnter,
    NestingDepthLimit,
    AttributeSizeLimit,
  ];
}
