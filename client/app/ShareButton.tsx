import { useEffect, useRef, useState } from 'react';

type ShareState = { kind: 'idle' } | { kind: 'copied' } | { kind: 'manual'; url: string };

/** How long "Link copied" stays: long enough to read, short enough not to linger. */
const CONFIRMATION_MS = 2_000;

export function ShareButton() {
  const [state, setState] = useState<ShareState>({ kind: 'idle' });
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (state.kind !== 'copied') return;
    const timer = setTimeout(() => setState({ kind: 'idle' }), CONFIRMATION_MS);
    return () => clearTimeout(timer);
  }, [state]);

  useEffect(() => {
    if (state.kind === 'manual') inputRef.current?.select();
  }, [state]);

  const share = async (): Promise<void> => {
    const url = location.href;
    try {
      // Needs a secure context and, in some browsers, permission; fall back to a selectable field.
      await navigator.clipboard.writeText(url);
      setState({ kind: 'copied' });
    } catch {
      setState({ kind: 'manual', url });
    }
  };

  return (
    <div className="share">
      <button type="button" className="button button--primary" data-testid="share-button" onClick={() => void share()}>
        {state.kind === 'copied' ? 'Link copied' : 'Share'}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {state.kind === 'copied' ? 'Link copied to the clipboard' : ''}
      </span>
      {state.kind === 'manual' && (
        <div className="popover share__fallback" role="dialog" aria-label="Share link">
          <label className="field">
            <span className="field__label">Copy this link to share the document</span>
            <input ref={inputRef} className="field__input" readOnly value={state.url} data-testid="share-link" />
          </label>
          <button type="button" className="button" onClick={() => setState({ kind: 'idle' })}>
            Done
          </button>
        </div>
      )}
    </div>
  );
}
