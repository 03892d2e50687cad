import Collaboration from '@tiptap/extension-collaboration';
import { Placeholder } from '@tiptap/extensions';
import type { Editor } from '@tiptap/core';
import { EditorContent, useEditor } from '@tiptap/react';
import { memo, useEffect, useMemo } from 'react';
import { DOCUMENT_FRAGMENT, documentExtensions } from '../../shared/editor/extensions.js';
import type { Identity } from '../identity/identity.js';
import type { LockClient } from '../locks/lockClient.js';
import { LockToast } from '../locks/LockToast.js';
import { SectionLocks } from '../locks/sectionLocksExtension.js';
import { PresenceCaret } from '../presence/presenceCaret.js';
import type { CollabSession } from '../session/CollabSession.js';
import { CaretActivity } from './caretActivity.js';
import { LinkShortcut } from './link.js';
import { forgetUndoOnRestore } from './undoAfterRestore.js';
import { Toolbar } from './Toolbar.js';

interface Props {
  session: CollabSession;
  identity: Identity;
  readOnly: boolean;
  /** Told about the editor once it exists (and null when it goes), for features beside it (presence, outline). */
  onEditor?: (editor: Editor | null) => void;
  /** Section locks (client/locks): enforced in the editor, with controls on headings. */
  locks?: LockClient;
}

/** Memoized: its props change rarely, while the page around it re-renders on every save-status change. */
export const DocumentEditor = memo(function DocumentEditor({ session, identity, readOnly, onEditor, locks }: Props) {
  const carets = useMemo(() => new CaretActivity(session.provider.awareness), [session]);
  useEffect(() => {
    carets.start();
    return () => carets.stop();
  }, [carets]);

  const editor = useEditor(
    {
      // Never pass `content`: the Y.Doc is the content, and every client would insert it again.
      extensions: [
        ...documentExtensions(),
        Collaboration.configure({ document: session.doc, field: DOCUMENT_FRAGMENT }),
        // The stock caret extension, drawing carets only for valid presence states (client/presence).
        PresenceCaret.configure({
          provider: session.provider,
          user: { name: identity.name, color: identity.color },
          render: carets.render,
        }),
        Placeholder.configure({ placeholder: 'Start writing… Type # for a heading, - for a list.' }),
        LinkShortcut,
        SectionLocks.configure({ client: locks ?? null, fragment: session.doc.getXmlFragment(DOCUMENT_FRAGMENT) }),
      ],
      editorProps: {
        attributes: { 'data-testid': 'editor', 'aria-label': 'Document', spellcheck: 'true' },
      },
    },
    // A new session is a new Y.Doc: the editor must be rebuilt around it. Identity changes are
    // pushed into awareness below instead, so a rename never tears down the editor.
    [session],
  );

  useEffect(() => {
    if (!editor || editor.isDestroyed) return;
    editor.commands.updateUser({ name: identity.name, color: identity.color });
  }, [editor, identity.name, identity.color]);

  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.setEditable(!readOnly);
  }, [editor, readOnly]);

  useEffect(() => (editor ? forgetUndoOnRestore(editor, session) : undefined), [editor, session]);

  useEffect(() => {
    if (!editor || !onEditor) return;
    onEditor(editor);
    return () => onEditor(null);
  }, [editor, onEditor]);

  if (!editor) return null;
  return (
    <>
      <Toolbar editor={editor} disabled={readOnly} />
      <main className="page">
        <EditorContent editor={editor} className="page__editor" />
        {locks && <LockToast locks={locks} />}
      </main>
    </>
  );
});
