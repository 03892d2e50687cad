/**
 * In place of the editor when the document cannot be opened: our access ended while it was open
 * (removed, link reset, document deleted), or there is no such document for us. When access ended while it
 * was open, whatever this device holds that the server never got can still be copied out.
 */
import type { CollabSession, SessionSnapshot } from '../session/CollabSession.js';
import { useCopyDocumentText } from './copyText.js';
import { navigate } from './route.js';

export function RevokedScreen({ session, snapshot }: { session: CollabSession; snapshot: SessionSnapshot }) {
  return (
    <main className="problem" role="alert" data-testid="revoked">
      <h1>You no longer have access to this document</h1>
      <p className="muted">The owner removed your access, reset the link you used, or moved the document to the trash. Ask the owner if you still need it.</p>
      {unsynced(snapshot) && <LocalCopy session={session} text="Changes you made that had not reached the server are still on this device." />}
      <HomeButton />
    </main>
  );
}

/** No copy is offered here: on a shared computer, what this device holds may be someone else's. */
export function NotFoundScreen({ cameWithLink }: { cameWithLink: boolean }) {
  return (
    <main className="problem" role="alert" data-testid="not-found">
      <h1>Document not found or you don&apos;t have access</h1>
      <p className="muted">
        {cameWithLink
          ? 'This link does not work any more: the owner may have reset it or turned link sharing off. Ask them for a new one.'
          : 'Check the address, or ask the owner to share it with you.'}
      </p>
      <HomeButton />
    </main>
  );
}

function unsynced(snapshot: SessionSnapshot): boolean {
  return snapshot.pendingChanges > 0 || (snapshot.access?.changeDropped ?? false);
}

function LocalCopy({ session, text }: { session: CollabSession; text: string }) {
  const { copy, copyText, textareaRef } = useCopyDocumentText(session);
  return (
    <div className="problem__copy">
      <p>{text}</p>
      <button type="button" className="button" data-testid="copy-my-text" onClick={() => void copyText()}>
        {copy.kind === 'copied' ? 'Copied' : 'Copy my text'}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {copy.kind === 'copied' ? 'Your text was copied to the clipboard' : ''}
      </span>
      {copy.kind === 'manual' && (
        <label className="field banner__copy">
          <span className="field__label">Your text is selected: press Ctrl+C (⌘C on a Mac) to copy it.</span>
          <textarea ref={textareaRef} className="field__input" readOnly rows={5} value={copy.text} data-testid="copy-fallback" />
        </label>
      )}
    </div>
  );
}

function HomeButton() {
  return (
    <button type="button" className="button button--primary" onClick={() => navigate('/')} data-testid="go-home">
      Go to your documents
    </button>
  );
}
