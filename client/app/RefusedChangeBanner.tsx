import { useState } from 'react';
import type { CollabSession, DiscardOutcome } from '../session/CollabSession.js';
import { useCopyDocumentText } from './copyText.js';

/**
 * The server refused a change of ours, or dropped it because our role no longer allows editing: it is still
 * on this device (and would be sent again on every reload). Two ways out, in order: copy the text, then
 * discard what the server does not have.
 */
type DiscardState = { kind: 'idle' } | { kind: 'confirming' } | { kind: 'working' } | { kind: 'stuck'; outcome: Exclude<DiscardOutcome, 'reloading'> };

export function RefusedChangeBanner({ message, session, testId = 'error-banner' }: { message: string; session: CollabSession; testId?: string }) {
  const { copy, copyText, textareaRef } = useCopyDocumentText(session);
  const [discard, setDiscard] = useState<DiscardState>({ kind: 'idle' });

  const discardChanges = async (): Promise<void> => {
    setDiscard({ kind: 'working' });
    const outcome = await session.discardUnsyncedChanges();
    // 'reloading': the page is going away; leave the banner as it is until it does.
    if (outcome !== 'reloading') setDiscard({ kind: 'stuck', outcome });
  };

  return (
    <div className="banner banner--bad banner--stacked" role="alert" data-testid={testId}>
      <p className="banner__text">{message}</p>
      {discard.kind === 'confirming' ? (
        <div className="banner__confirm" data-testid="discard-confirm">
          <p className="banner__text">
            Discard everything on this device that the server doesn&apos;t have, including the refused change? The page then reloads with the
            server&apos;s version of the document. Copy your text first if you need it.
          </p>
          <div className="banner__actions">
            <button type="button" className="button button--small button--danger" data-testid="discard-confirm-button" onClick={() => void discardChanges()}>
              Discard and reload
            </button>
            <button type="button" className="button button--small" onClick={() => setDiscard({ kind: 'idle' })}>
              Keep them
            </button>
          </div>
        </div>
      ) : (
        <div className="banner__actions">
          <button type="button" className="button button--small" data-testid="copy-my-text" onClick={() => void copyText()}>
            {copy.kind === 'copied' ? 'Copied' : 'Copy my text'}
          </button>
          <button
            type="button"
            className="button button--small"
            data-testid="discard-unsynced"
            disabled={discard.kind === 'working'}
            onClick={() => setDiscard({ kind: 'confirming' })}
          >
            {discard.kind === 'working' ? 'Discarding…' : 'Discard unsynced changes'}
          </button>
        </div>
      )}
      <span className="visually-hidden" aria-live="polite">
        {copy.kind === 'copied' ? 'Your text was copied to the clipboard' : ''}
      </span>
      {discard.kind === 'stuck' && (
        <p className="banner__text" data-testid="discard-stuck">
          {discard.outcome === 'blocked'
            ? 'This document is open in another tab, which keeps the unsynced change. Close that tab, then discard again.'
            : "This device's copy could not be cleared. Reload the page and try again."}
        </p>
      )}
      {copy.kind === 'manual' && (
        <label className="field banner__copy">
          <span className="field__label">Your text is selected: press Ctrl+C (⌘C on a Mac) to copy it.</span>
          <textarea ref={textareaRef} className="field__input" readOnly rows={5} value={copy.text} data-testid="copy-fallback" />
        </label>
      )}
    </div>
  );
}
