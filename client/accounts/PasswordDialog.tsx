import { useState, type FormEvent } from 'react';
import { MIN_PASSWORD_LENGTH } from '../../shared/accounts/api.js';
import { Dialog } from '../app/Dialog.js';
import { ApiError, authApi, sentence } from './api.js';

/** Current and new password. Other sessions of the account end on success (the server's rule), so say so. */
export function PasswordDialog({ onClose }: { onClose(): void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (next.length < MIN_PASSWORD_LENGTH) return setError(`Choose a new password of at least ${MIN_PASSWORD_LENGTH} characters.`);
    setBusy(true);
    setError(null);
    try {
      await authApi.changePassword({ currentPassword: current, newPassword: next });
      setDone(true);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 429 ? `Too many attempts. Try again in ${caught.retryAfterSeconds ?? 60} s.` : sentence(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title="Change password" onClose={onClose} testId="password-dialog">
      {done ? (
        <div className="dialog__section">
          <p role="status">Your password was changed. Every other device signed in to this account was signed out.</p>
          <div className="dialog__actions">
            <button type="button" className="button button--primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form className="dialog__section dialog__form" onSubmit={(event) => void submit(event)} noValidate>
          <label className="field">
            <span className="field__label">Current password</span>
            <input className="field__input" type="password" autoComplete="current-password" value={current} onChange={(event) => setCurrent(event.target.value)} autoFocus data-testid="current-password" />
          </label>
          <label className="field">
            <span className="field__label">New password</span>
            <input className="field__input" type="password" autoComplete="new-password" value={next} onChange={(event) => setNext(event.target.value)} data-testid="new-password" />
            <span className="field__hint">At least {MIN_PASSWORD_LENGTH} characters. Other devices will be signed out.</span>
          </label>
          {error && (
            <p className="field__error" role="alert" data-testid="password-error">
              {error}
            </p>
          )}
          <div className="dialog__actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={busy} data-testid="password-save">
              {busy ? 'Changing…' : 'Change password'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
