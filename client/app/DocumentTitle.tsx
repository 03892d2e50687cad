import { useEffect, useRef, useState } from 'react';
import { MAX_TITLE_LENGTH } from '../../shared/accounts/api.js';
import { sentence } from '../accounts/api.js';

/**
 * The title in the top bar: a field that looks like text for editors and the owner (Enter or leaving it
 * saves, Esc cancels), plain text for everyone else.
 */
export function DocumentTitle({ title, editable, onRename }: { title: string; editable: boolean; onRename(title: string): Promise<void> }) {
  const [draft, setDraft] = useState(title);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  // Esc must not save on the blur that follows it.
  const cancelled = useRef(false);

  useEffect(() => {
    if (!editing) setDraft(title);
  }, [title, editing]);

  useEffect(() => {
    if (!error) return;
    const timer = setTimeout(() => setError(null), 5_000);
    return () => clearTimeout(timer);
  }, [error]);

  if (!editable) {
    return (
      <h1 className="topbar__title" data-testid="doc-title" title={title}>
        {title}
      </h1>
    );
  }

  const save = async (): Promise<void> => {
    const next = draft.trim().replace(/\s+/g, ' ');
    if (cancelled.current || next === '' || next === title) {
      cancelled.current = false;
      setDraft(title);
      setEditing(false);
      return;
    }
    try {
      await onRename(next);
    } catch (caught) {
      setDraft(title);
      setError(`Couldn't rename: ${sentence(caught)}`);
    } finally {
      // Still "editing" until the answer: the old title must not flash back in the meantime.
      setEditing(false);
    }
  };

  return (
    <div className="title-field">
      <h1 className="visually-hidden">{title}</h1>
      <input
        ref={inputRef}
        className="title-field__input"
        data-testid="doc-title-input"
        aria-label="Document title"
        value={draft}
        maxLength={MAX_TITLE_LENGTH}
        size={Math.max(8, Math.min(40, draft.length + 1))}
        onFocus={() => setEditing(true)}
        onChange={(event) => setDraft(event.target.value)}
        onBlur={() => void save()}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            inputRef.current?.blur();
          } else if (event.key === 'Escape') {
            event.preventDefault();
            cancelled.current = true;
            inputRef.current?.blur();
          }
        }}
      />
      {error && (
        <span className="title-field__error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
