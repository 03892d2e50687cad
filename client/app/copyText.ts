import { useEffect, useRef, useState } from 'react';
import { DOCUMENT_FRAGMENT } from '../../shared/editor/extensions.js';
import { documentPlainText } from '../editor/plainText.js';
import type { CollabSession } from '../session/CollabSession.js';

/** "Copy my text": the clipboard when the browser allows it, else the text selected in a field. */
export type CopyState = { kind: 'idle' } | { kind: 'copied' } | { kind: 'manual'; text: string };

/** How long "Copied" stays on the button: long enough to read, then back to the action. */
const COPIED_MS = 2_000;

export function useCopyDocumentText(session: CollabSession) {
  const [copy, setCopy] = useState<CopyState>({ kind: 'idle' });
  const textareaRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (copy.kind !== 'copied') return;
    const timer = setTimeout(() => setCopy({ kind: 'idle' }), COPIED_MS);
    return () => clearTimeout(timer);
  }, [copy]);

  useEffect(() => {
    if (copy.kind !== 'manual') return;
    textareaRef.current?.focus();
    textareaRef.current?.select();
  }, [copy]);

  const copyText = async (): Promise<void> => {
    // From the Y.Doc, not the editor: what is only on this device may be text the editor cannot show.
    const text = documentPlainText(session.doc.getXmlFragment(DOCUMENT_FRAGMENT));
    try {
      // Needs a secure context and, in some browsers, permission; fall back to a selected text field.
      await navigator.clipboard.writeText(text);
      setCopy({ kind: 'copied' });
    } catch {
      setCopy({ kind: 'manual', text });
    }
  };

  return { copy, copyText, textareaRef };
}
